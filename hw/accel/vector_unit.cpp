#include "vector_unit.h"

namespace stoxvp::hw {

vector_unit::vector_unit(sc_core::sc_module_name name, const accelerator_config& cfg)
    : sc_module(name), cfg_(cfg) {}

sc_core::sc_time vector_unit::cycles(uint64_t work, uint32_t per_cycle) {
  const uint64_t n = (work + per_cycle - 1) / per_cycle;
  const sc_core::sc_time t = cfg_.clock_period * static_cast<double>(n);
  stats_.busy += t;
  return t;
}

sc_core::sc_time vector_unit::output_stage(const int64_t* acc, uint32_t positions, uint32_t N,
                                           float code_scale, const core::output_params& p,
                                           void* out) {
  core::output_stage(acc, positions, N, code_scale, p, out);
  const uint64_t n = uint64_t(positions) * N;
  stats_.elements += n;
  return cycles(n, cfg_.vector_lanes);
}

sc_core::sc_time vector_unit::conv(const int8_t* x, const core::conv_shape& s, const int8_t* w,
                                   int64_t* acc) {
  core::digital_conv(x, s, w, acc);
  const uint64_t macs = uint64_t(s.positions()) * s.out_channels * s.K();
  stats_.macs += macs;
  return cycles(macs, cfg_.digital_macs_per_cycle);
}

sc_core::sc_time vector_unit::pool(const int8_t* x, const core::pool_shape& s,
                                   core::pool_kind kind, int8_t* out) {
  core::pool(x, s, kind, out);
  const uint64_t reads = uint64_t(s.channels) * s.out_h() * s.out_w() * s.kernel * s.kernel;
  stats_.elements += uint64_t(s.channels) * s.out_h() * s.out_w();
  return cycles(reads, cfg_.vector_lanes);
}

sc_core::sc_time vector_unit::add(const int8_t* a, const int8_t* b, size_t count, float sa,
                                  float sb, core::activation act, uint32_t out_bits, int8_t* out) {
  core::residual_add(a, b, count, sa, sb, act, out_bits, out);
  stats_.elements += count;
  return cycles(count, cfg_.vector_lanes);
}

}  // namespace stoxvp::hw
