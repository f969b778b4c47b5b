#include "fp_train_runner.h"
#include "platform_io.h"

#include "firmware/apps/fp_train/fp_train.h"
#include "hw/regs/stoxvp_regs.h"
#include "firmware/apps/host_apps.h"

#include <cmath>
#include <cstring>
#include <random>

namespace stoxvp::runner {

uint16_t bf16_of_float(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7fffu + ((u >> 16) & 1u);
  return uint16_t(u >> 16);
}

float fp_train_bf16_to_float(uint16_t h) {
  const uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

void fp_train_initial_weights(uint64_t seed, std::vector<uint16_t>& w1, std::vector<uint16_t>& w2) {
  std::mt19937 g(static_cast<std::mt19937::result_type>(seed));
  std::uniform_real_distribution<double> u(-1, 1);
  w1.assign(size_t(FP_TRAIN_HID) * FP_TRAIN_IN, 0);
  w2.assign(size_t(FP_TRAIN_OUT) * FP_TRAIN_HID, 0);
  for (auto& v : w1) v = bf16_of_float(float(u(g) / std::sqrt(double(FP_TRAIN_IN))));
  for (auto& v : w2) v = bf16_of_float(float(u(g) / std::sqrt(double(FP_TRAIN_HID))));
}

namespace {
void take(const std::string& images_path, const std::string& labels_path, uint32_t n, std::vector<uint8_t>& pixels,
          std::vector<uint8_t>& labels) {
  const idx_images img = read_idx_images(images_path);
  if (img.rows * img.cols != FP_TRAIN_IN)
    throw input_error(images_path + ": images of " + std::to_string(img.rows) + "x" + std::to_string(img.cols) +
                      " pixels; the training firmware's MLP takes 28x28 (784)");
  if (img.count < n)
    throw input_error(images_path + ": " + std::to_string(img.count) + " images, " + std::to_string(n) + " asked for");
  const std::vector<uint8_t> lab = read_idx_labels(labels_path);
  if (lab.size() < n)
    throw input_error(labels_path + ": " + std::to_string(lab.size()) + " labels, " + std::to_string(n) + " asked for");
  pixels.assign(img.pixels.begin(), img.pixels.begin() + size_t(n) * FP_TRAIN_IN);
  labels.assign(lab.begin(), lab.begin() + n);
}
}  // namespace

fp_train_inputs load_fp_train_inputs(const fp_train_request& req) {
  fp_train_inputs in;
  take(req.images_path, req.labels_path, req.count, in.pixels, in.labels);
  in.epochs = req.epochs;
  if (req.test_count) take(req.test_images_path, req.test_labels_path, req.test_count, in.test_pixels, in.test_labels);
  fp_train_initial_weights(req.weight_seed, in.w1, in.w2);
  in.lr = bf16_of_float(float(-req.lr));
  in.batch = req.batch;
  return in;
}

fp_train_session::fp_train_session(stoxvp_platform* p, const fp_train_inputs& in, const std::string& elf) : p_(p) {
  const uint64_t count = uint64_t(in.labels.size()) * in.epochs;
  const uint32_t test_count = uint32_t(in.test_labels.size());
  if (in.pixels.size() != in.labels.size() * FP_TRAIN_IN || in.test_pixels.size() != size_t(test_count) * FP_TRAIN_IN ||
      in.w1.size() != size_t(FP_TRAIN_HID) * FP_TRAIN_IN || in.w2.size() != size_t(FP_TRAIN_OUT) * FP_TRAIN_HID)
    throw input_error("fp-train: the images, labels and weights given do not have the MLP's sizes");
  if (in.epochs == 0 || count == 0 || count > UINT32_MAX)
    throw input_error("fp-train: " + std::to_string(in.labels.size()) + " images x " + std::to_string(in.epochs) +
                      " epochs: not 1..4294967295 images");
  dram_layout dram(p);
  auto place = [&](uint64_t bytes) { return dram.place(bytes); };
  fp_train_boot boot{};
  boot.magic = FP_TRAIN_MAGIC;
  boot.version = FP_TRAIN_VERSION;
  boot_ = place(sizeof boot);
  boot.w1_addr = place(in.w1.size() * 2);
  boot.w2_addr = place(in.w2.size() * 2);
  boot.w1_out = place(in.w1.size() * 2);
  boot.w2_out = place(in.w2.size() * 2);
  boot.b_out = place((FP_TRAIN_HID + FP_TRAIN_OUT) * 2);
  const uint64_t scratch = uint64_t(64) * STOXVP_DESC_SIZE + 0x1000 + uint64_t(in.batch) * 0x1000;
  boot.scratch_addr = place(scratch);
  boot.scratch_bytes = uint32_t(scratch);
  boot.images_addr = place(in.pixels.size() * in.epochs);
  boot.labels_addr = place(count);
  if (test_count) {
    boot.test_images_addr = place(in.test_pixels.size());
    boot.test_labels_addr = place(in.test_labels.size());
  }
  if (dram.next() > dram.end())
    throw input_error("fp-train: " + std::to_string(count) + " training and " + std::to_string(test_count) +
                      " test images need " + std::to_string(dram.next() - dram.base()) + " bytes of DRAM; the platform has " +
                      std::to_string(dram.size()));
  boot.count = uint32_t(count);
  boot.batch = in.batch;
  boot.lr = in.lr;
  boot.test_count = test_count;
  check(stoxvp_mem_write(p, boot_, &boot, sizeof boot), "fp-train: writing the boot information");
  for (uint32_t e = 0; e < in.epochs; ++e) {  // the same images again for every epoch, in order
    check(stoxvp_mem_write(p, boot.images_addr + uint64_t(e) * in.pixels.size(), in.pixels.data(), in.pixels.size()),
          "fp-train: loading the training images");
    check(stoxvp_mem_write(p, boot.labels_addr + uint64_t(e) * in.labels.size(), in.labels.data(), in.labels.size()),
          "fp-train: loading the training labels");
  }
  if (test_count) {
    check(stoxvp_mem_write(p, boot.test_images_addr, in.test_pixels.data(), in.test_pixels.size()), "fp-train: loading the test images");
    check(stoxvp_mem_write(p, boot.test_labels_addr, in.test_labels.data(), in.test_labels.size()), "fp-train: loading the test labels");
  }
  check(stoxvp_mem_write(p, boot.w1_addr, in.w1.data(), in.w1.size() * 2), "fp-train: loading the initial weights");
  check(stoxvp_mem_write(p, boot.w2_addr, in.w2.data(), in.w2.size() * 2), "fp-train: loading the initial weights");
  attach_firmware(p, stoxvp_find_host_app("fp-train")->entry, elf, "fp-train firmware");
}

fp_train_outcome fp_train_session::collect() const {
  fp_train_boot b{};
  check(stoxvp_mem_read(p_, boot_, &b, sizeof b), "fp-train: reading the boot information");
  if (b.status != FP_TRAIN_DONE) throw input_error("fp-train: the firmware did not finish (status " + std::to_string(b.status) + ")");
  fp_train_outcome o;
  o.status = b.status;
  o.iterations = b.iterations_done;
  o.correct = b.correct;
  o.test_correct = b.test_correct;
  o.count = b.count;
  o.test_count = b.test_count;
  o.loss_sum = b.loss_sum;
  o.w1.resize(size_t(FP_TRAIN_HID) * FP_TRAIN_IN);
  o.w2.resize(size_t(FP_TRAIN_OUT) * FP_TRAIN_HID);
  o.b.resize(FP_TRAIN_HID + FP_TRAIN_OUT);
  check(stoxvp_mem_read(p_, b.w1_out, o.w1.data(), o.w1.size() * 2), "fp-train: reading the trained weights");
  check(stoxvp_mem_read(p_, b.w2_out, o.w2.data(), o.w2.size() * 2), "fp-train: reading the trained weights");
  check(stoxvp_mem_read(p_, b.b_out, o.b.data(), o.b.size() * 2), "fp-train: reading the trained biases");
  return o;
}

}  // namespace stoxvp::runner
