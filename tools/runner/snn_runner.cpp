#include "snn_runner.h"
#include "platform_io.h"

#include "firmware/apps/inference/bootinfo.h"
#include "firmware/apps/snn/snn.h"
#include "firmware/apps/snn/snn_bootinfo.h"
#include "stoxvp_events.h"
#include "stoxvp_model.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

namespace stoxvp::runner {
namespace {

[[noreturn]] void fail(const std::string& what) { throw input_error(what); }

std::vector<uint8_t> read_file(const std::string& path, uint64_t limit) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path + ": cannot open the file");
  f.seekg(0, std::ios::end);
  const auto size = static_cast<uint64_t>(f.tellg());
  if (size > limit) fail(path + ": " + std::to_string(size) + " bytes, more than the " + std::to_string(limit) + " allowed");
  f.seekg(0);
  std::vector<uint8_t> data(size);
  if (size && !f.read(reinterpret_cast<char*>(data.data()), std::streamsize(size))) fail(path + ": read error");
  return data;
}

}  // namespace

double snn_outcome::mean_latency_ns() const {
  if (latency_ns.empty()) return 0;
  double s = 0;
  for (auto v : latency_ns) s += double(v);
  return s / double(latency_ns.size());
}

std::vector<uint8_t> read_events(const std::string& path) {
  std::vector<uint8_t> data = read_file(path, STOXVP_EVENTS_MAX_BYTES);
  auto ev = std::make_unique<stoxvp_events>();
  char err[256];
  if (stoxvp_events_parse(data.data(), data.size(), path.c_str(), ev.get(), err, sizeof err) != STOXVP_EVENTS_OK) fail(err);
  return data;
}

snn_session::snn_session(stoxvp_platform* p, const snn_request& req) : p_(p), req_(req) {
  const std::vector<uint8_t> model = read_model(req.model_path);
  auto m = std::make_unique<stoxvp_model>();
  char err[256];
  stoxvp_model_parse(model.data(), model.size(), m.get(), err, sizeof err);
  if (m->header.input_bits != 1) fail(req.model_path + ": not a spiking model (input_bits " + std::to_string(m->header.input_bits) + "); --firmware snn runs SNN_CONV/SNN_FC models");
  name_ = std::string(m->header.name, strnlen(m->header.name, sizeof m->header.name));
  classes_ = m->header.classes;
  const std::vector<uint8_t> events = read_events(req.events_path);
  stoxvp_events ev;
  stoxvp_events_parse(events.data(), events.size(), nullptr, &ev, nullptr, 0);
  if (req.first >= ev.header.sample_count)
    fail("--first " + std::to_string(req.first) + ": " + req.events_path + " holds samples 0.." + std::to_string(ev.header.sample_count - 1));
  count_ = req.count ? req.count : ev.header.sample_count - req.first;
  if (count_ > ev.header.sample_count - req.first)
    fail("asked for " + std::to_string(count_) + " samples from " + std::to_string(req.first) + ", " + req.events_path + " holds " +
         std::to_string(ev.header.sample_count));
  if (req.timesteps < 1 || req.timesteps > 64) fail("--timesteps " + std::to_string(req.timesteps) + ": supported 1..64");
  // The firmware gets the samples it runs, as a file of their own: it validates every byte it
  // is given (a CRC and every event), which over a whole 300 MB test set would cost the
  // bare-metal CPU seconds for samples it never runs.
  std::vector<uint8_t> subset;
  {
    const uint32_t table_end = STOXVP_EVENTS_HEADER_BYTES + STOXVP_EVENTS_SAMPLE_BYTES * count_;
    uint64_t bytes = table_end;
    for (uint32_t i = 0; i < count_; ++i)
      bytes += uint64_t(stoxvp_events_get_sample(&ev, req.first + i).event_count) * STOXVP_EVENTS_EVENT_BYTES;
    subset.resize(bytes);
    stoxvp_events_header h = ev.header;
    h.sample_count = count_;
    h.file_bytes = uint32_t(bytes);
    h.crc32 = 0;
    uint32_t off = table_end;
    for (uint32_t i = 0; i < count_; ++i) {
      stoxvp_events_sample s = stoxvp_events_get_sample(&ev, req.first + i);
      const uint32_t n = s.event_count * STOXVP_EVENTS_EVENT_BYTES;
      std::memcpy(&subset[off], events.data() + s.events_offset, n);
      s.events_offset = off;
      std::memcpy(&subset[STOXVP_EVENTS_HEADER_BYTES + STOXVP_EVENTS_SAMPLE_BYTES * i], &s, sizeof s);
      off += n;
    }
    std::memcpy(subset.data(), &h, sizeof h);
    h.crc32 = stoxvp_events_crc32(0, subset.data(), subset.size());
    std::memcpy(subset.data(), &h, sizeof h);
  }
  dram_layout dram(p_);
  stoxvp_snn_bootinfo bi{};
  bi.magic = STOXVP_SNN_BOOT_MAGIC;
  bi.version = STOXVP_SNN_BOOT_VERSION;
  boot_ = dram.place(sizeof bi);
  bi.model_addr = dram.place(model.size());
  bi.model_bytes = uint32_t(model.size());
  bi.events_addr = dram.place(subset.size());
  bi.events_bytes = uint32_t(subset.size());
  bi.timesteps = req.timesteps;
  bi.first_sample = 0;  // of the subset
  bi.sample_count = count_;
  bi.flags = req.progress ? STOXVP_SNN_BOOT_F_PROGRESS : 0;
  bi.results_addr = results_ = dram.place(uint64_t(count_) * sizeof(stoxvp_snn_result));
  bi.counts_addr = counts_ = dram.place(uint64_t(count_) * classes_ * 4);
  const uint64_t at = bi.scratch_addr = dram.next();
  if (at + (4u << 20) > dram.end())
    fail("DRAM of " + std::to_string(dram.size() >> 20) + " MiB cannot hold " + req.model_path + ", " + std::to_string(count_) +
         " samples of " + req.events_path + " (" + std::to_string(subset.size()) + " bytes), the results and 4 MiB of scratch memory");
  bi.scratch_bytes = uint32_t(std::min<uint64_t>(dram.end() - at, 64u << 20));
  check(stoxvp_mem_write(p_, bi.model_addr, model.data(), model.size()), "loading the model");
  check(stoxvp_mem_write(p_, bi.events_addr, subset.data(), subset.size()), "loading the events");
  check(stoxvp_mem_write(p_, boot_, &bi, sizeof bi), "writing the boot information");
  attach_firmware(p_, snn_main, req.firmware_elf, "spiking firmware");
}

snn_outcome snn_session::collect() const {
  stoxvp_snn_bootinfo bi{};
  check(stoxvp_mem_read(p_, boot_, &bi, sizeof bi), "reading the boot information");
  if (bi.status != STOXVP_BOOT_DONE)
    fail(std::string("the spiking firmware did not finish: ") +
         (bi.status == STOXVP_BOOT_FAILED ? std::string(bi.message, strnlen(bi.message, sizeof bi.message))
                                          : "status " + std::to_string(bi.status) + " after " + std::to_string(bi.samples_done) + " samples"));
  snn_outcome o;
  o.model_name = name_;
  o.samples = count_;
  o.correct = bi.correct;
  o.classes = classes_;
  o.input_spikes = bi.input_spikes;
  std::vector<stoxvp_snn_result> res(count_);
  check(stoxvp_mem_read(p_, results_, res.data(), res.size() * sizeof res[0]), "reading the results");
  o.counts.resize(size_t(count_) * classes_);
  check(stoxvp_mem_read(p_, counts_, o.counts.data(), o.counts.size() * 4), "reading the spike counts");
  for (const auto& r : res) {
    o.predictions.push_back(r.prediction);
    o.labels.push_back(r.label);
    o.latency_ns.push_back(r.latency_ns);
  }
  const nlohmann::json j = {{"model", o.model_name},           {"model_file", req_.model_path},
                            {"events_file", req_.events_path}, {"samples", o.samples},
                            {"first_sample", req_.first},      {"timesteps", req_.timesteps},
                            {"correct", o.correct},            {"accuracy", o.accuracy()},
                            {"input_spikes", o.input_spikes},  {"latency_ns_per_sample", o.mean_latency_ns()},
                            {"predictions", o.predictions},     {"labels", o.labels},
                            {"output_spike_counts", o.counts}};
  check(stoxvp_report_add(p_, "snn", j.dump().c_str()), "adding the snn report");
  return o;
}

}  // namespace stoxvp::runner
