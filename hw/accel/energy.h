// Where the accelerator's energy goes: every action charges its component, attributed to the
// layer (descriptor tag and opcode) that caused it and spread over the time it took, so that a
// power trace can be drawn; leakage accrues over simulated time. Tracing only reads the ledger:
// it changes no figure.
#pragma once

#include <systemc>

#include <array>
#include <cstdint>
#include <map>
#include <vector>

namespace stoxvp::hw {

enum class component : uint8_t {
  crossbar, row_driver, adc, sense_amp, mtj, shift_add, tile_buffer, global_buffer,
  router, link, vector_unit, digital_mac, dram, control, count
};
constexpr size_t kComponents = static_cast<size_t>(component::count);
const char* to_string(component c);

// Groups of the power trace.
enum class power_group : uint8_t { crossbar, converters, digital, buffers, noc, dram, count };
constexpr size_t kPowerGroups = static_cast<size_t>(power_group::count);
const char* to_string(power_group g);
power_group group_of(component c);

using energy_vector = std::array<double, kComponents>;  // pJ per component

// What one action of a unit costs: how long it keeps the unit busy, and the energy of each
// component it used.
struct action_cost {
  sc_core::sc_time busy = sc_core::SC_ZERO_TIME;
  energy_vector energy{};
};

// A layer's share: per component energy, and the time its descriptors took.
struct layer_cost {
  energy_vector energy{};
  sc_core::sc_time latency = sc_core::SC_ZERO_TIME;
  uint64_t invocations = 0;
};

class energy_ledger {
 public:
  // `pj` of `c` for the descriptor (tag, opcode), spent evenly over [t0, t1) (t1 may equal t0).
  void charge(component c, double pj, uint32_t tag, uint16_t opcode, const sc_core::sc_time& t0,
              const sc_core::sc_time& t1);
  void add_latency(uint32_t tag, uint16_t opcode, const sc_core::sc_time& t);

  // Leakage power of each component, in mW; it accrues over the whole simulated time.
  void set_leakage(component c, double mw) { leakage_mw_[static_cast<size_t>(c)] = mw; }
  double leakage_mw(component c) const { return leakage_mw_[static_cast<size_t>(c)]; }
  double leakage_mw() const;

  const energy_vector& dynamic() const { return dynamic_; }
  double dynamic_total() const;
  // Dynamic energy plus leakage over `elapsed`.
  energy_vector total(const sc_core::sc_time& elapsed) const;
  const std::map<std::pair<uint32_t, uint16_t>, layer_cost>& layers() const { return layers_; }

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
  energy_vector dynamic_{};
  energy_vector leakage_mw_{};
  std::map<std::pair<uint32_t, uint16_t>, layer_cost> layers_;
  // Makes room for bin `index` of the current interval; returns its index after coarsening.
  size_t bin_slot(uint64_t t_ps);
  sc_core::sc_time interval_ = sc_core::SC_ZERO_TIME;
  size_t max_bins_ = 0;
  std::vector<std::array<double, kPowerGroups>> bins_;
};

}  // namespace stoxvp::hw
