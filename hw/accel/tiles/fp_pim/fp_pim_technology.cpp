#include "fp_pim_technology.h"

#include "common/json_reader.h"
#include "hw/accel/cost/tech_file.h"

#include <stdexcept>

namespace stoxvp::hw {

const core::fp_profile& fp_pim_tech_section::profile(const std::string& name) const {
  if (name == "floatpim") return floatpim;
  if (name == "sot") return sot;
  throw std::invalid_argument("cost profile '" + name + "' is neither floatpim nor sot");
}

namespace {
core::fp_profile read_profile(json_object_reader& section, const char* name,
                              std::map<std::string, std::string>& sources) {
  core::fp_profile p;
  p.name = name;
  auto o = section.object(name);
  const std::string pre = std::string(name) + ".";
  for (unsigned s = 0; s < static_cast<unsigned>(core::fp_step::count); ++s) {
    const std::string step = core::fp_step_name(static_cast<core::fp_step>(s));
    const std::string lat = step + "_latency_ns", en = step + "_energy_fj_per_row";
    p.step[s].latency_ns = read_tech_value(o, lat.c_str(), sources[pre + lat]);
    p.step[s].energy_fj_per_row = read_tech_value(o, en.c_str(), sources[pre + en]);
  }
  p.transfer_latency_ns_per_bit =
      read_tech_value(o, "transfer_latency_ns_per_bit", sources[pre + "transfer_latency_ns_per_bit"]);
  p.transfer_energy_fj_per_row_bit = read_tech_value(o, "transfer_energy_fj_per_row_bit",
                                                     sources[pre + "transfer_energy_fj_per_row_bit"]);
  p.cell_area_um2 = read_tech_value(o, "cell_area_um2", sources[pre + "cell_area_um2"]);
  o.finish();
  return p;
}
}  // namespace

std::shared_ptr<const tech_section> parse_fp_pim_technology(json_object_reader& section,
                                                            std::map<std::string, std::string>& sources) {
  auto t = std::make_shared<fp_pim_tech_section>();
  t->floatpim = read_profile(section, "floatpim", sources);
  t->sot = read_profile(section, "sot", sources);
  return t;
}

}  // namespace stoxvp::hw
