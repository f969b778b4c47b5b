// The training firmware on the platform: fp-train (host-compiled) on the first N Fashion-MNIST
// training images, then the test set's first M images; CPU and wall time per training image and
// the epoch (60,000 images) extrapolated; beside it, float32 training of the same MLP from the
// same initial weights in the same order (plain C++ on the CPU), and its test accuracy.
//   bench_fp_train [train_images (multiple of batch)] [batch] [test_images] [learning rate]
#include "fp_train/fp_train.h"
#include "host_apps.h"
#include "fp_train_runner.h"
#include "stoxvp.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <time.h>
#include <vector>

namespace {
constexpr uint32_t IN = FP_TRAIN_IN, HID = FP_TRAIN_HID, OUT = FP_TRAIN_OUT;

double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

float f32(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// float32 training, the firmware's algorithm and order (mini-batch: gradients with the old
// weights, then the updates image by image).
uint32_t float_training(const std::vector<uint8_t>& px, const std::vector<uint8_t>& lab, uint32_t n, uint32_t batch,
                        const std::vector<uint8_t>& tpx, const std::vector<uint8_t>& tlab, uint32_t tn,
                        std::vector<float> w1, std::vector<float> w2, float lr) {
  std::vector<float> b1(HID, 0), b2(OUT, 0);
  auto forward = [&](const float* x, float* hp, float* h, float* o) {
    for (uint32_t j = 0; j < HID; ++j) {
      float s = 0;
      for (uint32_t k = 0; k < IN; ++k) s += w1[j * IN + k] * x[k];
      hp[j] = s + b1[j];
      h[j] = hp[j] > 0 ? hp[j] : 0;
    }
    for (uint32_t j = 0; j < OUT; ++j) {
      float s = 0;
      for (uint32_t k = 0; k < HID; ++k) s += w2[j * HID + k] * h[k];
      o[j] = s + b2[j];
    }
  };
  std::vector<float> xs(batch * IN), hs(batch * HID), g1(batch * HID), g2(batch * OUT);
  for (uint32_t it = 0; it < n / batch; ++it) {
    for (uint32_t b = 0; b < batch; ++b) {
      const uint32_t i = it * batch + b;
      float* x = &xs[b * IN];
      for (uint32_t k = 0; k < IN; ++k) x[k] = float(px[size_t(i) * IN + k]) / 255.0f;
      float hp[HID], o[OUT], e[OUT];
      forward(x, hp, &hs[b * HID], o);
      for (uint32_t j = 0; j < OUT; ++j) {
        e[j] = o[j] - (j == lab[i] ? 1.0f : 0.0f);
        g2[b * OUT + j] = lr * e[j];
      }
      for (uint32_t k = 0; k < HID; ++k) {
        float s = 0;
        for (uint32_t j = 0; j < OUT; ++j) s += w2[j * HID + k] * e[j];
        g1[b * HID + k] = lr * (hp[k] > 0 ? s : 0);
      }
    }
    for (uint32_t b = 0; b < batch; ++b) {
      for (uint32_t j = 0; j < OUT; ++j)
        for (uint32_t k = 0; k < HID; ++k) w2[j * HID + k] += g2[b * OUT + j] * hs[b * HID + k];
      for (uint32_t j = 0; j < HID; ++j)
        for (uint32_t k = 0; k < IN; ++k) w1[j * IN + k] += g1[b * HID + j] * xs[b * IN + k];
      for (uint32_t j = 0; j < OUT; ++j) b2[j] += g2[b * OUT + j];
      for (uint32_t j = 0; j < HID; ++j) b1[j] += g1[b * HID + j];
    }
  }
  uint32_t correct = 0;
  for (uint32_t i = 0; i < tn; ++i) {
    float x[IN], hp[HID], h[HID], o[OUT];
    for (uint32_t k = 0; k < IN; ++k) x[k] = float(tpx[size_t(i) * IN + k]) / 255.0f;
    forward(x, hp, h, o);
    uint32_t best = 0;
    for (uint32_t j = 1; j < OUT; ++j)
      if (o[j] > o[best]) best = j;
    correct += best == tlab[i];
  }
  return correct;
}
}  // namespace

int main(int argc, char** argv) {
  const uint32_t n = argc > 1 ? uint32_t(std::atoi(argv[1])) : 512, batch = argc > 2 ? uint32_t(std::atoi(argv[2])) : 32,
                 tn = argc > 3 ? uint32_t(std::atoi(argv[3])) : 1000;
  if (batch == 0 || batch > FP_TRAIN_MAX_BATCH || n == 0 || n % batch || n > 60000 || tn > 10000) {
    std::fprintf(stderr, "bench_fp_train: train images (1..60000, a multiple of batch), batch 1..64, test images 0..10000\n");
    return 2;
  }
  const double lr_arg = argc > 4 ? std::atof(argv[4]) : 0.005;
  if (!(lr_arg > 0 && lr_arg < 1)) {
    std::fprintf(stderr, "bench_fp_train: learning rate '%s' is not in (0, 1)\n", argv[4]);
    return 2;
  }
  // The host side of `stoxvp --firmware fp-train` (tools/runner/fp_train_runner.h).
  stoxvp::runner::fp_train_request req;
  req.count = n;
  req.batch = batch;
  req.test_count = tn;
  req.lr = lr_arg;  // the step: each image's gradient x lr, summed over the batch
  const stoxvp::runner::fp_train_inputs in = stoxvp::runner::load_fp_train_inputs(req);
  const std::vector<uint16_t>& w1 = in.w1;
  const std::vector<uint16_t>& w2 = in.w2;
  const uint16_t lr = in.lr;

  std::ifstream f(std::string(STOXVP_SOURCE_DIR) + "/configs/fp_pim.json");
  std::stringstream ss;
  ss << f.rdbuf();
  auto cfg = nlohmann::json::parse(ss.str());
  cfg["console"]["echo"] = false;
  stoxvp_platform* p = nullptr;
  if (stoxvp_create_from_json(cfg.dump().c_str(), "fp_pim.json", &p) != STOXVP_OK) {
    std::fprintf(stderr, "%s\n", stoxvp_last_error());
    return 1;
  }
  stoxvp::runner::fp_train_session session(p, in);
  const double c0 = cpu_now();
  const auto t0 = std::chrono::steady_clock::now();
  stoxvp_run_result rr{};
  stoxvp_run(p, 0, &rr);
  const double cpu = cpu_now() - c0;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto after = session.collect();
  const std::string console = stoxvp_console_output(p);
  const size_t last = console.rfind("fp-train: done");
  std::printf("%s", last == std::string::npos ? console.c_str() : console.substr(last).c_str());
  std::printf("exit %d; %u training images, mini-batch %u, %u test images: %.2f s CPU, %.2f s wall (%.2f ms CPU per training image incl. the test pass)\n",
              rr.exit_code, n, batch, tn, cpu, wall, cpu * 1e3 / n);
  std::printf("epoch of 60,000 images extrapolated: %.1f min CPU\n", cpu / n * 60000 / 60);
  std::printf("simulated time %.3f ms\n", rr.sim_time_ps * 1e-9);
  std::vector<float> fw1(w1.size()), fw2(w2.size());
  for (size_t i = 0; i < w1.size(); ++i) fw1[i] = f32(w1[i]);
  for (size_t i = 0; i < w2.size(); ++i) fw2[i] = f32(w2[i]);
  const uint32_t fc = float_training(in.pixels, in.labels, n, batch, in.test_pixels, in.test_labels, tn, fw1, fw2, f32(lr));
  std::printf("test accuracy: platform bf16 %.2f %%, float32 training %.2f %% (%u test images)\n",
              tn ? 100.0 * after.test_correct / tn : 0.0, tn ? 100.0 * fc / tn : 0.0, tn);
  stoxvp_destroy(p);
  return rr.exit_code;
}
