// The sense amplifier: one bit per partial sum, +1 when gain_n * PS + bias_n exceeds the
// threshold, else -1; cols_per_converter column pairs share one and decide one after the other.
#pragma once

#include "../converter.h"

namespace stoxvp::core {

class sense_amp_design final : public converter_design {
 public:
  converter_kind kind() const override { return converter_kind::sense_amp; }
  // Validates the per-output gain and bias (N of each, or none).
  std::unique_ptr<converter_kernel> build(const converter_config& cfg, const xbar_mapping& m, uint32_t N,
                                          uint32_t chunks) const override;

  const char* component() const override { return "sense_amp"; }
  double area_um2(const converter_figures& f, const converter_config& c) const override;
  double leakage_mw(const converter_figures& f, const converter_config& c) const override;
  double wave_ns(const converter_figures& f, const converter_config& c, const xbar_mapping& m,
                 uint32_t wave) const override;
  double energy_pj(const converter_figures& f, const converter_config& c, const converter_stats& spent) const override;
};

}  // namespace stoxvp::core
