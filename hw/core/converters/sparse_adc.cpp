#include "sparse_adc.h"

namespace stoxvp::core {

std::unique_ptr<converter_kernel> sparse_adc_design::build(const converter_config& cfg, const xbar_mapping& m,
                                                           uint32_t N, uint32_t chunks) const {
  converter_config c = cfg;
  c.skip_zero_waves = true;
  return adc_design::build(c, m, N, chunks);
}

}  // namespace stoxvp::core
