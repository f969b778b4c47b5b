// The whole platform against the bare functional core on the same images: the platform's
// overhead (SystemC, TLM transactions, DMA, descriptors, the firmware) over the core's kernels.
//   bench_network [model.sxvm] [images] [seed]
// Both runs must predict the same classes; the run fails if they do not.
#include "hw/core/layer_params.h"
#include "hw/core/rng.h"
#include "runner.h"
#include "stoxvp.h"
#include "stoxvp_model.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <time.h>
#include <memory>

using namespace stoxvp;
using clk = std::chrono::steady_clock;

namespace {

double since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

// CPU time of the process (the figure that does not depend on what else runs on a shared
// machine); wall time is printed beside it.
double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The model's layers run directly on hw/core, in the order and with the arithmetic the
// inference firmware asks the accelerator for.
class bare_core {
 public:
  bare_core(const std::vector<uint8_t>& file, uint64_t seed) : file_(file), seed_(seed) {
    model_ = std::make_unique<stoxvp_model>();
    char err[256];
    if (stoxvp_model_parse(file_.data(), file_.size(), model_.get(), err, sizeof err)) throw std::runtime_error(err);
    layers_.resize(model_->layer_count);
    for (uint32_t i = 0; i < model_->layer_count; ++i) {
      const auto& l = model_->layers[i];
      auto& L = layers_[i];
      if (l.params_offset)
        L.params = core::decode_layer_params(
            std::vector<uint8_t>(file_.begin() + l.params_offset, file_.begin() + l.params_offset + l.params_bytes),
            l.out_channels);
      L.shape = {l.in_channels, l.in_h, l.in_w, l.out_channels, l.kernel_h, l.kernel_w, l.stride, l.pad};
      if (l.type != STOXVP_LAYER_XBAR_CONV) continue;
      const core::xbar_layer_shape s{L.shape.K(), l.out_channels, l.w_bits, l.w_slice, l.a_bits, l.a_stream};
      L.map = core::map_layer(s, core::xbar_geometry{128, 128, 4, 1u << 20});
      std::vector<core::crossbar_array*> ptrs;
      for (uint32_t a = 0; a < L.map.arrays; ++a) {
        L.arrays.push_back(std::make_unique<core::crossbar_array>(128, 128));
        ptrs.push_back(L.arrays.back().get());
      }
      core::program_layer(reinterpret_cast<const int8_t*>(&file_[l.weights_offset]), s, L.map, ptrs.data());
      for (uint32_t a = 0; a < L.map.arrays; ++a) L.slots.push_back(core::layer_slot(ptrs[a], a, L.map));
      L.bank = std::make_unique<core::converter_bank>(L.params.converter, L.map, l.out_channels, L.map.chunks);
    }
  }

  uint32_t classify(const uint8_t* pixels, uint32_t index) {
    const auto& h = model_->header;
    const int qmax = (1 << (h.input_bits - 1)) - 1;
    const uint32_t n_in = uint32_t(h.input_channels) * h.input_h * h.input_w;
    tensors_.resize(model_->layer_count + 1);
    tensors_[0].resize(n_in);
    for (uint32_t k = 0; k < n_in; ++k) {
      const float v = std::floor(float(pixels[k]) * h.input_scale + h.input_offset + 0.5f);
      tensors_[0][k] = static_cast<int8_t>(v > qmax ? qmax : v < -qmax ? -qmax : int(v));
    }
    for (uint32_t i = 0; i < model_->layer_count; ++i) {
      const auto& l = model_->layers[i];
      auto& L = layers_[i];
      const auto& in = tensors_[l.input];
      auto& out = tensors_[i + 1];
      out.resize(stoxvp_model_output_bytes(model_.get(), i));
      core::output_params o{static_cast<core::activation>(l.activation), static_cast<core::out_format>(l.out_format),
                            l.out_bits, L.params.out_scale, L.params.out_bias};
      const uint32_t P = L.shape.positions();
      if (l.type == STOXVP_LAYER_XBAR_CONV) {
        packed_.pack(reinterpret_cast<const int8_t*>(in.data()), L.shape, 128, l.a_bits, l.a_stream);
        acc_.assign(size_t(P) * l.out_channels, 0);
        core::run_arrays(packed_, L.slots.data(), L.slots.size(), *L.bank,
                         core::stream_key(seed_, uint64_t(index) * 256 + i), l.out_channels, acc_.data(), stats_);
        core::output_stage(acc_.data(), P, l.out_channels, float(L.bank->code_scale()), o, out.data());
      } else if (l.type == STOXVP_LAYER_DIGITAL_CONV) {
        const int lim = (1 << (l.a_bits - 1)) - 1;
        sat_.assign(in.begin(), in.end());
        for (auto& v : sat_) v = static_cast<int8_t>(std::max(-lim, std::min(lim, int(v))));
        acc_.assign(size_t(P) * l.out_channels, 0);
        core::digital_conv(sat_.data(), L.shape, reinterpret_cast<const int8_t*>(&file_[l.weights_offset]), acc_.data());
        core::output_stage(acc_.data(), P, l.out_channels, 1.0f, o, out.data());
      } else if (l.type == STOXVP_LAYER_ADD) {
        core::residual_add(reinterpret_cast<const int8_t*>(in.data()),
                           reinterpret_cast<const int8_t*>(tensors_[l.input_b].data()), in.size(), l.scale_a,
                           l.scale_b, static_cast<core::activation>(l.activation), l.out_bits,
                           reinterpret_cast<int8_t*>(out.data()));
      } else {
        core::pool(reinterpret_cast<const int8_t*>(in.data()),
                   core::pool_shape{l.in_channels, l.in_h, l.in_w, l.kernel_h, l.stride},
                   l.type == STOXVP_LAYER_MAX_POOL ? core::pool_kind::max : core::pool_kind::avg,
                   reinterpret_cast<int8_t*>(out.data()));
      }
    }
    const float* logits = reinterpret_cast<const float*>(tensors_.back().data());
    uint32_t best = 0;
    for (uint32_t c = 1; c < h.classes; ++c)
      if (logits[c] > logits[best]) best = c;
    return best;
  }
  const stoxvp_model& model() const { return *model_; }

 private:
  struct layer {
    core::layer_params params;
    core::conv_shape shape;
    core::xbar_mapping map{};
    std::vector<std::unique_ptr<core::crossbar_array>> arrays;
    std::vector<core::array_slot> slots;
    std::unique_ptr<core::converter_bank> bank;
  };
  std::vector<uint8_t> file_;
  uint64_t seed_;
  std::unique_ptr<stoxvp_model> model_;
  std::vector<layer> layers_;
  std::vector<std::vector<int8_t>> tensors_;
  std::vector<int8_t> sat_;
  std::vector<int64_t> acc_;
  core::packed_input packed_;
  core::datapath_stats stats_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string model_path = argc > 1 ? argv[1] : "models/small_cnn_mtj.sxvm";
  const uint32_t n = argc > 2 ? static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10)) : 10000;
  const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  try {
    runner::request req;
    req.model_path = model_path;
    req.count = n;
    // Both sides read their inputs (model, images and labels) inside their timed region: the
    // platform's session reads them, so the bare core does too (decompressing the 10,000 test
    // images costs about 0.1 s, which is no overhead of the platform).
    const auto t0 = clk::now();
    const double c0 = cpu_now();
    const auto images = runner::read_idx_images(req.images_path);
    const auto labels = runner::read_idx_labels(req.labels_path, 10);
    const auto model = runner::read_model(model_path);
    const double c_inputs = cpu_now() - c0;
    bare_core core(model, seed);
    const auto& h = core.model().header;
    std::vector<uint8_t> shaped(size_t(h.input_channels) * h.input_h * h.input_w);
    std::vector<uint32_t> core_pred(n);
    for (uint32_t i = 0; i < n; ++i) {
      std::fill(shaped.begin(), shaped.end(), 0);
      const uint32_t py = (h.input_h - images.rows) / 2, px = (h.input_w - images.cols) / 2;
      for (uint32_t c = 0; c < h.input_channels; ++c)
        for (uint32_t y = 0; y < images.rows; ++y)
          std::memcpy(&shaped[(size_t(c) * h.input_h + y + py) * h.input_w + px],
                      &images.pixels[(size_t(i) * images.rows + y) * images.cols], images.cols);
      core_pred[i] = core.classify(shaped.data(), i);
    }
    const double t_core = since(t0), c_core = cpu_now() - c0;

    const auto t1 = clk::now();
    const double c1 = cpu_now();
    stoxvp_platform* p = nullptr;
    if (stoxvp_create_from_json(R"({"console": {"echo": false}})", "bench", &p) != STOXVP_OK ||
        stoxvp_set_seed(p, seed) != STOXVP_OK)
      throw std::runtime_error(stoxvp_last_error());
    runner::session s(p, req);
    stoxvp_run_result rr{};
    if (stoxvp_run(p, 0, &rr) != STOXVP_OK || rr.reason != STOXVP_STOP_EXIT || rr.exit_code != 0)
      throw std::runtime_error(std::string("platform run failed: ") + rr.message + stoxvp_last_error());
    const auto o = s.collect();
    const double t_platform = since(t1), c_platform = cpu_now() - c1;
    stoxvp_destroy(p);

    uint32_t differ = 0;
    for (uint32_t i = 0; i < n; ++i) differ += core_pred[i] != o.predictions[i];
    std::printf("bench_network: %s, %u images, seed %llu, %s kernels\n", model_path.c_str(), n,
                (unsigned long long)seed, stoxvp_active_kernels());
    uint32_t core_correct = 0;
    for (uint32_t i = 0; i < n && i < labels.size(); ++i) core_correct += core_pred[i] == labels[i];
    std::printf("  bare functional core  CPU %7.2f s (%.3f ms per image), wall %7.2f s; accuracy %.2f%%\n", c_core,
                1e3 * c_core / n, t_core, 100.0 * core_correct / n);
    std::printf("  whole platform        CPU %7.2f s (%.3f ms per image), wall %7.2f s; accuracy %.2f%%\n",
                c_platform, 1e3 * c_platform / n, t_platform, 100.0 * o.accuracy());
    std::printf("  platform overhead     CPU %7.1f %%, wall %7.1f %%  (target < 10%%)\n",
                100.0 * (c_platform / c_core - 1), 100.0 * (t_platform / t_core - 1));
    std::printf("  predictions that differ between the two: %u\n", differ);
    std::printf("  reading the inputs (model, images, labels; in both figures) CPU %.3f s\n", c_inputs);
    return differ == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_network: %s\n", e.what());
    return 2;
  }
}
