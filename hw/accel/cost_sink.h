// Where the units of the accelerator charge their energy while a descriptor executes: the
// ledger, attributed to the descriptor (tag, opcode) being executed, spread over the interval
// of simulated time the work took. Times are local offsets from the current simulated time,
// as the loosely timed units keep them.
#pragma once

#include "activity.h"
#include "energy.h"

#include <systemc>

#include <array>
#include <cstdint>

namespace stoxvp::hw {

// Area and leakage of one unit, per energy component; the accelerator sums what every unit
// contributes. `in_tile` components count towards the area of one tile.
struct cost_sheet {
  energy_vector area_um2{};
  energy_vector leakage_mw{};
  std::array<bool, kMaxComponents> in_tile{};
  void add(component c, double area, double leakage, bool tile_part = false) {
    area_um2[static_cast<size_t>(c)] += area;
    leakage_mw[static_cast<size_t>(c)] += leakage;
    if (tile_part) in_tile[static_cast<size_t>(c)] = true;
  }
};

class cost_sink {
 public:
  explicit cost_sink(energy_ledger& ledger) : ledger_(ledger) {}

  // The descriptor whose layer the energy goes to from now on.
  void begin(uint32_t tag, uint16_t opcode) {
    tag_ = tag;
    opcode_ = opcode;
    charged_pj_ = 0;
  }
  // Dynamic energy charged since the descriptor began (for its timeline slice).
  double charged_pj() const { return charged_pj_; }
  // The timeline's record, when one is kept (nullptr otherwise).
  void set_activity(activity_log* log) { activity_ = log; }
  activity_log* activity() const { return activity_ && activity_->enabled() ? activity_ : nullptr; }
  // A tile's share of the current descriptor, [from, to) as local offsets, with its energy.
  void tile_activity(uint32_t tile, const char* what, const sc_core::sc_time& from, const sc_core::sc_time& to,
                     const energy_vector& e) {
    if (activity_log* log = activity()) {
      double pj = 0;
      for (size_t c = 0, n = component_count(); c < n; ++c) pj += e[c];
      const sc_core::sc_time now = sc_core::sc_time_stamp();
      log->add("tile " + std::to_string(tile), what, now + from, now + to,
               {{"energy_pj", pj}, {"tag", double(tag_)}, {"opcode", double(opcode_)}});
    }
  }
  uint32_t tag() const { return tag_; }
  uint16_t opcode() const { return opcode_; }

  // The time the descriptor took, for its layer's latency.
  void add_latency(const sc_core::sc_time& t) { ledger_.add_latency(tag_, opcode_, t); }
  // One invocation's critical path inside the tiles (energy_ledger::add_level_times).
  void add_level_times(const sc_core::sc_time& converter, const sc_core::sc_time& macro,
                       const sc_core::sc_time& tile) {
    ledger_.add_level_times(tag_, opcode_, converter, macro, tile);
  }
  void use_tile(uint32_t tile) { ledger_.use_tile(tag_, opcode_, tile); }
  void charge(component c, double pj, const sc_core::sc_time& from, const sc_core::sc_time& to) {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    charged_pj_ += pj;
    ledger_.charge(c, pj, tag_, opcode_, now + from, now + to);
  }
  void charge(const energy_vector& e, const sc_core::sc_time& from, const sc_core::sc_time& to) {
    for (size_t c = 0, n = component_count(); c < n; ++c) charge(component(c), e[c], from, to);
  }

 private:
  energy_ledger& ledger_;
  uint32_t tag_ = 0;
  uint16_t opcode_ = 0;
  double charged_pj_ = 0;
  activity_log* activity_ = nullptr;
};

}  // namespace stoxvp::hw
