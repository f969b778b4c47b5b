// The host side of a spiking run (firmware "snn"): loads a spiking model and an SXEV event
// file, checks both with their readers, lays them out in the platform's DRAM with the boot
// information the spiking firmware reads (firmware/apps/snn/snn_bootinfo.h), and collects the
// predictions and output spike counts afterwards.
#pragma once

#include "runner.h"

#include <cstdint>
#include <string>
#include <vector>

namespace stoxvp::runner {

struct snn_request {
  std::string model_path;
  std::string events_path;
  uint32_t first = 0;
  uint32_t count = 0;  // 0: every sample from `first` on
  uint32_t timesteps = 8;
  bool progress = false;
  std::string firmware_elf;  // empty: host-compiled firmware
};

struct snn_outcome {
  std::string model_name;
  uint32_t samples = 0, correct = 0, classes = 0;
  uint64_t input_spikes = 0;
  std::vector<uint32_t> predictions, labels, counts;  // counts: samples x classes
  std::vector<uint64_t> latency_ns;
  double accuracy() const { return samples ? double(correct) / samples : 0.0; }
  double mean_latency_ns() const;
};

// Reads and validates an SXEV file with the event reader; throws input_error with its message.
std::vector<uint8_t> read_events(const std::string& path);

class snn_session {
 public:
  snn_session(stoxvp_platform* platform, const snn_request& req);
  // After the run: the firmware's results, and an "snn" section in the platform's report;
  // throws input_error with the firmware's message when it failed.
  snn_outcome collect() const;

 private:
  stoxvp_platform* p_;
  snn_request req_;
  uint64_t boot_ = 0, results_ = 0, counts_ = 0;
  uint32_t count_ = 0, classes_ = 0;
  std::string name_;
};

}  // namespace stoxvp::runner
