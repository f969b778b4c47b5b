// bfloat16 arithmetic as the floating-point PIM arrays compute it: the fast functional model.
//
// The arrays run row-parallel bit-serial micro-programs (bf16_microprogram.h); this header
// computes the same result directly from the integer fields, for the tile's fast mode. Both
// follow one definition, stated here because it is not plain IEEE 754 in two places:
//   - round to nearest, ties to even, with the exponent range unbounded; then
//   - a result of magnitude below 2^-126 (the smallest normal) becomes a zero of its sign
//     (flush to zero, tininess after rounding), one of 2^128 or more an infinity of its sign;
//   - a subnormal operand (exponent field 0, fraction not 0) is read as a zero of its sign
//     (denormals are zero), as FloatPIM and AritPIM handle normal numbers only;
//   - infinities and NaNs follow IEEE (inf - inf and 0 x inf are invalid); every NaN produced
//     is the canonical quiet NaN 0x7fc0 (payloads are not propagated);
//   - an exact zero sum is +0 unless both addends are -0.
// Each of these is counted in bf16_events, so a report can say how often training hit them.
#pragma once

#include <cstdint>

namespace stoxvp::core {

constexpr uint16_t kBf16CanonicalNaN = 0x7fc0;

struct bf16_events {
  uint64_t operands_flushed = 0;  // subnormal operands read as zero
  uint64_t results_flushed = 0;   // rounded results below 2^-126 written as zero
  uint64_t overflows = 0;         // rounded results of 2^128 or more written as infinity
  uint64_t nan_results = 0;       // canonical NaN written (NaN operand or invalid operation)
  bf16_events& operator+=(const bf16_events& o) {
    operands_flushed += o.operands_flushed;
    results_flushed += o.results_flushed;
    overflows += o.overflows;
    nan_results += o.nan_results;
    return *this;
  }
};

uint16_t bf16_mul(uint16_t a, uint16_t b, bf16_events* ev = nullptr);
uint16_t bf16_add(uint16_t a, uint16_t b, bf16_events* ev = nullptr);
inline uint16_t bf16_sub(uint16_t a, uint16_t b, bf16_events* ev = nullptr) {
  return bf16_add(a, static_cast<uint16_t>(b ^ 0x8000u), ev);
}

// float32 -> bfloat16 by the same rounding and flushing (for loading tensors), and back (exact).
uint16_t bf16_from_float(float f, bf16_events* ev = nullptr);
float bf16_to_float(uint16_t h);

}  // namespace stoxvp::core
