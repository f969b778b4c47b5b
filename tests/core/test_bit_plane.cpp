// The bit-plane engine against plain per-lane arithmetic on random data.
#include <gtest/gtest.h>

#include <random>

#include "hw/core/bit_plane.h"

using namespace stoxvp::core;

namespace {
bit_plane random_plane(size_t lanes, std::mt19937_64& g) {
  bit_plane p(lanes);
  for (size_t l = 0; l < lanes; ++l) p.set(l, g() & 1u);
  return p;
}
}  // namespace

TEST(BitPlane, GatesMatchPerLaneLogic) {
  std::mt19937_64 g(1);
  for (size_t lanes : {1u, 63u, 64u, 65u, 200u}) {
    const bit_plane a = random_plane(lanes, g), b = random_plane(lanes, g);
    bit_plane o(lanes);
    plane_nor(a, b, o);
    for (size_t l = 0; l < lanes; ++l) EXPECT_EQ(o.get(l), !(a.get(l) || b.get(l)));
    plane_xnor(a, b, o);
    for (size_t l = 0; l < lanes; ++l) EXPECT_EQ(o.get(l), a.get(l) == b.get(l));
    // Tail bits stay clear, so count() counts lanes only.
    size_t n = 0;
    for (size_t l = 0; l < lanes; ++l) n += o.get(l);
    EXPECT_EQ(o.count(), n);
  }
}

TEST(BitPlane, RippleAddOfFieldsEqualsIntegerAdd) {
  std::mt19937_64 g(2);
  const size_t lanes = 130;
  const unsigned bits = 12;
  plane_field a(lanes, bits), b(lanes, bits);
  std::vector<uint64_t> va(lanes), vb(lanes);
  for (size_t l = 0; l < lanes; ++l) {
    va[l] = g() & 0xfff;
    vb[l] = g() & 0xfff;
    a.store(l, va[l]);
    b.store(l, vb[l]);
  }
  bit_plane carry(lanes);
  for (unsigned i = 0; i < bits; ++i) full_add_step(a[i], b[i], carry, b[i]);  // b += a in place
  for (size_t l = 0; l < lanes; ++l) {
    EXPECT_EQ(b.value(l), (va[l] + vb[l]) & 0xfff) << l;
    EXPECT_EQ(carry.get(l), ((va[l] + vb[l]) >> 12) & 1u) << l;
  }
}

TEST(BitPlane, ShiftLanesMovesNeighbours) {
  std::mt19937_64 g(3);
  for (long k : {0L, 1L, -1L, 63L, 64L, -65L, 129L, 300L}) {
    const bit_plane in = random_plane(190, g);
    bit_plane out(190);
    shift_lanes(in, k, out);
    for (long l = 0; l < 190; ++l) {
      const long src = l + k;
      EXPECT_EQ(out.get(size_t(l)), src >= 0 && src < 190 ? in.get(size_t(src)) : false)
          << "k=" << k << " lane " << l;
    }
  }
}

TEST(BitPlane, CamCompareAndWriteFollowKeyAndMask) {
  std::mt19937_64 g(4);
  const size_t lanes = 100;
  plane_field f(lanes, 6);
  std::vector<uint64_t> v(lanes);
  for (size_t l = 0; l < lanes; ++l) f.store(l, v[l] = g() & 63);
  std::vector<const bit_plane*> cp;
  std::vector<bit_plane*> wp;
  for (unsigned b = 0; b < 6; ++b) cp.push_back(&f[b]), wp.push_back(&f[b]);
  const uint64_t key = 0b101001, mask = 0b100011;
  bit_plane tag(lanes);
  cam_compare(cp, key, mask, tag);
  for (size_t l = 0; l < lanes; ++l) EXPECT_EQ(tag.get(l), (v[l] & mask) == (key & mask));
  cam_write(wp, 0b010110, 0b000110, tag);
  for (size_t l = 0; l < lanes; ++l) {
    const uint64_t want = tag.get(l) ? ((v[l] & ~uint64_t{0b110}) | 0b110) : v[l];
    EXPECT_EQ(f.value(l), want);
  }
}

TEST(BitPlane, MismatchedLanesAreALogicError) {
  bit_plane a(10), b(11), o(10);
  EXPECT_THROW(plane_and(a, b, o), std::logic_error);
}
