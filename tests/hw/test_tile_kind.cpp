// The seam of tile kinds, proven from outside the library: this file defines a toy kind of tile
// (an inverter array) with its own opcode, configuration section, technology section and
// energy component, registers it, and runs a descriptor through the ring to its handler. No
// file of the library knows about it (docs/adding-a-tile-kind.md walks through it).
#include "accel_bench.h"

#include "hw/accel/cost/tech_file.h"
#include "hw/accel/operation.h"
#include "common/json_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace stoxvp::test {
namespace {

// ---- the toy kind: what hw/accel/tiles/toy/ would hold ----

constexpr uint16_t kOpToyInvert = 0x80;  // an opcode no built-in operation uses

// Its descriptor arguments, in the descriptor's argument bytes.
struct toy_invert_args {
  uint64_t input_addr, output_addr;
  uint32_t count;
};
static_assert(sizeof(toy_invert_args) <= STOXVP_DESC_ARGS_SIZE);

// Its technology section: "tiles": {"toy": {"alu": {...}}}.
struct toy_technology : hw::tech_section {
  double energy_pj_per_op = 0, area_um2_per_lane = 0, leakage_mw_per_lane = 0;
};

// Its energy component, registered by the kind (idempotent: the same id every time).
hw::component toy_alu() { return hw::register_component("toy_alu", hw::power_group::digital); }

class toy_tile : public hw::tile_base {
 public:
  toy_tile(sc_core::sc_module_name n, uint32_t index) : tile_base(n, index) {}
  const char* kind() const override { return "toy"; }
  uint64_t operations() const override { return ops; }
  sc_core::sc_time busy() const override { return busy_time; }
  uint64_t ops = 0;
  sc_core::sc_time busy_time = sc_core::SC_ZERO_TIME;
};

class toy_group : public hw::tile_group_base {
 public:
  explicit toy_group(const hw::group_build_args& a) : cfg_(a.cfg), tech_(a.tech.section<toy_technology>("toy")) {
    // Its configuration section: "lanes", element operations per cycle, required.
    auto it = a.spec.params.find("lanes");
    if (it == a.spec.params.end()) throw std::invalid_argument("'lanes' is missing");
    if (!(it->second >= 1 && it->second <= 1024 && std::floor(it->second) == it->second))
      throw std::invalid_argument("'lanes' = " + std::to_string(it->second) + ", must be an integer 1..1024");
    lanes = static_cast<uint32_t>(it->second);
    if (tech_ == nullptr) throw std::invalid_argument("the technology has no \"tiles\": {\"toy\": ...} section");
    for (uint32_t t = 0; t < a.count; ++t)
      tiles_.push_back(std::make_unique<toy_tile>(("toy_" + std::to_string(a.first_tile + t)).c_str(), a.first_tile + t));
  }
  const char* kind() const override { return "toy"; }
  std::vector<hw::tile_base*> tiles() const override {
    std::vector<hw::tile_base*> v;
    for (const auto& t : tiles_) v.push_back(t.get());
    return v;
  }
  void contribute(hw::cost_sheet& s) const override {
    const double l = double(lanes) * tiles_.size();
    s.add(toy_alu(), l * tech_->area_um2_per_lane, l * tech_->leakage_mw_per_lane, true);
  }
  toy_tile& first() { return *tiles_.front(); }
  uint32_t lanes = 0;
  const toy_technology& tech() const { return *tech_; }

 private:
  const hw::accelerator_config& cfg_;
  const toy_technology* tech_;
  std::vector<std::unique_ptr<toy_tile>> tiles_;
};

void exec_toy_invert(hw::exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  toy_invert_args a;
  std::memcpy(&a, d.args.raw, sizeof a);
  if (a.count == 0) throw hw::desc_error{STOXVP_ERR_BAD_SHAPE, 0, "TOY_INVERT count is 0"};
  auto& g = ctx.group_of<toy_group>("toy");
  ctx.gb.fetch(a.input_addr, a.count, ctx.buf.in, "TOY_INVERT input", local);
  ctx.buf.out.resize(a.count);
  for (uint32_t i = 0; i < a.count; ++i) ctx.buf.out[i] = static_cast<uint8_t>(~ctx.buf.in[i]);
  const sc_core::sc_time busy = ctx.cfg.clock_period * double((a.count + g.lanes - 1) / g.lanes);
  ctx.cost.charge(toy_alu(), a.count * g.tech().energy_pj_per_op, local, local + busy);
  local += busy;
  ++g.first().ops;
  g.first().busy_time += busy;
  ctx.gb.store(a.output_addr, ctx.buf.out.data(), a.count, local);
}

void register_toy_kind() {
  auto& r = hw::operation_registry::instance();
  r.add_kind({"toy", [](const hw::group_build_args& a) { return std::make_unique<toy_group>(a); },
              [](json_object_reader& section, std::map<std::string, std::string>& sources) {
                auto t = std::make_shared<toy_technology>();
                auto alu = section.object("alu");
                t->energy_pj_per_op = read_tech_value(alu, "energy_pj_per_op", sources["alu.energy_pj_per_op"]);
                t->area_um2_per_lane = read_tech_value(alu, "area_um2_per_lane", sources["alu.area_um2_per_lane"]);
                t->leakage_mw_per_lane = read_tech_value(alu, "leakage_mw_per_lane", sources["alu.leakage_mw_per_lane"]);
                alu.finish();
                return std::shared_ptr<const hw::tech_section>(std::move(t));
              }});
  r.add_operation({kOpToyInvert, "TOY_INVERT", "toy", exec_toy_invert});
  toy_alu();
}

// ---- the bench ----

nlohmann::json default_tech_json() {
  std::ifstream f(std::string(STOXVP_SOURCE_DIR) + "/configs/tech/default.json");
  std::stringstream ss;
  ss << f.rdbuf();
  return nlohmann::json::parse(ss.str());
}

nlohmann::json toy_section(double energy) {
  auto v = [](double x) { return nlohmann::json{{"value", x}, {"source", "assumption: a toy"}}; };
  return {{"alu", {{"energy_pj_per_op", v(energy)}, {"area_um2_per_lane", v(10)}, {"leakage_mw_per_lane", v(0.5)}}}};
}

hw::accelerator_config toy_chip(double lanes) {
  hw::accelerator_config cfg;
  hw::tile_group xbar;
  xbar.kind = "xbar";
  xbar.count = cfg.tiles;
  hw::tile_group toy;
  toy.kind = "toy";
  toy.count = 1;
  toy.params["lanes"] = lanes;
  cfg.tile_groups = {xbar, toy};
  return cfg;
}

struct tile_kind_bench : accel_bench {
  void SetUp() override {
    register_toy_kind();
    nlohmann::json j = default_tech_json();
    j["tiles"]["toy"] = toy_section(0.25);
    tech_file tf = parse_tech(j, "toy.json");
    tech = tf.tech;
    sources = tf.sources;
  }
  std::map<std::string, std::string> sources;
};

TEST_F(tile_kind_bench, AToyKindRegisteredByATestRunsADescriptorThroughTheRing) {
  build(toy_chip(4));
  const uint64_t ring = kDram, in = kDram + 0x1000, out = kDram + 0x2000;
  constexpr uint32_t N = 10;
  for (uint32_t i = 0; i < N; ++i) *mem(in + i) = static_cast<uint8_t>(i * 7);
  stoxvp_desc d = make_desc(kOpToyInvert, STOXVP_DESC_F_IRQ);
  const toy_invert_args a{in, out, N};
  std::memcpy(d.args.raw, &a, sizeof a);
  put_desc(ring, 0, d);
  run([&](stimulus& s) {
    start_ring(s, ring, 4);
    set(s, STOXVP_REG_RING_TAIL, 1);
    ASSERT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_MS)));
    EXPECT_EQ(reg(s, STOXVP_REG_ERROR_CODE), uint32_t(STOXVP_ERR_NONE));
    EXPECT_EQ(reg(s, STOXVP_REG_RING_HEAD), 1u);
  });
  for (uint32_t i = 0; i < N; ++i) EXPECT_EQ(*mem(out + i), static_cast<uint8_t>(~(i * 7))) << i;
  // Its handler ran on its tile, and its own component carries its energy and area.
  auto& g = dynamic_cast<toy_group&>(*acc->tile_groups().at(1));
  EXPECT_EQ(g.first().ops, 1u);
  EXPECT_EQ(g.first().index(), acc->config().tiles);  // numbered after the crossbar tiles
  EXPECT_EQ(g.first().busy_time, sc_core::sc_time(3, sc_core::SC_NS));  // 10 ops on 4 lanes
  const hw::component c = toy_alu();
  EXPECT_GE(c.id(), hw::kBuiltinComponents);
  EXPECT_STREQ(hw::to_string(c), "toy_alu");
  EXPECT_DOUBLE_EQ(acc->ledger().dynamic()[c.id()], N * 0.25);
  EXPECT_DOUBLE_EQ(acc->ledger().leakage_mw(c), 4 * 0.5);
  EXPECT_DOUBLE_EQ(acc->area().by_component[c.id()], 4 * 10.0);
  EXPECT_EQ(acc->stats().descriptors, 1u);
  EXPECT_STREQ(hw::opcode_name(kOpToyInvert), "TOY_INVERT");
  // The kind's technology values keep their sources, under the kind's name.
  EXPECT_EQ(sources.at("toy.alu.energy_pj_per_op"), "assumption: a toy");
  // The crossbar tiles are still all there.
  EXPECT_EQ(acc->tiles().size(), acc->config().tiles);
}

// The discovery table lists the toy group too; the register map does not know the kind, so its
// kind id reads 0 (software skips it), and a group without nodes sits on router tile mod routers.
TEST_F(tile_kind_bench, TheDiscoveryTableListsAKindTheRegisterMapDoesNotWithKindZero) {
  build(toy_chip(4));
  run([&](stimulus& s) {
    EXPECT_EQ(reg(s, STOXVP_REG_TILE_GROUPS), 2u);
    EXPECT_EQ(reg(s, STOXVP_REG_TILE_GROUP(0, STOXVP_TG_KIND)), uint32_t(STOXVP_TILE_KIND_XBAR));
    EXPECT_EQ(reg(s, STOXVP_REG_TILE_GROUP(1, STOXVP_TG_KIND)), 0u);
    EXPECT_EQ(reg(s, STOXVP_REG_TILE_GROUP(1, STOXVP_TG_TILES)), 1u);
    EXPECT_EQ(reg(s, STOXVP_REG_TILE_GROUP(1, STOXVP_TG_FIRST_TILE)), acc->config().tiles);
    EXPECT_EQ(reg(s, STOXVP_REG_TILE_GROUP(1, STOXVP_TG_FIRST_NODE)), 0u);
    EXPECT_EQ(reg(s, STOXVP_REG_HWCFG1), (8u << 16) | acc->config().tiles);
  });
}

TEST_F(tile_kind_bench, TheKindsOpcodeIsRefusedOnAChipWithoutItsTiles) {
  build();  // crossbar tiles only
  const uint64_t ring = kDram;
  put_desc(ring, 0, make_desc(kOpToyInvert, STOXVP_DESC_F_IRQ));
  run([&](stimulus& s) {
    start_ring(s, ring, 4);
    set(s, STOXVP_REG_RING_TAIL, 1);
    ASSERT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_MS)));
    EXPECT_EQ(reg(s, STOXVP_REG_ERROR_CODE), uint32_t(STOXVP_ERR_BAD_OPCODE));
  });
}

TEST_F(tile_kind_bench, ItsConfigurationSectionIsCheckedByTheKind) {
  try {
    build(toy_chip(0));
    FAIL() << "lanes = 0 was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("tile_groups[1]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'lanes' = 0"), std::string::npos) << e.what();
  }
}

TEST_F(tile_kind_bench, AnUnregisteredKindIsRefusedNamingTheField) {
  hw::accelerator_config cfg = toy_chip(4);
  cfg.tile_groups[1].kind = "warp_drive";
  try {
    build(cfg);
    FAIL() << "an unknown kind was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("tile_groups[1].kind"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("warp_drive"), std::string::npos) << e.what();
  }
}

TEST_F(tile_kind_bench, GroupCountsAreChecked) {
  hw::accelerator_config cfg = toy_chip(4);
  cfg.tile_groups[1].count = 0;
  try {
    build(cfg);
    FAIL() << "an empty group was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("tile_groups[1].count"), std::string::npos) << e.what();
  }
  cfg = toy_chip(4);
  cfg.tile_groups[0].count = cfg.tiles + 1;
  try {
    build(cfg);
    FAIL() << "an xbar group larger than the chip's tiles was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("tile_groups[0].count"), std::string::npos) << e.what();
  }
}

TEST_F(tile_kind_bench, ItsTechnologySectionIsParsedStrictlyByTheKind) {
  nlohmann::json j = default_tech_json();
  j["tiles"]["toy"] = toy_section(0.25);
  j["tiles"]["toy"]["alu"]["energy_pj_per_op"].erase("source");
  try {
    parse_tech(j, "toy.json");
    FAIL() << "a value without a source was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("tiles.toy.alu.energy_pj_per_op"), std::string::npos) << e.what();
  }
  nlohmann::json k = default_tech_json();
  k["tiles"]["no_such_kind"] = nlohmann::json::object();
  try {
    parse_tech(k, "toy.json");
    FAIL() << "an unknown kind's section was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_kind"), std::string::npos) << e.what();
  }
}

// The crossbar kind reads its figures from its own section; files written before sections (the
// flat "components" object, the root "adc_model") load unchanged to the same figures.
TEST(XbarTechnologySection, TheSectionedLayoutReadsTheSameFiguresAsTheFlatOne) {
  const nlohmann::json flat = default_tech_json();
  nlohmann::json sectioned = flat;
  nlohmann::json xbar_comps = nlohmann::json::object();
  for (const char* c : {"crossbar", "row_driver", "adc_isaac", "adc_neurosim", "sense_amp", "mtj", "shift_add", "tile_buffer"}) {
    xbar_comps[c] = sectioned["components"][c];
    sectioned["components"].erase(c);
  }
  sectioned.erase("adc_model");
  sectioned["tiles"]["xbar"] = {{"adc_model", "neurosim"}, {"components", xbar_comps}};
  nlohmann::json flat_neurosim = flat;
  flat_neurosim["adc_model"] = "neurosim";
  const tech_file a = parse_tech(flat_neurosim, "flat.json"), b = parse_tech(sectioned, "sectioned.json");
  EXPECT_EQ(b.tech.adc.name, "adc_neurosim");
  EXPECT_EQ(a.tech.adc.energy_pj, b.tech.adc.energy_pj);
  EXPECT_EQ(a.tech.mtj_write_energy_pj, b.tech.mtj_write_energy_pj);
  EXPECT_EQ(a.tech.cell_read_energy_fj, b.tech.cell_read_energy_fj);
  EXPECT_EQ(a.tech.tile_buffer_leakage_mw_per_kib, b.tech.tile_buffer_leakage_mw_per_kib);
  EXPECT_EQ(a.tech.global_buffer_energy_pj_per_bit, b.tech.global_buffer_energy_pj_per_bit);
  ASSERT_NE(b.tech.section<hw::xbar_tech_section>("xbar"), nullptr);
  EXPECT_EQ(b.tech.section<hw::xbar_tech_section>("xbar")->values.mtj_area_um2, a.tech.mtj_area_um2);
  EXPECT_EQ(b.sources.at("xbar.mtj.write_energy_pj"), a.sources.at("mtj.write_energy_pj"));
  // With a section, the flat spellings are not read a second time: they are unknown fields.
  nlohmann::json both = sectioned;
  both["components"]["mtj"] = flat["components"]["mtj"];
  try {
    parse_tech(both, "both.json");
    FAIL() << "crossbar figures in both places were accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("components.mtj"), std::string::npos) << e.what();
  }
  // A missing figure in the section is named with its path.
  nlohmann::json missing = sectioned;
  missing["tiles"]["xbar"]["components"]["mtj"].erase("read_ns");
  try {
    parse_tech(missing, "missing.json");
    FAIL() << "a missing crossbar figure was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("tiles.xbar.components.mtj.read_ns"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace stoxvp::test
