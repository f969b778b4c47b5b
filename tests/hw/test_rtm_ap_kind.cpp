// The rtm_ap tile kind on the accelerator: a ternary convolution lowered to an AP program (a
// plain lowering written here: one ADD or SUB per non-zero weight), run through the command
// ring (AP_LOAD_PROGRAM, AP_LOAD_ACT, AP_RUN, AP_STORE) and checked against a direct integer
// convolution written separately; the ledger's search, write, shift and activation energies
// are the tile's counts times the technology's figures; bad descriptors are refused.
#include "accel_bench.h"

#include "hw/accel/tiles/rtm_ap/rtm_ap_kind.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace stoxvp::test {
namespace {

using hw::rtm_ap::ap_instr;
using hw::rtm_ap::ap_op;
using hw::rtm_ap::ap_program;

struct ternary_layer {
  uint32_t C = 3, N = 4, H = 6, W = 6, k = 3, pad = 1, shift = 1, act_bits = 4;
  std::vector<int8_t> w;  // N x C x k x k in {-1, 0, 1}
};

ternary_layer random_layer(uint32_t seed) {
  ternary_layer L;
  std::mt19937 g(seed);
  std::uniform_int_distribution<int> d(-1, 1);
  L.w.resize(size_t(L.N) * L.C * L.k * L.k);
  for (auto& v : L.w) v = int8_t(d(g));
  return L;
}

// y[n][oy][ox] = clamp(sum w x >> shift, 0, 15): the independent reference.
std::vector<uint8_t> reference(const ternary_layer& L, const std::vector<uint8_t>& x) {
  std::vector<uint8_t> y(size_t(L.N) * L.H * L.W);
  for (uint32_t n = 0; n < L.N; ++n)
    for (uint32_t oy = 0; oy < L.H; ++oy)
      for (uint32_t ox = 0; ox < L.W; ++ox) {
        int64_t acc = 0;
        for (uint32_t c = 0; c < L.C; ++c)
          for (uint32_t dy = 0; dy < L.k; ++dy)
            for (uint32_t dx = 0; dx < L.k; ++dx) {
              const int y0 = int(oy + dy) - int(L.pad), x0 = int(ox + dx) - int(L.pad);
              if (y0 < 0 || x0 < 0 || y0 >= int(L.H) || x0 >= int(L.W)) continue;
              acc += L.w[((n * L.C + c) * L.k + dy) * L.k + dx] * int64_t(x[(c * L.H + y0) * L.W + x0]);
            }
        y[(n * L.H + oy) * L.W + ox] = uint8_t(std::clamp<int64_t>(acc >> L.shift, 0, 15));
      }
  return y;
}

// One input field per window element, one accumulator, one output field.
ap_program lower(const ternary_layer& L) {
  ap_program p;
  p.in_channels = uint16_t(L.C); p.in_h = uint16_t(L.H); p.in_w = uint16_t(L.W);
  p.kernel = uint8_t(L.k); p.stride = 1; p.pad = uint8_t(L.pad); p.act_bits = uint8_t(L.act_bits); p.out_bits = 4;
  p.out_channels = uint16_t(L.N); p.out_h = uint16_t(L.H); p.out_w = uint16_t(L.W);
  p.rows = L.H * L.W;
  const uint32_t K = L.C * L.k * L.k;
  const uint8_t acc_bits = uint8_t(L.act_bits + 7);  // K = 27 < 2^5, signed
  for (uint32_t i = 0; i < K; ++i) { p.field_bits.push_back(uint8_t(L.act_bits)); p.field_role.push_back(1); }
  const uint16_t acc = uint16_t(K), out = uint16_t(K + 1);
  p.field_bits.push_back(acc_bits); p.field_role.push_back(2);
  p.field_bits.push_back(4); p.field_role.push_back(3);
  p.columns = L.act_bits * K + acc_bits + 4;
  for (uint32_t i = 0; i < K; ++i) {
    const uint32_t c = i / (L.k * L.k), dy = (i / L.k) % L.k, dx = i % L.k;
    p.code.push_back({uint8_t(ap_op::load), 0, uint16_t(i), 0, 0, int32_t(c | (dy << 16) | (dx << 24))});
  }
  for (uint32_t n = 0; n < L.N; ++n) {
    p.code.push_back({uint8_t(ap_op::clear), 0, acc, 0, 0, 0});
    for (uint32_t i = 0; i < K; ++i) {
      const int8_t w = L.w[n * K + i];
      if (w) p.code.push_back({uint8_t(w > 0 ? ap_op::add : ap_op::sub), 0, acc, uint16_t(i), 0, 0});
    }
    p.code.push_back({uint8_t(ap_op::requant), 0, out, acc, 0, int32_t(L.shift)});
    p.code.push_back({uint8_t(ap_op::store), 0, 0, out, 0, int32_t(n)});
  }
  return p;
}

hw::accelerator_config ap_chip(uint32_t ap_tiles, double rows = 256, double columns = 512) {
  hw::accelerator_config cfg;
  hw::tile_group xbar;
  xbar.kind = "xbar";
  xbar.count = cfg.tiles;
  hw::tile_group ap;
  ap.kind = "rtm_ap";
  ap.count = ap_tiles;
  ap.params["rows"] = rows;
  ap.params["columns"] = columns;
  cfg.tile_groups = {xbar, ap};
  return cfg;
}

stoxvp_desc ap_desc(uint16_t op, uint64_t addr, uint32_t bytes, uint16_t tile, uint32_t flags = 0) {
  stoxvp_desc d = make_desc(op, flags);
  d.args.ap.addr = addr;
  d.args.ap.bytes = bytes;
  d.args.ap.ap_tile = tile;
  return d;
}

constexpr uint64_t kRing = kDram, kProg = kDram + 0x10000, kAct = kDram + 0x40000, kOut = kDram + 0x50000;

struct rtm_ap_bench : accel_bench {
  // Queues `descs` and runs them; returns ERROR_CODE.
  uint32_t submit(const std::vector<stoxvp_desc>& descs) {
    for (size_t i = 0; i < descs.size(); ++i) put_desc(kRing, uint32_t(i), descs[i]);
    uint32_t code = 0;
    run([&](stimulus& s) {
      start_ring(s, kRing, 16);
      set(s, STOXVP_REG_RING_TAIL, uint32_t(descs.size()));
      ASSERT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_SEC)));
      code = reg(s, STOXVP_REG_ERROR_CODE);
    });
    return code;
  }
  uint32_t put_program(const ap_program& p) {
    const auto bytes = hw::rtm_ap::encode_ap_program(p);
    std::memcpy(mem(kProg), bytes.data(), bytes.size());
    return uint32_t(bytes.size());
  }
};

TEST_F(rtm_ap_bench, ATernaryLayerThroughTheRingEqualsTheIntegerReference) {
  build(ap_chip(2));
  for (uint32_t seed : {1u, 2u}) {
    if (seed > 1) build(ap_chip(2));
    const ternary_layer L = random_layer(seed);
    const uint32_t prog_bytes = put_program(lower(L));
    std::mt19937 g(seed + 100);
    std::vector<uint8_t> x(L.C * L.H * L.W);
    for (auto& v : x) v = uint8_t(g() % 16);
    std::memcpy(mem(kAct), x.data(), x.size());
    const uint32_t out_bytes = L.N * L.H * L.W;
    ASSERT_EQ(submit({ap_desc(STOXVP_OP_AP_LOAD_PROGRAM, kProg, prog_bytes, 1),
                      ap_desc(STOXVP_OP_AP_LOAD_ACT, kAct, uint32_t(x.size()), 1),
                      ap_desc(STOXVP_OP_AP_RUN, 0, 0, 1),
                      ap_desc(STOXVP_OP_AP_STORE, kOut, out_bytes, 1, STOXVP_DESC_F_IRQ)}),
              uint32_t(STOXVP_ERR_NONE));
    const std::vector<uint8_t> want = reference(L, x);
    ASSERT_TRUE(std::equal(want.begin(), want.end(), mem(kOut))) << "seed " << seed;
    EXPECT_GT(*std::max_element(want.begin(), want.end()), 0);

    // The ledger: the tile's counts times the technology's figures, component by component.
    auto& g2 = dynamic_cast<hw::rtm_ap_group&>(*acc->tile_groups().at(1));
    const hw::rtm_ap::ap_counters& c = g2.tile(1).counters;
    const hw::rtm_ap_technology& t = g2.tech();
    EXPECT_EQ(g2.tile(1).runs, 1u);
    EXPECT_EQ(g2.tile(0).runs, 0u);
    const auto& e = acc->ledger().dynamic();
    EXPECT_DOUBLE_EQ(e[hw::rtm_ap_search().id()], c.searched_row_bits * t.search_energy_pj_per_row_bit);
    EXPECT_DOUBLE_EQ(e[hw::rtm_ap_write().id()], c.written_row_bits * t.write_energy_pj_per_bit);
    EXPECT_DOUBLE_EQ(e[hw::rtm_ap_shift().id()], c.shifted_tracks * t.shift_energy_pj_per_track_step);
    EXPECT_DOUBLE_EQ(e[hw::rtm_ap_activation().id()],
                     c.loaded_row_bits * t.write_energy_pj_per_bit + c.read_row_bits * t.read_energy_pj_per_bit);
    EXPECT_EQ(c.loaded_row_bits, uint64_t(L.C) * L.k * L.k * 4 * L.H * L.W);
    EXPECT_GT(c.realign_shifts, 0u);
    EXPECT_GT(acc->area().by_component[hw::rtm_ap_search().id()], 0.0);
  }
}

// Activations of 8 bits (the widest a program takes: every byte value is an activation).
TEST_F(rtm_ap_bench, EightBitActivationsAreAccepted) {
  build(ap_chip(1));
  ternary_layer L = random_layer(9);
  L.act_bits = 8;
  L.shift = 5;
  const uint32_t prog_bytes = put_program(lower(L));
  std::vector<uint8_t> x(L.C * L.H * L.W);
  for (size_t i = 0; i < x.size(); ++i) x[i] = uint8_t(i * 37 + 255);
  std::memcpy(mem(kAct), x.data(), x.size());
  const uint32_t out_bytes = L.N * L.H * L.W;
  ASSERT_EQ(submit({ap_desc(STOXVP_OP_AP_LOAD_PROGRAM, kProg, prog_bytes, 0),
                    ap_desc(STOXVP_OP_AP_LOAD_ACT, kAct, uint32_t(x.size()), 0),
                    ap_desc(STOXVP_OP_AP_RUN, 0, 0, 0),
                    ap_desc(STOXVP_OP_AP_STORE, kOut, out_bytes, 0, STOXVP_DESC_F_IRQ)}),
            uint32_t(STOXVP_ERR_NONE));
  const std::vector<uint8_t> want = reference(L, x);
  EXPECT_TRUE(std::equal(want.begin(), want.end(), mem(kOut)));
}

TEST_F(rtm_ap_bench, BadDescriptorsAreRefused) {
  const ternary_layer L = random_layer(3);
  ap_program p = lower(L);
  struct bad_case {
    const char* what;
    std::function<std::vector<stoxvp_desc>(uint32_t bytes)> descs;
    uint32_t code;
  };
  const std::vector<bad_case> cases = {
      {"run before a program", [](uint32_t) { return std::vector<stoxvp_desc>{ap_desc(STOXVP_OP_AP_RUN, 0, 0, 0, STOXVP_DESC_F_IRQ)}; },
       STOXVP_ERR_BAD_PARAM},
      {"a tile the chip lacks", [](uint32_t b) { return std::vector<stoxvp_desc>{ap_desc(STOXVP_OP_AP_LOAD_PROGRAM, kProg, b, 2, STOXVP_DESC_F_IRQ)}; },
       STOXVP_ERR_BAD_SHAPE},
      {"a program cut short", [](uint32_t b) { return std::vector<stoxvp_desc>{ap_desc(STOXVP_OP_AP_LOAD_PROGRAM, kProg, b - 12, 0, STOXVP_DESC_F_IRQ)}; },
       STOXVP_ERR_BAD_PARAM},
      {"activations of the wrong size", [](uint32_t b) {
         return std::vector<stoxvp_desc>{ap_desc(STOXVP_OP_AP_LOAD_PROGRAM, kProg, b, 0),
                                         ap_desc(STOXVP_OP_AP_LOAD_ACT, kAct, 7, 0, STOXVP_DESC_F_IRQ)}; },
       STOXVP_ERR_BAD_SHAPE},
      {"store before run", [](uint32_t b) {
         return std::vector<stoxvp_desc>{ap_desc(STOXVP_OP_AP_LOAD_PROGRAM, kProg, b, 0),
                                         ap_desc(STOXVP_OP_AP_STORE, kOut, 144, 0, STOXVP_DESC_F_IRQ)}; },
       STOXVP_ERR_BAD_PARAM},
  };
  for (const auto& bc : cases) {
    build(ap_chip(2));
    const uint32_t bytes = put_program(p);
    EXPECT_EQ(submit(bc.descs(bytes)), bc.code) << bc.what;
  }
  // A program with more rows than the tile has.
  build(ap_chip(1, 16));
  const uint32_t bytes = put_program(p);
  EXPECT_EQ(submit({ap_desc(STOXVP_OP_AP_LOAD_PROGRAM, kProg, bytes, 0, STOXVP_DESC_F_IRQ)}), uint32_t(STOXVP_ERR_BAD_SHAPE));
  // Activations wider than act_bits.
  build(ap_chip(1));
  put_program(p);
  std::vector<uint8_t> x(L.C * L.H * L.W, 3);
  x[5] = 16;
  std::memcpy(mem(kAct), x.data(), x.size());
  EXPECT_EQ(submit({ap_desc(STOXVP_OP_AP_LOAD_PROGRAM, kProg, bytes, 0),
                    ap_desc(STOXVP_OP_AP_LOAD_ACT, kAct, uint32_t(x.size()), 0, STOXVP_DESC_F_IRQ)}),
            uint32_t(STOXVP_ERR_BAD_PARAM));
}

// A refused AP_LOAD_ACT leaves no activations behind: the AP_RUN after it is refused as one
// before AP_LOAD_ACT (the bad bytes used to stay loaded and AP_RUN's std::invalid_argument
// from run_ap_program ended the simulation).
TEST_F(rtm_ap_bench, ARefusedActivationLoadLeavesNothingToRun) {
  const ternary_layer L = random_layer(3);
  build(ap_chip(1));
  const uint32_t bytes = put_program(lower(L));
  std::vector<uint8_t> x(L.C * L.H * L.W, 3);
  x[5] = 16;
  std::memcpy(mem(kAct), x.data(), x.size());
  put_desc(kRing, 0, ap_desc(STOXVP_OP_AP_LOAD_PROGRAM, kProg, bytes, 0));
  put_desc(kRing, 1, ap_desc(STOXVP_OP_AP_LOAD_ACT, kAct, uint32_t(x.size()), 0, STOXVP_DESC_F_IRQ));
  uint32_t load_code = 0, run_code = 0;
  run([&](stimulus& s) {
    start_ring(s, kRing, 16);
    set(s, STOXVP_REG_RING_TAIL, 2);
    ASSERT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_SEC)));
    load_code = reg(s, STOXVP_REG_ERROR_CODE);
    set(s, STOXVP_REG_IRQ_STATUS, reg(s, STOXVP_REG_IRQ_STATUS));
    set(s, STOXVP_REG_CTRL, STOXVP_CTRL_SOFT_RESET | STOXVP_CTRL_ENABLE);
    put_desc(kRing, 0, ap_desc(STOXVP_OP_AP_RUN, 0, 0, 0, STOXVP_DESC_F_IRQ));
    set(s, STOXVP_REG_RING_TAIL, 1);
    ASSERT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_SEC)));
    run_code = reg(s, STOXVP_REG_ERROR_CODE);
  });
  EXPECT_EQ(load_code, uint32_t(STOXVP_ERR_BAD_PARAM));
  EXPECT_EQ(run_code, uint32_t(STOXVP_ERR_BAD_PARAM));
  EXPECT_TRUE(dynamic_cast<hw::rtm_ap_group&>(*acc->tile_groups().at(1)).tile(0).activations.empty());
}

TEST_F(rtm_ap_bench, TheKindsParametersAndTechnologyAreChecked) {
  try {
    build(ap_chip(1, 0));
    FAIL() << "rows = 0 was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("'rows' = 0"), std::string::npos) << e.what();
  }
  nlohmann::json j = default_tech().document;
  j["tiles"]["rtm_ap"]["shift"]["latency_ns"].erase("source");
  try {
    parse_tech(j, "ap.json");
    FAIL() << "a value without a source was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("tiles.rtm_ap.shift.latency_ns"), std::string::npos) << e.what();
  }
  const tech_file tf = default_tech();
  EXPECT_NE(tf.sources.at("rtm_ap.shift.energy_pj_per_track_step").find("proxy"), std::string::npos);
  EXPECT_NE(tf.sources.at("rtm_ap.search.energy_pj_per_row_bit").find("proxy"), std::string::npos);
}

}  // namespace
}  // namespace stoxvp::test
