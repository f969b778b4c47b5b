// What the converter designs share inside their kernels (not part of the converter interface).
#pragma once

#include "../converter.h"

#include <cstdint>

namespace stoxvp::core::detail {

// The normalised drive of a column pair, in float32 as the trained model computes it.
inline float drive(float gain, float bias, int32_t ps) { return gain * static_cast<float>(ps) + bias; }

// The conversion loop of one array read: `count` channels, each S x A partial sums (layout
// [(c * S + i) * A + j]). A skipped wave yields code 0 and counts as skipped; every other value
// goes through code(c, i, j, ps), which returns its code and counts its own work. A template,
// so that each design's code() is inlined into its own loop: no call per conversion.
template <class Code>
inline void convert_each(const int32_t* ps, int32_t* codes, uint32_t count, uint32_t S, uint32_t A,
                         bool skips, uint32_t active_waves, converter_stats& stats, Code&& code) {
  for (uint32_t c = 0; c < count; ++c) {
    const int32_t* in = ps + size_t(c) * S * A;
    int32_t* out = codes + size_t(c) * S * A;
    for (uint32_t i = 0; i < S; ++i) {
      for (uint32_t j = 0; j < A; ++j) {
        if (skips && !((active_waves >> j) & 1)) {
          out[i * A + j] = 0;
          ++stats.skipped;
          continue;
        }
        out[i * A + j] = code(c, i, j, in[i * A + j]);
      }
    }
  }
}

}  // namespace stoxvp::core::detail
