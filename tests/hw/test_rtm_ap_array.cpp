// The associative processor's operations, executed as pass tables on bit planes, against
// integer arithmetic: exhaustively on small widths (every combination of operand values: the
// truth tables of the passes, carried through every bit), on random rows for every width up to
// 24 bits, and on row counts that are not a multiple of 64. The counts of compares, writes and
// shifts against the closed forms of docs/rtm-ap.md.
#include "hw/accel/tiles/rtm_ap/ap_array.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

using stoxvp::hw::rtm_ap::ap_array;

namespace {

int64_t wrap(int64_t v, unsigned bits) {  // two's complement of `bits` bits
  const uint64_t m = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  uint64_t u = static_cast<uint64_t>(v) & m;
  if (bits < 64 && ((u >> (bits - 1)) & 1u)) u |= ~m;
  return static_cast<int64_t>(u);
}
int64_t lo(unsigned bits, bool s) { return s ? -(int64_t{1} << (bits - 1)) : 0; }
int64_t hi(unsigned bits, bool s) { return s ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1; }

struct two_fields {
  ap_array ap;
  unsigned a, b;
  std::vector<int64_t> va, vb;
  two_fields(size_t rows, unsigned wa, unsigned wb) : ap(rows), a(ap.add_field(wa, "a")), b(ap.add_field(wb, "b")) {}
};

// Every pair of values of wa and wb bits, one per row.
two_fields exhaustive(unsigned wa, bool sa, unsigned wb, bool sb) {
  const size_t na = size_t{1} << wa, nb = size_t{1} << wb;
  two_fields t(na * nb, wa, wb);
  for (size_t i = 0; i < na; ++i)
    for (size_t j = 0; j < nb; ++j) {
      const size_t r = i * nb + j;
      t.va.push_back(lo(wa, sa) + int64_t(i));
      t.vb.push_back(lo(wb, sb) + int64_t(j));
      t.ap.poke(t.a, r, t.va.back());
      t.ap.poke(t.b, r, t.vb.back());
    }
  return t;
}

two_fields random_rows(size_t rows, unsigned wa, bool sa, unsigned wb, bool sb, uint32_t seed) {
  two_fields t(rows, wa, wb);
  std::mt19937_64 g(seed);
  std::uniform_int_distribution<int64_t> da(lo(wa, sa), hi(wa, sa)), db(lo(wb, sb), hi(wb, sb));
  for (size_t r = 0; r < rows; ++r) {
    t.va.push_back(da(g));
    t.vb.push_back(db(g));
    t.ap.poke(t.a, r, t.va.back());
    t.ap.poke(t.b, r, t.vb.back());
  }
  return t;
}

}  // namespace

TEST(rtm_ap_array, InPlaceAddAndSubtractExhaustive) {
  for (unsigned wa = 1; wa <= 4; ++wa)
    for (unsigned wb = wa; wb <= 5; ++wb)
      for (int sa = 0; sa < 2; ++sa)
        for (unsigned shift = 0; shift + 1 < wb; ++shift) {
          auto t = exhaustive(wa, sa, wb, true);
          t.ap.add(t.b, t.a, shift, sa);
          auto u = exhaustive(wa, sa, wb, true);
          u.ap.sub(u.b, u.a, shift, sa);
          for (size_t r = 0; r < t.va.size(); ++r) {
            ASSERT_EQ(t.ap.value(t.b, r, true), wrap(t.vb[r] + t.va[r] * (int64_t{1} << shift), wb))
                << "add wa " << wa << " wb " << wb << " signed " << sa << " shift " << shift << " row " << r;
            ASSERT_EQ(u.ap.value(u.b, r, true), wrap(u.vb[r] - u.va[r] * (int64_t{1} << shift), wb))
                << "sub wa " << wa << " wb " << wb << " signed " << sa << " shift " << shift << " row " << r;
            ASSERT_EQ(t.ap.value(t.a, r, sa), t.va[r]) << "the source is left alone";
          }
        }
}

TEST(rtm_ap_array, OutOfPlaceAddAndSubtractExhaustive) {
  for (unsigned wa = 1; wa <= 4; ++wa)
    for (unsigned wb = 1; wb <= 4; ++wb)
      for (int sa = 0; sa < 2; ++sa)
        for (int sb = 0; sb < 2; ++sb) {
          const unsigned wc = std::max(wa, wb) + 2;
          auto t = exhaustive(wa, sa, wb, sb);
          const unsigned c = t.ap.add_field(wc, "c"), d = t.ap.add_field(wc, "d");
          // Destinations hold garbage first: the operation clears them.
          for (size_t r = 0; r < t.va.size(); ++r) { t.ap.poke(c, r, int64_t(r * 7)); t.ap.poke(d, r, -1); }
          t.ap.add3(c, t.a, sa, t.b, sb);
          t.ap.sub3(d, t.a, sa, t.b, sb);
          for (size_t r = 0; r < t.va.size(); ++r) {
            ASSERT_EQ(t.ap.value(c, r, true), t.va[r] + t.vb[r]) << wa << " " << wb << " " << sa << sb << " row " << r;
            ASSERT_EQ(t.ap.value(d, r, true), t.va[r] - t.vb[r]) << wa << " " << wb << " " << sa << sb << " row " << r;
          }
        }
}

TEST(rtm_ap_array, EveryWidthOnRandomRows) {
  uint32_t seed = 1;
  for (size_t rows : {1u, 63u, 64u, 65u, 200u})
    for (unsigned wa = 1; wa <= 12; ++wa)
      for (unsigned wb = wa + 1; wb <= 24; wb += 3) {
        for (int sa = 0; sa < 2; ++sa) {
          auto t = random_rows(rows, wa, sa, wb, true, seed++);
          const unsigned s = t.ap.add_field(wb + 1, "s"), cp = t.ap.add_field(wb, "cp");
          t.ap.add(t.b, t.a, 0, sa);
          t.ap.add3(s, t.a, sa, t.b, true);
          t.ap.copy(cp, t.b, true);
          t.ap.add_const(cp, -37);
          for (size_t r = 0; r < rows; ++r) {
            const int64_t b1 = wrap(t.vb[r] + t.va[r], wb);
            ASSERT_EQ(t.ap.value(t.b, r, true), b1);
            ASSERT_EQ(t.ap.value(s, r, true), t.va[r] + b1);
            ASSERT_EQ(t.ap.value(cp, r, true), wrap(b1 - 37, wb));
          }
        }
      }
}

TEST(rtm_ap_array, ReluMaxAndRequantise) {
  uint32_t seed = 100;
  for (size_t rows : {5u, 64u, 130u})
    for (unsigned w = 2; w <= 20; ++w) {
      auto t = random_rows(rows, w, true, w, false, seed++);
      auto m = random_rows(rows, std::max(1u, w - 1), false, w, false, seed++);
      t.ap.relu(t.a);
      m.ap.max(m.b, m.a);
      for (size_t r = 0; r < rows; ++r) {
        ASSERT_EQ(t.ap.value(t.a, r, true), std::max<int64_t>(0, t.va[r])) << "relu w " << w;
        ASSERT_EQ(m.ap.value(m.b, r, false), std::max(m.va[r], m.vb[r])) << "max w " << w;
      }
      for (unsigned out_bits = 1; out_bits <= 5; ++out_bits)
        for (unsigned shift = 0; shift <= w; shift += 2) {
          auto q = random_rows(rows, w, true, w, false, seed++);
          const unsigned o = q.ap.add_field(out_bits, "o");
          for (size_t r = 0; r < rows; ++r) q.ap.poke(o, r, int64_t(r));  // garbage first
          q.ap.requantise(o, q.a, shift);
          for (size_t r = 0; r < rows; ++r) {
            const int64_t want = std::clamp<int64_t>(q.va[r] >> shift, 0, (int64_t{1} << out_bits) - 1);
            ASSERT_EQ(q.ap.value(o, r, false), want) << "w " << w << " shift " << shift << " out " << out_bits;
          }
        }
    }
}

TEST(rtm_ap_array, NeighbourAccessByTagShift) {
  for (long k : {-70L, -3L, -1L, 1L, 8L, 64L, 65L}) {
    auto t = random_rows(150, 4, false, 6, false, 7 + unsigned(k + 100));
    t.ap.copy_from_row(t.b, t.a, k);
    for (long r = 0; r < 150; ++r) {
      const long src = r + k;
      const int64_t want = src >= 0 && src < 150 ? t.va[size_t(src)] : t.vb[size_t(r)];
      ASSERT_EQ(t.ap.value(t.b, size_t(r), false), want) << "k " << k << " row " << r;
    }
    // Two passes per bit of the 4-bit source, one (value 0) per bit above it.
    EXPECT_EQ(t.ap.counters().tag_shifts, 2u * 4u + 2u);
  }
}

TEST(rtm_ap_array, PassesAndShiftsAreCountedExactly) {
  ap_array ap(100);
  const unsigned a = ap.add_field(4, "a"), b = ap.add_field(10, "b");
  ap.add(b, a);  // unsigned 4-bit into 10 bits: 4 passes on 4 bits, 2 on the 6 above
  const auto& c = ap.counters();
  EXPECT_EQ(c.compares, 1u + 4u * 4u + 2u * 6u);
  EXPECT_EQ(c.writes, c.compares);
  // b's tracks walk bit 0..9 (9 bit steps), a's 0..3 (3 bit steps); no realignment yet.
  EXPECT_EQ(c.bit_step_shifts, 9u + 3u);
  EXPECT_EQ(c.realign_shifts, 0u);
  EXPECT_EQ(c.shifted_tracks, (9u + 3u) * 100u);
  ap.add(b, a);  // back to bit 0 first: 9 + 3 realignment steps
  EXPECT_EQ(c.realign_shifts, 9u + 3u);
  EXPECT_EQ(c.bit_step_shifts, 2u * (9u + 3u));
  EXPECT_EQ(c.row_ops, 2u * 100u * (c.compares));
  EXPECT_EQ(c.searched_row_bits, 100u * 2u * (4u * 4u * 3u + 2u * 6u * 2u));
  ap.reset_counters();
  ap.sub(b, a, 0, true);  // signed: the sign bit stands in above, 4 passes on every bit
  EXPECT_EQ(ap.counters().compares, 1u + 4u * 10u);
}

TEST(rtm_ap_array, MisuseIsRefused) {
  EXPECT_THROW(ap_array(0), std::invalid_argument);
  ap_array ap(8);
  EXPECT_THROW(ap.add_field(0, "x"), std::invalid_argument);
  EXPECT_THROW(ap.add_field(65, "x"), std::invalid_argument);
  const unsigned a = ap.add_field(4), b = ap.add_field(3);
  EXPECT_THROW(ap.add(a, a), std::logic_error);
  EXPECT_THROW(ap.max(b, a), std::logic_error);
  EXPECT_THROW(ap.add(7, a), std::logic_error);
  EXPECT_THROW(ap.load(a, std::vector<int64_t>(3)), std::logic_error);
}
