// Exact integer fully-connected layer: the accelerator's first real operation, kept as the
// digital reference once the crossbar datapath executes layers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace stoxvp::core {

// out[m][n] = bias[n] + sum_k in[m][k] * w[n][k], in two's-complement int32 arithmetic
// (wrap-around, as a 32-bit hardware accumulator does). bias may be null.
void fc_int8(const int8_t* in, const int8_t* w, const int32_t* bias, int32_t* out, size_t batch,
             size_t out_features, size_t in_features);

}  // namespace stoxvp::core
