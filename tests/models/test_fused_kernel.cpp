// The fused conversion kernels of PS-aware training (tools/stoxnet/fused) called from C++, so they
// also run in the sanitizer build (Python, which tests them against torch in
// tests/models/fused_codes.py, cannot load an instrumented library). Every instruction set this
// CPU has must give, bit for bit, what a plain scalar reference written here from the header's
// contract gives (exp from the C library); rows whose length is no multiple of a vector, rows read
// in place with a stride, and empty rows must stay inside their buffers; bad arguments are refused.
#include "mtj_codes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

// SplitMix64's output function (Steele, Lea and Flood, OOPSLA 2014) over the counter the header
// states: word w of element e is mix(key + (e x 16 + w + 1) x golden gamma), two draws a word.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
uint32_t draw(uint64_t key, int64_t e, int j) {
  const uint64_t r = mix(key + (uint64_t(e) * 16 + uint64_t(j / 2) + 1) * 0x9e3779b97f4a7c15ULL);
  return j & 1 ? uint32_t(r >> 32) : uint32_t(r);
}

const char* const kIsas[] = {"avx512", "avx2", "scalar"};

// A layer's partial sums: P pieces, each its own allocation of B x N rows of L floats, rows
// `pad` floats apart beyond L (pad 0: the last row ends where the allocation ends).
struct layer {
  int64_t B, N, L, pad;
  int P;
  std::vector<std::vector<float>> pieces;
  std::vector<const float*> ptrs;
  layer(int64_t b, int64_t n, int p, int64_t l, int64_t pd, std::mt19937& g, float lo, float hi)
      : B(b), N(n), L(l), pad(pd), P(p), pieces(size_t(p)) {
    std::uniform_real_distribution<float> u(lo, hi);
    for (auto& v : pieces) {
      v.resize(std::max<size_t>(1, size_t(B * N * (L + pad))));  // a null piece is refused
      for (auto& x : v) x = u(g);
      ptrs.push_back(v.data());
    }
  }
  stoxnet_pieces view() const { return {ptrs.data(), B, N, L, N * (L + pad), L + pad, P}; }
  float at(int k, int64_t b, int64_t n, int64_t l) const { return pieces[size_t(k)][size_t((b * N + n) * (L + pad) + l)]; }
  size_t rows() const { return size_t(B * N); }
};

struct converter {
  int kind = STOXNET_MTJ;
  std::vector<int32_t> samples;
  std::vector<float> mult, slope;
  float a = 6.0f, b = 0.25f;
  int deterministic = 0, noise_grad = 0, norm = 0;
  uint64_t key = 0x1234abcd5678ef01ULL;
  std::vector<float> mean, alpha, beta;
  float sa_threshold = 0.125f, lsb = 0.5f, adc_half = 8.0f;
};

struct outputs {
  std::vector<float> y, deriv;
  std::vector<uint8_t> counts;
};

converter make_converter(int kind, const layer& x, std::mt19937& g) {
  converter c;
  c.kind = kind;
  for (int k = 0; k < x.P; ++k) {
    static const int32_t kT[] = {4, 1, 32, 7};  // the bounds, odd and even
    c.samples.push_back(kT[k % 4]);
    c.mult.push_back(std::ldexp(1.0f, k));
    c.slope.push_back(float(2 * c.a) * c.mult.back());
  }
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  for (int64_t n = 0; n < x.N; ++n) {
    c.mean.push_back(u(g));
    c.alpha.push_back(1.0f + u(g));
    c.beta.push_back(u(g));
  }
  return c;
}

// Outputs filled with a mark, one element past the end too (an empty or refused layer: just that).
outputs guarded(const layer& x) {
  const size_t n = size_t(std::max<int64_t>(0, x.B * x.N * x.L)), np = n * size_t(std::max(0, x.P));
  return {std::vector<float>(n + 1, -7.0f), std::vector<float>(np + 1, -7.0f), std::vector<uint8_t>(np + 1, 0xee)};
}

// The kernel through its C interface under one instruction set.
int run_kernel(const layer& x, const converter& c, int exp_kind, outputs& o) {
  o = guarded(x);
  stoxnet_mtj_args A{};
  A.x = x.view();
  A.samples = c.samples.data();
  A.mult = c.mult.data();
  A.slope = c.slope.data();
  A.a = c.a;
  A.b = c.b;
  A.half_a = c.a / 2;
  A.exp_kind = exp_kind;
  A.deterministic = c.deterministic;
  A.noise_grad = c.noise_grad;
  A.key = c.key;
  A.y = o.y.data();
  A.deriv = o.deriv.data();
  A.counts = o.counts.data();
  if (c.norm) {
    A.norm_mean = c.mean.data();
    A.norm_alpha = c.alpha.data();
    A.norm_beta = c.beta.data();
  }
  A.kind = c.kind;
  A.sa_threshold = c.sa_threshold;
  A.lsb = c.lsb;
  A.adc_half = c.adc_half;
  return stoxnet_mtj_codes(&A);
}

// The reference: one element at a time, each float operation as the header and PieceCodes state.
outputs reference(const layer& x, const converter& c) {
  outputs r = guarded(x);
  for (int64_t b = 0; b < x.B; ++b)
    for (int64_t on = 0; on < x.N; ++on)
      for (int k = 0; k < x.P; ++k)
        for (int64_t l = 0; l < x.L; ++l) {
          const int64_t o = b * x.N + on, e = (o * x.P + k) * x.L + l;
          float v = x.at(k, b, on, l);
          if (c.norm) v = std::fma(v - c.mean[size_t(on)], c.alpha[size_t(on)], c.beta[size_t(on)]);
          const float m = c.mult[size_t(k)];
          float val, g;
          if (c.kind == STOXNET_MTJ) {
            const int T = c.samples[size_t(k)];
            const float z = std::min(1.0f, std::max(-1.0f, v));
            const float arg = 0.0f - (z * c.a + c.b);
            const float p = 1.0f / (std::exp(arg) + 1.0f);
            int cnt = 0;
            if (c.deterministic) {
              cnt = int(std::floor(p * float(T) + 0.5f));
            } else {
              const auto thr = int32_t((p - 0.5f) * 4294967040.0f);
              for (int j = 0; j < T; ++j) cnt += int32_t(draw(c.key, e, j)) < thr;
            }
            r.counts[size_t(e)] = uint8_t(cnt);
            const float code = float(2 * cnt - T) / float(T), expect = -1.0f + 2.0f * p;
            const float noise = code - expect;
            val = noise + expect;
            float slope = (p - p * p) * (c.slope[size_t(k)] / m);
            if (c.noise_grad) slope = slope + (c.a / 2) * (noise * (1.0f - 2.0f * p));
            g = v >= -1.0f && v <= 1.0f ? slope * m : 0.0f;
          } else if (c.kind == STOXNET_SENSE_AMP) {
            const float sd = v - c.sa_threshold, hard = v > c.sa_threshold ? 1.0f : -1.0f;
            const float soft = std::min(1.0f, std::max(-1.0f, sd));
            val = soft + (hard - soft);
            g = sd >= -1.0f && sd <= 1.0f ? m : 0.0f;
          } else if (c.kind == STOXNET_ADC) {
            const float q = v / c.lsb, rq = std::floor(q + 0.5f), st = q + (rq - q);
            val = std::min(c.adc_half - 1.0f, std::max(-c.adc_half, st)) * c.lsb;
            g = rq >= -c.adc_half && rq <= c.adc_half - 1.0f ? m : 0.0f;
          } else {
            val = v;
            g = m;
          }
          float& y = r.y[size_t(o * x.L + l)];
          y = k == 0 ? val * m : y + val * m;
          r.deriv[size_t(e)] = g;
        }
  return r;
}

// Bit patterns, so -0 and NaN compare as what they are.
std::vector<uint32_t> bits(const std::vector<float>& v) {
  std::vector<uint32_t> b(v.size());
  std::memcpy(b.data(), v.data(), v.size() * sizeof(float));
  return b;
}

void expect_same(const outputs& got, const outputs& want, bool with_counts, const std::string& what) {
  EXPECT_EQ(bits(got.y), bits(want.y)) << what << ": y";
  EXPECT_EQ(bits(got.deriv), bits(want.deriv)) << what << ": deriv";
  if (with_counts) {
    EXPECT_EQ(got.counts, want.counts) << what << ": counts";
  }
}

struct shape {
  int64_t B, N;
  int P;
  int64_t L, pad;
};
const shape kShapes[] = {{3, 5, 3, 37, 0}, {2, 4, 2, 16, 5}, {1, 3, 4, 1, 0}, {2, 2, 1, 67, 3}, {2, 3, 2, 0, 0}};

class FusedKernel : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (stoxnet_set_isa(GetParam()) != 0) GTEST_SKIP() << GetParam() << " is not on this CPU";
  }
  void TearDown() override { stoxnet_set_isa(nullptr); }
};

TEST_P(FusedKernel, MtjEqualsTheScalarReferenceBitForBit) {
  std::mt19937 g(5);
  for (const shape& s : kShapes)
    for (int mode = 0; mode < 8; ++mode) {
      const layer x(s.B, s.N, s.P, s.L, s.pad, g, -1.6f, 1.6f);  // beyond the clamp on both sides
      converter c = make_converter(STOXNET_MTJ, x, g);
      c.deterministic = mode & 1;
      c.noise_grad = (mode >> 1) & 1;
      c.norm = (mode >> 2) & 1;
      outputs got;
      ASSERT_EQ(run_kernel(x, c, STOXNET_EXP_LIBM, got), 0);
      expect_same(got, reference(x, c), true,
                  std::string(GetParam()) + " L " + std::to_string(s.L) + " mode " + std::to_string(mode));
    }
}

TEST_P(FusedKernel, OtherConvertersEqualTheScalarReferenceBitForBit) {
  std::mt19937 g(6);
  for (int kind : {STOXNET_SENSE_AMP, STOXNET_ADC, STOXNET_IDEAL})
    for (const shape& s : kShapes)
      for (int norm = 0; norm < 2; ++norm) {
        const layer x(s.B, s.N, s.P, s.L, s.pad, g, -6.0f, 6.0f);  // the ADC's range clips too
        converter c = make_converter(kind, x, g);
        c.norm = norm;
        outputs got;
        ASSERT_EQ(run_kernel(x, c, STOXNET_EXP_LIBM, got), 0);
        expect_same(got, reference(x, c), false,
                    std::string(GetParam()) + " kind " + std::to_string(kind) + " L " + std::to_string(s.L));
      }
}

TEST_P(FusedKernel, ChannelSumsAreExact) {
  std::mt19937 g(7);
  for (const shape& s : kShapes) {
    layer x(s.B, s.N, s.P, s.L, s.pad, g, 0.0f, 1.0f);
    for (auto& v : x.pieces)
      for (auto& f : v) f = std::round(f * 200.0f - 100.0f);  // partial sums are integers
    std::vector<double> sum(size_t(s.N)), sq(size_t(s.N));
    const stoxnet_pieces view = x.view();
    ASSERT_EQ(stoxnet_channel_sums(&view, sum.data(), sq.data()), 0);
    for (int64_t n = 0; n < s.N; ++n) {
      double rs = 0, rq = 0;
      for (int64_t b = 0; b < s.B; ++b)
        for (int k = 0; k < s.P; ++k)
          for (int64_t l = 0; l < s.L; ++l) {
            const double v = x.at(k, b, n, l);
            rs += v;
            rq += v * v;
          }
      EXPECT_EQ(sum[size_t(n)], rs) << "n " << n;
      EXPECT_EQ(sq[size_t(n)], rq) << "n " << n;
    }
  }
}

TEST_P(FusedKernel, DriveBackwardEqualsTheBatchNormGradient) {
  std::mt19937 g(8);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (const shape& s : kShapes)
    for (int mode = 0; mode < 3; ++mode) {  // no batch norm; fixed statistics; batch statistics
      const layer x(s.B, s.N, s.P, s.L, s.pad, g, -3.0f, 3.0f);
      const size_t rows = x.rows(), per = rows * size_t(s.L);
      std::vector<float> deriv(std::max<size_t>(1, per * size_t(s.P))), gy(std::max<size_t>(1, per)), mean(size_t(s.N)), invstd(size_t(s.N)), gamma(size_t(s.N));
      for (auto& v : deriv) v = u(g);
      for (auto& v : gy) v = u(g);
      for (int64_t n = 0; n < s.N; ++n) {
        mean[size_t(n)] = u(g);
        invstd[size_t(n)] = 1.5f + u(g);
        gamma[size_t(n)] = u(g);
      }
      std::vector<std::vector<float>> grad(size_t(s.P), std::vector<float>(x.pieces[0].size(), -7.0f));
      std::vector<float*> gp;
      for (auto& v : grad) gp.push_back(v.data());
      std::vector<double> sgd(size_t(s.N)), sgdx(size_t(s.N));
      const stoxnet_pieces view = x.view();
      ASSERT_EQ(stoxnet_drive_backward(&view, deriv.data(), gy.data(), mean.data(), invstd.data(),
                                       mode ? gamma.data() : nullptr, mode == 2, gp.data(), sgd.data(), sgdx.data()),
                0);
      const double count = double(s.B) * double(s.P) * double(s.L);
      for (int64_t n = 0; n < s.N; ++n) {
        double rs = 0, rq = 0;
        for (int64_t b = 0; b < s.B; ++b)
          for (int k = 0; k < s.P; ++k)
            for (int64_t l = 0; l < s.L; ++l) {
              const float gd = gy[size_t((b * s.N + n) * s.L + l)] * deriv[size_t(((b * s.N + n) * s.P + k) * s.L + l)];
              rs += gd;
              rq += double(gd) * double(x.at(k, b, n, l) - mean[size_t(n)]);
            }
        if (mode) {  // double sums in another order: equal to a few ulps
          EXPECT_NEAR(sgd[size_t(n)], rs, 1e-12 * (1 + std::fabs(rs) + count)) << "n " << n;
          EXPECT_NEAR(sgdx[size_t(n)], rq, 1e-12 * (1 + std::fabs(rq) + count)) << "n " << n;
        }
        const float w = mode ? gamma[size_t(n)] * invstd[size_t(n)] : 1.0f;
        const float mg = mode == 2 ? float(rs / count) : 0.0f;
        const float k2 = mode == 2 ? float(rq / count * double(invstd[size_t(n)]) * double(invstd[size_t(n)])) : 0.0f;
        for (int64_t b = 0; b < s.B; ++b)
          for (int k = 0; k < s.P; ++k)
            for (int64_t l = 0; l < s.L; ++l) {
              const float gd = gy[size_t((b * s.N + n) * s.L + l)] * deriv[size_t(((b * s.N + n) * s.P + k) * s.L + l)];
              const float want = mode ? w * (gd - mg - (x.at(k, b, n, l) - mean[size_t(n)]) * k2) : gd;
              const float got = grad[size_t(k)][size_t((b * s.N + n) * (s.L + s.pad) + l)];
              if (mode == 2)  // mg and k2 come from the sums, which may differ in their last bits
                EXPECT_NEAR(got, want, 1e-5f * (1.0f + std::fabs(want))) << "b " << b << " n " << n << " k " << k;
              else
                EXPECT_EQ(got, want) << "b " << b << " n " << n << " k " << k;
            }
      }
      for (int k = 0; k < s.P; ++k)  // the padding between rows is not written
        for (size_t r = 0; r < rows; ++r)
          for (int64_t l = s.L; l < s.L + s.pad; ++l) EXPECT_EQ(grad[size_t(k)][r * size_t(s.L + s.pad) + size_t(l)], -7.0f);
    }
}

INSTANTIATE_TEST_SUITE_P(EveryInstructionSet, FusedKernel, ::testing::ValuesIn(kIsas),
                         [](const ::testing::TestParamInfo<const char*>& i) { return std::string(i.param); });

TEST(FusedKernelDraws, TheDrawFunctionIsTheStatedCounterStream) {
  for (uint64_t key : {0ULL, 1ULL, 0xfedcba9876543210ULL})
    for (int64_t e : {0LL, 1LL, 12345LL, (1LL << 40) + 3})
      for (int j = 0; j < 32; ++j) EXPECT_EQ(stoxnet_draw(key, e, j), draw(key, e, j)) << key << " " << e << " " << j;
}

TEST(FusedKernelDraws, CountsFollowTheBinomialDistribution) {
  // One piece, p fixed by the drive: the switching events of 200,000 elements have the
  // binomial's mean T p and variance T p (1 - p), within five standard errors.
  std::mt19937 g(9);
  layer x(1, 1, 1, 200000, 0, g, 0.0f, 0.0f);
  for (auto& v : x.pieces[0]) v = 0.1f;
  converter c = make_converter(STOXNET_MTJ, x, g);
  c.samples = {8};
  outputs o;
  ASSERT_EQ(run_kernel(x, c, STOXNET_EXP_LIBM, o), 0);
  const double p = 1.0 / (1.0 + std::exp(-(0.1 * c.a + c.b))), T = 8, n = 200000;
  double s = 0, s2 = 0;
  for (size_t i = 0; i < size_t(n); ++i) {
    s += o.counts[i];
    s2 += double(o.counts[i]) * o.counts[i];
  }
  const double mean = s / n, var = s2 / n - mean * mean, v = T * p * (1 - p);
  EXPECT_NEAR(mean, T * p, 5 * std::sqrt(v / n));
  // the sample variance's standard error: sqrt((mu4 - v^2) / n), mu4 of the binomial
  const double mu4 = T * p * (1 - p) * (1 + 3 * (T - 2) * p * (1 - p));
  EXPECT_NEAR(var, v, 5 * std::sqrt((mu4 - v * v) / n));
}

TEST(FusedKernelDraws, EveryInstructionSetDrawsTheSameWithTorchsExp) {
  // SLEEF's exp (torch's vectorised one) is not rebuilt here: the instruction sets must agree.
  std::mt19937 g(10);
  const layer x(2, 3, 3, 45, 2, g, -1.5f, 1.5f);
  converter c = make_converter(STOXNET_MTJ, x, g);
  c.noise_grad = 1;
  for (int exp_kind : {STOXNET_EXP_SLEEF8, STOXNET_EXP_SLEEF16}) {
    outputs first;
    std::string first_isa;
    for (const char* isa : kIsas) {
      if (stoxnet_set_isa(isa) != 0) continue;
      outputs o;
      const int rc = run_kernel(x, c, exp_kind, o);
      if (rc != 0) continue;  // this CPU has no such exp
      if (first_isa.empty()) {
        first = o;
        first_isa = isa;
      } else {
        expect_same(o, first, true, std::string(isa) + " against " + first_isa + ", exp " + std::to_string(exp_kind));
      }
    }
  }
  stoxnet_set_isa(nullptr);
}

TEST(FusedKernelArguments, BadArgumentsAreRefused) {
  std::mt19937 g(11);
  const layer x(2, 2, 2, 9, 0, g, -1, 1);
  const converter good = make_converter(STOXNET_MTJ, x, g);
  outputs o;
  ASSERT_EQ(run_kernel(x, good, STOXNET_EXP_LIBM, o), 0);
  EXPECT_EQ(stoxnet_mtj_codes(nullptr), 1);
  converter c = good;
  c.samples[1] = 0;
  EXPECT_EQ(run_kernel(x, c, STOXNET_EXP_LIBM, o), 1) << "T = 0";
  c.samples[1] = 33;
  EXPECT_EQ(run_kernel(x, c, STOXNET_EXP_LIBM, o), 1) << "T = 33";
  c = good;
  c.kind = 4;
  EXPECT_EQ(run_kernel(x, c, STOXNET_EXP_LIBM, o), 1) << "kind 4";
  c = good;
  c.kind = STOXNET_ADC;
  c.lsb = 0;
  EXPECT_EQ(run_kernel(x, c, STOXNET_EXP_LIBM, o), 1) << "ADC LSB 0";
  c.lsb = 0.5f;
  c.adc_half = 0.5f;
  EXPECT_EQ(run_kernel(x, c, STOXNET_EXP_LIBM, o), 1) << "ADC half 0.5";
  EXPECT_EQ(run_kernel(x, good, 3, o), 1) << "exp kind 3";
  layer empty = x;
  empty.P = 0;
  EXPECT_EQ(run_kernel(empty, good, STOXNET_EXP_LIBM, o), 1) << "no pieces";
  layer negative = x;
  negative.B = -1;
  EXPECT_EQ(run_kernel(negative, good, STOXNET_EXP_LIBM, o), 1) << "B = -1";
  layer hole = x;
  hole.ptrs[1] = nullptr;
  EXPECT_EQ(run_kernel(hole, good, STOXNET_EXP_LIBM, o), 1) << "a null piece";

  const stoxnet_pieces view = x.view();
  double s[2], q[2];
  EXPECT_EQ(stoxnet_channel_sums(nullptr, s, q), 1);
  EXPECT_EQ(stoxnet_channel_sums(&view, nullptr, q), 1);
  std::vector<float> d(36), gy(18), mean(2), inv(2), gamma(2);
  EXPECT_EQ(stoxnet_drive_backward(&view, d.data(), gy.data(), nullptr, inv.data(), gamma.data(), 1, nullptr, s, q), 1)
      << "gamma without the mean";
  float* holes[2] = {nullptr, nullptr};
  EXPECT_EQ(stoxnet_drive_backward(&view, d.data(), gy.data(), mean.data(), inv.data(), gamma.data(), 1, holes, s, q), 1)
      << "null gradient rows";
  EXPECT_EQ(stoxnet_set_isa("avx1024"), 1);
  EXPECT_NE(stoxnet_isa(), nullptr);
}

}  // namespace
