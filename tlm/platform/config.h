// The platform's configuration: the address map, every component's parameters and the seed.
// Defaults below are the shipped configuration (configs/default.json states the same values;
// a test keeps the two equal). A JSON file overrides any subset of them.
#pragma once

#include "hw/accel/config.h"
#include "tlm/cpu/riscv_cpu.h"
#include "memory_map.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace stoxvp {

struct memory_region_config {
  uint64_t base = 0;
  uint64_t size = 0;
  double read_latency_ns = 0;
  double write_latency_ns = 0;
  double bandwidth_gbps = 0;  // GB/s; 0: transfer time not modelled
};

struct platform_config {
  std::string source = "<built-in defaults>";
  uint64_t seed = 1;
  double quantum_ns = 1000;    // global quantum of loosely-timed initiators
  double bus_latency_ns = 1;   // per transaction
  memory_region_config sram{STOXVP_MAP_SRAM_BASE, STOXVP_MAP_SRAM_SIZE, 1, 1, 0};
  // DDR4-3200 x64 class: ~50 ns access latency, 25.6 GB/s peak.
  memory_region_config dram{STOXVP_MAP_DRAM_BASE, STOXVP_MAP_DRAM_SIZE, 50, 50, 25.6};
  uint64_t console_base = STOXVP_MAP_CONSOLE_BASE;
  bool console_echo = true;
  uint64_t sim_control_base = STOXVP_MAP_SIM_CONTROL_BASE;
  uint64_t timer_base = STOXVP_MAP_TIMER_BASE;
  double timer_frequency_hz = 10e6;
  double device_latency_ns = 10;  // console, timer and sim_control register accesses
  uint64_t accelerator_base = STOXVP_MAP_ACCEL_BASE;
  hw::accelerator_config accelerator;
  // Technology file (configs/tech/*.json; a relative path is taken from the configuration
  // file's folder); empty: the built-in copy of configs/tech/default.json. The ADC model, when
  // set, overrides the file's choice ("isaac" or "neurosim").
  std::string technology_file;
  std::string adc_model;
  double power_interval_ns = 1000;  // bin of the power trace
  uint64_t power_max_bins = 1000000;  // past it the bins merge pairwise (twice the interval)
  uint64_t host_cpu_stack_bytes = 1ull << 20;
  // The RV32 CPU that runs cross-compiled firmware: 1 GHz, CPI 1 (assumptions: a single-issue
  // in-order core fed from on-chip SRAM), a 100 ms watchdog, no instruction limit.
  riscv_cpu_config riscv_cpu;
};

// Throws config_error naming the file, the field and the value.
platform_config load_platform_config(const std::string& path);
platform_config parse_platform_config(const nlohmann::json& j, const std::string& origin);
nlohmann::json to_json(const platform_config& cfg);
// "0x20000000": how addresses and sizes appear in configuration files and reports.
std::string hex_string(uint64_t v);

}  // namespace stoxvp
