// The stochastic MTJ converter: for fixed partial sums the count follows Binomial(T, p(x));
// the T table is honoured slice by slice; the same seed reproduces, another seed does not.
#include "hw/core/converter.h"
#include "hw/core/geometry.h"
#include "hw/core/rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace stoxvp::core;

namespace {

double binomial_pmf(uint32_t t, uint32_t k, double p) {
  return std::exp(std::lgamma(t + 1.0) - std::lgamma(k + 1.0) - std::lgamma(t - k + 1.0) +
                  k * std::log(p) + (t - k) * std::log1p(-p));
}

// Pearson chi-square of observed counts of k (0..t) against Binomial(t, p); bins with an
// expectation below 5 are merged into their neighbour.
double chi_square(const std::vector<uint64_t>& observed, uint32_t t, double p) {
  uint64_t total = 0;
  for (auto o : observed) total += o;
  double chi = 0, e_acc = 0, o_acc = 0;
  for (uint32_t k = 0; k <= t; ++k) {
    e_acc += total * binomial_pmf(t, k, p);
    o_acc += observed[k];
    if (e_acc >= 5 || k == t) {
      chi += (o_acc - e_acc) * (o_acc - e_acc) / std::max(e_acc, 1e-9);
      e_acc = o_acc = 0;
    }
  }
  return chi;
}

// Draws `draws` conversions of a fixed PS through the bank (different positions give different
// counters); returns the histogram of k = (code + T) / 2.
std::vector<uint64_t> histogram(const converter_bank& bank, int32_t ps, uint32_t t, uint32_t draws,
                                uint64_t key, uint32_t slice = 0, uint32_t wave = 0) {
  const xbar_mapping& m = bank.map();
  std::vector<int32_t> in(m.w_slices * m.a_waves, 0), out(in.size());
  in[slice * m.a_waves + wave] = ps;
  std::vector<uint64_t> h(t + 1, 0);
  converter_stats st;
  for (uint32_t d = 0; d < draws; ++d) {
    bank.convert(in.data(), out.data(), 0, 1, d, 0, ~0u, key, st);
    const int32_t code = out[slice * m.a_waves + wave];
    EXPECT_EQ((code + int32_t(t)) % 2, 0) << "an up/down count of T samples has T's parity";
    EXPECT_LE(std::abs(code), int32_t(t));
    ++h[(code + t) / 2];
  }
  return h;
}

// 99.99% quantile of chi-square with up to 16 degrees of freedom is below 45; with fixed seeds
// the test is deterministic, and a wrong curve or a wrong T lands far above.
constexpr double kChiBound = 45.0;

struct mtj_fixture : ::testing::Test {
  xbar_mapping m = map_layer({128, 1, 4, 3, 4, 3}, xbar_geometry{128, 128, 4, 128});
  converter_config cfg(uint8_t t, float gain) {
    converter_config c;
    c.kind = converter_kind::mtj;
    c.set_samples(t);
    c.gain = {gain};
    c.bias = {0.1f};
    return c;
  }
};

TEST_F(mtj_fixture, CountsFollowTheBinomialOfTheCurve) {
  for (uint8_t t : {1, 4, 16}) {
    const converter_config c = cfg(t, 1.0f / 64);
    const converter_bank bank(c, m, 1, 1);
    for (int32_t ps : {-200, -40, 0, 13, 64}) {
      const double x = std::clamp(double(1.0f / 64 * float(ps) + 0.1f), -1.0, 1.0);
      const double p = 1.0 / (1.0 + std::exp(-4.0 * x));
      const auto h = histogram(bank, ps, t, 20000, stream_key(7, ps + 1000));
      EXPECT_LT(chi_square(h, t, p), kChiBound) << "T=" << int(t) << " PS=" << ps;
      // The test has teeth: the tanh curve (sigmoid(8x)) or another T is rejected.
      const double p_tanh = 1.0 / (1.0 + std::exp(-8.0 * x));
      if (std::abs(p_tanh - p) > 0.05) {
        EXPECT_GT(chi_square(h, t, p_tanh), kChiBound * 4);
      }
    }
  }
  const converter_bank bank4(cfg(4, 1.0f / 64), m, 1, 1);
  const auto h4 = histogram(bank4, 13, 4, 20000, 99);
  std::vector<uint64_t> as_t8(9, 0);
  for (uint32_t k = 0; k <= 4; ++k) as_t8[k] = h4[k];
  EXPECT_GT(chi_square(as_t8, 8, 1.0 / (1.0 + std::exp(-4.0 * (13.0 / 64 + 0.1)))), kChiBound * 4)
      << "counts of T=4 must not pass as T=8";
}

TEST_F(mtj_fixture, OneBinomialDrawMatchesTBernoulliDraws) {
  // Reference: T independent Bernoulli(p) samples from std::mt19937, histogrammed. The bank's
  // single draw from the binomial CDF must be indistinguishable (two-sample chi-square).
  const uint8_t t = 8;
  const converter_bank bank(cfg(t, 1.0f / 100), m, 1, 1);
  const int32_t ps = 30;
  const double x = 1.0f / 100 * float(ps) + 0.1f;
  const double p = 1.0 / (1.0 + std::exp(-4.0 * x));
  const uint32_t n = 40000;
  const auto ours = histogram(bank, ps, t, n, 1234);
  std::mt19937_64 rng(5);
  std::bernoulli_distribution bern(p);
  std::vector<uint64_t> theirs(t + 1, 0);
  for (uint32_t d = 0; d < n; ++d) {
    uint32_t k = 0;
    for (uint32_t s = 0; s < t; ++s) k += bern(rng);
    ++theirs[k];
  }
  double chi = 0;
  for (uint32_t k = 0; k <= t; ++k) {
    const double a = double(ours[k]), b = double(theirs[k]);
    if (a + b > 0) chi += (a - b) * (a - b) / (a + b);
  }
  EXPECT_LT(chi, kChiBound);
  EXPECT_LT(chi_square(theirs, t, p), kChiBound) << "the reference itself must fit";
}

TEST_F(mtj_fixture, PublishedCurvePresetsAndTables) {
  converter_config c;
  c.curve = kCurveTanh;
  EXPECT_NEAR(switching_probability(c, 0.3), (1 + std::tanh(4 * 0.3)) / 2, 1e-12);
  c.curve = kCurveDeviceFit;
  EXPECT_NEAR(switching_probability(c, 0.3), 1 / (1 + std::exp(-3.598 * (0.3 - 0.0082))), 1e-12);
  EXPECT_NEAR(switching_probability(c, 7.0), switching_probability(c, 1.0), 0) << "x clamps";
  c.curve_table = {0.0, 0.2, 1.0};  // x = -1, 0, 1
  EXPECT_NEAR(switching_probability(c, -0.5), 0.1, 1e-12);
  EXPECT_NEAR(switching_probability(c, 0.5), 0.6, 1e-12);
}

TEST(Mtj, InhomogeneousTIsHonouredSliceBySlice) {
  // 8-bit weights in slices of 3 bits (3 slices), 5-bit inputs in waves of 2 bits (2 waves).
  const xbar_mapping m = map_layer({64, 2, 8, 3, 5, 2}, xbar_geometry{128, 128, 4, 128});
  ASSERT_EQ(m.w_slices, 3u);
  ASSERT_EQ(m.a_waves, 2u);
  converter_config c;
  c.kind = converter_kind::mtj;
  const uint8_t T[3][2] = {{1, 2}, {3, 5}, {8, 16}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) c.samples[i][j] = T[i][j];
  const converter_bank bank(c, m, 2, 1);
  // L = lcm(1, 2, 3, 5, 8, 16) = 240; each code is worth L / T of its slice, shifted.
  EXPECT_DOUBLE_EQ(bank.code_scale(), 1.0 / 240);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      EXPECT_EQ(bank.multiplier(i, j), (int64_t{1} << (3 * i + 2 * j)) * (240 / T[i][j])) << i << "," << j;
  std::vector<int32_t> ps(2 * 6, 0), codes(ps.size());
  converter_stats st;
  // At PS 0 the drive is 0 and p = 1/2, so each code 2k - T has mean 0 and variance T: the
  // spread tells the T of every slice and wave apart.
  double sum[6] = {}, sq[6] = {};
  for (uint32_t pos = 0; pos < 2000; ++pos) {
    bank.convert(ps.data(), codes.data(), 0, 2, pos, 0, ~0u, 17, st);
    for (uint32_t ch = 0; ch < 2; ++ch)
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 2; ++j) {
          const int code = codes[(ch * 3 + i) * 2 + j], t = T[i][j];
          ASSERT_LE(std::abs(code), t);
          ASSERT_EQ((code + t) % 2, 0);
          sum[i * 2 + j] += code;
          sq[i * 2 + j] += double(code) * code;
        }
  }
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) {
      const double n = 4000, mean = sum[i * 2 + j] / n, var = sq[i * 2 + j] / n - mean * mean;
      EXPECT_NEAR(var, T[i][j], 0.15 * T[i][j]) << "slice " << i << " wave " << j;
      EXPECT_NEAR(mean, 0.0, 5 * std::sqrt(T[i][j] / n)) << "slice " << i << " wave " << j;
    }
  EXPECT_EQ(st.conversions, 2000u * 2 * 6);
  EXPECT_EQ(st.samples, 2000u * 2 * (1 + 2 + 3 + 5 + 8 + 16));
}

TEST(Mtj, SameSeedSameOutputsOtherSeedOthers) {
  const xbar_mapping m = map_layer({128, 8, 4, 3, 4, 3}, xbar_geometry{128, 128, 4, 128});
  converter_config c;
  c.kind = converter_kind::mtj;
  c.gain.assign(8, 1.0f / 50);
  c.bias.assign(8, 0.0f);
  const converter_bank bank(c, m, 8, 1);
  std::vector<int32_t> ps(8);
  for (int i = 0; i < 8; ++i) ps[i] = i * 7 - 20;
  auto run = [&](uint64_t seed) {
    std::vector<int32_t> all, codes(8);
    converter_stats st;
    for (uint32_t pos = 0; pos < 100; ++pos) {
      bank.convert(ps.data(), codes.data(), 0, 8, pos, 0, ~0u, stream_key(seed, 3), st);
      all.insert(all.end(), codes.begin(), codes.end());
    }
    return all;
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
}

TEST(Rng, StreamsAreUniformAndDistinct) {
  // A coarse check of the counter-based generator: 16 bins, 160k draws.
  std::vector<uint64_t> bins(16, 0);
  const uint64_t key = stream_key(1, 0);
  for (uint64_t i = 0; i < 160000; ++i) ++bins[uniform32(key, i) >> 28];
  double chi = 0;
  for (auto b : bins) chi += (b - 10000.0) * (b - 10000.0) / 10000.0;
  EXPECT_LT(chi, 45.0);
  EXPECT_NE(uniform32(stream_key(1, 0), 5), uniform32(stream_key(1, 1), 5));
  EXPECT_NE(uniform32(stream_key(1, 0), 5), uniform32(stream_key(2, 0), 5));
}

}  // namespace
