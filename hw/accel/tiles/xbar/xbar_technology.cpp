#include "xbar_technology.h"

#include "hw/accel/cost/tech_file.h"
#include "common/json_reader.h"

namespace stoxvp::hw {
namespace {

struct field {
  const char* component;
  const char* name;
  double xbar_technology::*member;
};

// Every scalar of the crossbar kind a technology file must give, component by component.
const field kFields[] = {
    {"crossbar", "cell_read_energy_fj", &xbar_technology::cell_read_energy_fj},
    {"crossbar", "cell_area_um2", &xbar_technology::cell_area_um2},
    {"crossbar", "read_latency_ns", &xbar_technology::read_latency_ns},
    {"crossbar", "cell_write_energy_pj", &xbar_technology::cell_write_energy_pj},
    {"crossbar", "row_write_latency_ns", &xbar_technology::row_write_latency_ns},
    {"crossbar", "leakage_mw_per_array", &xbar_technology::array_leakage_mw},
    {"row_driver", "energy_pj_per_bit", &xbar_technology::row_drive_energy_pj},
    {"row_driver", "area_um2_per_row", &xbar_technology::row_driver_area_um2},
    {"sense_amp", "energy_pj", &xbar_technology::sense_amp_energy_pj},
    {"sense_amp", "latency_ns", &xbar_technology::sense_amp_latency_ns},
    {"sense_amp", "area_um2", &xbar_technology::sense_amp_area_um2},
    {"sense_amp", "leakage_mw", &xbar_technology::sense_amp_leakage_mw},
    {"mtj", "write_energy_pj", &xbar_technology::mtj_write_energy_pj},
    {"mtj", "write_ns", &xbar_technology::mtj_write_ns},
    {"mtj", "read_energy_pj", &xbar_technology::mtj_read_energy_pj},
    {"mtj", "read_ns", &xbar_technology::mtj_read_ns},
    {"mtj", "reset_energy_pj", &xbar_technology::mtj_reset_energy_pj},
    {"mtj", "reset_ns", &xbar_technology::mtj_reset_ns},
    {"mtj", "area_um2", &xbar_technology::mtj_area_um2},
    {"mtj", "leakage_mw", &xbar_technology::mtj_leakage_mw},
    {"shift_add", "energy_pj", &xbar_technology::shift_add_energy_pj},
    {"shift_add", "area_um2", &xbar_technology::shift_add_area_um2},
    {"shift_add", "leakage_mw", &xbar_technology::shift_add_leakage_mw},
    {"tile_buffer", "energy_pj_per_bit", &xbar_technology::tile_buffer_energy_pj_per_bit},
    {"tile_buffer", "latency_ns", &xbar_technology::tile_buffer_latency_ns},
    {"tile_buffer", "area_um2_per_kib", &xbar_technology::tile_buffer_area_um2_per_kib},
    {"tile_buffer", "leakage_mw_per_kib", &xbar_technology::tile_buffer_leakage_mw_per_kib},
};

adc_model read_adc(json_object_reader& comps, const char* component, std::map<std::string, std::string>& src) {
  if (!comps.has(component)) comps.fail(component, "missing");
  auto c = comps.object(component);
  adc_model m;
  m.name = component;
  std::array<bool, 17> d1{}, d2{}, d3{};
  read_tech_table(c, "energy_pj", m.energy_pj, d1, src[std::string(component) + ".energy_pj"]);
  read_tech_table(c, "area_um2", m.area_um2, d2, src[std::string(component) + ".area_um2"]);
  read_tech_table(c, "conversion_ns", m.conversion_ns, d3, src[std::string(component) + ".conversion_ns"]);
  for (int b = 1; b <= 16; ++b) {
    if (d1[b] != d2[b] || d1[b] != d3[b])
      c.fail("per_bits", "energy_pj, area_um2 and conversion_ns must cover the same resolutions (" +
                             std::to_string(b) + " bits differs)");
    m.defined[b] = d1[b];
  }
  m.leakage_mw = read_tech_value(c, "leakage_mw", src[std::string(component) + ".leakage_mw"]);
  c.finish();
  return m;
}

}  // namespace

void parse_xbar_technology(json_object_reader& adc_model_owner, json_object_reader& comps,
                           xbar_technology& out, std::map<std::string, std::string>& sources) {
  std::string adc = "isaac";
  adc_model_owner.get("adc_model", adc);
  if (adc != "isaac" && adc != "neurosim")
    adc_model_owner.fail("adc_model", "\"" + adc + "\" is neither \"isaac\" nor \"neurosim\"");
  const adc_model isaac = read_adc(comps, "adc_isaac", sources);
  const adc_model neurosim = read_adc(comps, "adc_neurosim", sources);
  out.adc = adc == "isaac" ? isaac : neurosim;
  constexpr size_t n = sizeof kFields / sizeof kFields[0];
  for (size_t i = 0; i < n;) {
    const char* comp_name = kFields[i].component;
    if (!comps.has(comp_name)) comps.fail(comp_name, "missing component");
    auto c = comps.object(comp_name);
    for (; i < n && std::string(kFields[i].component) == comp_name; ++i)
      out.*(kFields[i].member) =
          read_tech_value(c, kFields[i].name, sources[std::string(comp_name) + "." + kFields[i].name]);
    c.finish();
  }
}

std::shared_ptr<const tech_section> parse_xbar_section(json_object_reader& section,
                                                       std::map<std::string, std::string>& sources) {
  auto s = std::make_shared<xbar_tech_section>();
  if (!section.has("components")) section.fail("components", "missing");
  auto comps = section.object("components");
  parse_xbar_technology(section, comps, s->values, sources);
  comps.finish();
  return s;
}

}  // namespace stoxvp::hw
