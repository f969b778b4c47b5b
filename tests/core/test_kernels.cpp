// Every kernel version this CPU runs against the scalar one, bit for bit: the crossbar read over
// shapes that exercise every word count, slice and wave split and partial channel groups; the
// input packing with saturation, -128 and chunks that end mid-word; the MTJ converter's draws
// against rng.h one by one; and whole converter banks. Versions the CPU lacks are refused.
#include "hw/core/converter.h"
#include "hw/core/crossbar_array.h"
#include "hw/core/kernels.h"
#include "hw/core/layer_ops.h"
#include "hw/core/packed_input.h"
#include "hw/core/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

using namespace stoxvp::core;

namespace {

std::vector<kernel_isa> supported_vector_isas() {
  std::vector<kernel_isa> v;
  for (kernel_isa isa : {kernel_isa::avx2, kernel_isa::avx512})
    if (kernel_isa_supported(isa)) v.push_back(isa);
  return v;
}

struct read_case {
  uint32_t rows, cols, k_rows, channels, w_bits, w_slice, a_bits, a_stream;
};

}  // namespace

TEST(kernels, ScalarIsAlwaysSupportedAndNamesRoundTrip) {
  EXPECT_TRUE(kernel_isa_supported(kernel_isa::scalar));
  for (size_t i = 0; i < kKernelIsas; ++i) {
    kernel_isa isa;
    ASSERT_TRUE(kernel_isa_named(to_string(static_cast<kernel_isa>(i)), isa));
    EXPECT_EQ(static_cast<size_t>(isa), i);
  }
  kernel_isa isa;
  EXPECT_FALSE(kernel_isa_named("sse9", isa));
  EXPECT_TRUE(kernel_isa_supported(best_kernel_isa()));
}

TEST(kernels, UnknownOrUnsupportedVersionsAreRefused) {
  try {
    select_kernels("sse9", "--kernels");
    FAIL() << "an unknown version was accepted";
  } catch (const kernel_error& e) {
    EXPECT_NE(std::string(e.what()).find("--kernels: 'sse9' is no kernel version"), std::string::npos) << e.what();
  }
  for (kernel_isa isa : {kernel_isa::avx2, kernel_isa::avx512}) {
    if (kernel_isa_supported(isa)) {
      EXPECT_NO_THROW(select_kernels(isa));
      EXPECT_EQ(active_kernels(), isa);
    } else {
      EXPECT_THROW(select_kernels(isa), kernel_error);
      EXPECT_THROW(kernels_for(isa), kernel_error);
    }
  }
  select_kernels(kernel_isa::scalar);
  EXPECT_EQ(active_kernels(), kernel_isa::scalar);
}

TEST(kernels, CrossbarReadOfEveryVersionEqualsTheScalarOne) {
  const read_case cases[] = {
      {128, 128, 128, 64, 4, 3, 4, 3},  // the small CNN's arrays
      {128, 128, 128, 21, 4, 1, 4, 1},  // one-bit slices and waves, a partial channel group
      {128, 128, 100, 13, 8, 3, 8, 2},  // rows not filled, 3 slices x 4 waves
      {64, 64, 64, 32, 2, 1, 2, 1},     // one word, one bit
      {256, 256, 256, 40, 6, 2, 5, 3},  // four words
      {320, 128, 300, 9, 5, 4, 7, 4},   // five words (the generic loop), a group of one channel
      {64, 32, 7, 1, 8, 7, 8, 7},       // one channel, one slice and one wave of 7 bits
  };
  const kernel_table& ref = kernels_for(kernel_isa::scalar);
  std::mt19937 rng(15);
  for (const auto& c : cases) {
    const int wl = (1 << (c.w_bits - 1)) - 1, al = (1 << (c.a_bits - 1)) - 1;
    std::uniform_int_distribution<int> wd(-wl, wl), ad(-128, 127);
    std::vector<int8_t> w(size_t(c.channels) * c.k_rows);
    for (auto& v : w) v = static_cast<int8_t>(wd(rng));
    crossbar_array arr(c.rows, c.cols);
    arr.program(w.data(), c.k_rows, c.k_rows, c.channels, c.w_bits, c.w_slice);
    conv_shape s;
    s.in_channels = c.k_rows;
    s.in_h = 3;
    s.in_w = 5;
    std::vector<int8_t> x(size_t(s.in_channels) * s.in_h * s.in_w);
    for (auto& v : x) v = static_cast<int8_t>(rng() % 4 == 0 ? 0 : std::max(-al - 3, std::min(al + 3, ad(rng))));
    packed_input in;
    in.pack_with(ref, x.data(), s, c.rows, c.a_bits, c.a_stream);
    const uint32_t S = (c.w_bits - 1 + c.w_slice - 1) / c.w_slice, A = (c.a_bits - 1 + c.a_stream - 1) / c.a_stream;
    for (kernel_isa isa : supported_vector_isas()) {
      for (uint32_t p = 0; p < in.positions(); ++p) {
        std::vector<int32_t> want(size_t(c.channels) * S * A, -1), got(want.size(), -2);
        const uint64_t macs_want = arr.read_with(ref, in.planes(p, 0), in.mag_bits(), c.a_stream, want.data());
        const uint64_t macs_got = arr.read_with(kernels_for(isa), in.planes(p, 0), in.mag_bits(), c.a_stream, got.data());
        ASSERT_EQ(got, want) << to_string(isa) << " rows " << c.rows << " channels " << c.channels << " position " << p;
        EXPECT_EQ(macs_got, macs_want);
      }
    }
  }
}

TEST(kernels, InputPackingOfEveryVersionEqualsTheScalarOne) {
  std::mt19937 rng(16);
  std::uniform_int_distribution<int> ad(-128, 127);
  const kernel_table& ref = kernels_for(kernel_isa::scalar);
  for (uint32_t rows : {64u, 100u, 128u, 192u, 256u}) {
    for (uint32_t a_bits : {2u, 4u, 8u}) {
      conv_shape s;
      s.in_channels = 7;
      s.in_h = 9;
      s.in_w = 8;
      s.kernel_h = s.kernel_w = 3;
      s.pad = 1;
      s.stride = 2;
      std::vector<int8_t> x(size_t(s.in_channels) * s.in_h * s.in_w);
      for (auto& v : x) v = static_cast<int8_t>(rng() % 3 == 0 ? 0 : ad(rng));
      x[5] = -128;
      x[6] = 127;
      packed_input want, got;
      want.pack_with(ref, x.data(), s, rows, a_bits, 1);
      ASSERT_GT(want.saturated(), 0u);
      for (kernel_isa isa : supported_vector_isas()) {
        got.pack_with(kernels_for(isa), x.data(), s, rows, a_bits, 1);
        ASSERT_EQ(got.saturated(), want.saturated()) << to_string(isa);
        for (uint32_t p = 0; p < want.positions(); ++p)
          for (uint32_t c = 0; c < want.chunks(); ++c) {
            const uint64_t* a = want.planes(p, c);
            const uint64_t* b = got.planes(p, c);
            for (uint32_t k = 0; k < want.mag_bits() * 2 * want.words(); ++k)
              ASSERT_EQ(a[k], b[k]) << to_string(isa) << " rows " << rows << " position " << p << " chunk " << c;
            ASSERT_EQ(got.active_waves(p, c), want.active_waves(p, c));
            for (uint32_t j = 0; j < want.waves(); ++j) ASSERT_EQ(got.driven_rows(p, c, j), want.driven_rows(p, c, j));
          }
      }
    }
  }
}

TEST(kernels, BulkDrawsAreTheCounterBasedStream) {
  const uint64_t key = stream_key(0x5eed, 7);
  std::vector<kernel_isa> isas = supported_vector_isas();
  isas.push_back(kernel_isa::scalar);
  for (kernel_isa isa : isas) {
    for (uint32_t n : {0u, 1u, 7u, 8u, 15u, 16u, 17u, 1000u}) {
      for (uint64_t step : {uint64_t{1}, uint64_t{3}, uint64_t{1} << 40}) {
        const uint64_t first = 0xfffffffffffffff0ull - step;  // counters wrap around 2^64
        std::vector<uint32_t> got(n + 1, 0xdeadbeef);
        kernels_for(isa).uniform32_run(key, first, step, n, got.data());
        for (uint32_t e = 0; e < n; ++e)
          ASSERT_EQ(got[e], uniform32(key, first + e * step)) << to_string(isa) << " n " << n << " e " << e;
        EXPECT_EQ(got[n], 0xdeadbeefu) << "wrote past the end";
      }
    }
  }
}

// The whole MTJ bank (draws, threshold counts, statistics) under every version: one T and every
// channel tabulated (the vector count); T varying by slice and wave with skipped waves, and a
// channel too wide to tabulate (the portable count).
class kernels_mtj : public ::testing::TestWithParam<int> {};
INSTANTIATE_TEST_SUITE_P(layers, kernels_mtj, ::testing::Values(0, 1, 2));
TEST_P(kernels_mtj, ConversionsOfEveryVersionAreIdentical) {
  const xbar_mapping m = map_layer({128, 40, 4, 1, 4, 1}, xbar_geometry{128, 128, 4, 128});
  converter_config c;
  c.kind = converter_kind::mtj;
  c.set_samples(4);
  if (GetParam() >= 1) {
    c.samples[1][2] = 7;
    c.skip_zero_waves = true;
  }
  c.gain.assign(40, 1.0f / 30);
  c.bias.assign(40, 0.1f);
  if (GetParam() == 2) c.gain[3] = 1e-7f;  // a window too wide to tabulate: thresholds per draw
  const converter_bank bank(c, m, 40, 3);
  std::mt19937 rng(17);
  std::normal_distribution<double> nd(0, 25);
  const uint32_t SA = m.w_slices * m.a_waves;
  std::vector<int32_t> ps(size_t(40) * SA);
  for (auto& v : ps) v = static_cast<int32_t>(nd(rng));
  std::vector<kernel_isa> isas = supported_vector_isas();
  select_kernels(kernel_isa::scalar);
  converter_stats want_stats;
  std::vector<int32_t> want(ps.size());
  bank.convert(ps.data(), want.data(), 0, 40, 11, 2, 0b101, stream_key(3, 4), want_stats);
  EXPECT_EQ(want_stats.skipped, GetParam() >= 1 ? uint64_t(40) * m.w_slices : 0u);
  for (kernel_isa isa : isas) {
    select_kernels(isa);
    converter_stats st;
    std::vector<int32_t> got(ps.size());
    bank.convert(ps.data(), got.data(), 0, 40, 11, 2, 0b101, stream_key(3, 4), st);
    EXPECT_EQ(got, want) << to_string(isa);
    EXPECT_EQ(st.conversions, want_stats.conversions);
    EXPECT_EQ(st.samples, want_stats.samples);
    EXPECT_EQ(st.switches, want_stats.switches);
    EXPECT_EQ(st.skipped, want_stats.skipped);
  }
  select_kernels(kernel_isa::scalar);
}

// The digital unit's exact convolution under every version against a plain 64-bit reference:
// output counts that fill and do not fill a vector, padding, stride.
TEST(kernels, DigitalConvolutionOfEveryVersionIsExact) {
  std::mt19937 rng(18);
  std::uniform_int_distribution<int> d(-128, 127);
  for (uint32_t N : {1u, 10u, 16u, 37u}) {
    conv_shape s;
    s.in_channels = 5;
    s.in_h = 9;
    s.in_w = 7;
    s.out_channels = N;
    s.kernel_h = 3;
    s.kernel_w = 2;
    s.pad = 1;
    s.stride = 2;
    const uint32_t K = s.K();
    std::vector<int8_t> x(size_t(s.in_channels) * s.in_h * s.in_w), w(size_t(N) * K), row(K);
    for (auto& v : x) v = static_cast<int8_t>(d(rng));
    for (auto& v : w) v = static_cast<int8_t>(d(rng));
    x[0] = w[0] = -128;
    std::vector<int64_t> want(size_t(s.positions()) * N);
    for (uint32_t p = 0; p < s.positions(); ++p) {
      // The window by hand, independent of im2col_row.
      const int oy = static_cast<int>(p / s.out_w()), ox = static_cast<int>(p % s.out_w());
      for (uint32_t n = 0; n < N; ++n) {
        int64_t sum = 0;
        for (uint32_t c = 0; c < s.in_channels; ++c)
          for (uint32_t kh = 0; kh < s.kernel_h; ++kh)
            for (uint32_t kw = 0; kw < s.kernel_w; ++kw) {
              const int y = oy * 2 - 1 + static_cast<int>(kh), xx = ox * 2 - 1 + static_cast<int>(kw);
              if (y < 0 || xx < 0 || y >= 9 || xx >= 7) continue;
              sum += int64_t{x[(size_t(c) * 9 + y) * 7 + xx]} * w[size_t(n) * K + (c * 3 + kh) * 2 + kw];
            }
        want[size_t(p) * N + n] = sum;
      }
    }
    std::vector<kernel_isa> isas = supported_vector_isas();
    isas.push_back(kernel_isa::scalar);
    for (kernel_isa isa : isas) {
      std::vector<int64_t> got(want.size(), 99);
      digital_conv_with(kernels_for(isa), x.data(), s, w.data(), got.data());
      EXPECT_EQ(got, want) << to_string(isa) << " N " << N;
    }
  }
}

// The int8 output stage under every version against the formula written out here: rounding
// halves up, ReLU clamping at 0, the out_bits range, positions that do not fill a vector, sums
// too large for a float to hold exactly.
TEST(kernels, OutputStageOfEveryVersionIsTheFormula) {
  std::mt19937_64 rng(19);
  for (activation act : {activation::none, activation::relu}) {
    for (uint32_t positions : {1u, 7u, 8u, 49u}) {
      const uint32_t N = 5;
      std::vector<int64_t> acc(size_t(positions) * N);
      for (size_t i = 0; i < acc.size(); ++i)
        acc[i] = i % 7 == 3 ? static_cast<int64_t>(rng()) >> 8 : static_cast<int64_t>(rng() % 4001) - 2000;
      output_params p;
      p.act = act;
      p.out_bits = 4;
      for (uint32_t n = 0; n < N; ++n) {
        p.scale.push_back(0.003f * static_cast<float>(n + 1));
        p.bias.push_back(0.25f * static_cast<float>(n) - 0.5f);
      }
      p.scale[2] = 0.0025f;  // multiples of 200 land on halves: rounding up
      const float code_scale = 0.5f;
      std::vector<int8_t> want(acc.size());
      for (uint32_t n = 0; n < N; ++n)
        for (uint32_t q = 0; q < positions; ++q) {
          const float m = p.scale[n] * code_scale;
          volatile float prod = static_cast<float>(acc[size_t(q) * N + n]) * m;  // no fused multiply-add
          const float z = prod + p.bias[n];
          float v = std::floor(z + 0.5f);
          v = std::min(std::max(v, act == activation::relu ? 0.0f : -7.0f), 7.0f);
          want[size_t(n) * positions + q] = static_cast<int8_t>(v);
        }
      std::vector<kernel_isa> isas = supported_vector_isas();
      isas.push_back(kernel_isa::scalar);
      for (kernel_isa isa : isas) {
        std::vector<int8_t> got(want.size(), 99);
        output_stage_with(kernels_for(isa), acc.data(), positions, N, code_scale, p, got.data());
        EXPECT_EQ(got, want) << to_string(isa) << " positions " << positions;
      }
    }
  }
}
