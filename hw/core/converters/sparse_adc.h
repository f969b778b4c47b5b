// The sparse low-bit ADC: the SAR ADC of adc.h, which skips the conversions of an input wave that
// drives no row of the array (code 0, no conversion, no time). It costs what the ADC costs.
#pragma once

#include "adc.h"

namespace stoxvp::core {

class sparse_adc_design final : public adc_design {
 public:
  converter_kind kind() const override { return converter_kind::sparse_adc; }
  // The ADC's checks; skip_zero_waves is set whatever the configuration says.
  std::unique_ptr<converter_kernel> build(const converter_config& cfg, const xbar_mapping& m, uint32_t N,
                                          uint32_t chunks) const override;
};

}  // namespace stoxvp::core
