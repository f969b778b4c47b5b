// Configuration files: the shipped default equals the built-in defaults, and every kind of bad
// file is refused with a message naming the file, the field and the value.
#include "support/kernel.h"
#include "tlm/common/json_reader.h"
#include "tlm/platform/config.h"
#include "tlm/platform/platform.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace stoxvp;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

// The message of the config_error that loading `text` raises ("" when none).
std::string error_of(const std::string& text, const std::string& name = "bad.json") {
  const std::string path = write_temp(name, text);
  try {
    load_platform_config(path);
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

void expect_all(const std::string& msg, std::initializer_list<const char*> parts) {
  ASSERT_FALSE(msg.empty()) << "no error raised";
  for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
}

TEST(Config, ShippedDefaultFileEqualsBuiltInDefaults) {
  const platform_config file = load_platform_config(STOXVP_SOURCE_DIR "/configs/default.json");
  EXPECT_EQ(to_json(file), to_json(platform_config{}));
}

TEST(Config, PartialFileOverridesOnlyItsFields) {
  const auto path = write_temp("partial.json", R"({"seed": 42, "dram": {"size": "0x1000000"}})");
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
    expect_all(e.what(), {"/nonexistent/stoxvp.json", "cannot open"});
  }
}

TEST(Config, MalformedJsonNamesFileAndPosition) {
  expect_all(error_of("{\n  \"seed\": 1,\n  \"bus\": {\"latency_ns\": }\n}", "malformed.json"),
             {"malformed.json", "malformed JSON", "line 3"});
  expect_all(error_of("[1, 2]", "array.json"), {"array.json", "must be a JSON object"});
  expect_all(error_of("", "empty.json"), {"empty.json", "malformed JSON"});
}

TEST(Config, UnknownKeysAreNamedWithTheirPath) {
  expect_all(error_of(R"({"sead": 1})"), {"bad.json", "unknown field 'sead'"});
  expect_all(error_of(R"({"dram": {"latency_ns": 3}})"), {"unknown field 'dram.latency_ns'"});
  expect_all(error_of(R"({"accelerator": {"tile": 3}})"), {"unknown field 'accelerator.tile'"});
}

TEST(Config, WrongTypesAndRangesNameFieldAndValue) {
  expect_all(error_of(R"({"seed": "abc"})"), {"field 'seed'", "\"abc\""});
  expect_all(error_of(R"({"seed": -1})"), {"field 'seed'", "unsigned integer", "-1"});
  expect_all(error_of(R"({"quantum_ns": "fast"})"), {"field 'quantum_ns'", "number", "\"fast\""});
  expect_all(error_of(R"({"quantum_ns": 0})"), {"field 'quantum_ns'", "outside"});
  expect_all(error_of(R"({"accelerator": {"array_rows": 0}})"), {"field 'accelerator.array_rows'", "0 is outside"});
  expect_all(error_of(R"({"dram": {"size": "0x12g"}})"), {"field 'dram.size'", "\"0x12g\""});
  expect_all(error_of(R"({"console": {"echo": 1}})"), {"field 'console.echo'", "true or false"});
  expect_all(error_of(R"({"bus": 5})"), {"field 'bus'", "expected an object"});
  expect_all(error_of(R"({"timer": {"frequency_hz": 1e30}})"), {"field 'timer.frequency_hz'"});
}

struct ConfigPlatform : test::kernel_test {};

TEST_F(ConfigPlatform, OverlappingAddressRangesAreRefusedWithBothNames) {
  const auto path = write_temp("overlap.json", R"({"sram": {"base": "0x80001000"}})");
  const platform_config c = load_platform_config(path);
  try {
    platform p(c);
    FAIL() << "overlap accepted";
  } catch (const config_error& e) {
    expect_all(e.what(), {"overlap.json", "'dram'", "'sram'", "overlaps"});
  }
}

}  // namespace
