// What each unit of the accelerator did and when, for a timeline (Perfetto / chrome://tracing):
// slices of simulated time on named tracks (a tile, the command processor, the DMA engine, a NoC
// link), each with a name and numbers (energy, counters). Off unless a timeline is asked for:
// the units then only test a flag.
#pragma once

#include <systemc>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace stoxvp::hw {

struct activity_slice {
  std::string track;
  std::string name;
  uint64_t begin_ps = 0, end_ps = 0;
  std::vector<std::pair<std::string, double>> args;
};

class activity_log {
 public:
  void enable() { on_ = true; }
  bool enabled() const { return on_; }
  // [begin, end) in absolute simulated time.
  void add(std::string track, std::string name, const sc_core::sc_time& begin, const sc_core::sc_time& end,
           std::vector<std::pair<std::string, double>> args = {}) {
    if (!on_) return;
    slices_.push_back({std::move(track), std::move(name), begin.value(), end.value(), std::move(args)});
  }
  const std::vector<activity_slice>& slices() const { return slices_; }

 private:
  bool on_ = false;
  std::vector<activity_slice> slices_;
};

}  // namespace stoxvp::hw
