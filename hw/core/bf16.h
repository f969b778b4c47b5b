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

// Inline: the accelerator's FP_* handlers call these billions of times per training epoch.
namespace bf16_detail {

struct operand {
  uint32_t sign, exp, frac;
  bool zero() const { return exp == 0; }
  bool inf() const { return exp == 255 && frac == 0; }
  bool nan() const { return exp == 255 && frac != 0; }
};

inline operand decode(uint16_t h, bf16_events* ev) {
  operand o{static_cast<uint32_t>(h >> 15), static_cast<uint32_t>((h >> 7) & 0xffu),
            static_cast<uint32_t>(h & 0x7fu)};
  if (o.exp == 0 && o.frac != 0) {
    if (ev) ++ev->operands_flushed;
    o.frac = 0;
  }
  return o;
}

inline uint16_t pack(uint32_t sign, int32_t exp, uint32_t frac7) {
  return static_cast<uint16_t>((sign << 15) | (static_cast<uint32_t>(exp) << 7) | (frac7 & 0x7fu));
}

inline uint16_t nan_result(bf16_events* ev) {
  if (ev) ++ev->nan_results;
  return kBf16CanonicalNaN;
}

// sig: 8-bit significand with its leading one at bit 7; round: the bits below it, as a round bit
// and a sticky flag. Rounds to nearest even, then flushes or saturates by the exponent reached.
inline uint16_t round_and_pack(uint32_t sign, int32_t exp, uint32_t sig, bool round_bit, bool sticky,
                        bf16_events* ev) {
  // Branch-free on the common path: the carry of 0xff + 1 moves into the exponent, and the
  // fraction bits of 0x100 are the 0 of 1.0.
  sig += static_cast<uint32_t>(round_bit) & (static_cast<uint32_t>(sticky) | (sig & 1u));
  exp += static_cast<int32_t>(sig >> 8);
  if (exp <= 0) {
    if (ev) ++ev->results_flushed;
    return pack(sign, 0, 0);
  }
  if (exp >= 255) {
    if (ev) ++ev->overflows;
    return pack(sign, 255, 0);
  }
  return pack(sign, exp, sig);
}

}  // namespace bf16_detail

inline uint16_t bf16_mul(uint16_t ha, uint16_t hb, bf16_events* ev = nullptr) {
  using namespace bf16_detail;
  const operand a = decode(ha, ev), b = decode(hb, ev);
  const uint32_t sign = a.sign ^ b.sign;
  if (a.nan() || b.nan() || (a.inf() && b.zero()) || (a.zero() && b.inf())) return nan_result(ev);
  if (a.inf() || b.inf()) return pack(sign, 255, 0);
  if (a.zero() || b.zero()) return pack(sign, 0, 0);
  const uint32_t p = (0x80u | a.frac) * (0x80u | b.frac);  // 16 bits, in [2^14, 2^16)
  int32_t exp = static_cast<int32_t>(a.exp + b.exp) - 127;
  const uint32_t h = p >> 15;  // a product in [2, 4) keeps one bit more above the point
  exp += static_cast<int32_t>(h);
  return round_and_pack(sign, exp, p >> (7 + h), (p >> (6 + h)) & 1u,
                        (p & ((0x40u << h) - 1u)) != 0, ev);
}

inline uint16_t bf16_add(uint16_t ha, uint16_t hb, bf16_events* ev = nullptr) {
  using namespace bf16_detail;
  const operand a = decode(ha, ev), b = decode(hb, ev);
  if (a.nan() || b.nan() || (a.inf() && b.inf() && a.sign != b.sign)) return nan_result(ev);
  if (a.inf()) return pack(a.sign, 255, 0);
  if (b.inf()) return pack(b.sign, 255, 0);
  if (a.zero() && b.zero()) return pack(a.sign & b.sign, 0, 0);
  if (a.zero()) return pack(b.sign, static_cast<int32_t>(b.exp), b.frac);
  if (b.zero()) return pack(a.sign, static_cast<int32_t>(a.exp), a.frac);
  // The larger exponent leads; three bits below the significand: guard, round, sticky.
  // Written with selects and masks rather than branches: signs and exponent order are random
  // in training data, and mispredicted branches would dominate.
  const bool swap = a.exp < b.exp;
  const uint32_t l_exp = swap ? b.exp : a.exp, s_exp = swap ? a.exp : b.exp;
  const uint32_t xl = (0x80u | (swap ? b.frac : a.frac)) << 3;
  const uint32_t xs = (0x80u | (swap ? a.frac : b.frac)) << 3;
  uint32_t sign = swap ? b.sign : a.sign;
  const uint32_t d = l_exp - s_exp;
  const uint32_t dd = d < 11 ? d : 11;  // 11 or more: every bit shifted out, into the sticky bit
  const uint32_t y = (xs >> dd) | ((xs & ((2u << dd) - 1u)) != 0 ? 1u : 0u);
  const uint32_t sub = a.sign ^ b.sign;                 // 1: subtract
  int32_t z = static_cast<int32_t>(xl) + static_cast<int32_t>((y ^ (0u - sub)) + sub);
  const uint32_t neg = static_cast<uint32_t>(z) >> 31;  // only for equal exponents
  sign ^= neg;
  z = (z ^ -static_cast<int32_t>(neg)) + static_cast<int32_t>(neg);
  if (z == 0) return pack(0, 0, 0);  // exact cancellation (the signs differ): +0
  uint32_t u = static_cast<uint32_t>(z);
  int32_t exp = static_cast<int32_t>(l_exp);
  const uint32_t carry = u >> 11;
  u = (u >> carry) | (u & carry);
  exp += static_cast<int32_t>(carry);
  // Cancellation: the leading one moves up to bit 10 (exact: only when the exponents differ by
  // at most one, so no sticky bit was set).
  const int shift = __builtin_clz(u) - (31 - 10);
  u <<= shift;
  exp -= shift;
  return round_and_pack(sign, exp, u >> 3, (u >> 2) & 1u, (u & 3u) != 0, ev);
}

inline uint16_t bf16_sub(uint16_t a, uint16_t b, bf16_events* ev = nullptr) {
  return bf16_add(a, static_cast<uint16_t>(b ^ 0x8000u), ev);
}

// float32 -> bfloat16 by the same rounding and flushing (for loading tensors), and back (exact).
uint16_t bf16_from_float(float f, bf16_events* ev = nullptr);
float bf16_to_float(uint16_t h);

}  // namespace stoxvp::core
