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
#include <vector>

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


// The adder tree, written from the rule's text: while n > 1, h = pow2ceil(n) / 2, t[i] += t[i + h].
inline uint16_t tree(std::vector<uint16_t> t) {
  size_t n = t.size();
  while (n > 1) {
    size_t p = 1;
    while (p < n) p *= 2;
    const size_t h = p / 2;
    for (size_t i = 0; i + h < n; ++i) t[i] = add(t[i], t[i + h]);
    n = h;
  }
  return t[0];
}

// ReLU lets a value through when it is above zero or +infinity (NaN and both zeros stop).
inline bool relu_passes(uint16_t v) { return to_double(v) > 0 || (!(v & 0x8000) && (v >> 7) == 0xff); }

// The two-layer perceptron the FP PIM trains (docs/fp-pim.md), weights row-major [out][in].
struct mlp {
  uint32_t in, hid, out;
  std::vector<uint16_t> w1, b1, w2, b2;
};

// One SGD iteration in plain loops, in the order docs/fp-pim.md states: every sample's gradients
// from the weights before the iteration (lr is negative: a descent step is an add), then the
// updates sample by sample. ts holds each sample's target in bf16; the error is o - t.
inline void sgd_iteration(mlp& m, const std::vector<std::vector<uint16_t>>& xs,
                          const std::vector<std::vector<uint16_t>>& ts, uint16_t lr) {
  const size_t B = xs.size();
  std::vector<std::vector<uint16_t>> g1s(B), g2s(B), hs(B);
  for (size_t b = 0; b < B; ++b) {
    const auto& x = xs[b];
    std::vector<uint16_t> hp(m.hid), h(m.hid), e(m.out);
    for (uint32_t j = 0; j < m.hid; ++j) {
      std::vector<uint16_t> t(m.in);
      for (uint32_t k = 0; k < m.in; ++k) t[k] = mul(m.w1[j * m.in + k], x[k]);
      hp[j] = add(tree(t), m.b1[j]);
      h[j] = relu_passes(hp[j]) ? hp[j] : 0;
    }
    for (uint32_t j = 0; j < m.out; ++j) {
      std::vector<uint16_t> t(m.hid);
      for (uint32_t k = 0; k < m.hid; ++k) t[k] = mul(m.w2[j * m.hid + k], h[k]);
      const uint16_t o = add(tree(t), m.b2[j]);
      e[j] = add(o, uint16_t(ts[b][j] ^ 0x8000));
      g2s[b].push_back(mul(e[j], lr));
    }
    for (uint32_t k = 0; k < m.hid; ++k) {
      std::vector<uint16_t> t(m.out);
      for (uint32_t j = 0; j < m.out; ++j) t[j] = mul(m.w2[j * m.hid + k], e[j]);
      g1s[b].push_back(mul(relu_passes(hp[k]) ? tree(t) : 0, lr));
    }
    hs[b] = h;
  }
  for (size_t b = 0; b < B; ++b) {
    for (uint32_t j = 0; j < m.out; ++j)
      for (uint32_t k = 0; k < m.hid; ++k) m.w2[j * m.hid + k] = add(m.w2[j * m.hid + k], mul(g2s[b][j], hs[b][k]));
    for (uint32_t j = 0; j < m.hid; ++j)
      for (uint32_t k = 0; k < m.in; ++k) m.w1[j * m.in + k] = add(m.w1[j * m.in + k], mul(g1s[b][j], xs[b][k]));
    for (uint32_t j = 0; j < m.out; ++j) m.b2[j] = add(m.b2[j], g2s[b][j]);
    for (uint32_t j = 0; j < m.hid; ++j) m.b1[j] = add(m.b1[j], g1s[b][j]);
  }
}

}  // namespace bf16_ref
