// Configuration files: the shipped default equals the built-in defaults, and every kind of bad
// file is refused with a message naming the file, the field and the value.
#include "support/files.h"
#include "support/kernel.h"
#include "support/messages.h"
#include "common/json_reader.h"
#include "hw/accel/operation.h"
#include "tlm/platform/config.h"
#include "tlm/platform/platform.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace stoxvp;

namespace {

// The message of the config_error that loading `text` raises ("" when none).
std::string error_of(const std::string& text, const std::string& name = "bad.json") {
  const std::string path = stoxvp::test::temp_file(name, text);
  return stoxvp::test::message_of<config_error>([&] { load_platform_config(path); });
}

TEST(Config, ShippedDefaultFileEqualsBuiltInDefaults) {
  const platform_config file = load_platform_config(STOXVP_SOURCE_DIR "/configs/default.json");
  EXPECT_EQ(to_json(file), to_json(platform_config{}));
}

TEST(Config, PartialFileOverridesOnlyItsFields) {
  const auto path = stoxvp::test::temp_file("partial.json", R"({"seed": 42, "dram": {"size": "0x1000000"}})");
  const platform_config c = load_platform_config(path);
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.dram.size, 0x1000000u);
  EXPECT_EQ(c.dram.base, platform_config{}.dram.base);
  EXPECT_EQ(c.source, path);
}

TEST(Config, MissingFile) {
  try {
    load_platform_config("/nonexistent/stoxvp.json");
    FAIL();
  } catch (const config_error& e) {
    stoxvp::test::expect_mentions(e.what(), {"/nonexistent/stoxvp.json", "cannot open"});
  }
}

TEST(Config, MalformedJsonNamesFileAndPosition) {
  stoxvp::test::expect_mentions(error_of("{\n  \"seed\": 1,\n  \"bus\": {\"latency_ns\": }\n}", "malformed.json"),
             {"malformed.json", "malformed JSON", "line 3"});
  stoxvp::test::expect_mentions(error_of("[1, 2]", "array.json"), {"array.json", "must be a JSON object"});
  stoxvp::test::expect_mentions(error_of("", "empty.json"), {"empty.json", "malformed JSON"});
}

TEST(Config, UnknownKeysAreNamedWithTheirPath) {
  stoxvp::test::expect_mentions(error_of(R"({"sead": 1})"), {"bad.json", "unknown field 'sead'"});
  stoxvp::test::expect_mentions(error_of(R"({"dram": {"latency_ns": 3}})"), {"unknown field 'dram.latency_ns'"});
  stoxvp::test::expect_mentions(error_of(R"({"accelerator": {"tile": 3}})"), {"unknown field 'accelerator.tile'"});
}

TEST(Config, WrongTypesAndRangesNameFieldAndValue) {
  stoxvp::test::expect_mentions(error_of(R"({"seed": "abc"})"), {"field 'seed'", "\"abc\""});
  stoxvp::test::expect_mentions(error_of(R"({"seed": -1})"), {"field 'seed'", "unsigned integer", "-1"});
  stoxvp::test::expect_mentions(error_of(R"({"quantum_ns": "fast"})"), {"field 'quantum_ns'", "number", "\"fast\""});
  stoxvp::test::expect_mentions(error_of(R"({"quantum_ns": 0})"), {"field 'quantum_ns'", "outside"});
  stoxvp::test::expect_mentions(error_of(R"({"accelerator": {"array_rows": 0}})"), {"field 'accelerator.array_rows'", "0 is outside"});
  stoxvp::test::expect_mentions(error_of(R"({"dram": {"size": "0x12g"}})"), {"field 'dram.size'", "\"0x12g\""});
  stoxvp::test::expect_mentions(error_of(R"({"console": {"echo": 1}})"), {"field 'console.echo'", "true or false"});
  stoxvp::test::expect_mentions(error_of(R"({"bus": 5})"), {"field 'bus'", "expected an object"});
  stoxvp::test::expect_mentions(error_of(R"({"timer": {"frequency_hz": 1e30}})"), {"field 'timer.frequency_hz'"});
  stoxvp::test::expect_mentions(error_of(R"({"accelerator": {"mtj_reset": "never"}})"),
                                {"field 'accelerator.mtj_reset'", "\"never\""});
  stoxvp::test::expect_mentions(error_of(R"({"accelerator": {"noc": {"global_buffer_node": 16}}})"),
                                {"field 'accelerator.noc.global_buffer_node'", "node 16 is not in the mesh"});
  stoxvp::test::expect_mentions(error_of(R"({"riscv_cpu": {"frequency_mhz": 0}})"),
                                {"field 'riscv_cpu.frequency_mhz'", "outside"});
  stoxvp::test::expect_mentions(error_of(R"({"riscv_cpu": {"cpi": "one"}})"), {"field 'riscv_cpu.cpi'", "\"one\""});
  stoxvp::test::expect_mentions(error_of(R"({"riscv_cpu": {"frequency_mhz": 100000, "cpi": 0.01}})"),
                                {"field 'riscv_cpu.cpi'", "shorter than the 1 ps time resolution"});
  stoxvp::test::expect_mentions(error_of(R"({"riscv_cpu": {"watchdog_ms": -1}})"), {"field 'riscv_cpu.watchdog_ms'"});
  stoxvp::test::expect_mentions(error_of(R"({"riscv_cpu": {"instruction_limit": -5}})"),
                                {"field 'riscv_cpu.instruction_limit'", "unsigned integer"});
}

struct ConfigPlatform : test::kernel_test {};

TEST_F(ConfigPlatform, OverlappingAddressRangesAreRefusedWithBothNames) {
  const auto path = stoxvp::test::temp_file("overlap.json", R"({"sram": {"base": "0x80001000"}})");
  const platform_config c = load_platform_config(path);
  try {
    platform p(c);
    FAIL() << "overlap accepted";
  } catch (const config_error& e) {
    stoxvp::test::expect_mentions(e.what(), {"overlap.json", "'dram'", "'sram'", "overlaps"});
  }
}

}  // namespace

namespace {

// Tile groups (issue 10, item 5): read as written, and every bad group refused with the file,
// the field and the value.
TEST(Config, TileGroupsAreReadAndWrittenBack) {
  const auto path = stoxvp::test::temp_file("groups.json", R"({"accelerator": {"tile_groups": [
      {"kind": "xbar", "count": 2, "nodes": [0, 3], "xbar": {"array_rows": 256, "array_cols": 64}},
      {"kind": "xbar", "count": 3}]}})");
  const platform_config c = load_platform_config(path);
  const auto& g = c.accelerator.tile_groups;
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].count, 2u);
  EXPECT_EQ(g[0].nodes, (std::vector<uint32_t>{0, 3}));
  EXPECT_EQ(g[0].xbar.array_rows, 256u);
  EXPECT_EQ(g[0].xbar.array_cols, 64u);
  EXPECT_EQ(g[0].xbar.arrays_per_tile, 8u);  // the default where the file says nothing
  EXPECT_EQ(g[1].nodes, (std::vector<uint32_t>{4, 5, 6})) << "after the previous group's last router";
  const nlohmann::json j = to_json(c);
  EXPECT_FALSE(j["accelerator"].contains("array_rows")) << "the groups replace the one-group fields";
  EXPECT_EQ(j["accelerator"]["tile_groups"][0]["xbar"]["array_rows"], 256);
  EXPECT_EQ(to_json(parse_platform_config(j, "again.json")), j) << "a report's configuration loads back";
  EXPECT_FALSE(to_json(platform_config{})["accelerator"].contains("tile_groups"));
}

// A kind an integrator registered (operation.h), not listed by the register map: a group may
// name it, and its own section's numbers reach the kind as params, and are written back.
TEST(Config, ARegisteredKindsGroupAndItsParametersAreRead) {
  stoxvp::hw::operation_registry::instance().add_kind(
      {"gauge", [](const stoxvp::hw::group_build_args&) -> std::unique_ptr<stoxvp::hw::tile_group_base> {
         throw std::invalid_argument("not built in this test");
       }, {}});
  const auto path = stoxvp::test::temp_file("gauge.json", R"({"accelerator": {"tile_groups": [
      {"kind": "xbar", "count": 2}, {"kind": "gauge", "count": 1, "gauge": {"lanes": 4}}]}})");
  const platform_config c = load_platform_config(path);
  const auto& g = c.accelerator.tile_groups;
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[1].kind, "gauge");
  EXPECT_EQ(g[1].params.at("lanes"), 4.0);
  EXPECT_FALSE(stoxvp::hw::check_accelerator_config(c.accelerator)) << "a registered kind is accepted";
  EXPECT_EQ(stoxvp::hw::tile_kind_id("gauge"), 0u) << "the discovery table reads 0 for it";
  const nlohmann::json j = to_json(c);
  EXPECT_EQ(to_json(parse_platform_config(j, "again.json")), j);
  EXPECT_NE(error_of(R"({"accelerator": {"tile_groups": [{"kind": "gauge", "count": 1, "gauge": {"lanes": "x"}}]}})")
                .find("accelerator.tile_groups[0].gauge.lanes"),
            std::string::npos);
}

TEST(Config, BadTileGroupsNameFileFieldAndValue) {
  using stoxvp::test::expect_mentions;
  auto groups = [](const std::string& list) { return R"({"accelerator": {"tile_groups": )" + list + "}}"; };
  expect_mentions(error_of(groups(R"([{"kind": "snn", "count": 1}])")),
                  {"bad.json", "field 'accelerator.tile_groups[0].kind'", "\"snn\" is not one of xbar"});
  expect_mentions(error_of(groups(R"([{"kind": "xbar"}])")),
                  {"bad.json", "field 'accelerator.tile_groups[0].count'", "missing"});
  expect_mentions(error_of(groups(R"([{"count": 0}])")),
                  {"field 'accelerator.tile_groups[0].count'", "value 0 is outside 1..4096"});
  expect_mentions(error_of(groups(R"([{"count": 2, "nodes": [0, "a"]}])")),
                  {"field 'accelerator.tile_groups[0].nodes[1]'", "\"a\""});
  expect_mentions(error_of(groups(R"([{"count": 2, "nodes": [0]}])")),
                  {"field 'accelerator.tile_groups[0].nodes'", "1 nodes for a count of 2"});
  expect_mentions(error_of(groups(R"([{"count": 1, "nodes": [16]}])")),
                  {"field 'accelerator.tile_groups[0].nodes[0]'", "node 16 is not in the mesh"});
  expect_mentions(error_of(groups(R"([{"count": 2}, {"count": 1, "nodes": [1]}])")),
                  {"field 'accelerator.tile_groups[1].nodes[0]'", "node 1 already holds tile 1 of tile_groups[0]"});
  expect_mentions(error_of(groups(R"([{"count": 1, "xbar": {"array_rows": 0}}])")),
                  {"field 'accelerator.tile_groups[0].xbar.array_rows'", "value 0 is outside 1..4096"});
  expect_mentions(error_of(groups(R"([{"count": 1, "xbar": {"rows": 64}}])")),
                  {"unknown field 'accelerator.tile_groups[0].xbar.rows'"});
  expect_mentions(error_of(groups(R"({"count": 1})")),
                  {"field 'accelerator.tile_groups'", "expected an array"});
  expect_mentions(error_of(R"({"accelerator": {"array_rows": 64, "tile_groups": [{"count": 1}]}})"),
                  {"field 'accelerator.array_rows'", "together with tile_groups"});
}

}  // namespace
