#include "hw/core/bf16.h"

#include <cstring>

namespace stoxvp::core {
namespace {

struct operand {
  uint32_t sign, exp, frac;
  bool zero() const { return exp == 0; }
  bool inf() const { return exp == 255 && frac == 0; }
  bool nan() const { return exp == 255 && frac != 0; }
};

operand decode(uint16_t h, bf16_events* ev) {
  operand o{static_cast<uint32_t>(h >> 15), static_cast<uint32_t>((h >> 7) & 0xffu),
            static_cast<uint32_t>(h & 0x7fu)};
  if (o.exp == 0 && o.frac != 0) {
    if (ev) ++ev->operands_flushed;
    o.frac = 0;
  }
  return o;
}

uint16_t pack(uint32_t sign, int32_t exp, uint32_t frac7) {
  return static_cast<uint16_t>((sign << 15) | (static_cast<uint32_t>(exp) << 7) | (frac7 & 0x7fu));
}

uint16_t nan_result(bf16_events* ev) {
  if (ev) ++ev->nan_results;
  return kBf16CanonicalNaN;
}

// sig: 8-bit significand with its leading one at bit 7; round: the bits below it, as a round bit
// and a sticky flag. Rounds to nearest even, then flushes or saturates by the exponent reached.
uint16_t round_and_pack(uint32_t sign, int32_t exp, uint32_t sig, bool round_bit, bool sticky,
                        bf16_events* ev) {
  if (round_bit && (sticky || (sig & 1u))) ++sig;
  if (sig == 0x100u) {
    sig = 0x80u;
    ++exp;
  }
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

}  // namespace

uint16_t bf16_mul(uint16_t ha, uint16_t hb, bf16_events* ev) {
  const operand a = decode(ha, ev), b = decode(hb, ev);
  const uint32_t sign = a.sign ^ b.sign;
  if (a.nan() || b.nan() || (a.inf() && b.zero()) || (a.zero() && b.inf())) return nan_result(ev);
  if (a.inf() || b.inf()) return pack(sign, 255, 0);
  if (a.zero() || b.zero()) return pack(sign, 0, 0);
  const uint32_t p = (0x80u | a.frac) * (0x80u | b.frac);  // 16 bits, in [2^14, 2^16)
  int32_t exp = static_cast<int32_t>(a.exp + b.exp) - 127;
  if (p & 0x8000u) {
    ++exp;
    return round_and_pack(sign, exp, p >> 8, (p >> 7) & 1u, (p & 0x7fu) != 0, ev);
  }
  return round_and_pack(sign, exp, p >> 7, (p >> 6) & 1u, (p & 0x3fu) != 0, ev);
}

uint16_t bf16_add(uint16_t ha, uint16_t hb, bf16_events* ev) {
  const operand a = decode(ha, ev), b = decode(hb, ev);
  if (a.nan() || b.nan() || (a.inf() && b.inf() && a.sign != b.sign)) return nan_result(ev);
  if (a.inf()) return pack(a.sign, 255, 0);
  if (b.inf()) return pack(b.sign, 255, 0);
  if (a.zero() && b.zero()) return pack(a.sign & b.sign, 0, 0);
  if (a.zero()) return pack(b.sign, static_cast<int32_t>(b.exp), b.frac);
  if (b.zero()) return pack(a.sign, static_cast<int32_t>(a.exp), a.frac);
  // The larger exponent leads; three bits below the significand: guard, round, sticky.
  const operand& l = a.exp >= b.exp ? a : b;
  const operand& s = a.exp >= b.exp ? b : a;
  const uint32_t xl = (0x80u | l.frac) << 3, xs = (0x80u | s.frac) << 3;
  const uint32_t d = l.exp - s.exp;
  uint32_t y;
  if (d >= 11) y = 1;  // every bit shifted out, into the sticky bit
  else y = (xs >> d) | ((xs & ((2u << d) - 1u)) != 0 ? 1u : 0u);
  uint32_t sign = l.sign;
  int32_t z;
  if (l.sign == s.sign) {
    z = static_cast<int32_t>(xl + y);
  } else {
    z = static_cast<int32_t>(xl) - static_cast<int32_t>(y);
    if (z < 0) {
      z = -z;
      sign ^= 1u;
    }
    if (z == 0) return pack(0, 0, 0);
  }
  uint32_t u = static_cast<uint32_t>(z);
  int32_t exp = static_cast<int32_t>(l.exp);
  if (u & 0x800u) {
    u = (u >> 1) | (u & 1u);
    ++exp;
  }
  while (!(u & 0x400u)) {
    u <<= 1;
    --exp;
  }
  return round_and_pack(sign, exp, u >> 3, (u >> 2) & 1u, (u & 3u) != 0, ev);
}

uint16_t bf16_from_float(float f, bf16_events* ev) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  const uint32_t sign = u >> 31, exp = (u >> 23) & 0xffu, frac = u & 0x7fffffu;
  if (exp == 255) return frac ? nan_result(ev) : pack(sign, 255, 0);
  if (exp == 0 && frac == 0) return pack(sign, 0, 0);
  // A float32 subnormal is a value like any other: normalised with the exponent unbounded,
  // rounded, then flushed by the rule (it may round up to 2^-126).
  uint32_t sig = exp ? (0x800000u | frac) : frac;  // leading one at bit 23 after normalising
  int32_t e = exp ? static_cast<int32_t>(exp) : 1;
  while (!(sig & 0x800000u)) {
    sig <<= 1;
    --e;
  }
  return round_and_pack(sign, e, sig >> 16, (sig >> 15) & 1u, (sig & 0x7fffu) != 0, ev);
}

float bf16_to_float(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace stoxvp::core
