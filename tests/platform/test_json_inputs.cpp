// The one JSON entry point (common/json_reader) names the file and the field for errors
// the JSON parser finds on its own: a number beyond double range, a key given twice in one
// object (which the parser would resolve silently to the last), and a directory given as a file.
#include "support/files.h"
#include "support/tech_files.h"
#include "support/messages.h"
#include "common/json_reader.h"
#include "tlm/platform/config.h"
#include "hw/accel/cost/tech_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace stoxvp;
using stoxvp::test::expect_mentions;

namespace {

std::string config_error_of(const std::string& text, const std::string& name) {
  const std::string path = stoxvp::test::temp_file(name, text);
  return stoxvp::test::message_of<config_error>([&] { load_platform_config(path); });
}

using stoxvp::test::tech_error_with;

TEST(JsonInputs, ANumberBeyondDoubleRangeNamesFileAndField) {
  expect_mentions(config_error_of(R"({"seed": 1, "quantum_ns": 1e400})", "huge.json"),
                  {"huge.json", "field 'quantum_ns'", "1e400", "range of a double"});
  expect_mentions(config_error_of(R"({"accelerator": {"noc": {"mesh_x": 2, "link_bits": -1e400}}})", "nested.json"),
                  {"nested.json", "field 'accelerator.noc.link_bits'", "-1e400"});
  expect_mentions(tech_error_with("\"value\": 0.76", "\"value\": 1e400", "tech-huge.json"),
                  {"tech-huge.json", "field 'components.crossbar.cell_read_energy_fj.value'", "1e400"});
}

TEST(JsonInputs, DuplicateKeysAreRefusedNamingFileAndKey) {
  expect_mentions(config_error_of(R"({"seed": 1, "seed": 2})", "dup.json"), {"dup.json", "field 'seed'", "twice"});
  expect_mentions(config_error_of(R"({"accelerator": {"tiles": 4, "noc": {}, "tiles": 8}})", "dup2.json"),
                  {"dup2.json", "field 'accelerator.tiles'", "twice"});
  // The same key in two different objects is not a duplicate.
  EXPECT_EQ(config_error_of(R"({"sram": {"read_latency_ns": 1}, "dram": {"read_latency_ns": 2}})", "ok.json"), "");
  expect_mentions(tech_error_with("\"value\": 0.76,", "\"value\": 0.76, \"value\": 0.5,", "tech-dup.json"),
                  {"tech-dup.json", "field 'components.crossbar.cell_read_energy_fj.value'", "twice"});
}

TEST(JsonInputs, ADirectoryIsNotAFile) {
  const std::string dir = stoxvp::test::test_path("");
  expect_mentions(stoxvp::test::message_of<config_error>([&] { load_tech_file(dir); }), {"is a directory"});
  expect_mentions(stoxvp::test::message_of<config_error>([&] { load_platform_config(dir); }), {"is a directory"});
}

TEST(JsonInputs, TextFromTheCApiIsCheckedTheSameWay) {
  expect_mentions(stoxvp::test::message_of<config_error>([] { parse_json_text(R"({"a": [1, {"b": 1, "b": 2}]})", "<text>"); }),
                  {"<text>", "field 'a[1].b'", "twice"});
  expect_mentions(stoxvp::test::message_of<config_error>([] { parse_json_text(R"({"a": [1, 2, 1e999]})", "<text>"); }),
                  {"<text>", "field 'a[2]'", "1e999"});
}

}  // namespace
