// Firmware end to end on the whole platform through the C API: results checked against an
// independent reference, faults, exits, time limits, and the C API's refusals.
#include "fc_demo/fc_demo.h"
#include "hal.h"
#include "stoxvp.h"
#include "stoxvp_drv.h"
#include "support/files.h"
#include "support/kernel.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <random>

namespace {

struct platform_guard {
  stoxvp_platform* p = nullptr;
  ~platform_guard() { stoxvp_destroy(p); }
};

stoxvp_platform* create_quiet() {
  stoxvp_platform* p = nullptr;
  const stoxvp_result r =
      stoxvp_create_from_json(R"({"console": {"echo": false}})", "test config", &p);
  EXPECT_EQ(r, STOXVP_OK) << stoxvp_last_error();
  return p;
}

TEST(FirmwareE2E, FcDemoPassesOnThePlatform) {
  platform_guard g;
  ASSERT_EQ(stoxvp_create(STOXVP_SOURCE_DIR "/configs/default.json", &g.p), STOXVP_OK)
      << stoxvp_last_error();
  ASSERT_EQ(stoxvp_attach_firmware(g.p, fc_demo_main, nullptr), STOXVP_OK);
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK) << stoxvp_last_error();
  EXPECT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message;
  EXPECT_EQ(rr.exit_code, 0) << stoxvp_console_output(g.p);
  EXPECT_NE(std::string(stoxvp_console_output(g.p)).find("PASS"), std::string::npos);
  stoxvp_stats st{};
  ASSERT_EQ(stoxvp_get_stats(g.p, &st), STOXVP_OK);
  EXPECT_EQ(st.accel_descriptors, 36u);  // 2 programs + 2 x 16 layers + 2 interrupt fences
  EXPECT_EQ(st.accel_macs, 16u * (256 * 64 + 64 * 10));
  EXPECT_EQ(st.accel_conversions, 0u) << "ideal converters";
  EXPECT_EQ(st.accel_errors, 0u);
  EXPECT_GT(rr.sim_time_ps, st.accel_busy_ps);
}

// A firmware that programs a convolution's weights into the crossbars and runs it with ideal
// converters (raw int32 accumulators out), as described by its argument.
struct conv_job {
  stoxvp_conv_args conv;
  uint64_t weights;
  int rc = -100;
};

int conv_job_firmware(void* arg) {
  auto* job = static_cast<conv_job*>(arg);
  stoxvp_dev dev;
  job->rc = stoxvp_drv_init(&dev, hal_region_base(HAL_ACCEL), hal_region_base(HAL_DRAM), 16);
  if (job->rc) return 1;
  const auto& c = job->conv;
  struct stoxvp_desc d;
  stoxvp_desc_program(&d, job->weights, uint32_t(c.in_channels) * c.kernel_h * c.kernel_w,
                      c.out_channels, c.array_base, c.w_bits, c.w_slice);
  job->rc = stoxvp_drv_submit(&dev, &d);
  stoxvp_desc_conv(&d, STOXVP_OP_XBAR_CONV, &c);
  if (job->rc == 0) job->rc = stoxvp_drv_submit(&dev, &d);
  if (job->rc == 0) job->rc = stoxvp_drv_wait(&dev);
  return job->rc == 0 ? 0 : 1;
}

TEST(FirmwareE2E, CrossbarConvolutionMatchesAnIndependentReference) {
  platform_guard g;
  g.p = create_quiet();
  uint64_t dram = 0;
  ASSERT_EQ(stoxvp_region(g.p, "dram", &dram, nullptr), STOXVP_OK);
  // 20 x 9 x 7 input, 3x3 kernel, stride 2, pad 1, 37 outputs: K = 180 over two row chunks.
  conv_job job{};
  auto& c = job.conv;
  c.input_addr = dram + 0x10000;
  c.output_addr = dram + 0x20000;
  c.in_channels = 20;
  c.in_h = 9;
  c.in_w = 7;
  c.out_channels = 37;
  c.kernel_h = c.kernel_w = 3;
  c.stride = 2;
  c.pad = 1;
  c.array_base = 5;
  c.w_bits = 6;
  c.w_slice = 2;
  c.a_bits = 5;
  c.a_stream = 3;
  c.out_format = STOXVP_OUT_INT32;
  job.weights = dram + 0x40000;
  const int K = 20 * 9, N = 37, OH = 5, OW = 4;
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> wd(-31, 31), ad(-15, 15);
  std::vector<int8_t> x(20 * 9 * 7), w(N * K);
  for (auto& v : x) v = static_cast<int8_t>(ad(rng));
  for (auto& v : w) v = static_cast<int8_t>(wd(rng));
  ASSERT_EQ(stoxvp_mem_write(g.p, c.input_addr, x.data(), x.size()), STOXVP_OK) << stoxvp_last_error();
  ASSERT_EQ(stoxvp_mem_write(g.p, job.weights, w.data(), w.size()), STOXVP_OK);
  ASSERT_EQ(stoxvp_attach_firmware(g.p, conv_job_firmware, &job), STOXVP_OK);
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  ASSERT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message;
  ASSERT_EQ(job.rc, 0) << stoxvp_drv_error_name(job.rc);
  std::vector<int32_t> y(N * OH * OW);
  ASSERT_EQ(stoxvp_mem_read(g.p, c.output_addr, y.data(), y.size() * 4), STOXVP_OK);
  for (int n = 0; n < N; ++n)
    for (int oy = 0; oy < OH; ++oy)
      for (int ox = 0; ox < OW; ++ox) {
        int64_t acc = 0;
        for (int ci = 0; ci < 20; ++ci)
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
              const int iy = oy * 2 + ky - 1, ix = ox * 2 + kx - 1;
              if (iy < 0 || ix < 0 || iy >= 9 || ix >= 7) continue;
              acc += int64_t(x[(ci * 9 + iy) * 7 + ix]) * w[((n * 20 + ci) * 3 + ky) * 3 + kx];
            }
        EXPECT_EQ(y[(n * OH + oy) * OW + ox], acc) << "n=" << n << " y=" << oy << " x=" << ox;
      }
}

int bad_descriptor_firmware(void* arg) {
  auto* out = static_cast<int*>(arg);
  stoxvp_dev dev;
  const hal_addr_t dram = hal_region_base(HAL_DRAM);
  if (stoxvp_drv_init(&dev, hal_region_base(HAL_ACCEL), dram, 4)) return 1;
  struct stoxvp_desc d;
  stoxvp_desc_program(&d, dram + 0x2000, 0, 4, 0, 4, 3);  // K = 0
  stoxvp_drv_submit(&dev, &d);
  out[0] = stoxvp_drv_wait(&dev);
  out[1] = static_cast<int>(stoxvp_drv_error_slot(&dev));
  if (stoxvp_drv_reset(&dev)) return 2;
  stoxvp_desc_program(&d, dram + 0x2000, 8, 4, 0, 4, 3);
  stoxvp_drv_submit(&dev, &d);
  out[2] = stoxvp_drv_wait(&dev);
  return 0;
}

TEST(FirmwareE2E, DriverSeesHardwareErrorsAndRecovers) {
  platform_guard g;
  g.p = create_quiet();
  int out[3] = {-1, -1, -1};
  ASSERT_EQ(stoxvp_attach_firmware(g.p, bad_descriptor_firmware, out), STOXVP_OK);
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  EXPECT_EQ(rr.exit_code, 0);
  EXPECT_EQ(out[0], STOXVP_ERR_BAD_SHAPE);
  EXPECT_STREQ(stoxvp_drv_error_name(out[0]), "BAD_SHAPE");
  EXPECT_EQ(out[1], 0);
  EXPECT_EQ(out[2], 0);
}

// The driver's discovery call on a chip of two crossbar groups (issue 10, item 5): what the
// configuration said, read back through the register map by firmware.
int discovery_firmware(void* arg) {
  auto* chip = static_cast<stoxvp_chip*>(arg);
  stoxvp_dev dev;
  if (stoxvp_drv_init(&dev, hal_region_base(HAL_ACCEL), hal_region_base(HAL_DRAM), 16) != 0) return 1;
  *chip = dev.chip;
  return dev.rows == 256 && dev.cols == 64 && dev.tiles == 2 ? 0 : 2;  // HWCFG: the first group
}

TEST(FirmwareE2E, DriverDiscoversEveryTileGroup) {
  platform_guard g;
  ASSERT_EQ(stoxvp_create_from_json(R"({"console": {"echo": false}, "accelerator": {"tile_groups": [
      {"kind": "xbar", "count": 2, "nodes": [0, 1], "xbar": {"array_rows": 256, "array_cols": 64, "arrays_per_tile": 4}},
      {"kind": "xbar", "count": 3, "nodes": [13, 14, 15], "xbar": {"cell_bits": 2}}]}})",
                                    "groups config", &g.p),
            STOXVP_OK)
      << stoxvp_last_error();
  stoxvp_chip chip{};
  ASSERT_EQ(stoxvp_attach_firmware(g.p, discovery_firmware, &chip), STOXVP_OK);
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  EXPECT_EQ(rr.exit_code, 0);
  ASSERT_EQ(chip.groups, 2u);
  EXPECT_EQ(chip.group[0].kind, uint32_t(STOXVP_TILE_KIND_XBAR));
  EXPECT_EQ(chip.group[0].xbar.rows, 256u);
  EXPECT_EQ(chip.group[0].xbar.cols, 64u);
  EXPECT_EQ(chip.group[0].xbar.arrays_per_tile, 4u);
  EXPECT_EQ(chip.group[0].xbar.first_array, 0u);
  EXPECT_EQ(chip.group[1].first_tile, 2u);
  EXPECT_EQ(chip.group[1].first_node, 13u);
  EXPECT_EQ(chip.group[1].tiles, 3u);
  EXPECT_EQ(chip.group[1].xbar.rows, 128u);
  EXPECT_EQ(chip.group[1].xbar.cell_bits, 2u);
  EXPECT_EQ(chip.group[1].xbar.first_array, 8u);
  EXPECT_EQ(stoxvp_xbar_group_arrays(&chip.group[1]), 24u);
  EXPECT_EQ(stoxvp_chip_find(&chip, STOXVP_TILE_KIND_XBAR), &chip.group[0]);
}

int unmapped_firmware(void* arg) {
  hal_read32(0x50000000);
  *static_cast<bool*>(arg) = true;  // must not be reached
  return 0;
}

TEST(FirmwareE2E, UnmappedAccessFromFirmwareIsReportedWithItsAddress) {
  stoxvp::test::log_capture log;
  platform_guard g;
  g.p = create_quiet();
  bool continued = false;
  ASSERT_EQ(stoxvp_attach_firmware(g.p, unmapped_firmware, &continued), STOXVP_OK);
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  EXPECT_EQ(rr.reason, STOXVP_STOP_FAULT);
  EXPECT_NE(std::string(rr.message).find("0x0000000050000000"), std::string::npos) << rr.message;
  EXPECT_NE(std::string(rr.message).find("read"), std::string::npos) << rr.message;
  EXPECT_FALSE(continued) << "the firmware ran on after a bus error";
  EXPECT_TRUE(log.contains({"bus", "cpu read", "0x0000000050000000", "no target"})) << log.all();
}

int mapping_registers_firmware(void*) {
  hal_map(hal_region_base(HAL_ACCEL), 4);  // registers are not memory
  return 0;
}

TEST(FirmwareE2E, MappingNonMemoryIsAFault) {
  platform_guard g;
  g.p = create_quiet();
  ASSERT_EQ(stoxvp_attach_firmware(g.p, mapping_registers_firmware, nullptr), STOXVP_OK);
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  EXPECT_EQ(rr.reason, STOXVP_STOP_FAULT);
  EXPECT_NE(std::string(rr.message).find("0x0000000040000000"), std::string::npos) << rr.message;
}

int exit_firmware(void* arg) {
  hal_exit(5);
  *static_cast<bool*>(arg) = true;  // must not be reached
  return 0;
}

TEST(FirmwareE2E, ExitThroughSimControlEndsTheRunWithItsCode) {
  platform_guard g;
  g.p = create_quiet();
  bool continued = false;
  ASSERT_EQ(stoxvp_attach_firmware(g.p, exit_firmware, &continued), STOXVP_OK);
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  EXPECT_EQ(rr.reason, STOXVP_STOP_EXIT);
  EXPECT_EQ(rr.exit_code, 5);
  EXPECT_FALSE(continued);
}

int busy_firmware(void*) {
  for (int i = 0; i < 2000; ++i) hal_time_ns();  // ~2000 x 2 timer reads of 11 ns
  return 3;
}

TEST(FirmwareE2E, TimeLimitStopsTheRunAndARunResumes) {
  platform_guard g;
  g.p = create_quiet();
  ASSERT_EQ(stoxvp_attach_firmware(g.p, busy_firmware, nullptr), STOXVP_OK);
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 5000000 /* 5 us */, &rr), STOXVP_OK);
  EXPECT_EQ(rr.reason, STOXVP_STOP_TIME_LIMIT);
  EXPECT_EQ(rr.sim_time_ps, 5000000u);
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  EXPECT_EQ(rr.reason, STOXVP_STOP_EXIT);
  EXPECT_EQ(rr.exit_code, 3);
  EXPECT_GT(rr.sim_time_ps, 5000000u);
}

int sleeping_firmware(void*) {
  hal_wait_for_interrupt();  // nothing will ever interrupt
  return 0;
}

TEST(FirmwareE2E, WaitingForAnInterruptThatNeverComesEndsIdleNotHung) {
  platform_guard g;
  g.p = create_quiet();
  ASSERT_EQ(stoxvp_attach_firmware(g.p, sleeping_firmware, nullptr), STOXVP_OK);
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  EXPECT_EQ(rr.reason, STOXVP_STOP_IDLE);
  EXPECT_NE(std::string(rr.message).find("interrupt"), std::string::npos) << rr.message;
}

bool unreached = false;  // for exit_firmware in tests that do not check it

TEST(CApi, OnePlatformAtATimeAndANewOneAfterDestroy) {
  stoxvp_platform* a = create_quiet();
  ASSERT_NE(a, nullptr);
  stoxvp_platform* b = nullptr;
  EXPECT_EQ(stoxvp_create(nullptr, &b), STOXVP_E_STATE);
  EXPECT_EQ(b, nullptr);
  EXPECT_NE(std::string(stoxvp_last_error()).find("already exists"), std::string::npos);
  ASSERT_EQ(stoxvp_attach_firmware(a, exit_firmware, &unreached), STOXVP_OK);
  ASSERT_EQ(stoxvp_run(a, 0, nullptr), STOXVP_OK);
  stoxvp_destroy(a);
  // A second platform in the same process gets a fresh kernel and works as the first did.
  platform_guard g;
  g.p = create_quiet();
  ASSERT_NE(g.p, nullptr);
  ASSERT_EQ(stoxvp_attach_firmware(g.p, fc_demo_main, nullptr), STOXVP_OK);
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  EXPECT_EQ(rr.reason, STOXVP_STOP_EXIT);
  EXPECT_EQ(rr.exit_code, 0);
}

TEST(CApi, RefusesBadArgumentsWithMessages) {
  EXPECT_EQ(stoxvp_create(nullptr, nullptr), STOXVP_E_ARGUMENT);
  EXPECT_EQ(stoxvp_run(nullptr, 0, nullptr), STOXVP_E_ARGUMENT);
  EXPECT_NE(std::string(stoxvp_last_error()).find("NULL"), std::string::npos);
  stoxvp_destroy(nullptr);  // harmless
  platform_guard g;
  g.p = create_quiet();
  EXPECT_EQ(stoxvp_attach_firmware(g.p, nullptr, nullptr), STOXVP_E_FIRMWARE);
  EXPECT_EQ(stoxvp_mem_write(g.p, 0x80000000, nullptr, 4), STOXVP_E_ARGUMENT);
  EXPECT_EQ(stoxvp_region(g.p, "flash", nullptr, nullptr), STOXVP_E_ARGUMENT);
  EXPECT_NE(std::string(stoxvp_last_error()).find("'flash'"), std::string::npos);
  EXPECT_EQ(stoxvp_enable_vcd(g.p, ""), STOXVP_E_ARGUMENT);
  EXPECT_EQ(stoxvp_report_add(g.p, "x", "{not json"), STOXVP_E_ARGUMENT);
}

TEST(CApi, MemoryAccessOutsideTheMapWritesNothing) {
  platform_guard g;
  g.p = create_quiet();
  uint64_t base = 0, size = 0;
  ASSERT_EQ(stoxvp_region(g.p, "dram", &base, &size), STOXVP_OK);
  const uint8_t ones[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_EQ(stoxvp_mem_write(g.p, base + size - 8, ones, 16), STOXVP_E_ADDRESS);
  EXPECT_NE(std::string(stoxvp_last_error()).find("0x0000000090000000"), std::string::npos)
      << stoxvp_last_error();
  uint8_t back[8] = {9, 9, 9, 9, 9, 9, 9, 9};
  ASSERT_EQ(stoxvp_mem_read(g.p, base + size - 8, back, 8), STOXVP_OK) << stoxvp_last_error();
  for (uint8_t v : back) EXPECT_EQ(v, 0) << "part of a refused write landed";
  EXPECT_EQ(stoxvp_mem_read(g.p, 0x0, back, 4), STOXVP_E_ADDRESS);
}

TEST(CApi, BadConfigurationFileIsReportedByName) {
  stoxvp_platform* p = nullptr;
  EXPECT_EQ(stoxvp_create("/nonexistent/cfg.json", &p), STOXVP_E_CONFIG);
  EXPECT_EQ(p, nullptr);
  EXPECT_NE(std::string(stoxvp_last_error()).find("/nonexistent/cfg.json"), std::string::npos);
  EXPECT_EQ(stoxvp_create_from_json(R"({"accelerator": {"base": "0x80000000"}})", "clash", &p),
            STOXVP_E_CONFIG);
  EXPECT_NE(std::string(stoxvp_last_error()).find("overlaps"), std::string::npos)
      << stoxvp_last_error();
  // A failed create leaves the process able to create a good platform.
  platform_guard g;
  g.p = create_quiet();
  EXPECT_NE(g.p, nullptr);
}

TEST(CApi, TracingAfterStartAndUnwritablePathsAreRefused) {
  platform_guard g;
  g.p = create_quiet();
  EXPECT_EQ(stoxvp_enable_vcd(g.p, "/nonexistent-dir/x.vcd"), STOXVP_E_IO);
  EXPECT_NE(std::string(stoxvp_last_error()).find("/nonexistent-dir/x.vcd"), std::string::npos);
  ASSERT_EQ(stoxvp_attach_firmware(g.p, exit_firmware, &unreached), STOXVP_OK);
  ASSERT_EQ(stoxvp_run(g.p, 0, nullptr), STOXVP_OK);
  EXPECT_EQ(stoxvp_enable_vcd(g.p, (stoxvp::test::test_path("late.vcd")).c_str()), STOXVP_E_STATE);
  EXPECT_EQ(stoxvp_attach_firmware(g.p, exit_firmware, nullptr), STOXVP_E_STATE);
  EXPECT_EQ(stoxvp_write_report(g.p, "/nonexistent-dir/r.json"), STOXVP_E_IO);
}

TEST(CApi, ReportDescribesTheRunAndItsComponents) {
  platform_guard g;
  g.p = create_quiet();
  ASSERT_EQ(stoxvp_attach_firmware(g.p, fc_demo_main, nullptr), STOXVP_OK);
  ASSERT_EQ(stoxvp_run(g.p, 0, nullptr), STOXVP_OK);
  ASSERT_EQ(stoxvp_report_add(g.p, "firmware", R"({"name": "fc-demo"})"), STOXVP_OK);
  const std::string path = stoxvp::test::test_path("report.json");
  ASSERT_EQ(stoxvp_write_report(g.p, path.c_str()), STOXVP_OK) << stoxvp_last_error();
  const auto j = nlohmann::json::parse(std::ifstream(path));
  EXPECT_EQ(j["run"]["stop_reason"], "exit");
  EXPECT_EQ(j["run"]["exit_code"], 0);
  EXPECT_EQ(j["accelerator"]["descriptors"], 36);
  EXPECT_EQ(j["config"]["accelerator"]["array_rows"], 128);
  EXPECT_EQ(j["firmware"]["name"], "fc-demo");
  EXPECT_GT(j["run"]["sim_time_ns"].get<double>(), 0.0);
}

}  // namespace
