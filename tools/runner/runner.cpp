#include "runner.h"
#include "platform_io.h"

#include "firmware/apps/inference/bootinfo.h"
#include "firmware/apps/inference/inference.h"
#include "hw/core/converter.h"
#include "stoxvp_model.h"
#include "tlm/platform/output_file.h"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace stoxvp::runner {
namespace {

[[noreturn]] void fail(const std::string& what) { throw input_error(what); }

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

// An IDX file, gzip-compressed or not, read header first: the header says how many bytes the
// file holds, and nothing beyond that (nor beyond kMaxIdxBytes) is ever inflated, so a small
// compressed file cannot expand into gigabytes before it is checked.
class idx_reader {
 public:
  explicit idx_reader(const std::string& path) : path_(path), f_(gzopen(path.c_str(), "rb")) {  // plain files as they are
    if (f_ == nullptr) fail(path + ": cannot open the file");
  }
  ~idx_reader() { gzclose(f_); }
  idx_reader(const idx_reader&) = delete;
  idx_reader& operator=(const idx_reader&) = delete;

  // Reads up to `n` bytes into `out` (appended); returns how many there were.
  size_t read(std::vector<uint8_t>& out, uint64_t n) {
    size_t got = 0;
    while (got < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(n - got, 1u << 20));
      const size_t at = out.size();
      out.resize(at + chunk);
      const int r = gzread(f_, out.data() + at, chunk);
      if (r < 0) {
        int errnum = 0;
        fail(path_ + ": corrupt or unreadable data: " + gzerror(f_, &errnum));
      }
      out.resize(at + static_cast<size_t>(r));
      got += static_cast<size_t>(r);
      if (r == 0) break;
    }
    return got;
  }

  // The header of `header_bytes` (the first 4 of them the magic), checked against `magic`.
  std::vector<uint8_t> header(size_t header_bytes, uint32_t magic, const char* kind) {
    std::vector<uint8_t> h;
    const size_t n = read(h, header_bytes);
    if (n == 0) fail(path_ + ": the file is empty");
    if (n < header_bytes)
      fail(path_ + ": " + std::to_string(n) + " bytes, shorter than the " + std::to_string(header_bytes) +
           "-byte IDX " + kind + " header");
    if (be32(&h[0]) != magic) fail(path_ + ": magic " + hex32(be32(&h[0])) + ", an IDX " + kind + " file has " + hex32(magic));
    return h;
  }

  // The `bytes` of data the header promised; `promise` describes them for messages.
  // Messages count the whole file's bytes (`whole_file`) or the promised items.
  std::vector<uint8_t> body(uint64_t header_bytes, uint64_t bytes, const std::string& promise, bool whole_file) {
    if (bytes > kMaxIdxBytes - header_bytes)
      fail(path_ + ": header says " + promise + (bytes == UINT64_MAX ? "" : " (" + std::to_string(header_bytes + bytes) + " bytes)") +
           ", more than the " + std::to_string(kMaxIdxBytes) + " bytes an IDX file may hold");
    std::vector<uint8_t> data;
    data.reserve(static_cast<size_t>(bytes));
    const size_t n = read(data, bytes);
    std::vector<uint8_t> extra;
    if (n < bytes || read(extra, 1) != 0)
      fail(path_ + ": header says " + promise + (whole_file ? " (" + std::to_string(header_bytes + bytes) + " bytes)" : "") +
           ", the file holds " + (n < bytes ? std::to_string(whole_file ? header_bytes + n : n) : "more"));
    return data;
  }

 private:
  static std::string hex32(uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
  }
  std::string path_;
  gzFile f_;
};

}  // namespace

namespace {
struct kept_images {
  bool on = false;
  std::string path;
  std::filesystem::file_time_type mtime;
  uintmax_t size = 0;
  idx_images images;
};
kept_images& kept() {
  static kept_images k;
  return k;
}
idx_images read_idx_images_file(const std::string& path);
}  // namespace

void keep_idx_images(bool keep) {
  kept().on = keep;
  if (!keep) kept().images = idx_images{}, kept().path.clear();
}

idx_images read_idx_images(const std::string& path) {
  auto& k = kept();
  if (!k.on) return read_idx_images_file(path);
  std::error_code ec1, ec2;
  const auto mtime = std::filesystem::last_write_time(path, ec1);
  const auto size = std::filesystem::file_size(path, ec2);
  if (!ec1 && !ec2 && k.path == path && k.mtime == mtime && k.size == size) return k.images;
  idx_images im = read_idx_images_file(path);
  if (!ec1 && !ec2) {
    k.path = path;
    k.mtime = mtime;
    k.size = size;
    k.images = im;
  }
  return im;
}

namespace {
idx_images read_idx_images_file(const std::string& path) {
  idx_reader in(path);
  const auto h = in.header(16, 0x00000803, "image");
  idx_images im;
  im.count = be32(&h[4]);
  im.rows = be32(&h[8]);
  im.cols = be32(&h[12]);
  const std::string promise = std::to_string(im.count) + " images of " + std::to_string(im.rows) + "x" + std::to_string(im.cols);
  if (im.count == 0 || im.rows == 0 || im.cols == 0) fail(path + ": header says " + promise + ": nothing to read");
  // rows x cols is exact in 64 bits; times the count it saturates instead of wrapping, and
  // body() refuses anything beyond the bound before reading.
  const uint64_t image = uint64_t(im.rows) * im.cols;
  const uint64_t bytes = im.count > UINT64_MAX / image ? UINT64_MAX : image * im.count;
  im.pixels = in.body(16, bytes, promise, true);
  return im;
}
}  // namespace

std::vector<uint8_t> read_idx_labels(const std::string& path, uint32_t classes) {
  idx_reader in(path);
  const auto h = in.header(8, 0x00000801, "label");
  const uint32_t n = be32(&h[4]);
  if (n == 0) fail(path + ": header says 0 labels: nothing to read");
  std::vector<uint8_t> labels = in.body(8, n, std::to_string(n) + " labels", false);
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= classes)
      fail(path + ": label " + std::to_string(i) + " = " + std::to_string(labels[i]) + ", classes are 0.." +
           std::to_string(classes - 1));
  return labels;
}

std::vector<uint8_t> read_model(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path + ": is a directory, not a model file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path + ": cannot open the model file");
  // One byte past the format's limit is enough for the reader to call the file oversized; a
  // larger file (or a device that never ends) is not read further.
  std::vector<uint8_t> data;
  while (in && data.size() <= STOXVP_MODEL_MAX_BYTES) {
    const size_t at = data.size(), chunk = std::min<size_t>(1u << 20, STOXVP_MODEL_MAX_BYTES + 1u - at);
    data.resize(at + chunk);
    in.read(reinterpret_cast<char*>(data.data() + at), static_cast<std::streamsize>(chunk));
    data.resize(at + static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) fail(path + ": read error");
  auto m = std::make_unique<stoxvp_model>();
  char err[256];
  const int rc = stoxvp_model_parse(data.data(), data.size(), m.get(), err, sizeof err);
  if (rc != STOXVP_MODEL_OK) fail(path + ": " + stoxvp_model_result_name(rc) + ": " + err);
  return data;
}

uint8_t converter_override::kind_of(const std::string& name) {
  core::converter_kind k;
  if (core::converter_kind_named(name, k)) return static_cast<uint8_t>(k);
  fail("converter '" + name + "' is not one of " + core::converter_kind_names());
}

void converter_override::set_samples(const std::string& spec) {
  std::vector<int> t;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    int v = -1;
    try {
      v = std::stoi(item, &used);
    } catch (const std::exception&) {
    }
    if (used != item.size() || v < 1 || v > 255) fail("samples '" + spec + "': each T must be 1..255");
    t.push_back(v);
  }
  if (t.empty() || t.size() > 8) fail("samples '" + spec + "': give 1 to 8 values");
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) samples[i][j] = static_cast<uint8_t>(t[std::min<size_t>(i, t.size() - 1)]);
}

void write_logits(const outcome& o, const std::string& path) {
  stoxvp::output_file f(path);
  f.write(o.logits.data(), o.logits.size() * sizeof(float));
  f.commit();
}

double outcome::mean_latency_ns() const {
  if (latency_ns.empty()) return 0;
  double s = 0;
  for (auto v : latency_ns) s += double(v);
  return s / latency_ns.size();
}

session::session(stoxvp_platform* platform, const request& req) : p_(platform), req_(req) {
  const auto model = read_model(req.model_path);
  auto m = std::make_unique<stoxvp_model>();
  char err[256];
  stoxvp_model_parse(model.data(), model.size(), m.get(), err, sizeof err);
  const auto& h = m->header;
  name_ = std::string(h.name, strnlen(h.name, sizeof h.name));
  classes_ = h.classes;

  const idx_images im = read_idx_images(req.images_path);
  std::vector<uint8_t> labels;
  if (!req.labels_path.empty()) {
    labels = read_idx_labels(req.labels_path, classes_);
    if (labels.size() != im.count)
      fail(req.images_path + " holds " + std::to_string(im.count) + " images but " + req.labels_path + " holds " +
           std::to_string(labels.size()) + " labels");
  }
  if (req.first >= im.count)
    fail("first image " + std::to_string(req.first) + " is beyond the " + std::to_string(im.count) + " images of " + req.images_path);
  count_ = req.count ? std::min(req.count, im.count - req.first) : im.count - req.first;
  if (req.count > im.count - req.first)
    fail("asked for " + std::to_string(req.count) + " images from " + std::to_string(req.first) + ", " + req.images_path +
         " holds " + std::to_string(im.count));

  // Shape the images to the model's input: zero-pad to a larger input, replicate channels.
  const uint32_t C = h.input_channels, H = h.input_h, W = h.input_w;
  if (H < im.rows || W < im.cols || (H - im.rows) % 2 || (W - im.cols) % 2)
    fail(req.model_path + ": the model's " + std::to_string(H) + "x" + std::to_string(W) + " input cannot take the " +
         std::to_string(im.rows) + "x" + std::to_string(im.cols) + " images of " + req.images_path);
  // At most STOXVP_MODEL_MAX_TENSOR_BYTES (the model reader bounds it), so it fits the 32-bit
  // boot field; every size below is 64-bit and DRAM is laid out before anything is allocated.
  const uint64_t image_bytes = uint64_t(C) * H * W, images_bytes = image_bytes * count_;
  const uint32_t py = (H - im.rows) / 2, px = (W - im.cols) / 2;

  dram_layout dram(p_);
  stoxvp_bootinfo bi{};
  bi.magic = STOXVP_BOOT_MAGIC;
  bi.version = STOXVP_BOOT_VERSION;
  boot_ = dram.place(sizeof bi);
  bi.model_addr = dram.place(model.size());
  bi.model_bytes = static_cast<uint32_t>(model.size());
  bi.images_addr = dram.place(images_bytes);
  bi.image_count = count_;
  bi.image_bytes = static_cast<uint32_t>(image_bytes);
  bi.first_index = req.first;
  if (!labels.empty()) bi.labels_addr = dram.place(count_);
  bi.results_addr = results_ = dram.place(uint64_t(count_) * sizeof(stoxvp_image_result));
  bi.logits_addr = logits_ = dram.place(uint64_t(count_) * classes_ * 4);
  const uint64_t at = bi.scratch_addr = dram.next();
  if (at + (1u << 20) > dram.end())
    fail("DRAM of " + std::to_string(dram.size() >> 20) + " MiB cannot hold the model (" + std::to_string(model.size()) +
         " bytes), " + std::to_string(count_) + " images of " + std::to_string(C) + "x" + std::to_string(H) + "x" +
         std::to_string(W) + " (" + std::to_string(images_bytes) + " bytes) for " + req.model_path +
         ", their results and 1 MiB of scratch memory");
  std::vector<uint8_t> shaped;
  try {
    shaped.assign(static_cast<size_t>(images_bytes), 0);
  } catch (const std::bad_alloc&) {
    fail("cannot allocate " + std::to_string(images_bytes) + " bytes on the host for " + std::to_string(count_) +
         " images of " + req.images_path);
  }
  for (uint32_t i = 0; i < count_; ++i) {
    const uint8_t* src = &im.pixels[size_t(req.first + i) * im.rows * im.cols];
    for (uint32_t c = 0; c < C; ++c)
      for (uint32_t y = 0; y < im.rows; ++y)
        std::memcpy(&shaped[size_t(i) * image_bytes + (size_t(c) * H + y + py) * W + px], src + size_t(y) * im.cols, im.cols);
  }
  bi.scratch_bytes = static_cast<uint32_t>(std::min<uint64_t>(dram.end() - at, 64u << 20));
  bi.flags = req.progress ? STOXVP_BOOT_F_PROGRESS : 0;
  if (req.converter.enabled) {
    bi.flags |= STOXVP_BOOT_F_OVERRIDE;
    bi.converter = req.converter.kind;
    bi.adc_bits = req.converter.adc_bits;
    bi.adc_range = req.converter.adc_range;
    bi.cols_per_converter = req.converter.cols_per_converter;
    std::memcpy(bi.samples, req.converter.samples, sizeof bi.samples);
  }
  check(stoxvp_mem_write(p_, bi.model_addr, model.data(), model.size()), "loading the model");
  check(stoxvp_mem_write(p_, bi.images_addr, shaped.data(), shaped.size()), "loading the images");
  if (!labels.empty()) check(stoxvp_mem_write(p_, bi.labels_addr, &labels[req.first], count_), "loading the labels");
  check(stoxvp_mem_write(p_, boot_, &bi, sizeof bi), "writing the boot information");
  labelled_ = !labels.empty();
  attach_firmware(p_, inference_main, req.firmware_elf, "inference firmware");
}

outcome session::collect() const {
  stoxvp_bootinfo bi{};
  check(stoxvp_mem_read(p_, boot_, &bi, sizeof bi), "reading the boot information");
  if (bi.status != STOXVP_BOOT_DONE)
    fail(std::string("the inference firmware did not finish: ") +
         (bi.status == STOXVP_BOOT_FAILED ? std::string(bi.message, strnlen(bi.message, sizeof bi.message))
                                          : "status " + std::to_string(bi.status) + " after " +
                                                std::to_string(bi.images_done) + " images"));
  outcome o;
  o.model_name = name_;
  o.images = count_;
  o.correct = bi.correct;
  o.labelled = labelled_;
  o.reloaded = bi.reprogrammed != 0;
  o.classes = classes_;
  std::vector<stoxvp_image_result> res(count_);
  check(stoxvp_mem_read(p_, results_, res.data(), res.size() * sizeof res[0]), "reading the results");
  o.logits.resize(size_t(count_) * classes_);
  check(stoxvp_mem_read(p_, logits_, o.logits.data(), o.logits.size() * 4), "reading the logits");
  for (const auto& r : res) {
    o.predictions.push_back(r.prediction);
    o.latency_ns.push_back(r.latency_ns);
  }
  nlohmann::json conv;
  if (req_.converter.enabled) {
    std::vector<int> t;
    for (int i = 0; i < 8; ++i) t.push_back(req_.converter.samples[i][0]);
    conv = {{"kind", core::to_string(static_cast<core::converter_kind>(req_.converter.kind))}, {"adc_bits", req_.converter.adc_bits},
            {"adc_range", req_.converter.adc_range}, {"cols_per_converter", req_.converter.cols_per_converter},
            {"samples_per_slice", t}};
  }
  const nlohmann::json j = {{"model", o.model_name},
                            {"model_file", req_.model_path},
                            {"images", o.images},
                            {"first_image", req_.first},
                            {"correct", o.correct},
                            {"accuracy", o.labelled ? nlohmann::json(o.accuracy()) : nlohmann::json()},
                            {"latency_ns_per_image", o.mean_latency_ns()},
                            {"weights_reloaded_per_image", o.reloaded},
                            {"converter_override", conv},
                            {"predictions", o.predictions}};
  check(stoxvp_report_add(p_, "inference", j.dump().c_str()), "adding the inference report");
  // Both timings; `mode` names the one the run's summary states.
  check(stoxvp_get_pipeline(p_, count_, &o.pipeline), "computing the pipelined timing");
  o.pipelined = req_.pipelined;
  check(stoxvp_report_add(p_, "timing", timing_report(o, req_.pipelined).c_str()), "adding the timing report");
  return o;
}

std::string timing_report(const outcome& o, bool pipelined) {
  const double layer_ns = o.mean_latency_ns();
  const nlohmann::json timing = {
      {"mode", pipelined ? "pipelined" : "layer"},
      {"layer", {{"latency_ns_per_image", layer_ns}, {"throughput_images_per_s", layer_ns > 0 ? 1e9 / layer_ns : 0.0}}},
      {"pipelined", {{"latency_ns_per_image", o.pipeline.latency_ns},
                     {"interval_ns", o.pipeline.interval_ns},
                     {"bound_interval_ns", o.pipeline.bound_interval_ns},
                     {"throughput_images_per_s", o.pipeline.throughput_images_per_s},
                     {"sequential_ns_per_image", o.pipeline.sequential_ns},
                     {"bottleneck", o.pipeline.bottleneck},
                     {"bottleneck_layer", o.pipeline.bottleneck_tag}}}};
  return timing.dump();
}

}  // namespace stoxvp::runner
