// The SAR ADC: an N-bit code of the partial sum over a full-scale range of +-F, with clipping;
// cols_per_converter column pairs share one ADC and convert one after the other.
#pragma once

#include "../converter.h"

namespace stoxvp::core {

class adc_design : public converter_design {
 public:
  converter_kind kind() const override { return converter_kind::adc; }
  // Validates adc_bits (1..24) and the range (F = 0: the smallest power of two >= max |PS|).
  std::unique_ptr<converter_kernel> build(const converter_config& cfg, const xbar_mapping& m, uint32_t N,
                                          uint32_t chunks) const override;

  const char* component() const override { return "adc"; }
  std::string missing_figures(const converter_figures& f, const converter_config& c) const override;
  double area_um2(const converter_figures& f, const converter_config& c) const override;
  double leakage_mw(const converter_figures& f, const converter_config& c) const override;
  double wave_ns(const converter_figures& f, const converter_config& c, const xbar_mapping& m,
                 uint32_t wave) const override;
  double energy_pj(const converter_figures& f, const converter_config& c, const converter_stats& spent) const override;
};

}  // namespace stoxvp::core
