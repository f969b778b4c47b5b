// An exact sum of doubles: every double added is kept to its last bit in a fixed-point integer
// that spans the whole double range (2^-1074 .. 2^1024), and value() rounds the exact total to
// the nearest double (ties to even) only when asked. The total is therefore independent of the
// order and grouping of the additions, and two sums can be added or subtracted exactly: this is
// what lets an inference spread over worker processes (stoxvp --jobs) report the energy of the
// single-process run bit for bit (docs/architecture.md, "Images spread over cores").
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace stoxvp::hw {

class exact_sum {
 public:
  // 32-bit digits in 64-bit limbs: each limb takes 2^31 additions before a carry must move.
  static constexpr int kDigitBits = 32;
  static constexpr int kLimbs = (1074 + 1024) / kDigitBits + 3;  // + room for the 53-bit mantissa's spill

  exact_sum() = default;

  void add(double v) { accumulate(v, false); }
  void subtract(double v) { accumulate(v, true); }
  exact_sum& operator+=(const exact_sum& o) { return combine(o, false); }
  exact_sum& operator-=(const exact_sum& o) { return combine(o, true); }
  bool operator==(const exact_sum& o) const {
    auto a = normalised().limbs_, b = o.normalised().limbs_;
    if (a.empty()) a.assign(kLimbs, 0);
    if (b.empty()) b.assign(kLimbs, 0);
    return a == b;
  }
  bool empty() const { return limbs_.empty(); }

  // The exact total rounded to the nearest double (ties to even); +-inf beyond the double range.
  double value() const {
    if (limbs_.empty()) return 0.0;
    std::vector<int64_t> d = normalised().limbs_;  // digits 0..2^32-1, the top limb signed
    if (d.empty()) return 0.0;
    const bool negative = d.back() < 0;
    if (negative) {  // magnitude: two's complement over the digits
      int64_t carry = 1;
      for (auto& x : d) {
        x = (~x & 0xffffffffll) + carry;
        carry = x >> kDigitBits;
        x &= 0xffffffffll;
      }
    }
    int h = static_cast<int>(d.size()) - 1;
    while (h >= 0 && d[h] == 0) --h;
    if (h < 0) return 0.0;
    // The top four digits (128 bits) and whether anything below them is non-zero.
    unsigned __int128 w = 0;
    for (int i = h; i >= h - 3; --i) w = (w << kDigitBits) | (i >= 0 ? static_cast<uint64_t>(d[i]) : 0u);
    bool sticky = false;
    for (int i = h - 4; i >= 0 && !sticky; --i) sticky = d[i] != 0;
    const int base = kDigitBits * (h - 3);  // bit 0 of w is 2^(base - 1074)
    int len = 0;
    for (unsigned __int128 t = w; t; t >>= 1) ++len;
    const int msb = base + len - 1;
    const int lsb = msb - 52 > 0 ? msb - 52 : 0;  // keep 53 bits, fewer for subnormals
    const int shift = lsb - base;
    uint64_t mant;
    if (shift <= 0) {
      mant = static_cast<uint64_t>(w << -shift);
    } else {
      mant = static_cast<uint64_t>(w >> shift);
      const unsigned __int128 rest = w & ((static_cast<unsigned __int128>(1) << shift) - 1);
      const unsigned __int128 half = static_cast<unsigned __int128>(1) << (shift - 1);
      if (rest > half || (rest == half && (sticky || (mant & 1)))) ++mant;
    }
    const double r = std::ldexp(static_cast<double>(mant), lsb - 1074);
    return negative ? -r : r;
  }

  // The exact total as text (hexadecimal digits of the fixed-point integer, least significant
  // limb first, signed) and back: how worker processes hand their sums to the parent.
  std::string to_text() const {
    std::string s;
    char b[24];
    for (int64_t x : normalised().limbs_) {
      std::snprintf(b, sizeof b, "%s%llx,", x < 0 ? "-" : "", static_cast<unsigned long long>(x < 0 ? -x : x));
      s += b;
    }
    return s;
  }
  static exact_sum from_text(const std::string& s) {
    exact_sum e;
    size_t at = 0;
    while (at < s.size()) {
      const size_t comma = s.find(',', at);
      if (comma == std::string::npos || static_cast<int>(e.limbs_.size()) >= kLimbs)
        throw std::invalid_argument("exact sum '" + s.substr(0, 40) + "...': not limbs separated by commas");
      const bool neg = s[at] == '-';
      size_t used = 0;
      const std::string digits = s.substr(at + (neg ? 1 : 0), comma - at - (neg ? 1 : 0));
      const unsigned long long v = std::stoull(digits, &used, 16);
      if (used != digits.size() || digits.empty() || v > (1ull << 62))
        throw std::invalid_argument("exact sum: bad limb '" + digits + "'");
      e.limbs_.push_back(neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v));
      at = comma + 1;
    }
    if (!e.limbs_.empty()) e.limbs_.resize(kLimbs, 0);
    return e;
  }

 private:
  void accumulate(double v, bool negate) {
    if (v == 0) return;
    if (!std::isfinite(v)) throw std::domain_error("exact_sum: " + std::to_string(v) + " is not finite");
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    const int biased = static_cast<int>((bits >> 52) & 0x7ff);
    uint64_t mant = bits & ((1ull << 52) - 1);
    int pos;  // bit position of mant's bit 0, counted from 2^-1074
    if (biased == 0) {
      pos = 0;
    } else {
      mant |= 1ull << 52;
      pos = biased - 1;
    }
    const bool neg = ((bits >> 63) != 0) != negate;
    if (limbs_.empty()) limbs_.assign(kLimbs, 0);
    const int i = pos / kDigitBits;
    const unsigned __int128 x = static_cast<unsigned __int128>(mant) << (pos % kDigitBits);
    for (int k = 0; k < 3; ++k) {
      const int64_t digit = static_cast<int64_t>(static_cast<uint64_t>(x >> (kDigitBits * k)) & 0xffffffffull);
      limbs_[i + k] += neg ? -digit : digit;
    }
    if (++pending_ >= (1u << 30)) normalise();
  }
  exact_sum& combine(const exact_sum& o, bool negate) {
    if (o.limbs_.empty()) return *this;
    if (limbs_.empty()) limbs_.assign(kLimbs, 0);
    const exact_sum n = o.normalised();
    normalise();
    for (int k = 0; k < kLimbs; ++k) limbs_[k] += negate ? -n.limbs_[k] : n.limbs_[k];
    normalise();
    return *this;
  }
  // Carries moved up: every limb but the top one a digit 0..2^32-1; the top one carries the sign.
  void normalise() {
    pending_ = 0;
    if (limbs_.empty()) return;
    for (int k = 0; k + 1 < kLimbs; ++k) {
      const int64_t carry = limbs_[k] >> kDigitBits;  // arithmetic shift: floor division
      limbs_[k] -= carry * (int64_t(1) << kDigitBits);
      limbs_[k + 1] += carry;
    }
  }
  exact_sum normalised() const {
    exact_sum e = *this;
    e.normalise();
    return e;
  }

  std::vector<int64_t> limbs_;  // empty: zero
  uint32_t pending_ = 0;        // additions since the last normalisation
};

}  // namespace stoxvp::hw
