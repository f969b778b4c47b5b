// Bit planes: the common engine of row-parallel, bit-serial in-memory machines.
//
// The spiking CIM macro adds two rows per column with a carry chain, the associative processor
// compares and writes masked fields over all rows, the floating-point PIM runs NOR and full-add
// steps over all rows. Each is one step applied to every lane of the array at once. A bit plane
// holds one bit per lane (a row, or a column), 64 lanes per machine word, so one step over the
// whole array is a few word operations. Kinds use this in their micro-operation mode, which
// executes every step literally and proves, on small arrays, that the fast functional model
// (which computes the integer or IEEE result directly) is what the micro-programs compute.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace stoxvp::core {

class bit_plane {
 public:
  bit_plane() = default;
  explicit bit_plane(size_t lanes, bool value = false) : lanes_(lanes), w_((lanes + 63) / 64) {
    fill(value);
  }

  size_t lanes() const { return lanes_; }
  size_t words() const { return w_.size(); }
  uint64_t* data() { return w_.data(); }
  const uint64_t* data() const { return w_.data(); }

  bool get(size_t lane) const { return (w_[lane >> 6] >> (lane & 63)) & 1u; }
  void set(size_t lane, bool v) {
    const uint64_t bit = uint64_t{1} << (lane & 63);
    w_[lane >> 6] = v ? (w_[lane >> 6] | bit) : (w_[lane >> 6] & ~bit);
  }
  void fill(bool v) {
    for (auto& x : w_) x = v ? ~uint64_t{0} : 0;
    clear_tail();
  }
  // Lanes set.
  size_t count() const {
    size_t n = 0;
    for (uint64_t x : w_) n += static_cast<size_t>(__builtin_popcountll(x));
    return n;
  }
  bool any() const {
    for (uint64_t x : w_) if (x) return true;
    return false;
  }
  // Bits past the last lane stay 0, so count() and equality need no mask.
  void clear_tail() {
    if (!w_.empty() && (lanes_ & 63)) w_.back() &= (uint64_t{1} << (lanes_ & 63)) - 1;
  }
  bool operator==(const bit_plane& o) const { return lanes_ == o.lanes_ && w_ == o.w_; }
  bool operator!=(const bit_plane& o) const { return !(*this == o); }

 private:
  size_t lanes_ = 0;
  std::vector<uint64_t> w_;
};

namespace plane_detail {
inline void same_lanes(const bit_plane& a, const bit_plane& b) {
  if (a.lanes() != b.lanes())
    throw std::logic_error("bit planes of " + std::to_string(a.lanes()) + " and " +
                           std::to_string(b.lanes()) + " lanes combined");
}
template <class F>
void lanewise(const bit_plane& a, const bit_plane& b, bit_plane& out, F f) {
  same_lanes(a, b);
  same_lanes(a, out);
  const uint64_t *pa = a.data(), *pb = b.data();
  uint64_t* po = out.data();
  for (size_t i = 0; i < out.words(); ++i) po[i] = f(pa[i], pb[i]);
  out.clear_tail();
}
}  // namespace plane_detail

// Lane-parallel gates: out may alias an input.
inline void plane_and(const bit_plane& a, const bit_plane& b, bit_plane& out) {
  plane_detail::lanewise(a, b, out, [](uint64_t x, uint64_t y) { return x & y; });
}
inline void plane_or(const bit_plane& a, const bit_plane& b, bit_plane& out) {
  plane_detail::lanewise(a, b, out, [](uint64_t x, uint64_t y) { return x | y; });
}
inline void plane_xor(const bit_plane& a, const bit_plane& b, bit_plane& out) {
  plane_detail::lanewise(a, b, out, [](uint64_t x, uint64_t y) { return x ^ y; });
}
inline void plane_nor(const bit_plane& a, const bit_plane& b, bit_plane& out) {
  plane_detail::lanewise(a, b, out, [](uint64_t x, uint64_t y) { return ~(x | y); });
}
inline void plane_xnor(const bit_plane& a, const bit_plane& b, bit_plane& out) {
  plane_detail::lanewise(a, b, out, [](uint64_t x, uint64_t y) { return ~(x ^ y); });
}
// out = sel ? a : b, per lane.
inline void plane_select(const bit_plane& sel, const bit_plane& a, const bit_plane& b,
                         bit_plane& out) {
  plane_detail::same_lanes(sel, a);
  plane_detail::same_lanes(sel, b);
  plane_detail::same_lanes(sel, out);
  for (size_t i = 0; i < out.words(); ++i)
    out.data()[i] = (sel.data()[i] & a.data()[i]) | (~sel.data()[i] & b.data()[i]);
  out.clear_tail();
}

// One full-add step over every lane: sum = a ^ b ^ carry, carry = majority(a, b, carry).
// `sum` may alias `a` or `b` (the write-back into the operand cell); `carry` is updated in place.
inline void full_add_step(const bit_plane& a, const bit_plane& b, bit_plane& carry,
                          bit_plane& sum) {
  plane_detail::same_lanes(a, b);
  plane_detail::same_lanes(a, carry);
  plane_detail::same_lanes(a, sum);
  for (size_t i = 0; i < a.words(); ++i) {
    const uint64_t x = a.data()[i], y = b.data()[i], c = carry.data()[i];
    sum.data()[i] = x ^ y ^ c;
    carry.data()[i] = (x & y) | (c & (x ^ y));
  }
}

// Lane l of `out` takes lane l + k of `in` (k may be negative); lanes shifted in from outside
// are 0. The tag shift of an associative processor (neighbour access).
inline void shift_lanes(const bit_plane& in, long k, bit_plane& out) {
  plane_detail::same_lanes(in, out);
  bit_plane r(in.lanes());
  // Word-granular part, then the bit remainder: whole-array steps, not per lane.
  const long ws = k >= 0 ? k / 64 : -((-k) / 64);
  const int bs = static_cast<int>(k - ws * 64);  // -63..63
  const long words = static_cast<long>(in.words());
  auto word = [&](long i) -> uint64_t { return i >= 0 && i < words ? in.data()[i] : 0; };
  for (long i = 0; i < words; ++i) {
    const long j = i + ws;
    uint64_t v;
    if (bs == 0) v = word(j);
    else if (bs > 0) v = (word(j) >> bs) | (word(j + 1) << (64 - bs));
    else v = (word(j) << -bs) | (word(j - 1) >> (64 + bs));
    r.data()[i] = v;
  }
  r.clear_tail();
  out = std::move(r);
}

// A field of `bits` bits in every lane, one plane per bit, least significant first: the column
// (or row) layout of an operand in a bit-serial in-memory array.
class plane_field {
 public:
  plane_field() = default;
  plane_field(size_t lanes, unsigned bits) : planes_(bits, bit_plane(lanes)) {
    if (bits > 64) throw std::logic_error("plane_field wider than 64 bits");
  }
  size_t lanes() const { return planes_.empty() ? 0 : planes_[0].lanes(); }
  unsigned bits() const { return static_cast<unsigned>(planes_.size()); }
  bit_plane& operator[](unsigned b) { return planes_[b]; }
  const bit_plane& operator[](unsigned b) const { return planes_[b]; }

  // The field's value in one lane, as an unsigned number (two's complement left to the caller).
  uint64_t value(size_t lane) const {
    uint64_t v = 0;
    for (unsigned b = 0; b < bits(); ++b) v |= uint64_t{planes_[b].get(lane)} << b;
    return v;
  }
  void store(size_t lane, uint64_t v) {
    for (unsigned b = 0; b < bits(); ++b) planes_[b].set(lane, (v >> b) & 1u);
  }

 private:
  std::vector<bit_plane> planes_;
};

// Content-addressable compare: tag gets the lanes whose bits equal `key` at every bit `mask`
// selects (bit b of key and mask is plane b of the list). An empty mask matches every lane.
inline void cam_compare(const std::vector<const bit_plane*>& planes, uint64_t key, uint64_t mask,
                        bit_plane& tag) {
  tag.fill(true);
  for (size_t b = 0; b < planes.size() && b < 64; ++b) {
    if (!((mask >> b) & 1u)) continue;
    plane_detail::same_lanes(*planes[b], tag);
    const uint64_t flip = ((key >> b) & 1u) ? 0 : ~uint64_t{0};
    for (size_t i = 0; i < tag.words(); ++i) tag.data()[i] &= planes[b]->data()[i] ^ flip;
  }
  tag.clear_tail();
}

// Associative write: every tagged lane takes `key`'s bits at the bits `mask` selects.
inline void cam_write(const std::vector<bit_plane*>& planes, uint64_t key, uint64_t mask,
                      const bit_plane& tag) {
  for (size_t b = 0; b < planes.size() && b < 64; ++b) {
    if (!((mask >> b) & 1u)) continue;
    plane_detail::same_lanes(*planes[b], tag);
    uint64_t* p = planes[b]->data();
    if ((key >> b) & 1u)
      for (size_t i = 0; i < tag.words(); ++i) p[i] |= tag.data()[i];
    else
      for (size_t i = 0; i < tag.words(); ++i) p[i] &= ~tag.data()[i];
  }
}

}  // namespace stoxvp::core
