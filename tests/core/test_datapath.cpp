// The functional core against independent naive references: ideal mode bit for bit, ADC and
// sense-amp modes through a reference quantiser, on random layers of awkward sizes.
#include "hw/core/geometry.h"
#include "hw/core/layer_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>

using namespace stoxvp::core;

namespace {

struct case_t {
  conv_shape conv;
  uint32_t rows, cols, w_bits, w_slice, a_bits, a_stream;
};

// Random weights and inputs inside their signed ranges (inputs sometimes sparse).
struct layer_data {
  std::vector<int8_t> x, w;
  layer_data(const case_t& c, std::mt19937& rng) {
    const int wmax = (1 << (c.w_bits - 1)) - 1, amax = (1 << (c.a_bits - 1)) - 1;
    std::uniform_int_distribution<int> wd(-wmax, wmax), ad(-amax, amax), coin(0, 3);
    x.resize(size_t(c.conv.in_channels) * c.conv.in_h * c.conv.in_w);
    for (auto& v : x) v = static_cast<int8_t>(coin(rng) == 0 ? 0 : ad(rng));
    w.resize(size_t(c.conv.out_channels) * c.conv.K());
    for (auto& v : w) v = static_cast<int8_t>(wd(rng));
  }
};

// Naive direct convolution, no im2col, no bit tricks.
std::vector<int64_t> naive_conv(const case_t& c, const layer_data& d) {
  const conv_shape& s = c.conv;
  std::vector<int64_t> out(size_t(s.positions()) * s.out_channels, 0);
  for (uint32_t n = 0; n < s.out_channels; ++n)
    for (uint32_t oy = 0; oy < s.out_h(); ++oy)
      for (uint32_t ox = 0; ox < s.out_w(); ++ox) {
        int64_t acc = 0;
        for (uint32_t ci = 0; ci < s.in_channels; ++ci)
          for (uint32_t ky = 0; ky < s.kernel_h; ++ky)
            for (uint32_t kx = 0; kx < s.kernel_w; ++kx) {
              const int y = int(oy * s.stride + ky) - int(s.pad), x = int(ox * s.stride + kx) - int(s.pad);
              if (y < 0 || x < 0 || y >= int(s.in_h) || x >= int(s.in_w)) continue;
              acc += int64_t{d.x[(size_t(ci) * s.in_h + y) * s.in_w + x]} *
                     d.w[((size_t(n) * s.in_channels + ci) * s.kernel_h + ky) * s.kernel_w + kx];
            }
        out[size_t(oy * s.out_w() + ox) * s.out_channels + n] = acc;
      }
  return out;
}

// Runs the layer through the core as the hardware maps it; returns acc[position][N].
struct core_run {
  xbar_mapping map;
  std::vector<std::unique_ptr<crossbar_array>> arrays;
  std::vector<int64_t> acc;
  datapath_stats stats;
  float code_scale = 1;
  core_run(const case_t& c, const layer_data& d, const converter_config& cc, uint64_t key = 1) {
    const xbar_layer_shape shape{c.conv.K(), c.conv.out_channels, c.w_bits, c.w_slice, c.a_bits, c.a_stream};
    map = map_layer(shape, xbar_geometry{c.rows, c.cols, 4, 1024});
    std::vector<crossbar_array*> ptrs;
    for (uint32_t a = 0; a < map.arrays; ++a) {
      arrays.push_back(std::make_unique<crossbar_array>(c.rows, c.cols));
      ptrs.push_back(arrays.back().get());
    }
    program_layer(d.w.data(), shape, map, ptrs.data());
    packed_input in;
    in.pack(d.x.data(), c.conv, c.rows, c.a_bits, c.a_stream);
    converter_bank bank(cc, map, c.conv.out_channels, map.chunks);
    code_scale = static_cast<float>(bank.code_scale());
    acc.assign(size_t(c.conv.positions()) * c.conv.out_channels, 0);
    // Reverse order on purpose: accumulation must not depend on which array runs first.
    for (uint32_t a = map.arrays; a-- > 0;) {
      const array_slot slot = layer_slot(ptrs[a], a, map);
      run_arrays(in, &slot, 1, bank, key, c.conv.out_channels, acc.data(), stats);
    }
  }
};

std::vector<case_t> awkward_cases() {
  std::vector<case_t> v;
  // conv: in_channels, h, w, out_channels, kh, kw, stride, pad
  v.push_back({{16, 9, 9, 32, 3, 3, 1, 1}, 128, 128, 4, 3, 4, 3});   // K = 144: 2 chunks, the last short
  v.push_back({{3, 7, 5, 5, 3, 3, 2, 1}, 16, 24, 8, 3, 5, 2});       // K = 27 over 16 rows, odd channels
  v.push_back({{1, 1, 1, 1, 1, 1, 1, 0}, 128, 128, 4, 3, 4, 3});     // one row, one column
  v.push_back({{200, 1, 1, 13, 1, 1, 1, 0}, 64, 32, 8, 4, 8, 7});    // FC, 4 chunks, 2 slices
  v.push_back({{7, 4, 4, 3, 2, 2, 2, 0}, 128, 6, 4, 1, 4, 1});       // 1-bit slices and waves
  v.push_back({{130, 1, 1, 70, 1, 1, 1, 0}, 128, 128, 6, 2, 3, 1});  // 130 rows: one-row last chunk
  v.push_back({{5, 6, 6, 9, 3, 3, 3, 2}, 32, 18, 5, 3, 6, 4});       // stride 3, pad 2
  return v;
}

TEST(Datapath, IdealModeEqualsNaiveIntegerReferenceBitForBit) {
  std::mt19937 rng(1234);
  for (const case_t& c : awkward_cases()) {
    for (int trial = 0; trial < 3; ++trial) {
      const layer_data d(c, rng);
      core_run run(c, d, converter_config{});
      EXPECT_EQ(run.acc, naive_conv(c, d)) << "K=" << c.conv.K() << " N=" << c.conv.out_channels
                                            << " rows=" << c.rows << " cols=" << c.cols;
      EXPECT_EQ(run.stats.conv.conversions, 0u) << "ideal reads cost no conversion";
    }
  }
}

// Partial sum of one (position, chunk, channel, slice, wave), computed the slow way.
int64_t naive_ps(const case_t& c, const layer_data& d, uint32_t pos, uint32_t chunk, uint32_t n,
                 uint32_t i, uint32_t j) {
  std::vector<int8_t> row(c.conv.K());
  im2col_row(d.x.data(), c.conv, pos, row.data());
  int64_t ps = 0;
  const uint32_t r_end = std::min(c.conv.K(), (chunk + 1) * c.rows);
  for (uint32_t k = chunk * c.rows; k < r_end; ++k) {
    const int a = row[k], w = d.w[size_t(n) * c.conv.K() + k];
    const int amag = std::min(std::abs(a), (1 << (c.a_bits - 1)) - 1);
    const int aw = (amag >> (j * c.a_stream)) & ((1 << c.a_stream) - 1);
    const int wsl = (std::abs(w) >> (i * c.w_slice)) & ((1 << c.w_slice) - 1);
    ps += int64_t{(a < 0) == (w < 0) ? 1 : -1} * aw * wsl;
  }
  return ps;
}

// Sums reference-quantised partial sums with the digital shift-add; `q` maps a PS to a code.
template <class Q>
std::vector<int64_t> quantised_reference(const case_t& c, const layer_data& d, const xbar_mapping& m, Q q) {
  const uint32_t N = c.conv.out_channels;
  std::vector<int64_t> acc(size_t(c.conv.positions()) * N, 0);
  for (uint32_t p = 0; p < c.conv.positions(); ++p)
    for (uint32_t n = 0; n < N; ++n)
      for (uint32_t ch = 0; ch < m.chunks; ++ch)
        for (uint32_t i = 0; i < m.w_slices; ++i)
          for (uint32_t j = 0; j < m.a_waves; ++j)
            acc[size_t(p) * N + n] += q(naive_ps(c, d, p, ch, n, i, j), n) *
                                      (int64_t{1} << (i * c.w_slice + j * c.a_stream));
  return acc;
}

TEST(Datapath, AdcModeEqualsAReferenceQuantiser) {
  std::mt19937 rng(99);
  for (const case_t& c : awkward_cases()) {
    const layer_data d(c, rng);
    for (uint32_t bits : {3u, 5u, 8u}) {
      converter_config cc;
      cc.kind = converter_kind::adc;
      cc.adc_bits = bits;
      cc.adc_range = 37.0;  // deliberately not a power of two: rounding and clipping both occur
      core_run run(c, d, cc);
      const double lsb = 37.0 / std::ldexp(1.0, int(bits) - 1);
      const int64_t hi = (int64_t{1} << (bits - 1)) - 1, lo = -hi - 1;
      const auto ref = quantised_reference(c, d, run.map, [&](int64_t ps, uint32_t) {
        const int64_t code = static_cast<int64_t>(std::floor(double(ps) / lsb + 0.5));
        return std::clamp(code, lo, hi);
      });
      EXPECT_EQ(run.acc, ref) << bits << "-bit ADC, K=" << c.conv.K();
      EXPECT_FLOAT_EQ(run.code_scale, static_cast<float>(lsb));
      EXPECT_EQ(run.stats.conv.conversions,
                uint64_t(c.conv.positions()) * c.conv.out_channels * run.map.chunks *
                    run.map.w_slices * run.map.a_waves);
    }
  }
}

TEST(Datapath, FullPrecisionAdcIsLossless) {
  std::mt19937 rng(5);
  const case_t c = awkward_cases()[0];
  const layer_data d(c, rng);
  converter_config cc;
  cc.kind = converter_kind::adc;
  cc.adc_bits = 14;  // range 0: the smallest power of two >= max |PS| = 128 * 7 * 7
  core_run run(c, d, cc);
  EXPECT_EQ(run.code_scale, 1.0f);
  EXPECT_EQ(run.acc, naive_conv(c, d));
}

TEST(Datapath, SparseAdcSkipsAllZeroWavesAndOnlyThose) {
  std::mt19937 rng(8);
  case_t c = awkward_cases()[3];  // 8-bit inputs in one wave of 7 bits
  c.a_stream = 2;                 // four waves: the top ones are often all zero
  layer_data d(c, rng);
  for (auto& v : d.x) v = static_cast<int8_t>(v / 16);  // small magnitudes: upper waves idle
  converter_config cc;
  cc.kind = converter_kind::sparse_adc;
  cc.adc_bits = 4;
  cc.adc_range = 8;
  core_run run(c, d, cc);
  const uint64_t total = uint64_t(c.conv.positions()) * c.conv.out_channels * run.map.chunks *
                         run.map.w_slices * run.map.a_waves;
  EXPECT_GT(run.stats.conv.skipped, 0u);
  EXPECT_EQ(run.stats.conv.skipped + run.stats.conv.conversions, total);
  // A skipped wave has PS 0 exactly, so skipping changes no result.
  cc.kind = converter_kind::adc;
  core_run dense(c, d, cc);
  EXPECT_EQ(run.acc, dense.acc);
  EXPECT_EQ(dense.stats.conv.skipped, 0u);
}

TEST(Datapath, SenseAmpEqualsAReferenceComparator) {
  std::mt19937 rng(3);
  for (const case_t& c : awkward_cases()) {
    const layer_data d(c, rng);
    converter_config cc;
    cc.kind = converter_kind::sense_amp;
    cc.sa_threshold = 0.25;
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    for (uint32_t n = 0; n < c.conv.out_channels; ++n) {
      cc.gain.push_back(0.05f + u(rng) * 0.01f);
      cc.bias.push_back(u(rng));
    }
    core_run run(c, d, cc);
    const auto ref = quantised_reference(c, d, run.map, [&](int64_t ps, uint32_t n) -> int64_t {
      return cc.gain[n] * static_cast<float>(ps) + cc.bias[n] > 0.25f ? 1 : -1;
    });
    EXPECT_EQ(run.acc, ref) << "K=" << c.conv.K();
  }
}

TEST(Datapath, ResultsDoNotDependOnHowArraysAreGrouped) {
  // Tiles run arrays in batches of any size and order; the sums must not change.
  std::mt19937 rng(77);
  const case_t c = awkward_cases()[3];
  const layer_data d(c, rng);
  converter_config cc;
  cc.kind = converter_kind::mtj;
  core_run one_by_one(c, d, cc, 42);
  std::vector<array_slot> slots;
  for (uint32_t a = 0; a < one_by_one.map.arrays; ++a)
    slots.push_back(layer_slot(one_by_one.arrays[a].get(), a, one_by_one.map));
  packed_input in;
  in.pack(d.x.data(), c.conv, c.rows, c.a_bits, c.a_stream);
  converter_bank bank(cc, one_by_one.map, c.conv.out_channels, one_by_one.map.chunks);
  std::vector<int64_t> acc(one_by_one.acc.size(), 0);
  datapath_stats st;
  run_arrays(in, slots.data(), slots.size(), bank, 42, c.conv.out_channels, acc.data(), st);
  EXPECT_EQ(acc, one_by_one.acc);
}

TEST(Datapath, OutputStageScalesActivatesAndRequantises) {
  const int64_t acc[] = {10, -10, 1000, -3, 7, 0};  // [position][N], 3 positions x 2 outputs
  output_params p;
  p.scale = {0.5f, 0.25f};
  p.bias = {1.0f, -0.5f};
  p.out_bits = 4;  // +-7
  int8_t q[6];
  p.act = activation::none;
  output_stage(acc, 3, 2, 1.0f, p, q);
  // Channel-major output. z = acc * scale + bias, then floor(z + 0.5), clamped to +-7:
  // n0: 6 -> 6, 501 -> 7, 4.5 -> 5;  n1: -3 -> -3, -1.25 -> -1, -0.5 -> 0.
  const int8_t expect[6] = {6, 7, 5, -3, -1, 0};
  EXPECT_EQ(std::vector<int8_t>(q, q + 6), std::vector<int8_t>(expect, expect + 6));
  p.act = activation::relu;
  output_stage(acc, 3, 2, 1.0f, p, q);
  const int8_t expect_relu[6] = {6, 7, 5, 0, 0, 0};
  EXPECT_EQ(std::vector<int8_t>(q, q + 6), std::vector<int8_t>(expect_relu, expect_relu + 6));
  float f[6];
  p.format = out_format::float32;
  p.act = activation::none;
  output_stage(acc, 3, 2, 2.0f, p, f);  // code scale doubles the multiplier
  EXPECT_FLOAT_EQ(f[0], 11.0f);
  EXPECT_FLOAT_EQ(f[3], -5.5f);
  int32_t raw[6];
  p.format = out_format::int32;
  output_stage(acc, 3, 2, 2.0f, p, raw);
  EXPECT_EQ(raw[1], 1000);
  EXPECT_EQ(raw[4], -3);
}

TEST(Datapath, DigitalConvPoolAndAddMatchNaiveLoops) {
  std::mt19937 rng(21);
  case_t c{{3, 8, 8, 4, 3, 3, 1, 1}, 128, 128, 8, 7, 8, 7};
  const layer_data d(c, rng);
  std::vector<int64_t> acc(size_t(c.conv.positions()) * 4);
  digital_conv(d.x.data(), c.conv, d.w.data(), acc.data());
  EXPECT_EQ(acc, naive_conv(c, d));

  const int8_t x[2 * 2 * 4] = {1, 5, -3, 2, 0, -7, 4, 4, /* channel 1 */ -1, -1, -1, -2, 3, 3, 3, 3};
  int8_t o[2 * 1 * 2];
  pool(x, pool_shape{2, 2, 4, 2, 2}, pool_kind::max, o);
  EXPECT_EQ(std::vector<int8_t>(o, o + 4), (std::vector<int8_t>{5, 4, 3, 3}));
  pool(x, pool_shape{2, 2, 4, 2, 2}, pool_kind::avg, o);
  // (1+5+0-7)/4 = -0.25 -> 0; (-3+2+4+4)/4 = 1.75 -> 2; (-1-1+3+3)/4 = 1; (-1-2+3+3)/4 = 0.75 -> 1
  EXPECT_EQ(std::vector<int8_t>(o, o + 4), (std::vector<int8_t>{0, 2, 1, 1}));

  const int8_t a[3] = {10, -10, 100}, b[3] = {3, 3, 100};
  int8_t r[3];
  residual_add(a, b, 3, 0.5f, 1.0f, activation::relu, 8, r);
  EXPECT_EQ(std::vector<int8_t>(r, r + 3), (std::vector<int8_t>{8, 0, 127}));
}

TEST(Datapath, BadLayerParametersAreRejectedWithTheirValue) {
  const xbar_geometry g{128, 128, 4, 64};
  auto error_of = [&](xbar_layer_shape s) {
    try {
      map_layer(s, g);
    } catch (const layer_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of({0, 10, 4, 3, 4, 3}).find("K"), std::string::npos);
  EXPECT_NE(error_of({10, 0, 4, 3, 4, 3}).find("N"), std::string::npos);
  EXPECT_NE(error_of({10, 10, 9, 3, 4, 3}).find("w_bits = 9"), std::string::npos);
  EXPECT_NE(error_of({10, 10, 4, 3, 1, 1}).find("a_bits = 1"), std::string::npos);
  EXPECT_NE(error_of({10, 10, 8, 5, 4, 3}).find("w_slice = 5 exceeds the cell's 4 bits"), std::string::npos);
  EXPECT_NE(error_of({10, 10, 4, 4, 4, 3}).find("w_slice = 4"), std::string::npos);
  EXPECT_NE(error_of({10, 10, 4, 3, 4, 0}).find("a_stream = 0"), std::string::npos);
  const std::string big = error_of({128 * 9, 64 * 8, 4, 3, 4, 3});  // 9 x 8 = 72 arrays > 64
  EXPECT_NE(big.find("needs 72 arrays"), std::string::npos) << big;
  EXPECT_NE(big.find("the chip has 64"), std::string::npos) << big;
  EXPECT_EQ(error_of({128 * 8, 64 * 8, 4, 3, 4, 3}), "");  // exactly the chip

  const xbar_mapping m = map_layer({16, 4, 4, 3, 4, 3}, g);
  converter_config cc;
  cc.kind = converter_kind::mtj;
  cc.samples[0][0] = 0;
  EXPECT_THROW(converter_bank(cc, m, 4, 1), layer_error);
  try {
    converter_bank(cc, m, 4, 1);
  } catch (const layer_error& e) {
    EXPECT_NE(std::string(e.what()).find("T = 0"), std::string::npos) << e.what();
  }
  cc.set_samples(4);
  cc.gain = {1, 1};  // wrong length
  cc.bias = {0, 0};
  EXPECT_THROW(converter_bank(cc, m, 4, 1), layer_error);
  converter_config adc;
  adc.kind = converter_kind::adc;
  adc.adc_bits = 0;
  EXPECT_THROW(converter_bank(adc, m, 4, 1), layer_error);
  adc.adc_bits = 4;
  adc.adc_range = -3;
  EXPECT_THROW(converter_bank(adc, m, 4, 1), layer_error);
  crossbar_array arr(16, 8);
  const int8_t too_big[2] = {8, 0};  // 4-bit signed holds +-7
  EXPECT_THROW(arr.program(too_big, 1, 1, 2, 4, 3), std::out_of_range);
}

}  // namespace
