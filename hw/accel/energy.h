// Where the accelerator's energy goes: every action charges its component, attributed to the
// layer (descriptor tag and opcode) that caused it and spread over the time it took, so that a
// power trace can be drawn; leakage accrues over simulated time. Tracing only reads the ledger:
// it changes no figure.
#pragma once

#include "exact_sum.h"

#include <systemc>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stoxvp::hw {

// Groups of the power trace.
enum class power_group : uint8_t { crossbar, converters, digital, buffers, noc, dram, count };
constexpr size_t kPowerGroups = static_cast<size_t>(power_group::count);
const char* to_string(power_group g);

// An energy component: an id in the table of components, open to the units that own them. The
// components of this library have fixed ids (so `component::mtj` is a constant and reports keep
// their order); a kind of tile registers its own with register_component().
class component {
 public:
  constexpr component() = default;
  constexpr explicit component(size_t id) : id_(static_cast<uint8_t>(id)) {}
  constexpr explicit operator size_t() const { return id_; }
  constexpr size_t id() const { return id_; }
  constexpr bool operator==(component o) const { return id_ == o.id_; }
  constexpr bool operator!=(component o) const { return id_ != o.id_; }

  // Owners: crossbar, row_driver, adc, sense_amp, mtj, shift_add, tile_buffer: the xbar tile
  // kind; global_buffer: the global buffer; router, link: the NoC; vector_unit, digital_mac:
  // the vector unit; dram: the DMA traffic; control: the command processor and DMA engine.
  static const component crossbar, row_driver, adc, sense_amp, mtj, shift_add, tile_buffer,
      global_buffer, router, link, vector_unit, digital_mac, dram, control;

 private:
  uint8_t id_ = 0;
};
inline constexpr component component::crossbar{0};
inline constexpr component component::row_driver{1};
inline constexpr component component::adc{2};
inline constexpr component component::sense_amp{3};
inline constexpr component component::mtj{4};
inline constexpr component component::shift_add{5};
inline constexpr component component::tile_buffer{6};
inline constexpr component component::global_buffer{7};
inline constexpr component component::router{8};
inline constexpr component component::link{9};
inline constexpr component component::vector_unit{10};
inline constexpr component component::digital_mac{11};
inline constexpr component component::dram{12};
inline constexpr component component::control{13};
constexpr size_t kBuiltinComponents = 14;
// Room in an energy_vector; register_component() refuses more.
constexpr size_t kMaxComponents = 64;

// The component called `name`, registered on first use with its power-trace group (a second
// registration of the name returns the same component; a different group is a logic_error).
component register_component(const std::string& name, power_group group);
// Components registered so far: ids 0 .. component_count() - 1.
size_t component_count();
// The component called `name`, if registered.
std::optional<component> find_component(const std::string& name);
const char* to_string(component c);
power_group group_of(component c);

using energy_vector = std::array<double, kMaxComponents>;  // pJ per component id

// What one action of a unit costs: how long it keeps the unit busy, and the energy of each
// component it used.
struct action_cost {
  sc_core::sc_time busy = sc_core::SC_ZERO_TIME;
  energy_vector energy{};
  // Within busy, for a crossbar tile: the time of its array reads (array and converters, the
  // macro) and of its converters alone. Zero for other units.
  sc_core::sc_time array_time = sc_core::SC_ZERO_TIME, conversion_time = sc_core::SC_ZERO_TIME;
};

// A layer's share: per component energy, and the time its descriptors took.
struct layer_cost {
  energy_vector energy{};  // exact_energy rounded (the ledger keeps it current)
  std::array<exact_sum, kMaxComponents> exact_energy;  // the exact sum of the charges
  sc_core::sc_time latency = sc_core::SC_ZERO_TIME;
  uint64_t invocations = 0;
  // A crossbar layer's critical path at the levels inside a tile, summed over invocations: per
  // invocation the slowest of its tiles' converter time, array-read time and busy time.
  sc_core::sc_time converter_time = sc_core::SC_ZERO_TIME, macro_time = sc_core::SC_ZERO_TIME,
                   tile_time = sc_core::SC_ZERO_TIME;
  std::vector<uint32_t> tiles;  // chip-wide indices of the tiles a crossbar layer ran on, ascending
};

class energy_ledger {
 public:
  // `pj` of `c` for the descriptor (tag, opcode), spent evenly over [t0, t1) (t1 may equal t0).
  void charge(component c, double pj, uint32_t tag, uint16_t opcode, const sc_core::sc_time& t0,
              const sc_core::sc_time& t1);
  void add_latency(uint32_t tag, uint16_t opcode, const sc_core::sc_time& t);
  void add_level_times(uint32_t tag, uint16_t opcode, const sc_core::sc_time& converter,
                       const sc_core::sc_time& macro, const sc_core::sc_time& tile);
  // Tile `tile` (chip-wide index) worked for the descriptor's layer.
  void use_tile(uint32_t tag, uint16_t opcode, uint32_t tile);

  // Leakage power of each component, in mW; it accrues over the whole simulated time.
  void set_leakage(component c, double mw) { leakage_mw_[static_cast<size_t>(c)] = mw; }
  double leakage_mw(component c) const { return leakage_mw_[static_cast<size_t>(c)]; }
  double leakage_mw() const;

  // Dynamic energy per component: the exact sum of the charges, rounded once (exact_sum.h), so
  // the figure does not depend on the order of the charges nor on how a run is split.
  const energy_vector& dynamic() const {
    refresh();
    return dynamic_;
  }
  const std::array<exact_sum, kMaxComponents>& exact_dynamic() const { return exact_dynamic_; }
  double dynamic_total() const;
  // Dynamic energy plus leakage over `elapsed`.
  energy_vector total(const sc_core::sc_time& elapsed) const;
  const std::map<std::pair<uint32_t, uint16_t>, layer_cost>& layers() const {
    refresh();
    return layers_;
  }

  // Power trace: per group, the dynamic energy of each `interval` bin (leakage is constant and
  // added when the trace is written). At most `max_bins` bins are kept: when simulated time
  // runs past them the interval doubles and neighbouring bins merge, so a long run costs
  // bounded memory and disk; the trace gets coarser, its energy stays the same.
  void enable_trace(const sc_core::sc_time& interval, size_t max_bins = 1000000);
  bool tracing() const { return interval_ != sc_core::SC_ZERO_TIME; }
  const sc_core::sc_time& interval() const { return interval_; }
  // Bins up to `until` (a tail with no dynamic energy), coarsened as needed.
  void extend_trace(const sc_core::sc_time& until);
  const std::vector<std::array<double, kPowerGroups>>& bins() const { return bins_; }

 private:
  // Rounds the exact sums charged since the last call into the double views.
  void refresh() const;
  mutable energy_vector dynamic_{};
  std::array<exact_sum, kMaxComponents> exact_dynamic_;
  energy_vector leakage_mw_{};
  mutable std::map<std::pair<uint32_t, uint16_t>, layer_cost> layers_;
  mutable bool stale_ = false;
  // Makes room for bin `index` of the current interval; returns its index after coarsening.
  size_t bin_slot(uint64_t t_ps);
  sc_core::sc_time interval_ = sc_core::SC_ZERO_TIME;
  size_t max_bins_ = 0;
  std::vector<std::array<double, kPowerGroups>> bins_;
};

}  // namespace stoxvp::hw
