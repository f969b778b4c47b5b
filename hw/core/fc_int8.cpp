#include "fc_int8.h"

namespace stoxvp::core {

void fc_int8(const int8_t* in, const int8_t* w, const int32_t* bias, int32_t* out, size_t batch,
             size_t out_features, size_t in_features) {
  for (size_t m = 0; m < batch; ++m) {
    const int8_t* x = in + m * in_features;
    for (size_t n = 0; n < out_features; ++n) {
      const int8_t* wn = w + n * in_features;
      // Unsigned arithmetic: wrap-around is defined, and matches the 32-bit accumulator.
      uint32_t acc = bias ? static_cast<uint32_t>(bias[n]) : 0u;
      for (size_t k = 0; k < in_features; ++k)
        acc += static_cast<uint32_t>(static_cast<int32_t>(x[k]) * static_cast<int32_t>(wn[k]));
      out[m * out_features + n] = static_cast<int32_t>(acc);
    }
  }
}

}  // namespace stoxvp::core
