// The stochastic SOT-MTJ converter: x = clamp(gain_n * PS + bias_n, -1, 1) drives the MTJ,
// which switches with probability p(x) (the layer's curve); T samples per conversion (T per
// weight slice and input wave), each a write pulse, a read and a reset; the code is the up/down
// count 2k - T. Counts normalised by their own T accumulate exactly in integers: one unit of the
// sum is 1/L, L the least common multiple of the layer's T values.
#pragma once

#include "../converter.h"

namespace stoxvp::core {

class mtj_design final : public converter_design {
 public:
  converter_kind kind() const override { return converter_kind::mtj; }
  // Validates the curve (finite a and b, or a table of >= 2 probabilities), T >= 1 wherever the
  // layer has a slice and wave, and the per-output gain and bias; tabulates the switching
  // statistics per output channel.
  std::unique_ptr<converter_kernel> build(const converter_config& cfg, const xbar_mapping& m, uint32_t N,
                                          uint32_t chunks) const override;

  const char* component() const override { return "mtj"; }
  double area_um2(const converter_figures& f, const converter_config& c) const override;
  double leakage_mw(const converter_figures& f, const converter_config& c) const override;
  // The slices of a wave sample in parallel, so a wave takes its largest T samples.
  double conversion_ns(const converter_figures& f, const converter_config& c, const xbar_mapping& m,
                       uint32_t wave) const override {
    return wave_ns(f, c, m, wave);
  }
  double wave_ns(const converter_figures& f, const converter_config& c, const xbar_mapping& m,
                 uint32_t wave) const override;
  // Every sample re-drives the columns for a write pulse.
  double array_pulses(const converter_config& c, const xbar_mapping& m, uint32_t wave) const override;
  double pulse_scale(const converter_figures& f) const override;
  double energy_pj(const converter_figures& f, const converter_config& c, const converter_stats& spent) const override;
};

}  // namespace stoxvp::core
