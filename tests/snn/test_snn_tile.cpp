// The snn_cim tile kind on the accelerator: a spiking network loaded and run through the
// command ring equals the integer model spike for spike with its costs as the technology
// section gives them; every descriptor field is refused when wrong, naming the field and value;
// the kind's configuration and technology sections are checked.
#include "hw/accel_bench.h"

#include "hw/accel/tiles/snn_cim/snn_group.h"
#include "hw/core/snn_cim.h"
#include "support/tech_files.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace stoxvp::test {
namespace {

hw::accelerator_config snn_chip(uint32_t macros, std::map<std::string, double> params = {}) {
  hw::accelerator_config cfg;
  hw::tile_group x, s;
  x.kind = "xbar";
  x.count = cfg.tiles;
  s.kind = "snn_cim";
  s.count = macros;
  s.params = std::move(params);
  cfg.tile_groups = {x, s};
  return cfg;
}

stoxvp_desc load(uint16_t layer, uint8_t type, uint16_t c, uint16_t h, uint16_t w, uint16_t oc, uint8_t k,
                 uint8_t stride, uint8_t pad, uint8_t wb, uint8_t vb, int32_t thr, uint64_t weights) {
  stoxvp_desc d = make_desc(STOXVP_OP_SNN_LOAD_LAYER, STOXVP_DESC_F_IRQ);
  auto& a = d.args.snn_load_layer;
  a.weight_addr = weights;
  a.layer = layer;
  a.type = type;
  a.w_bits = wb;
  a.v_bits = vb;
  a.reset = STOXVP_SNN_RESET_SUBTRACT;
  a.policy = STOXVP_SNN_POLICY_HS_MIN;
  a.kernel = k;
  a.in_channels = c;
  a.in_h = h;
  a.in_w = w;
  a.out_channels = oc;
  a.stride = stride;
  a.pad = pad;
  a.threshold = thr;
  return d;
}

struct snn_bench : accel_bench {
  static constexpr uint64_t ring = kDram, wconv = kDram + 0x10000, wfc = kDram + 0x20000, events = kDram + 0x30000,
                            counts = kDram + 0x40000, pots = kDram + 0x50000;
  uint32_t slot = 0;
  // Runs one descriptor; returns ERROR_CODE (and soft-resets after an error).
  uint32_t run1(stimulus& s, const stoxvp_desc& d) {
    put_desc(ring, slot, d);
    slot = (slot + 1) % 8;
    set(s, STOXVP_REG_RING_TAIL, slot);
    EXPECT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_SEC)));
    const uint32_t st = reg(s, STOXVP_REG_IRQ_STATUS);
    set(s, STOXVP_REG_IRQ_STATUS, st);
    const uint32_t code = reg(s, STOXVP_REG_ERROR_CODE);
    if (code != STOXVP_ERR_NONE) {
      set(s, STOXVP_REG_CTRL, STOXVP_CTRL_SOFT_RESET | STOXVP_CTRL_ENABLE);
      slot = 0;
    }
    return code;
  }
  // Conv 2x6x6 -> 3 channels (k3, s1, p1), then FC 108 -> 4: int8 weights in DRAM.
  std::vector<int32_t> conv_w, fc_w;
  void put_weights(std::mt19937_64& g) {
    conv_w.resize(3 * 2 * 9);
    fc_w.resize(4 * 108);
    for (auto& x : conv_w) x = int32_t(g() % 255) - 127;
    for (auto& x : fc_w) x = int32_t(g() % 31) - 15;
    for (size_t i = 0; i < conv_w.size(); ++i) *mem(wconv + i) = uint8_t(int8_t(conv_w[i]));
    for (size_t i = 0; i < fc_w.size(); ++i) *mem(wfc + i) = uint8_t(int8_t(fc_w[i]));
  }
};

TEST_F(snn_bench, ANetworkThroughTheRingEqualsTheIntegerModelWithItsCosts) {
  build(snn_chip(4));
  std::mt19937_64 g(5);
  put_weights(g);
  core::snn::snn_network ref;
  core::snn::layer_config c1, c2;
  c1.shape = {core::snn::layer_type::conv, 2, 6, 6, 3, 3, 1, 1};
  c1.w_bits = 8;
  c1.v_bits = 16;
  c1.threshold = 200;
  c1.reset = core::snn::reset_mode::subtract;
  c2.shape = {core::snn::layer_type::fc, 3, 6, 6, 4, 1, 1, 0};
  c2.w_bits = 5;
  c2.v_bits = 10;
  c2.threshold = 20;
  c2.reset = core::snn::reset_mode::subtract;
  ref.layers.emplace_back(c1, conv_w);
  ref.layers.emplace_back(c2, fc_w);
  std::vector<std::vector<uint32_t>> steps(6);
  for (auto& st : steps)
    for (uint32_t i = 0; i < 72; ++i)
      if (g() % 3 == 0) st.push_back(i);
  uint64_t sops = 0, active = 0, spikes_in = 0;
  run([&](stimulus& s) {
    start_ring(s, ring, 8);
    ASSERT_EQ(run1(s, load(0, STOXVP_SNN_LAYER_CONV, 2, 6, 6, 3, 3, 1, 1, 8, 16, 200, wconv)), 0u);
    ASSERT_EQ(run1(s, load(1, STOXVP_SNN_LAYER_FC, 3, 6, 6, 4, 1, 1, 0, 5, 10, 20, wfc)), 0u);
    for (const auto& st : steps) {
      std::memcpy(mem(events), st.data(), st.size() * 4);
      stoxvp_desc d = make_desc(STOXVP_OP_SNN_RUN_TIMESTEP, STOXVP_DESC_F_IRQ);
      d.args.snn_run_timestep.events_addr = events;
      d.args.snn_run_timestep.event_count = uint32_t(st.size());
      ASSERT_EQ(run1(s, d), 0u);
      const auto stats = ref.step(st);
      for (size_t l = 0; l < 2; ++l) {
        sops += stats[l].sops;
        spikes_in += stats[l].input_spikes;
        active += stats[l].sops * ref.layers[l].config().v_bits + uint64_t(ref.layers[l].potentials().size()) * ref.layers[l].config().v_bits;
      }
    }
    for (uint16_t l = 0; l < 2; ++l) {
      stoxvp_desc d = make_desc(STOXVP_OP_SNN_READ_STATE, STOXVP_DESC_F_IRQ);
      d.args.snn_read_state.counts_addr = counts + l * 0x1000;
      d.args.snn_read_state.potentials_addr = pots + l * 0x1000;
      d.args.snn_read_state.layer = l;
      ASSERT_EQ(run1(s, d), 0u);
    }
  });
  uint64_t fired = 0;
  for (size_t l = 0; l < 2; ++l) {
    const auto& L = ref.layers[l];
    for (size_t o = 0; o < L.potentials().size(); ++o) {
      int32_t v;
      uint32_t n;
      std::memcpy(&v, mem(pots + l * 0x1000 + 4 * o), 4);
      std::memcpy(&n, mem(counts + l * 0x1000 + 4 * o), 4);
      EXPECT_EQ(v, L.potentials()[o]) << "layer " << l << " neuron " << o;
      EXPECT_EQ(n, L.spike_counts()[o]) << "layer " << l << " neuron " << o;
      fired += n;
    }
  }
  EXPECT_GT(fired, 10u);
  auto& grp = dynamic_cast<hw::snn_group&>(*acc->tile_groups().at(1));
  EXPECT_EQ(grp.stats.sops, sops);
  EXPECT_EQ(grp.stats.timesteps, 6u);
  EXPECT_EQ(grp.stats.input_events, spikes_in);
  // Loading wrote each layer's resident operand, HS-min's smaller one: the conv's weights
  // (54 x 8 bits, against 108 x 16 bits of V), the FC's potentials (4 x 10, against 432 x 5).
  EXPECT_TRUE(grp.slots[0]->ws);
  EXPECT_FALSE(grp.slots[1]->ws);
  // Reading the FC's resident potentials out of the array adds their 40 column-steps.
  EXPECT_EQ(grp.stats.active_column_steps, active + 54 * 8 + 4 * 10 + 4 * 10);
  // The macro's energy is what the section's figures give for those column-steps.
  const auto* t = acc->tech().section<hw::snn_cim_technology>("snn_cim");
  ASSERT_NE(t, nullptr);
  const double macro_pj = double(grp.stats.active_column_steps) * t->column_step_energy_pj +
                          double(grp.stats.standby_column_steps) * t->standby_column_step_energy_pj;
  EXPECT_NEAR(acc->ledger().dynamic()[hw::snn_macro_component().id()], macro_pj, 1e-6 * macro_pj);
  EXPECT_GT(grp.stats.standby_column_steps, 0u);
  EXPECT_DOUBLE_EQ(acc->area().by_component[hw::snn_macro_component().id()], 4 * t->macro_area_um2);
}

TEST_F(snn_bench, TheBitLevelModeRunsTheSameNetworkToTheSameState) {
  std::mt19937_64 g(5);
  std::vector<std::vector<int64_t>> result[2];
  for (int mode = 0; mode < 2; ++mode) {
    build(snn_chip(2, {{"bit_level_max_neurons", mode ? 1e6 : 0}}));
    std::mt19937_64 gw(9);
    put_weights(gw);
    run([&](stimulus& s) {
      start_ring(s, ring, 8);
      slot = 0;
      ASSERT_EQ(run1(s, load(0, STOXVP_SNN_LAYER_CONV, 2, 6, 6, 3, 3, 1, 1, 8, 12, 100, wconv)), 0u);
      ASSERT_EQ(run1(s, load(1, STOXVP_SNN_LAYER_FC, 3, 6, 6, 4, 1, 1, 0, 5, 8, 20, wfc)), 0u);
      std::mt19937_64 ge(3);
      for (int t = 0; t < 5; ++t) {
        std::vector<uint32_t> st;
        for (uint32_t i = 0; i < 72; ++i)
          if (ge() % 2) st.push_back(i);
        std::memcpy(mem(events), st.data(), st.size() * 4);
        stoxvp_desc d = make_desc(STOXVP_OP_SNN_RUN_TIMESTEP, STOXVP_DESC_F_IRQ);
        d.args.snn_run_timestep.events_addr = events;
        d.args.snn_run_timestep.event_count = uint32_t(st.size());
        ASSERT_EQ(run1(s, d), 0u);
      }
    });
    auto& grp = dynamic_cast<hw::snn_group&>(*acc->tile_groups().at(1));
    for (uint32_t l = 0; l < 2; ++l) result[mode].push_back(grp.slots[l]->layer.potentials());
    if (mode) {
      EXPECT_GT(grp.stats.bit_level_full_adds, 1000u);
    } else {
      EXPECT_EQ(grp.stats.bit_level_full_adds, 0u);
    }
  }
  EXPECT_EQ(result[0], result[1]);
}

TEST_F(snn_bench, EveryDescriptorFieldIsRefusedNamingIt) {
  build(snn_chip(2));
  std::mt19937_64 g(5);
  put_weights(g);
  log_capture log;
  struct refusal {
    stoxvp_desc d;
    uint32_t code;
    const char* text;
  };
  auto L = [&](auto f) {
    stoxvp_desc d = load(0, STOXVP_SNN_LAYER_CONV, 2, 6, 6, 3, 3, 1, 1, 8, 16, 200, wconv);
    f(d.args.snn_load_layer);
    return d;
  };
  using A = stoxvp_snn_load_layer_args;
  std::vector<refusal> cases = {
      {L([](A& a) { a.layer = 16; }), STOXVP_ERR_BAD_PARAM, "layer = 16, slots are 0..15"},
      {L([](A& a) { a.layer = 3; }), STOXVP_ERR_BAD_PARAM, "layer = 3 but slot 2 is not loaded"},
      {L([](A& a) { a.type = 2; }), STOXVP_ERR_BAD_PARAM, "type = 2"},
      {L([](A& a) { a.w_bits = 1; }), STOXVP_ERR_BAD_PARAM, "w_bits = 1"},
      {L([](A& a) { a.v_bits = 33; }), STOXVP_ERR_BAD_PARAM, "v_bits = 33"},
      {L([](A& a) { a.v_bits = 6; }), STOXVP_ERR_BAD_PARAM, "v_bits = 6 is below w_bits = 8"},
      {L([](A& a) { a.threshold = 0; }), STOXVP_ERR_BAD_PARAM, "threshold = 0"},
      {L([](A& a) { a.threshold = 40000; }), STOXVP_ERR_BAD_PARAM, "threshold = 40000"},
      {L([](A& a) { a.reset = 2; }), STOXVP_ERR_BAD_PARAM, "reset = 2"},
      {L([](A& a) { a.policy = 3; }), STOXVP_ERR_BAD_PARAM, "stationarity = 3"},
      {L([](A& a) { a.kernel = 9; }), STOXVP_ERR_BAD_SHAPE, "kernel = 9"},
      {L([](A& a) { a.stride = 0; }), STOXVP_ERR_BAD_SHAPE, "stride = 0"},
      {L([](A& a) { a.pad = 3; }), STOXVP_ERR_BAD_SHAPE, "pad = 3"},
      {L([](A& a) { a.in_channels = 0; }), STOXVP_ERR_BAD_SHAPE, "zero dimension"},
      {L([](A& a) { a.out_channels = 0; }), STOXVP_ERR_BAD_SHAPE, "out_channels = 0"},
      {L([](A& a) { a.type = STOXVP_SNN_LAYER_FC; }), STOXVP_ERR_BAD_SHAPE, "an FC layer has kernel 1"},
      // in_h 65535, kernel 2, pad 1: out_h 65536, which wrapped to 0 in 16 bits (no neurons, accepted).
      {L([](A& a) { a.in_h = 65535; a.kernel = 2; a.pad = 1; }), STOXVP_ERR_BAD_SHAPE,
       "in_h = 65535 with kernel 2, stride 1, pad 1 gives out_h = 65536, must be 1..65535"},
      {L([](A& a) { a.in_w = 65535; a.kernel = 2; a.pad = 1; }), STOXVP_ERR_BAD_SHAPE,
       "in_w = 65535 with kernel 2, stride 1, pad 1 gives out_w = 65536, must be 1..65535"},
      // 2^24 inputs x 256 outputs: 2^32 weights, which wrapped to 0 in 32 bits and was accepted.
      {L([](A& a) { a.type = STOXVP_SNN_LAYER_FC; a.kernel = 1; a.pad = 0; a.in_channels = 256; a.in_h = 256; a.in_w = 256; a.out_channels = 256; }),
       STOXVP_ERR_BAD_SHAPE, "out_channels = 256 x inputs 256x256x256 gives 4294967296 weights, more than 2^24"},
      {L([](A& a) { a.weight_addr = 0; }), STOXVP_ERR_BAD_ADDRESS, "weight_addr is 0"},
      {L([](A& a) { a.w_bits = 4; }), STOXVP_ERR_BAD_WEIGHT, "is outside +-7"},
      {L([](A& a) { a.w_bits = 12; a.weight_addr = wconv + 1; }), STOXVP_ERR_BAD_ADDRESS, "misaligned"},
      {L([](A& a) { a.in_h = 200; a.in_w = 200; a.out_channels = 60; a.v_bits = 32; a.policy = STOXVP_SNN_POLICY_OS; a.weight_addr = kDram + 0x100000; }),
       STOXVP_ERR_BAD_SHAPE, "the group has 2"},
  };
  run([&](stimulus& s) {
    start_ring(s, ring, 8);
    // Before any layer: a timestep and a read are refused.
    stoxvp_desc t = make_desc(STOXVP_OP_SNN_RUN_TIMESTEP, STOXVP_DESC_F_IRQ);
    EXPECT_EQ(run1(s, t), uint32_t(STOXVP_ERR_BAD_PARAM));
    EXPECT_TRUE(log.contains({"SNN_RUN_TIMESTEP: no layer is loaded"}));
    stoxvp_desc r = make_desc(STOXVP_OP_SNN_READ_STATE, STOXVP_DESC_F_IRQ);
    EXPECT_EQ(run1(s, r), uint32_t(STOXVP_ERR_BAD_PARAM));
    EXPECT_TRUE(log.contains({"SNN_READ_STATE: layer = 0 is not loaded"}));
    for (const auto& c : cases) {
      EXPECT_EQ(run1(s, c.d), c.code) << c.text;
      EXPECT_TRUE(log.contains({"SNN_LOAD_LAYER", c.text})) << c.text;
    }
    // A valid layer 0, then a layer 1 whose inputs do not match its outputs.
    ASSERT_EQ(run1(s, load(0, STOXVP_SNN_LAYER_CONV, 2, 6, 6, 3, 3, 1, 1, 8, 16, 200, wconv)), 0u);
    EXPECT_EQ(run1(s, load(1, STOXVP_SNN_LAYER_FC, 3, 6, 5, 4, 1, 1, 0, 5, 10, 20, wfc)), uint32_t(STOXVP_ERR_BAD_SHAPE));
    EXPECT_TRUE(log.contains({"layer 1 has 90 inputs, slot 0 has 108 outputs"}));
    auto T = [&](auto f) {
      stoxvp_desc d = make_desc(STOXVP_OP_SNN_RUN_TIMESTEP, STOXVP_DESC_F_IRQ);
      d.args.snn_run_timestep.events_addr = events;
      d.args.snn_run_timestep.event_count = 3;
      f(d.args.snn_run_timestep);
      return d;
    };
    const uint32_t ev[3] = {1, 5, 5};
    std::memcpy(mem(events), ev, sizeof ev);
    EXPECT_EQ(run1(s, T([](auto&) {})), uint32_t(STOXVP_ERR_BAD_PARAM));
    EXPECT_TRUE(log.contains({"event 2 = neuron 5, not above the previous event's 5"}));
    const uint32_t ev2[3] = {1, 5, 72};
    std::memcpy(mem(events), ev2, sizeof ev2);
    EXPECT_EQ(run1(s, T([](auto&) {})), uint32_t(STOXVP_ERR_BAD_PARAM));
    EXPECT_TRUE(log.contains({"event 2 = neuron 72, slot 0 has 72 inputs"}));
    EXPECT_EQ(reg(s, STOXVP_REG_ERROR_ADDR_LO), 0u);  // cleared by the soft reset
    EXPECT_EQ(run1(s, T([](auto& a) { a.event_count = 73; })), uint32_t(STOXVP_ERR_BAD_SHAPE));
    EXPECT_TRUE(log.contains({"event_count = 73, slot 0 has 72 inputs"}));
    EXPECT_EQ(run1(s, T([](auto& a) { a.events_addr = events + 2; })), uint32_t(STOXVP_ERR_BAD_ADDRESS));
    EXPECT_EQ(run1(s, T([](auto& a) { a.layers = 2; })), uint32_t(STOXVP_ERR_BAD_PARAM));
    EXPECT_TRUE(log.contains({"layers = 2, only slots 0..0 are loaded"}));
    stoxvp_desc rs = make_desc(STOXVP_OP_SNN_READ_STATE, STOXVP_DESC_F_IRQ);
    rs.args.snn_read_state.counts_addr = counts + 2;
    EXPECT_EQ(run1(s, rs), uint32_t(STOXVP_ERR_BAD_ADDRESS));
    EXPECT_TRUE(log.contains({"SNN_READ_STATE: counts_addr is misaligned"}));
    rs.args.snn_read_state.counts_addr = 0;
    rs.args.snn_read_state.potentials_addr = pots + 1;
    EXPECT_EQ(run1(s, rs), uint32_t(STOXVP_ERR_BAD_ADDRESS));
    rs.args.snn_read_state.potentials_addr = 0;
    rs.args.snn_read_state.layer = 1;
    EXPECT_EQ(run1(s, rs), uint32_t(STOXVP_ERR_BAD_PARAM));
    EXPECT_EQ(run1(s, make_desc(STOXVP_OP_SNN_RESET_POTENTIALS, STOXVP_DESC_F_IRQ)), 0u);
  });
}

TEST_F(snn_bench, ItsOpcodesAreRefusedOnAChipWithoutItsTiles) {
  build();
  run([&](stimulus& s) {
    start_ring(s, ring, 8);
    EXPECT_EQ(run1(s, make_desc(STOXVP_OP_SNN_RESET_POTENTIALS, STOXVP_DESC_F_IRQ)), uint32_t(STOXVP_ERR_BAD_OPCODE));
  });
}

TEST_F(snn_bench, ItsConfigurationIsCheckedNamingTheParameter) {
  for (auto [name, value] : std::vector<std::pair<std::string, double>>{{"rows", 1}, {"cols", 1.5}, {"spike_buffer_bytes", 0}, {"policy", 3}, {"grid_bits", 33}, {"standby", 2}, {"v_cols", 33}}) {
    try {
      build(snn_chip(1, {{name, value}}));
      FAIL() << name << " accepted";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("tile_groups[1]"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("'" + name + "'"), std::string::npos) << e.what();
    }
  }
}

TEST(snn_technology, TheSectionIsStrictAndSourced) {
  nlohmann::json j = nlohmann::json::parse(shipped_tech_text());
  auto tf = parse_tech(j, "t.json");
  EXPECT_NE(tf.sources.at("snn_cim.macro.column_step_energy_pj").find("FlexSpIM"), std::string::npos);
  EXPECT_NE(tf.sources.at("snn_cim.wv_buffer.energy_pj_per_bit").find("proxy"), std::string::npos);
  j["tiles"]["snn_cim"]["macro"]["cycle_ns"].erase("source");
  try {
    parse_tech(j, "t.json");
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("tiles.snn_cim.macro.cycle_ns"), std::string::npos) << e.what();
  }
  j = nlohmann::json::parse(shipped_tech_text());
  j["tiles"]["snn_cim"]["macro"]["bogus_pj"] = {{"value", 1}, {"source", "x"}};
  EXPECT_THROW(parse_tech(j, "t.json"), std::exception);
}

}  // namespace
}  // namespace stoxvp::test

namespace stoxvp::test {
namespace {

// The comparison baselines are cost-only: a fixed grid and no standby change the column-steps,
// a forced policy the placement, an operand shape of several rows the row steps (run here in
// bit-level mode, rows chained through the carry register), never the spikes.
TEST_F(snn_bench, BaselineParametersChangeCostsNotSpikes) {
  std::vector<std::vector<int64_t>> pots;
  std::vector<uint64_t> active, standby, row_steps;
  std::vector<bool> fc_ws;
  for (auto params : std::vector<std::map<std::string, double>>{{}, {{"grid_bits", 16}, {"standby", 0}, {"policy", 0}, {"v_cols", 4}, {"bit_level_max_neurons", 1e6}}}) {
    build(snn_chip(2, params));
    std::mt19937_64 gw(9);
    put_weights(gw);
    slot = 0;
    run([&](stimulus& s) {
      start_ring(s, ring, 8);
      ASSERT_EQ(run1(s, load(0, STOXVP_SNN_LAYER_CONV, 2, 6, 6, 3, 3, 1, 1, 8, 12, 100, wconv)), 0u);
      ASSERT_EQ(run1(s, load(1, STOXVP_SNN_LAYER_FC, 3, 6, 6, 4, 1, 1, 0, 5, 8, 20, wfc)), 0u);
      std::vector<uint32_t> st;
      for (uint32_t i = 0; i < 72; i += 2) st.push_back(i);
      std::memcpy(mem(events), st.data(), st.size() * 4);
      stoxvp_desc d = make_desc(STOXVP_OP_SNN_RUN_TIMESTEP, STOXVP_DESC_F_IRQ);
      d.args.snn_run_timestep.events_addr = events;
      d.args.snn_run_timestep.event_count = uint32_t(st.size());
      ASSERT_EQ(run1(s, d), 0u);
    });
    auto& grp = dynamic_cast<hw::snn_group&>(*acc->tile_groups().at(1));
    pots.push_back(grp.slots[0]->layer.potentials());
    active.push_back(grp.stats.active_column_steps);
    standby.push_back(grp.stats.standby_column_steps);
    row_steps.push_back(grp.stats.row_steps);
    fc_ws.push_back(grp.slots[1]->ws);
  }
  EXPECT_EQ(pots[0], pots[1]);
  EXPECT_GT(standby[0], 0u);
  EXPECT_EQ(standby[1], 0u);          // no standby: every column of a step is active
  EXPECT_GT(active[1], active[0]);
  EXPECT_GT(row_steps[1], row_steps[0]);  // 16 columns of V as 4 rows of 4: four steps per operand
  EXPECT_FALSE(fc_ws[0]);             // HS-min keeps the FC's 32 bits of V resident
  EXPECT_TRUE(fc_ws[1]);              // forced WS keeps its weights
}

// A V wider than the macro's row (16 bits on 8 columns) spills onto two rows: a timestep's
// column-steps, active plus standby, are its row steps times the columns (the standby count
// wrapped to ~1.8e19 when the V was charged 16 columns of an 8-column row).
TEST_F(snn_bench, AVWiderThanTheRowSpillsOntoMoreRows) {
  build(snn_chip(2, {{"cols", 8}}));
  std::mt19937_64 gw(9);
  put_weights(gw);
  uint64_t rows0 = 0, active0 = 0, standby0 = 0;
  hw::snn_group* grp = nullptr;
  run([&](stimulus& s) {
    start_ring(s, ring, 8);
    ASSERT_EQ(run1(s, load(0, STOXVP_SNN_LAYER_CONV, 2, 6, 6, 3, 3, 1, 1, 8, 16, 100, wconv)), 0u);
    grp = &dynamic_cast<hw::snn_group&>(*acc->tile_groups().at(1));
    rows0 = grp->stats.row_steps;
    active0 = grp->stats.active_column_steps;
    standby0 = grp->stats.standby_column_steps;
    std::vector<uint32_t> st;
    for (uint32_t i = 0; i < 72; i += 3) st.push_back(i);
    std::memcpy(mem(events), st.data(), st.size() * 4);
    stoxvp_desc d = make_desc(STOXVP_OP_SNN_RUN_TIMESTEP, STOXVP_DESC_F_IRQ);
    d.args.snn_run_timestep.events_addr = events;
    d.args.snn_run_timestep.event_count = uint32_t(st.size());
    ASSERT_EQ(run1(s, d), 0u);
  });
  ASSERT_NE(grp, nullptr);
  const uint64_t rows = grp->stats.row_steps - rows0;
  const uint64_t active = grp->stats.active_column_steps - active0, standby = grp->stats.standby_column_steps - standby0;
  EXPECT_GT(grp->stats.sops, 0u);
  EXPECT_LE(active, rows * 8);
  EXPECT_EQ(active + standby, rows * 8);
  // 108 neurons of 16 bits, two rows each: the firing phase alone is 216 row steps.
  EXPECT_GE(rows, 216u);
}

// SNN_RESET_POTENTIALS zeroes V where it lives: in the W/V buffers for a weight-stationary
// layer (no macro column-steps), in the macros' rows for an output-stationary one.
TEST_F(snn_bench, ResettingPotentialsChargesWhereVLives) {
  for (int policy : {0, 1}) {
    build(snn_chip(2, {{"policy", policy}}));
    std::mt19937_64 gw(9);
    put_weights(gw);
    slot = 0;
    uint64_t rows0 = 0, active0 = 0, buf0 = 0;
    hw::snn_group* grp = nullptr;
    run([&](stimulus& s) {
      start_ring(s, ring, 8);
      ASSERT_EQ(run1(s, load(0, STOXVP_SNN_LAYER_CONV, 2, 6, 6, 3, 3, 1, 1, 8, 16, 100, wconv)), 0u);
      grp = &dynamic_cast<hw::snn_group&>(*acc->tile_groups().at(1));
      rows0 = grp->stats.row_steps;
      active0 = grp->stats.active_column_steps;
      buf0 = grp->stats.wv_buffer_bits;
      ASSERT_EQ(run1(s, make_desc(STOXVP_OP_SNN_RESET_POTENTIALS, STOXVP_DESC_F_IRQ)), 0u);
    });
    ASSERT_NE(grp, nullptr);
    ASSERT_EQ(grp->slots[0]->ws, policy == 0);
    const uint64_t bits = 108 * 16;  // 3x6x6 neurons of 16 bits
    if (policy == 0) {
      EXPECT_EQ(grp->stats.active_column_steps, active0) << "WS";
      EXPECT_EQ(grp->stats.row_steps, rows0) << "WS";
      EXPECT_EQ(grp->stats.wv_buffer_bits - buf0, bits) << "WS";
    } else {
      EXPECT_EQ(grp->stats.row_steps - rows0, (bits + 255) / 256) << "OS";
      EXPECT_EQ(grp->stats.active_column_steps - active0, (bits + 255) / 256 * 256) << "OS";
      EXPECT_EQ(grp->stats.wv_buffer_bits, buf0) << "OS";
    }
  }
}

}  // namespace
}  // namespace stoxvp::test
