// The ideal readout: the exact partial sum, with no converter circuit behind it (the golden
// reference). It counts no conversions and costs nothing beyond the array read.
#pragma once

#include "../converter.h"

namespace stoxvp::core {

class ideal_design final : public converter_design {
 public:
  converter_kind kind() const override { return converter_kind::ideal; }
  std::unique_ptr<converter_kernel> build(const converter_config& cfg, const xbar_mapping& m, uint32_t N,
                                          uint32_t chunks) const override;
  double wave_ns(const converter_figures& f, const converter_config& c, const xbar_mapping& m,
                 uint32_t wave) const override;
};

}  // namespace stoxvp::core
