#include "energy.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace stoxvp::hw {

namespace {

struct component_info {
  std::string name;
  power_group group;
};

// The table of components; the library's own first, at their fixed ids.
std::vector<component_info>& components() {
  static std::vector<component_info> table = {
      {"crossbar", power_group::crossbar},     {"row_driver", power_group::crossbar},
      {"adc", power_group::converters},        {"sense_amp", power_group::converters},
      {"mtj", power_group::converters},        {"shift_add", power_group::digital},
      {"tile_buffer", power_group::buffers},   {"global_buffer", power_group::buffers},
      {"router", power_group::noc},            {"link", power_group::noc},
      {"vector_unit", power_group::digital},   {"digital_mac", power_group::digital},
      {"dram", power_group::dram},             {"control", power_group::digital}};
  return table;
}

}  // namespace

component register_component(const std::string& name, power_group group) {
  auto& t = components();
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i].name == name) {
      if (t[i].group != group)
        throw std::logic_error("energy component '" + name + "' registered again in power group " +
                               to_string(group) + ", it is in " + to_string(t[i].group));
      return component(i);
    }
  if (name.empty()) throw std::logic_error("an energy component needs a name");
  if (t.size() >= kMaxComponents)
    throw std::logic_error("energy component '" + name + "': the table holds " +
                           std::to_string(kMaxComponents) + " components (kMaxComponents)");
  t.push_back({name, group});
  return component(t.size() - 1);
}

size_t component_count() { return components().size(); }

std::optional<component> find_component(const std::string& name) {
  const auto& t = components();
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i].name == name) return component(i);
  return std::nullopt;
}

const char* to_string(component c) {
  const auto& t = components();
  return c.id() < t.size() ? t[c.id()].name.c_str() : "unregistered";
}

const char* to_string(power_group g) {
  static const char* names[] = {"crossbar", "converters", "digital", "buffers", "noc", "dram"};
  return names[static_cast<size_t>(g)];
}

power_group group_of(component c) {
  const auto& t = components();
  return c.id() < t.size() ? t[c.id()].group : power_group::dram;
}

void energy_ledger::charge(component c, double pj, uint32_t tag, uint16_t opcode,
                           const sc_core::sc_time& t0, const sc_core::sc_time& t1) {
  if (pj == 0) return;
  exact_dynamic_[static_cast<size_t>(c)].add(pj);
  layers_[{tag, opcode}].exact_energy[static_cast<size_t>(c)].add(pj);
  stale_ = true;
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

void energy_ledger::add_level_times(uint32_t tag, uint16_t opcode, const sc_core::sc_time& converter,
                                    const sc_core::sc_time& macro, const sc_core::sc_time& tile) {
  auto& l = layers_[{tag, opcode}];
  l.converter_time += converter;
  l.macro_time += macro;
  l.tile_time += tile;
}

void energy_ledger::use_tile(uint32_t tag, uint16_t opcode, uint32_t tile) {
  auto& v = layers_[{tag, opcode}].tiles;
  const auto it = std::lower_bound(v.begin(), v.end(), tile);
  if (it == v.end() || *it != tile) v.insert(it, tile);
}

void energy_ledger::refresh() const {
  if (!stale_) return;
  stale_ = false;
  for (size_t c = 0; c < kMaxComponents; ++c) dynamic_[c] = exact_dynamic_[c].value();
  for (auto& [key, l] : layers_)
    for (size_t c = 0; c < kMaxComponents; ++c) l.energy[c] = l.exact_energy[c].value();
}

double energy_ledger::leakage_mw() const {
  double s = 0;
  for (double v : leakage_mw_) s += v;
  return s;
}

double energy_ledger::dynamic_total() const {
  double s = 0;
  for (double v : dynamic()) s += v;
  return s;
}

energy_vector energy_ledger::total(const sc_core::sc_time& elapsed) const {
  energy_vector e = dynamic();
  const double ns = static_cast<double>(elapsed.value()) / 1000.0;  // ps -> ns
  for (size_t c = 0; c < kMaxComponents; ++c) e[c] += leakage_mw_[c] * ns;  // mW x ns = pJ
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
