// A run's outputs: written whole or not at all (the previous file of that name survives any
// failure), write errors fail loudly with the file's name, the report refuses non-finite numbers,
// and a firmware that stops making progress or a stop request ends the run cleanly.
#include "fc_demo/fc_demo.h"
#include "stoxvp.h"
#include "support/files.h"
#include "support/kernel.h"
#include "support/messages.h"
#include "runner.h"
#include "tlm/platform/output_file.h"
#include "tlm/platform/platform.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Names in `dir` other than the expected ones: temporary files left behind.
std::vector<std::string> strays(const std::string& dir, std::initializer_list<std::string> expected) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (std::find(expected.begin(), expected.end(), name) == expected.end()) out.push_back(name);
  }
  return out;
}

// A full disk, for this process only: writes beyond `bytes` fail with EFBIG (SIGXFSZ ignored).
class file_size_limit {
 public:
  explicit file_size_limit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    previous_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit r = saved_;
    r.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &r);
  }
  ~file_size_limit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_);
  }

 private:
  rlimit saved_{};
  void (*previous_)(int) = nullptr;
};

TEST(OutputFile, ReplacesThePreviousFileOnlyWhenCommitted) {
  const std::string dir = stoxvp::test::test_path("atomic/");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "out.txt";
  std::ofstream(path) << "previous run";
  {
    stoxvp::output_file f(path);
    f.write("new run, first half; ");
    EXPECT_EQ(slurp(path), "previous run") << "the final file changed before commit";
    f.write("second half");
    f.commit();
  }
  EXPECT_EQ(slurp(path), "new run, first half; second half");
  {
    stoxvp::output_file f(path);
    f.write("abandoned");
  }  // never committed: discarded
  EXPECT_EQ(slurp(path), "new run, first half; second half");
  EXPECT_TRUE(strays(dir, {"out.txt"}).empty());
}

TEST(OutputFile, WriteErrorFailsNamingTheFileAndKeepsThePreviousOne) {
  const std::string dir = stoxvp::test::test_path("full/");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "trace.csv";
  std::ofstream(path) << "previous run";
  std::string message;
  {
    file_size_limit full(4096);
    stoxvp::output_file f(path);
    const std::string line(1000, 'x');
    for (int i = 0; i < 100; ++i) f.write(line);
    message = stoxvp::test::message_of<stoxvp::output_error>([&] { f.commit(); });
  }
  stoxvp::test::expect_mentions(message, {path.c_str(), "write error", "not written"});
  EXPECT_EQ(slurp(path), "previous run");
  EXPECT_TRUE(strays(dir, {"trace.csv"}).empty()) << "a temporary file was left behind";
}

TEST(OutputFile, UncreatableFileIsRefusedByName) {
  stoxvp::test::expect_mentions(
      stoxvp::test::message_of<stoxvp::output_error>([] { stoxvp::output_file f("/nonexistent-dir/x.json"); }),
      {"/nonexistent-dir/x.json", "temporary file"});
}

TEST(Report, RefusesANonFiniteNumberNamingTheField) {
  stoxvp::test::fresh_kernel();
  stoxvp::platform_config cfg;
  cfg.console_echo = false;
  stoxvp::platform pl(cfg);
  pl.add_report_section("probe", {{"values", {1.0, std::numeric_limits<double>::infinity()}}});
  const std::string path = stoxvp::test::test_path("report.json");
  std::ofstream(path) << "{}";
  stoxvp::test::expect_mentions(stoxvp::test::message_of<stoxvp::output_error>([&] { pl.write_report(path); }),
                                {path.c_str(), "probe.values[1]", "inf", "not a finite number"});
  EXPECT_EQ(slurp(path), "{}") << "the previous report was touched";
}

int polls_forever(void*) {
  const uint64_t accel = stoxvp_fw_region_base("accelerator");
  while ((stoxvp_fw_read32(accel + 0x018) & 1u) == 0) {
  }
  return 0;
}

stoxvp_platform* create_quiet() {
  stoxvp_platform* p = nullptr;
  EXPECT_EQ(stoxvp_create_from_json(R"({"console": {"echo": false}})", "test config", &p), STOXVP_OK)
      << stoxvp_last_error();
  return p;
}

TEST(RunLimits, FirmwarePollingForeverStopsAsStalledAndTheReportSaysIncomplete) {
  stoxvp_platform* p = create_quiet();
  ASSERT_EQ(stoxvp_set_stall_timeout(p, 2'000'000'000ull), STOXVP_OK);  // 2 ms
  ASSERT_EQ(stoxvp_attach_firmware(p, polls_forever, nullptr), STOXVP_OK);
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(p, 0, &rr), STOXVP_OK) << stoxvp_last_error();
  EXPECT_EQ(rr.reason, STOXVP_STOP_STALLED) << rr.message;
  EXPECT_NE(std::string(rr.message).find("no progress in 2 ms"), std::string::npos) << rr.message;
  EXPECT_LE(rr.sim_time_ps, 3'000'000'000ull);
  const std::string path = stoxvp::test::test_path("stalled.json");
  ASSERT_EQ(stoxvp_write_report(p, path.c_str()), STOXVP_OK) << stoxvp_last_error();
  stoxvp_destroy(p);
  const auto r = nlohmann::json::parse(std::ifstream(path));
  EXPECT_EQ(r["run"]["stop_reason"], "stalled");
  EXPECT_EQ(r["run"]["complete"], false);
}

TEST(RunLimits, StopRequestEndsTheRunAsInterrupted) {
  stoxvp_platform* p = create_quiet();
  ASSERT_EQ(stoxvp_attach_firmware(p, polls_forever, nullptr), STOXVP_OK);
  stoxvp_request_stop();  // as a signal handler would, before or during the run
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(p, 0, &rr), STOXVP_OK) << stoxvp_last_error();
  EXPECT_EQ(rr.reason, STOXVP_STOP_INTERRUPTED) << rr.message;
  EXPECT_LE(rr.sim_time_ps, 100'000'000ull) << "not stopped at the first safe point";
  stoxvp_destroy(p);
}

TEST(Traces, VcdWriteErrorFailsClosingAndKeepsThePreviousTrace) {
  const std::string dir = stoxvp::test::test_path("vcd/");
  std::filesystem::create_directories(dir);
  const std::string vcd = dir + "run.vcd";
  std::ofstream(vcd) << "previous trace";
  stoxvp_platform* p = create_quiet();
  ASSERT_EQ(stoxvp_enable_vcd(p, vcd.c_str()), STOXVP_OK) << stoxvp_last_error();
  ASSERT_EQ(stoxvp_attach_firmware(p, fc_demo_main, nullptr), STOXVP_OK);
  stoxvp_result closed;
  {
    file_size_limit full(1024);  // the fc-demo trace is a few KB
    ASSERT_EQ(stoxvp_run(p, 0, nullptr), STOXVP_OK);
    closed = stoxvp_close_outputs(p);
  }
  EXPECT_EQ(closed, STOXVP_E_IO);
  stoxvp::test::expect_mentions(stoxvp_last_error(), {vcd.c_str(), "write error"});
  stoxvp_destroy(p);
  EXPECT_EQ(slurp(vcd), "previous trace");
  EXPECT_TRUE(strays(dir, {"run.vcd"}).empty()) << "a temporary file was left behind";
}

TEST(Traces, PlatformThatNeverRanLeavesThePreviousTracesAlone) {
  const std::string dir = stoxvp::test::test_path("unrun/");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "t.vcd") << "previous trace";
  std::ofstream(dir + "p.csv") << "previous power";
  stoxvp_platform* p = create_quiet();
  ASSERT_EQ(stoxvp_enable_vcd(p, (dir + "t.vcd").c_str()), STOXVP_OK) << stoxvp_last_error();
  ASSERT_EQ(stoxvp_enable_power_trace(p, nullptr, (dir + "p.csv").c_str()), STOXVP_OK) << stoxvp_last_error();
  stoxvp_destroy(p);  // e.g. the set-up failed after tracing was enabled
  EXPECT_EQ(slurp(dir + "t.vcd"), "previous trace");
  EXPECT_EQ(slurp(dir + "p.csv"), "previous power");
  EXPECT_TRUE(strays(dir, {"t.vcd", "p.csv"}).empty());
}

}  // namespace

namespace {

TEST(Report, CountsMtjSwitchesPerConverterKind) {
  stoxvp_platform* p = create_quiet();
  stoxvp::runner::request req;
  req.model_path = STOXVP_SOURCE_DIR "/models/small_cnn_mtj.sxvm";
  req.count = 2;
  stoxvp::runner::session s(p, req);
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(p, 0, &rr), STOXVP_OK);
  ASSERT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message;
  const std::string path = stoxvp::test::test_path("switches.json");
  ASSERT_EQ(stoxvp_write_report(p, path.c_str()), STOXVP_OK) << stoxvp_last_error();
  stoxvp_destroy(p);
  const auto r = nlohmann::json::parse(std::ifstream(path));
  const auto& mtj = r["accelerator"]["converters"]["mtj"];
  ASSERT_TRUE(mtj.contains("switches")) << mtj.dump();
  EXPECT_GT(mtj["switches"].get<uint64_t>(), 0u);
  EXPECT_LT(mtj["switches"].get<uint64_t>(), mtj["samples"].get<uint64_t>());
  EXPECT_EQ(r["run"]["complete"], true);
}

}  // namespace
