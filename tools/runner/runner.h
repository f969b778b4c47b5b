// The host side of an inference run: loads the IDX images and labels and the model file, checks
// them, lays them out in the platform's DRAM with the boot information the inference firmware
// reads, and collects the predictions afterwards. Used by the stoxvp command, the tests and the
// benchmarks.
#pragma once

#include "stoxvp.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace stoxvp::runner {

struct input_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct idx_images {
  uint32_t count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // count x rows x cols
};

// Largest IDX file (header and data, uncompressed): the header is read first and nothing past
// what it promises, nor past this bound, is inflated. Fashion-MNIST's training set is 47 MB.
constexpr uint64_t kMaxIdxBytes = 1ull << 30;

// Read IDX files, gzip-compressed or not; throw input_error naming the file and what is wrong.
idx_images read_idx_images(const std::string& path);
// Keeps the image files read from now on (by path, size and modification time), so that worker
// processes forked afterwards (stoxvp --jobs) find them in memory instead of inflating them again.
void keep_idx_images(bool keep);
std::vector<uint8_t> read_idx_labels(const std::string& path, uint32_t classes = 10);

// Reads and validates a model file with the model reader; throws input_error with its message.
std::vector<uint8_t> read_model(const std::string& path);

struct converter_override {
  bool enabled = false;
  uint8_t kind = 0;             // STOXVP_CONV_*
  uint8_t adc_bits = 8;
  float adc_range = 0;          // 0: the smallest power of two >= the geometric bound of |PS| (docs/datapath.md)
  uint8_t cols_per_converter = 0;  // 0: keep the model's
  uint8_t samples[8][8] = {};   // all 0: keep the model's T
  // "mtj", "adc", ... -> STOXVP_CONV_*; throws input_error for an unknown name.
  static uint8_t kind_of(const std::string& name);
  // "4" (every slice) or "1,2,4" (per weight slice, least significant first).
  void set_samples(const std::string& spec);
};

struct request {
  std::string model_path;
  std::string images_path = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  std::string labels_path = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
  uint32_t first = 0;
  uint32_t count = 0;  // 0: every image from `first` on
  converter_override converter;
  bool progress = false;
  // Empty: the host-compiled inference firmware; otherwise the RV32 image of the same
  // application, run on the instruction-set simulator.
  std::string firmware_elf;
  // The timing the run reports: false, layer at a time (what the simulation does); true, the
  // pipelined mode derived from it (hw/accel/pipeline.h). The predictions are the same.
  bool pipelined = false;
};

struct outcome {
  std::string model_name;
  uint32_t images = 0, correct = 0;
  bool labelled = false;
  bool reloaded = false;  // the crossbar layers did not fit and were reprogrammed per image
  std::vector<uint32_t> predictions;
  std::vector<float> logits;  // images x classes
  std::vector<uint64_t> latency_ns;
  uint32_t classes = 0;
  double accuracy() const { return images ? double(correct) / images : 0.0; }
  double mean_latency_ns() const;
  stoxvp_pipeline pipeline{};  // the pipelined mode's timing over these images
  bool pipelined = false;      // the request's timing mode
};

// The report's "timing" section (JSON text): both timing modes of `o`; `mode` names the one the
// run's summary states. One definition for the single-process run and the merge of --jobs.
std::string timing_report(const outcome& o, bool pipelined);

// Writes every image's logits (float32, images x classes, host byte order) to `path` through a
// temporary file renamed when complete; throws stoxvp::output_error naming the file otherwise.
void write_logits(const outcome& o, const std::string& path);

// Prepares one inference run on a created platform: writes the model, the images (shaped to the
// model's input: 28x28 images are zero-padded to a larger input and replicated to 3 channels) and
// the boot information, and attaches the inference firmware (host-compiled or RISC-V).
class session {
 public:
  session(stoxvp_platform* platform, const request& req);
  // After the run: reads the firmware's results and adds an "inference" section to the
  // platform's report; throws input_error with the firmware's message when it failed.
  outcome collect() const;

 private:
  stoxvp_platform* p_;
  request req_;
  uint64_t boot_ = 0, results_ = 0, logits_ = 0;
  uint32_t count_ = 0, classes_ = 0;
  std::string name_;
  bool labelled_ = false;
};

}  // namespace stoxvp::runner
