// A crossbar tile (kind "xbar"): crossbar arrays, a converter bank per array, input and output buffers and the
// shift-add units. It executes tile operations (the part of a layer whose weights its arrays
// hold, over every output position) loosely timed: execute() does the work at once and returns
// how long the tile is busy and the energy each of its components spent, so the command
// processor can start all tiles at the same instant and charge the layer its critical path.
#pragma once

#include "hw/accel/config.h"
#include "hw/accel/energy.h"
#include "hw/accel/operation.h"
#include "hw/accel/technology.h"
#include "hw/core/layer_ops.h"

#include <systemc>

#include <cstdint>
#include <memory>
#include <vector>

namespace stoxvp::hw {

// Which layer an array holds (set by XBAR_PROGRAM, checked by XBAR_CONV).
struct array_owner {
  bool valid = false;
  uint32_t k = 0, n = 0, base = 0;
  uint8_t w_bits = 0, w_slice = 0;
  bool operator==(const array_owner& o) const {
    return valid == o.valid && k == o.k && n == o.n && base == o.base && w_bits == o.w_bits &&
           w_slice == o.w_slice;
  }
};

struct tile_op {
  const core::packed_input* input = nullptr;
  const core::converter_bank* bank = nullptr;
  uint64_t key = 0;
  uint32_t N = 0;
  int64_t* acc = nullptr;                 // [position][N], shared by the layer's tiles
  std::vector<core::array_slot> slots;    // this tile's arrays of the layer
  uint64_t input_bytes = 0;               // what the tile's input buffer receives
};

struct tile_stats {
  core::datapath_stats datapath;
  uint64_t operations = 0;
  uint64_t cells_written = 0;
  sc_core::sc_time busy = sc_core::SC_ZERO_TIME;
};

class tile : public tile_base {
 public:
  tile(sc_core::sc_module_name name, uint32_t index, const accelerator_config& cfg,
       const technology& tech);
  tile(const tile&) = delete;
  tile& operator=(const tile&) = delete;

  const char* kind() const override { return "xbar"; }
  uint64_t operations() const override { return stats_.operations; }
  sc_core::sc_time busy() const override { return stats_.busy; }
  core::crossbar_array& array(uint32_t i) { return *arrays_[i]; }
  uint32_t arrays() const { return static_cast<uint32_t>(arrays_.size()); }
  array_owner& owner(uint32_t i) { return owners_[i]; }
  const array_owner& owner(uint32_t i) const { return owners_[i]; }

  // Runs `op`: busy time and energy per component.
  action_cost execute(const tile_op& op);
  // Writing `cells` cells of `bits` bits over `rows` rows of one array (XBAR_PROGRAM).
  action_cost program(uint64_t cells, uint32_t rows, uint32_t bits);

  const tile_stats& stats() const { return stats_; }

 private:
  // Time of one wave: the array read and its conversion, as the bank's converter design says.
  sc_core::sc_time wave_time(const core::converter_bank& bank, const core::converter_figures& f,
                             uint32_t wave) const;

  const accelerator_config& cfg_;
  const technology& tech_;
  std::vector<std::unique_ptr<core::crossbar_array>> arrays_;
  std::vector<array_owner> owners_;
  tile_stats stats_;
};

}  // namespace stoxvp::hw
