// The floating-point PIM kind's technology section, "tiles": {"fp_pim": {"floatpim": {...},
// "sot": {...}}}: the two cost profiles of the same micro-programs (hw/core/fp_pim_cost.h).
// Each profile gives, per step (nor, init, copy, search, write, full_add), a latency and an
// energy per row, the block-to-block transfer per bit, and the cell area.
#pragma once

#include "hw/accel/tiles/xbar/xbar_technology.h"
#include "hw/core/fp_pim_cost.h"

#include <map>
#include <memory>
#include <string>

namespace stoxvp {
class json_object_reader;
}

namespace stoxvp::hw {

struct fp_pim_tech_section : tech_section {
  core::fp_profile floatpim, sot;
  // "floatpim" or "sot"; throws std::invalid_argument for another name.
  const core::fp_profile& profile(const std::string& name) const;
};

std::shared_ptr<const tech_section> parse_fp_pim_technology(json_object_reader& section,
                                                            std::map<std::string, std::string>& sources);

}  // namespace stoxvp::hw
