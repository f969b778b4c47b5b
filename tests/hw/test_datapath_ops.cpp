// The accelerator's datapath descriptors: XBAR_PROGRAM and XBAR_CONV on the tiles (results
// equal to the functional core run directly, which the core tests check against naive
// references), per-layer converters from the parameter block, reproducible randomness, tile
// concurrency, the vector-unit operations, and every refusal.
#include "accel_bench.h"
#include "hw/core/layer_ops.h"
#include "hw/core/rng.h"

#include <gtest/gtest.h>

#include <random>

using namespace stoxvp;
using namespace stoxvp::test;

namespace {

constexpr uint64_t kRing = kDram;
constexpr uint64_t kW = kDram + 0x10000;       // weights
constexpr uint64_t kX = kDram + 0x40000;       // input
constexpr uint64_t kY = kDram + 0x80000;       // output
constexpr uint64_t kP = kDram + 0xC0000;       // parameter block

struct layer {
  stoxvp_conv_args conv{};
  std::vector<int8_t> x, w;
  std::vector<uint8_t> params;  // the parameter block as firmware lays it out
  core::converter_config cc;    // the same converter, for the direct core run
  core::output_params out;
};

// A 3x3 convolution, 24 -> 40 channels on 6x6 (K = 216: two row chunks; 40 outputs of 4-bit
// weights in one 3-bit slice: 64 per array, so one group), MTJ converter, int8 out.
layer make_layer(uint32_t seed, uint8_t converter = STOXVP_CONV_MTJ, uint16_t base = 0,
                 uint16_t side = 6) {
  layer L;
  auto& c = L.conv;
  c.input_addr = kX;
  c.output_addr = kY;
  c.params_addr = kP;
  c.in_channels = 24;
  c.in_h = c.in_w = side;
  c.out_channels = 40;
  c.kernel_h = c.kernel_w = 3;
  c.stride = 1;
  c.pad = 1;
  c.array_base = base;
  c.w_bits = 4;
  c.w_slice = 3;
  c.a_bits = 4;
  c.a_stream = 3;
  c.activation = STOXVP_ACT_RELU;
  c.out_format = STOXVP_OUT_INT8;
  c.out_bits = 4;
  c.rng_stream = 7;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> v7(-7, 7);
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  L.x.resize(24 * size_t(side) * side);
  for (auto& v : L.x) v = static_cast<int8_t>(v7(rng));
  L.w.resize(40 * 216);
  for (auto& v : L.w) v = static_cast<int8_t>(v7(rng));
  stoxvp_layer_params h{};
  h.converter = converter;
  h.adc_bits = 4;
  h.adc_range = 64;
  h.cols_per_converter = 1;
  h.curve = STOXVP_CURVE_SIGMOID;
  h.curve_a = STOXVP_CURVE_FINAL_A;
  h.curve_b = STOXVP_CURVE_FINAL_B;
  h.flags = STOXVP_PARAMS_F_OUT_AFFINE | STOXVP_PARAMS_F_DRIVE;
  std::memset(h.samples, 4, sizeof h.samples);
  L.params.resize(sizeof h + 4 * 40 * 4);
  std::memcpy(L.params.data(), &h, sizeof h);
  float* f = reinterpret_cast<float*>(L.params.data() + sizeof h);
  for (int n = 0; n < 40; ++n) {
    f[n] = 0.8f * u(rng);         // out_scale
    f[40 + n] = u(rng) - 1.0f;    // out_bias
    f[80 + n] = 0.02f * u(rng);   // drive_gain
    f[120 + n] = 0.2f * (u(rng) - 1.0f);  // drive_bias
  }
  L.cc.kind = static_cast<core::converter_kind>(converter);
  L.cc.adc_bits = 4;
  L.cc.adc_range = 64;
  L.cc.curve = core::kCurveFinal;
  L.cc.set_samples(4);
  L.cc.gain.assign(f + 80, f + 120);
  L.cc.bias.assign(f + 120, f + 160);
  L.out.act = core::activation::relu;
  L.out.out_bits = 4;
  L.out.scale.assign(f, f + 40);
  L.out.bias.assign(f + 40, f + 80);
  return L;
}

// The same layer through the functional core alone.
std::vector<int8_t> core_reference(const layer& L, uint64_t seed, uint32_t rows = 128, uint32_t cols = 128) {
  const auto& c = L.conv;
  core::conv_shape s{c.in_channels, c.in_h, c.in_w, c.out_channels, c.kernel_h, c.kernel_w, c.stride, c.pad};
  const core::xbar_layer_shape shape{s.K(), s.out_channels, c.w_bits, c.w_slice, c.a_bits, c.a_stream};
  const auto map = core::map_layer(shape, core::xbar_geometry{rows, cols, 4, 1024});
  std::vector<std::unique_ptr<core::crossbar_array>> arrays;
  std::vector<core::crossbar_array*> ptrs;
  for (uint32_t a = 0; a < map.arrays; ++a) {
    arrays.push_back(std::make_unique<core::crossbar_array>(rows, cols));
    ptrs.push_back(arrays.back().get());
  }
  core::program_layer(L.w.data(), shape, map, ptrs.data());
  core::packed_input in;
  in.pack(L.x.data(), s, rows, c.a_bits, c.a_stream);
  core::converter_bank bank(L.cc, map, s.out_channels, map.chunks);
  std::vector<int64_t> acc(size_t(s.positions()) * s.out_channels, 0);
  core::datapath_stats st;
  for (uint32_t a = 0; a < map.arrays; ++a) {
    const auto slot = core::layer_slot(ptrs[a], a, map);
    core::run_arrays(in, &slot, 1, bank, core::stream_key(seed, c.rng_stream), s.out_channels, acc.data(), st);
  }
  std::vector<int8_t> out(acc.size());
  core::output_stage(acc.data(), s.positions(), s.out_channels, static_cast<float>(bank.code_scale()), L.out, out.data());
  return out;
}

stoxvp_desc program_desc(const layer& L, uint32_t flags = 0) {
  stoxvp_desc d = make_desc(STOXVP_OP_XBAR_PROGRAM, flags);
  d.args.program = {kW, uint32_t(L.conv.in_channels) * L.conv.kernel_h * L.conv.kernel_w,
                    L.conv.out_channels, L.conv.array_base, L.conv.w_bits, L.conv.w_slice, 0};
  return d;
}

stoxvp_desc conv_desc(const layer& L, uint32_t flags = STOXVP_DESC_F_IRQ) {
  stoxvp_desc d = make_desc(STOXVP_OP_XBAR_CONV, flags);
  d.args.conv = L.conv;
  return d;
}

struct datapath_bench : accel_bench {
  uint32_t error = 0, slot = 0;
  uint64_t error_addr = 0;
  sc_core::sc_time layer_time;
  // Loads `L`, runs `descs` through the ring, records the error registers.
  void run_descs(const layer& L, std::vector<stoxvp_desc> descs, hw::accelerator_config cfg = {}) {
    build(cfg);
    std::memcpy(mem(kW), L.w.data(), L.w.size());
    std::memcpy(mem(kX), L.x.data(), L.x.size());
    std::memcpy(mem(kP), L.params.data(), L.params.size());
    for (size_t i = 0; i < descs.size(); ++i) put_desc(kRing, static_cast<uint32_t>(i), descs[i]);
    run([&](stimulus& s) {
      start_ring(s, kRing, 64);
      const sc_core::sc_time t0 = sc_core::sc_time_stamp();
      set(s, STOXVP_REG_RING_TAIL, static_cast<uint32_t>(descs.size()));
      ASSERT_TRUE(s.wait_irq(sc_core::sc_time(10, sc_core::SC_MS)));
      layer_time = sc_core::sc_time_stamp() - t0;
      error = reg(s, STOXVP_REG_ERROR_CODE);
      slot = reg(s, STOXVP_REG_ERROR_SLOT);
      error_addr = reg(s, STOXVP_REG_ERROR_ADDR_LO) | (uint64_t(reg(s, STOXVP_REG_ERROR_ADDR_HI)) << 32);
    });
  }
  std::vector<int8_t> output(size_t n) {
    std::vector<int8_t> y(n);
    std::memcpy(y.data(), mem(kY), n);
    return y;
  }
};

TEST_F(datapath_bench, CrossbarLayerEqualsTheCoreForEveryConverter) {
  for (uint8_t conv : {STOXVP_CONV_IDEAL, STOXVP_CONV_ADC, STOXVP_CONV_SPARSE_ADC, STOXVP_CONV_SENSE_AMP, STOXVP_CONV_MTJ}) {
    const layer L = make_layer(3, conv);
    run_descs(L, {program_desc(L), conv_desc(L)});
    ASSERT_EQ(error, 0u) << "converter " << int(conv);
    EXPECT_EQ(output(40 * 36), core_reference(L, 1)) << "converter " << int(conv);
    const auto& st = acc->stats();
    const uint64_t expect = conv == STOXVP_CONV_IDEAL ? 0 : 36ull * 40 * 2;  // positions x outputs x chunks
    EXPECT_EQ(st.by_converter[conv].conversions + st.by_converter[conv].skipped, expect);
    EXPECT_EQ(st.by_converter[conv].samples, conv == STOXVP_CONV_MTJ ? expect * 4 : 0);
  }
}

TEST_F(datapath_bench, SameSeedReproducesAnotherSeedOrStreamDoesNot) {
  const layer L = make_layer(5);
  hw::accelerator_config cfg;
  cfg.seed = 11;
  run_descs(L, {program_desc(L), conv_desc(L)}, cfg);
  const auto first = output(40 * 36);
  EXPECT_EQ(first, core_reference(L, 11));
  run_descs(L, {program_desc(L), conv_desc(L)}, cfg);
  EXPECT_EQ(output(40 * 36), first);
  cfg.seed = 12;
  run_descs(L, {program_desc(L), conv_desc(L)}, cfg);
  EXPECT_NE(output(40 * 36), first);
  layer other = L;
  other.conv.rng_stream = 8;
  cfg.seed = 11;
  run_descs(other, {program_desc(other), conv_desc(other)}, cfg);
  EXPECT_NE(output(40 * 36), first);
}

TEST_F(datapath_bench, TilesRunConcurrentlySoALayerCostsItsCriticalPath) {
  // The layer's two row chunks: both in one tile (whose arrays work in parallel), or one per
  // tile. Were tiles serialised, the spread layer would take a whole tile operation longer;
  // concurrent tiles make it cost the same critical path (give or take the NoC traffic).
  // (16 x 16 positions, so the tiles' work dominates.)
  const layer L = make_layer(9, STOXVP_CONV_ADC, 0, 16);
  auto conv_time = [&](const hw::accelerator_config& cfg) {
    run_descs(L, {program_desc(L, STOXVP_DESC_F_IRQ)}, cfg);
    const auto t_program = layer_time;
    run_descs(L, {program_desc(L), conv_desc(L)}, cfg);
    return layer_time - t_program;
  };
  hw::accelerator_config together;
  const auto t_together = conv_time(together);
  const auto busy = acc->tiles()[0]->stats().busy;
  const auto y = output(40 * 256);
  hw::accelerator_config spread;
  spread.arrays_per_tile = 1;
  const auto t_spread = conv_time(spread);
  EXPECT_EQ(acc->tiles()[0]->stats().operations, 1u);
  EXPECT_EQ(acc->tiles()[1]->stats().operations, 1u);
  EXPECT_EQ(output(40 * 256), y) << "where the arrays sit changes no result";
  EXPECT_LT(t_spread, t_together + busy * 0.5) << "tiles ran one after the other";
  EXPECT_GT(t_spread + busy * 0.5, t_together);
}

TEST_F(datapath_bench, LatencyGrowsWithTAndWithColumnsPerConverter) {
  auto time_of = [&](uint8_t t, uint8_t cols) {
    layer L = make_layer(4, t == 0 ? STOXVP_CONV_ADC : STOXVP_CONV_MTJ);
    auto* h = reinterpret_cast<stoxvp_layer_params*>(L.params.data());
    std::memset(h->samples, t == 0 ? 1 : t, sizeof h->samples);
    h->cols_per_converter = cols;
    run_descs(L, {program_desc(L, STOXVP_DESC_F_IRQ)});
    const auto t_program = layer_time;
    run_descs(L, {program_desc(L), conv_desc(L)});
    return layer_time - t_program;
  };
  EXPECT_LT(time_of(2, 1), time_of(4, 1));
  EXPECT_LT(time_of(4, 1), time_of(16, 1));
  EXPECT_LT(time_of(0, 1), time_of(0, 8));
}

TEST_F(datapath_bench, InhomogeneousTFromTheParameterBlock) {
  // 8-bit weights in 2 slices, 8-bit inputs in 2 waves: T = 1, 2, 4, 8 over (slice, wave).
  layer L = make_layer(6);
  L.conv.w_bits = 8;
  L.conv.w_slice = 4;
  L.conv.a_bits = 8;
  L.conv.a_stream = 4;
  for (auto& v : L.w) v = static_cast<int8_t>(v * 15);
  for (auto& v : L.x) v = static_cast<int8_t>(v * 15);
  auto* h = reinterpret_cast<stoxvp_layer_params*>(L.params.data());
  const uint8_t T[2][2] = {{1, 2}, {4, 8}};
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) h->samples[i][j] = L.cc.samples[i][j] = T[i][j];
  run_descs(L, {program_desc(L), conv_desc(L)});
  ASSERT_EQ(error, 0u);
  EXPECT_EQ(output(40 * 36), core_reference(L, 1));
  // 40 outputs need 4 column pairs each: 32 per array, so 2 groups x 2 chunks = 4 arrays.
  const uint64_t per_wave = 36ull * 40 * 2;  // positions x outputs x chunks
  EXPECT_EQ(acc->stats().by_converter[STOXVP_CONV_MTJ].samples, per_wave * (1 + 2 + 4 + 8));
}

TEST_F(datapath_bench, DigitalPoolAndAddDescriptors) {
  layer L = make_layer(2, STOXVP_CONV_IDEAL);
  stoxvp_desc dig = make_desc(STOXVP_OP_DIGITAL_CONV);
  dig.args.conv = L.conv;
  dig.args.conv.weight_addr = kW;
  dig.args.conv.out_format = STOXVP_OUT_INT32;
  stoxvp_desc pool = make_desc(STOXVP_OP_POOL);
  pool.args.pool = {kX, kY + 0x10000, 24, 6, 6, 2, 2, STOXVP_POOL_MAX, 0, 0, 0};
  stoxvp_desc add = make_desc(STOXVP_OP_ADD, STOXVP_DESC_F_IRQ);
  add.args.add = {kX, kX, kY + 0x20000, 24 * 36, 0.5f, 0.25f, STOXVP_ACT_NONE, 4, 0};
  run_descs(L, {dig, pool, add});
  ASSERT_EQ(error, 0u);
  // Digital convolution: exact sums.
  core::conv_shape s{24, 6, 6, 40, 3, 3, 1, 1};
  std::vector<int64_t> acc_ref(36 * 40);
  core::digital_conv(L.x.data(), s, L.w.data(), acc_ref.data());
  std::vector<int32_t> y(40 * 36);
  std::memcpy(y.data(), mem(kY), y.size() * 4);
  for (int n = 0; n < 40; ++n)
    for (int p = 0; p < 36; ++p) ASSERT_EQ(y[n * 36 + p], acc_ref[p * 40 + n]);
  // Pool: max over 2x2 windows.
  for (int c = 0; c < 24; ++c)
    for (int oy = 0; oy < 3; ++oy)
      for (int ox = 0; ox < 3; ++ox) {
        int best = -128;
        for (int ky = 0; ky < 2; ++ky)
          for (int kx = 0; kx < 2; ++kx) best = std::max(best, int(L.x[(c * 6 + oy * 2 + ky) * 6 + ox * 2 + kx]));
        ASSERT_EQ(int(static_cast<int8_t>(*mem(kY + 0x10000 + (c * 3 + oy) * 3 + ox))), best);
      }
  // Add: x * 0.75 rounded half up, clamped to +-7.
  for (int i = 0; i < 24 * 36; ++i)
    ASSERT_EQ(int(static_cast<int8_t>(*mem(kY + 0x20000 + i))),
              std::clamp(int(std::floor(L.x[i] * 0.75f + 0.5f)), -7, 7));
}

// The digital unit's input register holds a_bits: inputs beyond saturate, each counted.
TEST_F(datapath_bench, DigitalInputsBeyondTheirBitsSaturateAndAreCounted) {
  layer L = make_layer(2, STOXVP_CONV_IDEAL);
  stoxvp_desc dig = make_desc(STOXVP_OP_DIGITAL_CONV, STOXVP_DESC_F_IRQ);
  dig.args.conv = L.conv;
  dig.args.conv.weight_addr = kW;
  dig.args.conv.out_format = STOXVP_OUT_INT32;
  dig.args.conv.a_bits = 3;  // +-3
  run_descs(L, {dig});
  ASSERT_EQ(error, 0u);
  std::vector<int8_t> held = L.x;
  uint64_t beyond = 0;
  for (auto& v : held)
    if (v > 3 || v < -3) {
      v = v > 0 ? 3 : -3;
      ++beyond;
    }
  ASSERT_GT(beyond, 0u) << "the layer's inputs must reach beyond +-3 for this test";
  ASSERT_LT(beyond, held.size()) << "and some stay within";
  EXPECT_EQ(acc->stats().saturated_digital_inputs, beyond);
  core::conv_shape s{24, 6, 6, 40, 3, 3, 1, 1};
  std::vector<int32_t> y(40 * 36);
  std::memcpy(y.data(), mem(kY), y.size() * 4);
  for (int n = 0; n < 40; ++n)
    for (int oy = 0; oy < 6; ++oy)
      for (int ox = 0; ox < 6; ++ox) {
        int64_t ref = 0;  // naive loops over the saturated inputs
        for (int c = 0; c < 24; ++c)
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
              const int iy = oy + ky - 1, ix = ox + kx - 1;
              if (iy < 0 || iy >= 6 || ix < 0 || ix >= 6) continue;
              ref += int64_t(held[(c * 6 + iy) * 6 + ix]) * L.w[size_t(n) * s.K() + (c * 3 + ky) * 3 + kx];
            }
        ASSERT_EQ(y[n * 36 + oy * 6 + ox], ref) << "output " << n << " at " << oy << "," << ox;
      }
}

TEST_F(datapath_bench, ConvOnArraysThatDoNotHoldTheLayerIsRefused) {
  log_capture log;
  const layer L = make_layer(1);
  run_descs(L, {conv_desc(L)});  // never programmed
  EXPECT_EQ(error, static_cast<uint32_t>(STOXVP_ERR_NOT_PROGRAMMED));
  EXPECT_TRUE(log.contains({"array 0", "never programmed"})) << log.all();
  layer other = L;
  other.conv.array_base = 1;  // programmed at 0, used at 1
  run_descs(L, {program_desc(L), conv_desc(other)});
  EXPECT_EQ(error, static_cast<uint32_t>(STOXVP_ERR_NOT_PROGRAMMED));
  EXPECT_EQ(slot, 1u);
}

TEST_F(datapath_bench, WeightOutsideItsBitsIsRefusedWithItsAddress) {
  layer L = make_layer(1);
  L.w[1234] = 8;  // 4-bit signed holds +-7
  run_descs(L, {program_desc(L, STOXVP_DESC_F_IRQ)});
  EXPECT_EQ(error, static_cast<uint32_t>(STOXVP_ERR_BAD_WEIGHT));
  EXPECT_EQ(error_addr, kW + 1234);
}

TEST_F(datapath_bench, LayerLargerThanTheChipIsRefused) {
  log_capture log;
  layer L = make_layer(1);
  hw::accelerator_config small;
  small.tiles = 1;
  small.arrays_per_tile = 1;  // the layer needs 2 arrays
  run_descs(L, {program_desc(L, STOXVP_DESC_F_IRQ)}, small);
  EXPECT_EQ(error, static_cast<uint32_t>(STOXVP_ERR_BAD_SHAPE));
  EXPECT_TRUE(log.contains({"needs 2 arrays", "the chip has 1"})) << log.all();
  L.conv.array_base = 127;  // 127 + 2 > 128 arrays
  run_descs(L, {program_desc(L, STOXVP_DESC_F_IRQ)});
  EXPECT_EQ(error, static_cast<uint32_t>(STOXVP_ERR_BAD_SHAPE));
}

TEST_F(datapath_bench, BadParametersAreRefused) {
  log_capture log;
  auto error_for = [&](auto mutate) {
    layer L = make_layer(1);
    stoxvp_desc d = conv_desc(L);
    mutate(L, d);
    run_descs(L, {program_desc(make_layer(1)), d});
    return error;
  };
  const uint32_t param = STOXVP_ERR_BAD_PARAM;
  EXPECT_EQ(error_for([](layer& L, stoxvp_desc&) {
              reinterpret_cast<stoxvp_layer_params*>(L.params.data())->samples[0][0] = 0;
            }), param);
  EXPECT_TRUE(log.contains({"T = 0 for weight slice 0"})) << log.all();
  EXPECT_EQ(error_for([](layer& L, stoxvp_desc&) {
              reinterpret_cast<stoxvp_layer_params*>(L.params.data())->converter = 9;
            }), param);
  EXPECT_EQ(error_for([](layer&, stoxvp_desc& d) { d.args.conv.a_bits = 9; }), param);
  EXPECT_EQ(error_for([](layer&, stoxvp_desc& d) { d.args.conv.a_stream = 0; }), param);
  EXPECT_EQ(error_for([](layer&, stoxvp_desc& d) { d.args.conv.out_bits = 1; }), param);
  EXPECT_EQ(error_for([](layer&, stoxvp_desc& d) { d.args.conv.activation = 7; }), param);
  EXPECT_EQ(error_for([](layer& L, stoxvp_desc&) {
              float nan = std::nanf("");
              std::memcpy(L.params.data() + sizeof(stoxvp_layer_params) + 8, &nan, 4);
            }), param);
  EXPECT_EQ(error_for([](layer&, stoxvp_desc& d) { d.args.conv.in_channels = 0; }),
            static_cast<uint32_t>(STOXVP_ERR_BAD_SHAPE));
  EXPECT_EQ(error_for([](layer&, stoxvp_desc& d) { d.args.conv.kernel_h = 9; }),
            static_cast<uint32_t>(STOXVP_ERR_BAD_SHAPE));
  EXPECT_EQ(error_for([](layer&, stoxvp_desc& d) { d.args.conv.stride = 0; }),
            static_cast<uint32_t>(STOXVP_ERR_BAD_SHAPE));
  stoxvp_desc prog = program_desc(make_layer(1), STOXVP_DESC_F_IRQ);
  prog.args.program.w_slice = 5;  // wider than a 4-bit cell
  run_descs(make_layer(1), {prog});
  EXPECT_EQ(error, param);
}

}  // namespace

namespace {

// Two crossbar groups of different geometry on different routers (issue 10, item 5). Group 0:
// two 128 x 128 tiles of 2 arrays on routers 0 and 3 (arrays 0..3); group 1: two 256 x 64
// tiles of 4 arrays on routers `far` (arrays 4..11).
hw::accelerator_config two_groups(std::vector<uint32_t> far = {12, 15}) {
  hw::accelerator_config cfg;
  hw::tile_group a;
  a.count = 2;
  a.nodes = {0, 3};
  a.xbar = {128, 128, 2, 4};
  hw::tile_group b;
  b.count = 2;
  b.nodes = std::move(far);
  b.xbar = {256, 64, 4, 4};
  cfg.tile_groups = {a, b};
  return cfg;
}

TEST_F(datapath_bench, EachCrossbarGroupRunsALayerWithItsOwnGeometryAndPlacement) {
  const hw::accelerator_config cfg = two_groups();
  layer L = make_layer(21);
  run_descs(L, {program_desc(L), conv_desc(L)}, cfg);
  ASSERT_EQ(error, 0u);
  EXPECT_EQ(output(40 * 36), core_reference(L, 1, 128, 128));
  EXPECT_EQ(acc->tiles()[0]->stats().operations, 1u);  // arrays 0 and 1: tile 0 of group 0
  EXPECT_EQ(acc->tiles()[2]->stats().operations, 0u);

  L.conv.array_base = 4;  // group 1: K = 216 in one 256-row chunk, 40 outputs over two 64-column arrays
  run_descs(L, {program_desc(L), conv_desc(L)}, cfg);
  ASSERT_EQ(error, 0u);
  EXPECT_EQ(output(40 * 36), core_reference(L, 1, 256, 64));
  EXPECT_EQ(acc->tiles()[0]->stats().operations, 0u);
  EXPECT_EQ(acc->tiles()[2]->stats().operations, 1u);  // arrays 4 and 5: tile 0 of group 1
  const auto far_time = layer_time;
  const auto far_hops = acc->network().stats().bit_hops;

  // The same group placed next to the global buffer (router 5): fewer hops, sooner done.
  run_descs(L, {program_desc(L), conv_desc(L)}, two_groups({4, 6}));
  ASSERT_EQ(error, 0u);
  EXPECT_EQ(output(40 * 36), core_reference(L, 1, 256, 64));
  EXPECT_LT(acc->network().stats().bit_hops, far_hops);
  EXPECT_LT(layer_time, far_time);
}

TEST_F(datapath_bench, ALayerAcrossTwoCrossbarGroupsIsRefused) {
  log_capture log;
  layer L = make_layer(22);
  L.conv.array_base = 3;  // needs arrays 3 and 4: the last of group 0, the first of group 1
  run_descs(L, {program_desc(L, STOXVP_DESC_F_IRQ)}, two_groups());
  EXPECT_EQ(error, static_cast<uint32_t>(STOXVP_ERR_BAD_SHAPE));
  EXPECT_TRUE(log.contains({"arrays 3..4", "within one crossbar group", "0..3"})) << log.all();
}

TEST_F(datapath_bench, OneExplicitCrossbarGroupEqualsTheConfigurationWithoutGroups) {
  const layer L = make_layer(23, STOXVP_CONV_MTJ, 0, 16);
  run_descs(L, {program_desc(L), conv_desc(L)});
  const auto y = output(40 * 256);
  const auto t = layer_time;
  const double pj = acc->ledger().dynamic_total();
  const double leak = acc->ledger().leakage_mw();
  hw::accelerator_config cfg;
  hw::tile_group g;
  g.count = cfg.tiles;
  for (uint32_t i = 0; i < cfg.tiles; ++i) g.nodes.push_back(i);
  g.xbar = {cfg.array_rows, cfg.array_cols, cfg.arrays_per_tile, cfg.cell_bits};
  cfg.tile_groups = {g};
  run_descs(L, {program_desc(L), conv_desc(L)}, cfg);
  EXPECT_EQ(output(40 * 256), y);
  EXPECT_EQ(layer_time, t);
  EXPECT_EQ(acc->ledger().dynamic_total(), pj);
  EXPECT_EQ(acc->ledger().leakage_mw(), leak);
}

}  // namespace
