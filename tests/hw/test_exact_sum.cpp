// The ledger's exact sum (hw/accel/exact_sum.h) against an independent reference: Boost's
// binary floating point with enough bits to hold every sum below exactly, rounded to double by
// Boost; and the property the worker processes of `stoxvp --jobs` rely on: any order, any
// grouping, and subtracting a partial sum give the same double.
#include "hw/accel/exact_sum.h"

#include <boost/multiprecision/cpp_bin_float.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace {

using stoxvp::hw::exact_sum;
// 2^-300 .. 2^300 spans 600 bits, plus headroom for thousands of terms.
using wide = boost::multiprecision::number<boost::multiprecision::cpp_bin_float<700, boost::multiprecision::digit_base_2>>;

double reference(const std::vector<double>& v) {
  wide s = 0;
  for (double x : v) s += wide(x);
  return s.convert_to<double>();
}

std::vector<double> random_terms(std::mt19937_64& g, size_t n, int exp_lo, int exp_hi, bool signs) {
  std::uniform_real_distribution<double> m(1.0, 2.0);
  std::uniform_int_distribution<int> e(exp_lo, exp_hi);
  std::bernoulli_distribution neg(0.5);
  std::vector<double> v(n);
  for (auto& x : v) x = std::ldexp(m(g), e(g)) * (signs && neg(g) ? -1 : 1);
  return v;
}

TEST(exact_sum, EqualsAWideReferenceRoundedOnce) {
  std::mt19937_64 g(7);
  for (int round = 0; round < 200; ++round) {
    const auto v = random_terms(g, 1 + round * 5, round % 2 ? -40 : -290, round % 2 ? 40 : 290, round % 3 == 0);
    exact_sum s;
    for (double x : v) s.add(x);
    EXPECT_EQ(s.value(), reference(v)) << "round " << round;
  }
}

TEST(exact_sum, CancellationAndTiesAreExact) {
  exact_sum s;
  s.add(1e300);
  s.add(1.0);
  s.subtract(1e300);
  EXPECT_EQ(s.value(), 1.0);
  exact_sum t;  // 1 + 2^-53 is a tie between 1 and 1 + 2^-52: even, so 1
  t.add(1.0);
  t.add(std::ldexp(1.0, -53));
  EXPECT_EQ(t.value(), 1.0);
  t.add(std::ldexp(1.0, -200));  // just above the tie: up
  EXPECT_EQ(t.value(), 1.0 + std::ldexp(1.0, -52));
  exact_sum d;  // the subnormal range
  d.add(std::numeric_limits<double>::denorm_min());
  d.add(std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(d.value(), 2 * std::numeric_limits<double>::denorm_min());
  exact_sum n;
  n.subtract(2.5);
  n.add(0.25);
  EXPECT_EQ(n.value(), -2.25);
  EXPECT_EQ(exact_sum().value(), 0.0);
}

TEST(exact_sum, AnyOrderAnyGroupingAndSubtractionGiveTheSameDouble) {
  std::mt19937_64 g(11);
  auto v = random_terms(g, 5000, -30, 30, false);
  exact_sum whole;
  for (double x : v) whole.add(x);
  std::shuffle(v.begin(), v.end(), g);
  exact_sum a, b, c;
  for (size_t i = 0; i < v.size(); ++i) (i < 1234 ? a : i < 3000 ? b : c).add(v[i]);
  exact_sum merged = c;
  merged += a;
  merged += b;
  EXPECT_EQ(merged.value(), whole.value());
  EXPECT_TRUE(merged == whole);
  // A worker's share: its total minus the warm-up it ran before its images.
  exact_sum share = merged;
  share -= a;
  exact_sum bc = b;
  bc += c;
  EXPECT_EQ(share.value(), bc.value());
  // Through text, as worker processes hand it over.
  EXPECT_EQ(exact_sum::from_text(whole.to_text()).value(), whole.value());
  EXPECT_EQ(exact_sum::from_text(exact_sum().to_text()).value(), 0.0);
  EXPECT_THROW(exact_sum::from_text("zz,"), std::invalid_argument);
}

TEST(exact_sum, RefusesNonFiniteTerms) {
  exact_sum s;
  EXPECT_THROW(s.add(std::numeric_limits<double>::infinity()), std::domain_error);
  EXPECT_THROW(s.add(std::nan("")), std::domain_error);
}

}  // namespace
