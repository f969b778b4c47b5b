#include "hw/core/bf16.h"

#include <cstring>

namespace stoxvp::core {
uint16_t bf16_from_float(float f, bf16_events* ev) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  const uint32_t sign = u >> 31, exp = (u >> 23) & 0xffu, frac = u & 0x7fffffu;
  if (exp == 255) return frac ? bf16_detail::nan_result(ev) : bf16_detail::pack(sign, 255, 0);
  if (exp == 0 && frac == 0) return bf16_detail::pack(sign, 0, 0);
  // A float32 subnormal is a value like any other: normalised with the exponent unbounded,
  // rounded, then flushed by the rule (it may round up to 2^-126).
  uint32_t sig = exp ? (0x800000u | frac) : frac;  // leading one at bit 23 after normalising
  int32_t e = exp ? static_cast<int32_t>(exp) : 1;
  while (!(sig & 0x800000u)) {
    sig <<= 1;
    --e;
  }
  return bf16_detail::round_and_pack(sign, e, sig >> 16, (sig >> 15) & 1u, (sig & 0x7fffu) != 0, ev);
}

float bf16_to_float(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace stoxvp::core
