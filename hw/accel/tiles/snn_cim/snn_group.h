// The snn_cim kind: FlexSpIM spiking digital CIM macros (docs/snn-cim.md). One tile is one
// macro of rows x cols bit cells holding weights and membrane potentials, with its W/V buffers
// and spike buffer. The group keeps the loaded layers (slots) of the spiking network, their
// potentials across timesteps, and the counters the reports show.
#pragma once

#include "hw/accel/operation.h"
#include "hw/core/snn_cim.h"

#include <array>
#include <memory>
#include <optional>
#include <vector>

namespace stoxvp::hw {

// The kind's technology (section "tiles": {"snn_cim": {...}}), at the platform's node.
struct snn_cim_technology : tech_section {
  double column_step_energy_pj = 0;          // one active column, one full-add step
  double standby_column_step_energy_pj = 0;  // one column in precharge standby for a step
  double cycle_ns = 0;                       // one row step (system clock)
  double macro_area_um2 = 0;                 // macro with its buffers and control
  double macro_leakage_mw = 0;
  double wv_buffer_energy_pj_per_bit = 0;
  double spike_buffer_energy_pj_per_bit = 0;
};

component snn_macro_component();
component snn_wv_buffer_component();
component snn_spike_buffer_component();

class snn_macro : public tile_base {
 public:
  snn_macro(sc_core::sc_module_name n, uint32_t index) : tile_base(n, index) {}
  const char* kind() const override { return "snn_cim"; }
  uint64_t operations() const override { return sops; }
  sc_core::sc_time busy() const override { return busy_time; }
  uint64_t sops = 0;
  sc_core::sc_time busy_time = sc_core::SC_ZERO_TIME;
};

// What the group's counters hold (the report's "snn_cim" statistics).
struct snn_cim_stats {
  uint64_t timesteps = 0, input_events = 0, sops = 0, output_spikes = 0;
  uint64_t row_steps = 0, active_column_steps = 0, standby_column_steps = 0;
  uint64_t wv_buffer_bits = 0, spike_buffer_bits = 0, dram_stream_bits = 0, noc_messages = 0;
  uint64_t bit_level_full_adds = 0;  // full-add steps the bit-level mode executed
  std::array<uint64_t, STOXVP_SNN_MAX_LAYERS> sops_by_layer{};  // by slot
};

// One loaded layer: the functional state and where it lives.
struct snn_slot {
  core::snn::snn_layer layer;
  bool ws = true;              // resolved policy: W resident (true) or V resident (false)
  uint32_t first_macro = 0;    // in the group
  uint32_t macros = 1;
  uint64_t resident_bits = 0, streamed_bits = 0;
};

class snn_group : public tile_group_base {
 public:
  explicit snn_group(const group_build_args& a);
  const char* kind() const override { return "snn_cim"; }
  std::vector<tile_base*> tiles() const override;
  void contribute(cost_sheet& s) const override;

  const snn_cim_technology& tech() const { return *tech_; }
  uint32_t rows = 512, cols = 256;
  uint64_t wv_buffer_bits = 16 * 2048 * 8;     // 16 banks x 2 kB per macro
  uint64_t spike_buffer_bits = 4352 * 8;       // 4.25 kB per macro
  // The bit-level mode: layers of at most bit_level_max_neurons outputs run their timesteps as
  // column full-adds on bit planes (hw/core/bit_plane.h) instead of integer adds (0: never).
  uint32_t bit_level_max_neurons = 0;
  // Baselines of the paper's comparisons (docs/snn-cim.md, "Comparisons"): columns without
  // precharge standby (unused columns cost as active ones), a fixed resolution grid (every V
  // operand padded to a multiple of grid_bits columns; 0: bit-granular as FlexSpIM), and one
  // policy forced on every layer (-1: each layer's own).
  bool standby = true;
  // Shape of a V operand: v_cols columns by ceil(bits / v_cols) rows (0: one row of all its bits).
  uint32_t v_cols = 0;
  uint32_t grid_bits = 0;
  int policy = -1;
  std::array<std::optional<snn_slot>, STOXVP_SNN_MAX_LAYERS> slots;
  snn_cim_stats stats;
  std::vector<std::unique_ptr<snn_macro>> macros;
  uint32_t node(uint32_t macro) const { return nodes_[macro]; }
  uint32_t loaded() const;

 private:
  const snn_cim_technology* tech_;
  std::vector<uint32_t> nodes_;
};

void register_snn_cim_kind(operation_registry& r);

}  // namespace stoxvp::hw
