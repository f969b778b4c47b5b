// The training firmware (firmware/apps/fp_train): an MLP 784-128-10 trained in bfloat16 on the
// fp_pim arrays of configs/fp_pim.json, on the first Fashion-MNIST training images. The trained
// weights and biases equal, bit for bit, an independent reference that rounds every operation to
// bf16 in the firmware's documented order (tests/core/bf16_reference.h, the register map's
// summation tree); host-compiled and RV32 runs print the same and write the same weights.
#include "core/bf16_reference.h"
#include "fp_train/fp_train.h"
#include "host_apps.h"
#include "fp_train_runner.h"
#include "stoxvp.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr uint32_t IN = FP_TRAIN_IN, HID = FP_TRAIN_HID, OUT = FP_TRAIN_OUT;
constexpr uint32_t COUNT = 16, BATCH = 4;
const char* kImages = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
const char* kLabels = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";

static_assert(sizeof(fp_train_boot) == 128, "the boot block has one layout on the host and on RV32");

struct trained {
  std::vector<uint16_t> w1, w2, b;  // b: b1 then b2
  std::string console;
  int exit_code = -1;
};

struct inputs {
  std::vector<uint8_t> pixels, labels;
  std::vector<uint16_t> w1, w2;
  uint16_t lr = 0;
};

inputs make_inputs() {
  inputs in;
  const auto img = stoxvp::runner::read_idx_images(kImages);
  const auto lab = stoxvp::runner::read_idx_labels(kLabels);
  in.pixels.assign(img.pixels.begin(), img.pixels.begin() + size_t(COUNT) * IN);
  in.labels.assign(lab.begin(), lab.begin() + COUNT);
  std::mt19937 g(11);
  std::uniform_real_distribution<double> u(-1, 1);
  in.w1.resize(HID * IN);
  in.w2.resize(OUT * HID);
  for (auto& v : in.w1) v = bf16_ref::from_double(u(g) / std::sqrt(double(IN)));
  for (auto& v : in.w2) v = bf16_ref::from_double(u(g) / std::sqrt(double(HID)));
  in.lr = bf16_ref::from_double(-0.05);
  return in;
}

// The platform: configs/fp_pim.json, the block and the data in DRAM, the firmware run.
trained run_platform(const inputs& in, const std::string& elf) {
  std::ifstream f(std::string(STOXVP_SOURCE_DIR) + "/configs/fp_pim.json");
  std::stringstream ss;
  ss << f.rdbuf();
  auto cfg = nlohmann::json::parse(ss.str());
  cfg["console"]["echo"] = false;
  stoxvp_platform* p = nullptr;
  trained out;
  EXPECT_EQ(stoxvp_create_from_json(cfg.dump().c_str(), "fp_pim.json", &p), STOXVP_OK) << stoxvp_last_error();
  if (!p) return out;
  // The host side of `stoxvp --firmware fp-train`, given this test's own inputs.
  stoxvp::runner::fp_train_inputs fin;
  fin.pixels = in.pixels;
  fin.labels = in.labels;
  fin.w1 = in.w1;
  fin.w2 = in.w2;
  fin.lr = in.lr;
  fin.batch = BATCH;
  stoxvp::runner::fp_train_session session(p, fin, elf);
  stoxvp_run_result rr{};
  EXPECT_EQ(stoxvp_run(p, 0, &rr), STOXVP_OK) << stoxvp_last_error();
  EXPECT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message;
  out.exit_code = rr.exit_code;
  out.console = stoxvp_console_output(p);
  const auto got = session.collect();
  out.w1 = got.w1;
  out.w2 = got.w2;
  out.b = got.b;
  EXPECT_EQ(got.status, FP_TRAIN_DONE);
  EXPECT_EQ(got.iterations, COUNT / BATCH);
  stoxvp_destroy(p);
  return out;
}

// The reference (tests/core/bf16_reference.h): plain loops in the order docs/fp-pim.md states,
// on the inputs as the firmware reads them (pixels / 255 in bf16, one-hot targets).
trained reference(const inputs& in) {
  bf16_ref::mlp m{IN, HID, OUT, in.w1, std::vector<uint16_t>(HID, 0), in.w2, std::vector<uint16_t>(OUT, 0)};
  for (uint32_t it = 0; it < COUNT / BATCH; ++it) {
    std::vector<std::vector<uint16_t>> xs(BATCH), ts(BATCH);
    for (uint32_t b = 0; b < BATCH; ++b) {
      const uint32_t i = it * BATCH + b;
      for (uint32_t k = 0; k < IN; ++k) xs[b].push_back(bf16_ref::from_double(float(in.pixels[size_t(i) * IN + k]) / 255.0f));
      ts[b].assign(OUT, 0);
      ts[b][in.labels[i]] = 0x3f80;  // 1.0
    }
    bf16_ref::sgd_iteration(m, xs, ts, in.lr);
  }
  trained r;
  r.w1 = m.w1;
  r.w2 = m.w2;
  r.b = m.b1;
  r.b.insert(r.b.end(), m.b2.begin(), m.b2.end());
  return r;
}

bool have_data() { return std::filesystem::exists(kImages) && std::filesystem::exists(kLabels); }

}  // namespace

TEST(FpTrainFirmware, HostCompiledTrainingEqualsTheReferenceBitForBit) {
  if (!have_data()) GTEST_SKIP() << kImages << " missing";
  const inputs in = make_inputs();
  const trained got = run_platform(in, "");
  ASSERT_EQ(got.exit_code, 0) << got.console;
  EXPECT_NE(got.console.find("fp-train: iteration 4: loss "), std::string::npos) << got.console;
  EXPECT_NE(got.console.find("fp-train: done: 16 images"), std::string::npos) << got.console;
  const trained want = reference(in);
  size_t diff = 0, moved = 0;
  for (size_t i = 0; i < want.w1.size(); ++i) {
    diff += got.w1[i] != want.w1[i];
    moved += want.w1[i] != in.w1[i];
  }
  EXPECT_EQ(diff, 0u);
  EXPECT_GT(moved, want.w1.size() / 10);
  EXPECT_EQ(got.w2, want.w2);
  EXPECT_EQ(got.b, want.b);
}

#ifdef STOXVP_RISCV_FIRMWARE_DIR
TEST(FpTrainFirmware, Rv32RunPrintsAndTrainsExactlyAsTheHostCompiledRun) {
  if (!have_data()) GTEST_SKIP() << kImages << " missing";
  const inputs in = make_inputs();
  const trained host = run_platform(in, "");
  const trained rv = run_platform(in, std::string(STOXVP_RISCV_FIRMWARE_DIR) + "/fp-train.elf");
  ASSERT_EQ(rv.exit_code, 0) << rv.console;
  EXPECT_EQ(rv.console, host.console);
  EXPECT_NE(rv.console.find("fp-train: done: 16 images"), std::string::npos) << rv.console;
  std::printf("%s", rv.console.c_str());
  EXPECT_EQ(rv.w1, host.w1);
  EXPECT_EQ(rv.w2, host.w2);
  EXPECT_EQ(rv.b, host.b);
}
#endif
