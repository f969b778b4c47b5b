#include "converter_costs.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace stoxvp::hw {

core::converter_figures converter_figures_of(const technology& t, const accelerator_config& cfg) {
  core::converter_figures f;
  f.read_latency_ns = t.read_latency_ns;
  f.adc_model = t.adc.name;
  f.adc_energy_pj = t.adc.energy_pj;
  f.adc_area_um2 = t.adc.area_um2;
  f.adc_conversion_ns = t.adc.conversion_ns;
  f.adc_defined = t.adc.defined;
  f.adc_leakage_mw = t.adc.leakage_mw;
  f.sense_amp_energy_pj = t.sense_amp_energy_pj;
  f.sense_amp_latency_ns = t.sense_amp_latency_ns;
  f.sense_amp_area_um2 = t.sense_amp_area_um2;
  f.sense_amp_leakage_mw = t.sense_amp_leakage_mw;
  f.mtj_write_energy_pj = t.mtj_write_energy_pj;
  f.mtj_write_ns = t.mtj_write_ns;
  f.mtj_read_energy_pj = t.mtj_read_energy_pj;
  f.mtj_read_ns = t.mtj_read_ns;
  f.mtj_reset_energy_pj = t.mtj_reset_energy_pj;
  f.mtj_reset_ns = t.mtj_reset_ns;
  f.mtj_area_um2 = t.mtj_area_um2;
  f.mtj_leakage_mw = t.mtj_leakage_mw;
  f.mtj_reset_after_switch = cfg.mtj_reset_after_switch;
  return f;
}

component converter_component(const core::converter_design& d) {
  const char* name = d.component();
  if (name)
    if (const auto c = find_component(name)) return *c;
  throw std::logic_error(std::string("converter design ") + d.name() + " names no energy component (" +
                         (name ? name : "none") + ")");
}

core::converter_config chip_converter(const accelerator_config& cfg) {
  core::converter_config c;
  c.kind = static_cast<core::converter_kind>(cfg.converters.kind);
  c.adc_bits = cfg.converters.adc_bits;
  c.cols_per_converter = cfg.converters.cols_per_converter;
  return c;
}

}  // namespace stoxvp::hw
