// bfloat16 in memory: the fast model (hw/core/bf16.h) and the micro-programs executed step by
// step (hw/core/bf16_microprogram.h) against an independent reference (bf16_reference.h).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "core/bf16_reference.h"
#include "hw/core/bf16.h"
#include "hw/core/bf16_microprogram.h"

using namespace stoxvp::core;

namespace {

std::string hex(uint16_t v) {
  char s[8];
  std::snprintf(s, sizeof s, "%04x", v);
  return s;
}

// Operand pairs that exercise every path: uniform words (wide exponent gaps, specials), pairs
// with close exponents (cancellation, ties, carries), and pairs near both ends of the range.
struct pair_source {
  std::mt19937_64 g;
  explicit pair_source(uint64_t seed) : g(seed) {}
  std::pair<uint16_t, uint16_t> next() {
    const uint64_t r = g();
    uint16_t a = static_cast<uint16_t>(r), b = static_cast<uint16_t>(r >> 16);
    switch ((r >> 32) % 4) {
      case 0: break;
      case 1: {  // exponents within 12 of each other
        const int ea = (a >> 7) & 0xff;
        int eb = ea + static_cast<int>((r >> 40) % 25) - 12;
        eb = eb < 0 ? 0 : eb > 255 ? 255 : eb;
        b = static_cast<uint16_t>((b & 0x807f) | (eb << 7));
        break;
      }
      case 2: {  // products near the flush and overflow thresholds
        const int ea = 1 + static_cast<int>((r >> 40) % 30);
        const int eb = (r >> 48) & 1 ? 127 - ea - static_cast<int>((r >> 50) % 4) + 1
                                     : 254 - static_cast<int>((r >> 50) % 8);
        a = static_cast<uint16_t>((a & 0x807f) | (((r >> 49) & 1 ? ea : 254 - ea % 8) << 7));
        b = static_cast<uint16_t>((b & 0x807f) | ((eb < 1 ? 1 : eb > 254 ? 254 : eb) << 7));
        break;
      }
      default: {  // equal exponents, opposite signs: exact cancellations
        b = static_cast<uint16_t>((a & 0x7f80) | (b & 0x807f));
        break;
      }
    }
    return {a, b};
  }
};

std::vector<uint16_t> edge_values() {
  std::vector<uint16_t> v = {0x0000, 0x8000, 0x0001, 0x807f, 0x0080, 0x8080, 0x00ff, 0x3f80,
                             0xbf80, 0x3f81, 0x3fff, 0x4000, 0x7f7f, 0xff7f, 0x7f00, 0x7f80,
                             0xff80, 0x7fc0, 0xffc1, 0x7f81, 0x0100, 0x1f80, 0x5f80, 0x3b80,
                             0x4380, 0x3c00, 0x3f7f, 0xbf7f, 0x3c01, 0x4301};
  return v;
}

}  // namespace

TEST(Bf16Reference, KnownValues) {
  EXPECT_EQ(bf16_ref::mul(0x3f80, 0x4000), 0x4000);  // 1 x 2
  EXPECT_EQ(bf16_ref::add(0x3f80, 0x3f80), 0x4000);  // 1 + 1
  EXPECT_EQ(bf16_ref::add(0x3f80, 0x3b80), 0x3f80);  // 1 + 2^-8: a tie, to even (1)
  EXPECT_EQ(bf16_ref::add(0x3f81, 0x3b80), 0x3f82);  // 1+2^-7 + 2^-8: a tie, to even (up)
  EXPECT_EQ(bf16_ref::add(0x7f7f, 0x7f7f), 0x7f80);  // overflow
  EXPECT_EQ(bf16_ref::add(0x7f80, 0xff80), 0x7fc0);  // inf - inf
  EXPECT_EQ(bf16_ref::mul(0x0080, 0x3f00), 0x0000);  // 2^-126 x 0.5 flushes
  EXPECT_EQ(bf16_ref::add(0x8000, 0x8000), 0x8000);
  EXPECT_EQ(bf16_ref::add(0x8000, 0x0000), 0x0000);
}

TEST(Bf16FastModel, EqualsReferenceOnMillionsOfPairs) {
  pair_source src(13);
  uint64_t bad_mul = 0, bad_add = 0;
  const uint64_t n = 4'000'000;
  for (uint64_t i = 0; i < n; ++i) {
    const auto [a, b] = src.next();
    const uint16_t m = bf16_mul(a, b), s = bf16_add(a, b);
    if (m != bf16_ref::mul(a, b) && bad_mul++ < 5)
      ADD_FAILURE() << hex(a) << " x " << hex(b) << ": " << hex(m) << " vs "
                    << hex(bf16_ref::mul(a, b));
    if (s != bf16_ref::add(a, b) && bad_add++ < 5)
      ADD_FAILURE() << hex(a) << " + " << hex(b) << ": " << hex(s) << " vs "
                    << hex(bf16_ref::add(a, b));
  }
  EXPECT_EQ(bad_mul, 0u);
  EXPECT_EQ(bad_add, 0u);
}

TEST(Bf16FastModel, EqualsReferenceForEveryWordAgainstEdgeValues) {
  uint64_t bad = 0;
  for (uint32_t a = 0; a < 0x10000; ++a)
    for (uint16_t b : edge_values())
      for (int swap = 0; swap < 2; ++swap) {
        const uint16_t x = swap ? b : static_cast<uint16_t>(a), y = swap ? static_cast<uint16_t>(a) : b;
        if (bf16_mul(x, y) != bf16_ref::mul(x, y) && bad++ < 5)
          ADD_FAILURE() << hex(x) << " x " << hex(y);
        if (bf16_add(x, y) != bf16_ref::add(x, y) && bad++ < 5)
          ADD_FAILURE() << hex(x) << " + " << hex(y);
      }
  EXPECT_EQ(bad, 0u);
}

TEST(Bf16FastModel, ConversionFromFloatRoundsAsTheReference) {
  std::mt19937 g(5);
  for (int i = 0; i < 1'000'000; ++i) {
    uint32_t u = g();
    float f;
    std::memcpy(&f, &u, sizeof f);
    ASSERT_EQ(bf16_from_float(f), bf16_ref::from_double(f)) << std::hex << u;
  }
  EXPECT_EQ(bf16_to_float(0x3fc0), 1.5f);
}

TEST(Bf16FastModel, CountsFlushesOverflowsAndNaNs) {
  bf16_events ev;
  bf16_mul(0x0001, 0x3f80, &ev);  // subnormal operand
  EXPECT_EQ(ev.operands_flushed, 1u);
  EXPECT_EQ(bf16_mul(0x0080, 0x3f00, &ev), 0x0000);  // 2^-127 flushed
  EXPECT_EQ(ev.results_flushed, 1u);
  EXPECT_EQ(bf16_mul(0x0080, 0x3f7f, &ev), 0x0000);  // 2^-127 x 255/128: exact, below 2^-126
  EXPECT_EQ(ev.results_flushed, 2u);
  // 181 x 181 = 0x7ff9: 1.1111111|11 x 2^-127 rounds up to 2^-126, which is not flushed.
  EXPECT_EQ(bf16_mul(0x1fb5, 0x2035, &ev), 0x0080);
  EXPECT_EQ(ev.results_flushed, 2u);
  EXPECT_EQ(bf16_mul(0x7f00, 0x4000, &ev), 0x7f80);
  EXPECT_EQ(ev.overflows, 1u);
  EXPECT_EQ(bf16_mul(0x7f80, 0x0000, &ev), kBf16CanonicalNaN);
  EXPECT_EQ(bf16_add(0xffc1, 0x3f80, &ev), kBf16CanonicalNaN);
  EXPECT_EQ(ev.nan_results, 2u);
  EXPECT_EQ(bf16_add(0x3f80, 0xbf80, &ev), 0x0000);  // exact cancellation: +0, not an event
  EXPECT_EQ(ev.results_flushed, 2u);
  EXPECT_EQ(bf16_add(0x0081, 0x8080, &ev), 0x0000);  // 2^-133: flushed
  EXPECT_EQ(ev.results_flushed, 3u);
}

namespace {
// Runs `pairs` through one program on a block of as many rows; returns the results.
std::vector<uint16_t> run_program(bf16_op op, const std::vector<std::pair<uint16_t, uint16_t>>& pairs,
                                  microop_counts* counts = nullptr, unsigned* scratch = nullptr) {
  pim_block blk(pairs.size());
  const unsigned a = blk.alloc(16), b = blk.alloc(16), r = blk.alloc(16);
  for (size_t row = 0; row < pairs.size(); ++row) {
    blk.store_word(a, 16, row, pairs[row].first);
    blk.store_word(b, 16, row, pairs[row].second);
  }
  if (op == bf16_op::mul) run_bf16_mul(blk, a, b, r);
  else run_bf16_add(blk, a, b, r);
  EXPECT_EQ(blk.columns(), 48u);  // scratch released
  if (counts) *counts = blk.counts();
  if (scratch) *scratch = blk.peak_columns() - 48;
  std::vector<uint16_t> out(pairs.size());
  for (size_t row = 0; row < pairs.size(); ++row)
    out[row] = static_cast<uint16_t>(blk.load_word(r, 16, row));
  return out;
}

void check_program(bf16_op op, uint64_t seed, size_t rows, int batches) {
  pair_source src(seed);
  const auto edges = edge_values();
  uint64_t bad = 0;
  for (int batch = 0; batch < batches; ++batch) {
    std::vector<std::pair<uint16_t, uint16_t>> pairs;
    if (batch == 0)
      for (uint16_t x : edges)
        for (uint16_t y : edges) pairs.emplace_back(x, y);
    while (pairs.size() < rows) pairs.push_back(src.next());
    microop_counts n;
    unsigned scratch = 0;
    const auto got = run_program(op, pairs, &n, &scratch);
    EXPECT_EQ(n, bf16_program_counts(op));
    EXPECT_EQ(scratch, bf16_program_scratch_columns(op));
    for (size_t i = 0; i < pairs.size(); ++i) {
      const auto [x, y] = pairs[i];
      const uint16_t want = op == bf16_op::mul ? bf16_mul(x, y) : bf16_add(x, y);
      if (got[i] != want && bad++ < 8)
        ADD_FAILURE() << (op == bf16_op::mul ? "mul " : "add ") << hex(x) << ", " << hex(y)
                      << ": micro-program " << hex(got[i]) << ", fast model " << hex(want);
    }
  }
  EXPECT_EQ(bad, 0u);
}
}  // namespace

TEST(Bf16MicroProgram, MultiplyEqualsFastModel) { check_program(bf16_op::mul, 21, 16384, 32); }
TEST(Bf16MicroProgram, AddEqualsFastModel) { check_program(bf16_op::add, 22, 16384, 32); }

TEST(Bf16MicroProgram, CountsAreDataIndependentAndAsPrinted) {
  const auto m = bf16_program_counts(bf16_op::mul), s = bf16_program_counts(bf16_op::add);
  std::printf("mul: %llu NOR, %llu INIT, %llu COPY, %llu SEARCH, %llu WRITE, %llu FULL_ADD, %u scratch\n",
              (unsigned long long)m.nor, (unsigned long long)m.init, (unsigned long long)m.copy,
              (unsigned long long)m.search, (unsigned long long)m.write,
              (unsigned long long)m.full_add, bf16_program_scratch_columns(bf16_op::mul));
  std::printf("add: %llu NOR, %llu INIT, %llu COPY, %llu SEARCH, %llu WRITE, %llu FULL_ADD, %u scratch\n",
              (unsigned long long)s.nor, (unsigned long long)s.init, (unsigned long long)s.copy,
              (unsigned long long)s.search, (unsigned long long)s.write,
              (unsigned long long)s.full_add, bf16_program_scratch_columns(bf16_op::add));
  // One row or many: the same steps.
  microop_counts one;
  run_program(bf16_op::add, {{0x3f80, 0x4000}}, &one);
  EXPECT_EQ(one, s);
  EXPECT_EQ(m.full_add, 8u + 10u + 8u * 8u + 10u + 8u + 10u);  // exponents, product, rounding
}

TEST(Bf16MicroProgram, GateOutputMustNotBeAnInput) {
  pim_block blk(4);
  const unsigned c = blk.alloc(2);
  EXPECT_THROW(blk.nor(c, c + 1, c), std::logic_error);
  EXPECT_THROW(blk.full_add(c, c + 1, c, c + 1), std::logic_error);
  EXPECT_THROW(blk.release_to(5), std::logic_error);
}
