// The digital vector unit: the output stage of crossbar layers (reduction of the tiles' partial
// results, scale, bias, activation, requantisation), exact full-precision convolutions, pooling
// and residual adds. Loosely timed: each operation returns the time it keeps the unit busy and
// its energy.
#pragma once

#include "config.h"
#include "cost_sink.h"
#include "energy.h"
#include "hw/core/layer_ops.h"
#include "common/stats.h"
#include "technology.h"

#include <systemc>

namespace stoxvp::hw {

struct vector_stats {
  uint64_t elements = 0;  // element operations: reductions, output stages, pooling, adds
  uint64_t macs = 0;      // of full-precision convolutions
  sc_core::sc_time busy = sc_core::SC_ZERO_TIME;
};

class vector_unit : public sc_core::sc_module {
 public:
  vector_unit(sc_core::sc_module_name name, const accelerator_config& cfg, const technology& tech);
  vector_unit(const vector_unit&) = delete;
  vector_unit& operator=(const vector_unit&) = delete;

  // Sums the partial results of `sources` tiles (the accumulators already hold the sum) and
  // applies the output stage.
  action_cost output_stage(const int64_t* acc, uint32_t positions, uint32_t N, uint32_t sources,
                           float code_scale, const core::output_params& p, void* out);
  action_cost conv(const int8_t* x, const core::conv_shape& s, const int8_t* w, int64_t* acc);
  action_cost pool(const int8_t* x, const core::pool_shape& s, core::pool_kind kind, int8_t* out);
  action_cost add(const int8_t* a, const int8_t* b, size_t count, float sa, float sb,
                  core::activation act, uint32_t out_bits, int8_t* out);

  // Its area and leakage: the vector lanes and the MAC lanes.
  void contribute(cost_sheet& sheet) const {
    sheet.add(component::vector_unit, tech_.vector_area_um2, tech_.vector_leakage_mw);
    sheet.add(component::digital_mac, double(cfg_.digital_macs_per_cycle) * tech_.digital_mac_area_um2, 0);
  }

  const vector_stats& stats() const { return stats_; }
  void stats(stat_group& g) const {
    g.set("elements", stats_.elements).set("macs", stats_.macs).set("busy_ns", stats_.busy.to_seconds() * 1e9);
  }

 private:
  action_cost elementwise(uint64_t ops);
  const accelerator_config& cfg_;
  const technology& tech_;
  vector_stats stats_;
};

}  // namespace stoxvp::hw
