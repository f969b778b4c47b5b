// The host side of a training run (firmware "fp-train", docs/fp-pim.md): reads the training and
// test IDX files, makes the initial weights, lays everything out in the platform's DRAM with the
// boot block the firmware reads (firmware/apps/fp_train/fp_train.h), and reads the trained
// weights back afterwards. Used by the stoxvp command, the tests and bench_fp_train.
#pragma once

#include "runner.h"

#include <cstdint>
#include <string>
#include <vector>

namespace stoxvp::runner {

struct fp_train_request {
  std::string images_path = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
  std::string labels_path = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
  std::string test_images_path = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  std::string test_labels_path = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
  uint32_t count = 16;      // training images, the first of the file; a multiple of batch
  uint32_t batch = 4;       // 1..FP_TRAIN_MAX_BATCH
  uint32_t epochs = 1;      // passes over the images: the firmware trains on count x epochs in order
  uint32_t test_count = 0;  // test images for the forward pass after training (0: none)
  double lr = 0.05;         // per-image step (the firmware's lr is its negative in bf16)
  uint64_t weight_seed = 11;
};

// What the firmware is given, in the platform's number formats.
struct fp_train_inputs {
  std::vector<uint8_t> pixels, labels;            // count x 784, count
  std::vector<uint8_t> test_pixels, test_labels;  // test_count x 784, test_count
  std::vector<uint16_t> w1, w2;                   // bf16, 128 x 784 and 10 x 128
  uint16_t lr = 0;                                // bf16, negative
  uint32_t batch = 0;
  uint32_t epochs = 1;  // the session writes the images this many times one after the other
};

// bf16 nearest even of a finite float (initial weights and the step; not for NaN or infinity).
uint16_t bf16_of_float(float v);
float fp_train_bf16_to_float(uint16_t h);

// The initial weights: uniform in +-1/sqrt(fan-in) from std::mt19937(seed), W1 then W2.
void fp_train_initial_weights(uint64_t seed, std::vector<uint16_t>& w1, std::vector<uint16_t>& w2);

// Reads and checks the files (28x28 images, labels 0..9, enough of them); throws input_error
// naming the file and what is wrong.
fp_train_inputs load_fp_train_inputs(const fp_train_request& req);

struct fp_train_outcome {
  uint32_t status = 0, iterations = 0, correct = 0, test_correct = 0, count = 0, test_count = 0;
  float loss_sum = 0;
  std::vector<uint16_t> w1, w2, b;  // trained; b: b1 (128) then b2 (10)
};

class fp_train_session {
 public:
  // Writes the boot block and the data into DRAM (throws input_error when they do not fit) and
  // attaches the firmware: host-compiled when firmware_elf is empty, the RV32 image otherwise.
  fp_train_session(stoxvp_platform* platform, const fp_train_inputs& in, const std::string& firmware_elf = "");
  // After the run: the firmware's status and the trained weights; throws input_error when the
  // firmware reports a failure.
  fp_train_outcome collect() const;

 private:
  stoxvp_platform* p_;
  uint64_t boot_ = 0;
};

}  // namespace stoxvp::runner
