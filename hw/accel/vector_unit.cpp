#include "vector_unit.h"

namespace stoxvp::hw {

vector_unit::vector_unit(sc_core::sc_module_name name, const accelerator_config& cfg, const technology& tech)
    : sc_module(name), cfg_(cfg), tech_(tech) {}

action_cost vector_unit::elementwise(uint64_t ops) {
  action_cost c;
  c.busy = cfg_.clock_period * static_cast<double>((ops + cfg_.vector_lanes - 1) / cfg_.vector_lanes);
  c.energy[size_t(component::vector_unit)] = ops * tech_.vector_energy_pj_per_op;
  stats_.elements += ops;
  stats_.busy += c.busy;
  return c;
}

action_cost vector_unit::output_stage(const int64_t* acc, uint32_t positions, uint32_t N, uint32_t sources,
                                      float code_scale, const core::output_params& p, void* out) {
  core::output_stage(acc, positions, N, code_scale, p, out);
  const uint64_t outputs = uint64_t(positions) * N;
  // One operation per output for the output stage, one per extra source for the reduction.
  return elementwise(outputs * (sources > 1 ? sources : 1));
}

action_cost vector_unit::conv(const int8_t* x, const core::conv_shape& s, const int8_t* w, int64_t* acc) {
  core::digital_conv(x, s, w, acc);
  const uint64_t macs = uint64_t(s.positions()) * s.out_channels * s.K();
  stats_.macs += macs;
  action_cost c;
  c.busy = cfg_.clock_period *
           static_cast<double>((macs + cfg_.digital_macs_per_cycle - 1) / cfg_.digital_macs_per_cycle);
  c.energy[size_t(component::digital_mac)] = macs * tech_.digital_mac_energy_pj;
  stats_.busy += c.busy;
  return c;
}

action_cost vector_unit::pool(const int8_t* x, const core::pool_shape& s, core::pool_kind kind, int8_t* out) {
  core::pool(x, s, kind, out);
  return elementwise(uint64_t(s.channels) * s.out_h() * s.out_w() * s.kernel * s.kernel);
}

action_cost vector_unit::add(const int8_t* a, const int8_t* b, size_t count, float sa, float sb,
                             core::activation act, uint32_t out_bits, int8_t* out) {
  core::residual_add(a, b, count, sa, sb, act, out_bits, out);
  return elementwise(count);
}

}  // namespace stoxvp::hw
