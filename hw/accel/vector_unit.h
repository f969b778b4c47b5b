// The digital vector unit: the output stage of crossbar layers (scale, bias, activation,
// requantisation), exact full-precision convolutions, pooling and residual adds. Loosely
// timed: each operation returns the time it keeps the unit busy.
#pragma once

#include "config.h"
#include "hw/core/layer_ops.h"

#include <systemc>

namespace stoxvp::hw {

struct vector_stats {
  uint64_t elements = 0;  // outputs produced by output stages, pooling and adds
  uint64_t macs = 0;      // of full-precision convolutions
  sc_core::sc_time busy = sc_core::SC_ZERO_TIME;
};

class vector_unit : public sc_core::sc_module {
 public:
  vector_unit(sc_core::sc_module_name name, const accelerator_config& cfg);
  vector_unit(const vector_unit&) = delete;
  vector_unit& operator=(const vector_unit&) = delete;

  sc_core::sc_time output_stage(const int64_t* acc, uint32_t positions, uint32_t N,
                                float code_scale, const core::output_params& p, void* out);
  sc_core::sc_time conv(const int8_t* x, const core::conv_shape& s, const int8_t* w, int64_t* acc);
  sc_core::sc_time pool(const int8_t* x, const core::pool_shape& s, core::pool_kind kind,
                        int8_t* out);
  sc_core::sc_time add(const int8_t* a, const int8_t* b, size_t count, float sa, float sb,
                       core::activation act, uint32_t out_bits, int8_t* out);

  const vector_stats& stats() const { return stats_; }

 private:
  sc_core::sc_time cycles(uint64_t work, uint32_t per_cycle);
  const accelerator_config& cfg_;
  vector_stats stats_;
};

}  // namespace stoxvp::hw
