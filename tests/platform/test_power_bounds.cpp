// The power trace keeps one bin per interval of simulated time: an interval of 0.001 ns kept a
// bin per picosecond and filled memory and disk. Intervals below 1 ns are refused.
#include "support/files.h"
#include "support/messages.h"
#include "common/json_reader.h"
#include "tlm/platform/config.h"

#include <gtest/gtest.h>

namespace {

std::string error_of(const std::string& text) {
  const std::string path = stoxvp::test::temp_file("power.json", text);
  return stoxvp::test::message_of<stoxvp::config_error>([&] { stoxvp::load_platform_config(path); });
}

TEST(PowerTraceBounds, AnIntervalBelowOneNanosecondIsRefused) {
  stoxvp::test::expect_mentions(error_of(R"({"power_trace": {"interval_ns": 0.001}})"),
                                {"power.json", "field 'power_trace.interval_ns'", "0.001", "outside 1.."});
  EXPECT_EQ(error_of(R"({"power_trace": {"interval_ns": 1}})"), "");
}

TEST(PowerTraceBounds, MaxBinsIsBounded) {
  stoxvp::test::expect_mentions(error_of(R"({"power_trace": {"max_bins": 0}})"),
                                {"power.json", "field 'power_trace.max_bins'", "0"});
  stoxvp::test::expect_mentions(error_of(R"({"power_trace": {"max_bins": 100000000}})"),
                                {"power.json", "field 'power_trace.max_bins'", "100000000"});
  EXPECT_EQ(error_of(R"({"power_trace": {"max_bins": 16}})"), "");
}

}  // namespace
