#include "energy.h"

#include <algorithm>

namespace stoxvp::hw {

const char* to_string(component c) {
  static const char* names[] = {"crossbar", "row_driver", "adc", "sense_amp", "mtj", "shift_add",
                                "tile_buffer", "global_buffer", "router", "link", "vector_unit",
                                "digital_mac", "dram", "control"};
  return names[static_cast<size_t>(c)];
}

const char* to_string(power_group g) {
  static const char* names[] = {"crossbar", "converters", "digital", "buffers", "noc", "dram"};
  return names[static_cast<size_t>(g)];
}

power_group group_of(component c) {
  switch (c) {
    case component::crossbar:
    case component::row_driver: return power_group::crossbar;
    case component::adc:
    case component::sense_amp:
    case component::mtj: return power_group::converters;
    case component::shift_add:
    case component::vector_unit:
    case component::digital_mac:
    case component::control: return power_group::digital;
    case component::tile_buffer:
    case component::global_buffer: return power_group::buffers;
    case component::router:
    case component::link: return power_group::noc;
    case component::dram:
    case component::count: break;
  }
  return power_group::dram;
}

void energy_ledger::charge(component c, double pj, uint32_t tag, uint16_t opcode,
                           const sc_core::sc_time& t0, const sc_core::sc_time& t1) {
  if (pj == 0) return;
  dynamic_[static_cast<size_t>(c)] += pj;
  layers_[{tag, opcode}].energy[static_cast<size_t>(c)] += pj;
  if (!tracing()) return;
  const size_t g = static_cast<size_t>(group_of(c));
  const double a = static_cast<double>(t0.value()), b = std::max(a, static_cast<double>(t1.value()));
  bin_slot(t1.value() > t0.value() ? t1.value() : t0.value());  // may coarsen the interval
  const double iv = static_cast<double>(interval_.value());
  const size_t first = static_cast<size_t>(a / iv), last = static_cast<size_t>(b / iv);
  if (b == a || first == last) {
    bins_[first][g] += pj;
    return;
  }
  for (size_t k = first; k <= last; ++k) {  // spread in proportion to the overlap with each bin
    const double lo = std::max(a, k * iv), hi = std::min(b, (k + 1) * iv);
    if (hi > lo) bins_[k][g] += pj * (hi - lo) / (b - a);
  }
}

void energy_ledger::add_latency(uint32_t tag, uint16_t opcode, const sc_core::sc_time& t) {
  auto& l = layers_[{tag, opcode}];
  l.latency += t;
  ++l.invocations;
}

double energy_ledger::leakage_mw() const {
  double s = 0;
  for (double v : leakage_mw_) s += v;
  return s;
}

double energy_ledger::dynamic_total() const {
  double s = 0;
  for (double v : dynamic_) s += v;
  return s;
}

energy_vector energy_ledger::total(const sc_core::sc_time& elapsed) const {
  energy_vector e = dynamic_;
  const double ns = static_cast<double>(elapsed.value()) / 1000.0;  // ps -> ns
  for (size_t c = 0; c < kComponents; ++c) e[c] += leakage_mw_[c] * ns;  // mW x ns = pJ
  return e;
}

void energy_ledger::enable_trace(const sc_core::sc_time& interval, size_t max_bins) {
  interval_ = interval;
  max_bins_ = std::max<size_t>(max_bins, 2);
  bins_.clear();
}

size_t energy_ledger::bin_slot(uint64_t t_ps) {
  uint64_t index = t_ps / interval_.value();
  while (index >= max_bins_) {  // merge neighbours: twice the interval, half the bins
    const size_t half = (bins_.size() + 1) / 2;
    for (size_t k = 0; k < half; ++k) {
      auto merged = bins_[2 * k];
      if (2 * k + 1 < bins_.size())
        for (size_t g = 0; g < kPowerGroups; ++g) merged[g] += bins_[2 * k + 1][g];
      bins_[k] = merged;
    }
    bins_.resize(half);
    interval_ = interval_ * 2.0;
    index = t_ps / interval_.value();
  }
  if (bins_.size() <= index) bins_.resize(index + 1, std::array<double, kPowerGroups>{});
  return static_cast<size_t>(index);
}

void energy_ledger::extend_trace(const sc_core::sc_time& until) {
  if (!tracing() || until.value() == 0) return;
  bin_slot(until.value() - 1);  // the bin holding the last picosecond before `until`
}

}  // namespace stoxvp::hw
