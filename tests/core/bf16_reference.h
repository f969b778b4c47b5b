// An independent bfloat16 reference for the tests, written apart from hw/core/bf16.cpp and the
// micro-programs: it works on doubles. A bf16 product (8 x 8 significant bits) is exact in a
// double, and so is a sum whose exponents differ by 45 or less; for larger differences the
// double sum is the larger operand give or take less than a double ulp, which no rounding to
// 8 bits can tell from the exact sum. The double is then rounded to 8 significant bits with
// nearbyint (ties to even in the default rounding mode) and the platform's stated rules apply:
// subnormal operands read as zero, results below 2^-126 flushed to a zero of their sign, results
// of 2^128 or more infinite, every NaN the canonical 0x7fc0.
#pragma once

#include <cmath>
#include <cstdint>

namespace bf16_ref {

inline double to_double(uint16_t h) {
  const int sign = h >> 15, exp = (h >> 7) & 0xff, frac = h & 0x7f;
  if (exp == 0) return sign ? -0.0 : 0.0;
  if (exp == 255) return frac ? NAN : (sign ? -INFINITY : INFINITY);
  const double v = std::ldexp(1.0 + frac / 128.0, exp - 127);
  return sign ? -v : v;
}

inline uint16_t from_double(double v) {
  if (std::isnan(v)) return 0x7fc0;
  const uint16_t sign = std::signbit(v) ? 0x8000 : 0;
  if (std::isinf(v)) return sign | 0x7f80;
  if (v == 0) return sign;
  int e;
  const double m = std::frexp(std::fabs(v), &e);  // m in [0.5, 1)
  double r = std::nearbyint(std::ldexp(m, 8));      // 8 significant bits, ties to even
  const double mag = std::ldexp(r, e - 8);
  if (mag < std::ldexp(1.0, -126)) return sign;
  if (mag >= std::ldexp(1.0, 128)) return sign | 0x7f80;
  int e2;
  const double m2 = std::frexp(mag, &e2);           // again in [0.5, 1): the field values
  const int frac = static_cast<int>(std::ldexp(m2, 8)) - 128;
  return static_cast<uint16_t>(sign | ((e2 - 1 + 127) << 7) | frac);
}

inline uint16_t mul(uint16_t a, uint16_t b) { return from_double(to_double(a) * to_double(b)); }
inline uint16_t add(uint16_t a, uint16_t b) { return from_double(to_double(a) + to_double(b)); }

}  // namespace bf16_ref
