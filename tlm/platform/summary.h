#pragma once
// The report's summary section, shared by a single run (platform.cpp) and the merge of runs over
// worker processes (tools/runner/jobs.cpp), which recomputes it from the merged counts.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>

namespace stoxvp {

// A MAC is two operations (multiply and add), a spiking synaptic operation one (an accumulate;
// `sops` of the `macs` are SOPs), so `ops` and `tops_per_w` (ops per pJ) do not double a spiking
// network's work.
inline nlohmann::json summary_report(double system_pj, double busy_ns, uint64_t macs, uint64_t sops) {
  const double ops = 2.0 * double(macs - std::min(macs, sops)) + double(sops);
  return {{"energy_pj", system_pj},
          {"accelerator_busy_ns", busy_ns},
          {"edp_pj_ns", system_pj * busy_ns},
          {"ops", ops},
          {"sops", sops},
          {"tops_per_w", system_pj > 0 ? ops / system_pj : 0.0}};  // ops/pJ == TOPS/W
}

}  // namespace stoxvp
