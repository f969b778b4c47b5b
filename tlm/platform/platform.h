// The virtual platform: CPU, system bus, SRAM, DRAM, console, timer, simulation control and the
// accelerator, assembled from a platform_config. One platform per SystemC simulation context;
// the C API gives each platform a fresh context.
#pragma once

#include "config.h"
#include "hw/accel/accelerator.h"
#include "hw/accel/cost/tech_file.h"
#include "tlm/bus/bus.h"
#include "tlm/cpu/host_cpu.h"
#include "tlm/cpu/riscv_cpu.h"
#include "tlm/devices/console.h"
#include "tlm/devices/sim_control.h"
#include "tlm/devices/timer.h"
#include "tlm/memory/memory.h"

#include <nlohmann/json.hpp>
#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>

#include <atomic>
#include <memory>
#include <string>

namespace stoxvp {

// The loader's and debugger's way in: debug transport through the system bus.
class debug_port : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<debug_port> socket;
  explicit debug_port(sc_core::sc_module_name name) : sc_module(name), socket("socket") {}
  // Number of bytes actually transferred (short when the range leaves mapped memory).
  uint64_t transfer(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint64_t len);
};

// stalled: the no-progress watchdog fired; interrupted: request_stop() (a signal) ended the run.
enum class stop_reason { exit, fault, time_limit, idle, stalled, interrupted };
const char* to_string(stop_reason r);

struct run_result {
  stop_reason reason = stop_reason::idle;
  int exit_code = 0;
  sc_core::sc_time sim_time;
  std::string message;  // fault description, or what the firmware was waiting for when idle
};

class output_file;
class vcd_pipe;

class platform {
 public:
  explicit platform(const platform_config& cfg);  // throws config_error (address map)
  ~platform();
  platform(const platform&) = delete;
  platform& operator=(const platform&) = delete;

  // Firmware, before the first run. The first attach chooses the CPU: host-compiled firmware
  // (an entry function) or an RV32 image on the instruction-set simulator; attaching the other
  // kind afterwards throws std::logic_error, attaching the same kind again replaces it.
  void attach_firmware(host_cpu::entry_fn entry, void* arg);
  // Reads and checks the ELF (firmware_error naming the file, field and value; every loadable
  // segment must lie in SRAM or DRAM) and writes its segments into memory.
  void attach_elf(const std::string& path);
  // The RV32 CPU once an image is attached (nullptr before, and for host-compiled firmware).
  riscv_cpu* riscv() const { return riscv_cpu_; }
  // Must precede the first run. '.vcd' is the file's extension; it is added when missing.
  // The trace goes to a temporary file beside `path` and replaces `path` only when
  // close_outputs() succeeds (output_error otherwise, and nothing is left behind).
  void enable_vcd(const std::string& path);
  // Power per component group over time, as real-valued VCD signals and as CSV, in bins of the
  // configuration's power_trace.interval_ns; written by close_outputs(). Before the first run.
  void enable_power_trace(const std::string& vcd_path, const std::string& csv_path);
  // A timeline of the run as Chrome trace-event JSON (timeline.h): the CPU (running, asleep, in
  // an interrupt), the command processor's descriptors, the layers, the DMA, every tile and NoC
  // link; written by close_outputs(). Before the first run.
  void enable_timeline(const std::string& path);
  // Runs until the firmware exits or faults, the simulation has nothing left to do, `limit` of
  // simulated time has passed in this call (SC_ZERO_TIME: no limit), the stall watchdog fires,
  // or request_stop() was called.
  run_result run(const sc_core::sc_time& limit);
  // No-progress watchdog: a run stops as `stalled` when, for `window` of simulated time,
  // nothing was written to SRAM or DRAM, the accelerator completed no descriptor and did no
  // work, and the console printed nothing (SC_ZERO_TIME: off, the default of the platform).
  void set_stall_window(const sc_core::sc_time& window) { stall_window_ = window; }
  // Asks the running simulation to stop at the next safe point (within 100 us of simulated
  // time, between kernel steps); async-signal-safe, callable from a signal handler.
  static void request_stop() { stop_requested_.store(true); }
  // Closes the VCD and writes the power traces, each renamed into place only when complete;
  // throws output_error naming the first file that failed (the others are still finished).
  // No run is possible afterwards. The destructor does this too, ignoring failures.
  void close_outputs();
  // Writes the report (temporary file, renamed when complete). Throws output_error naming the
  // file, or the field, when a number is not finite: JSON has no infinity, and writing null
  // for it would pass a broken figure off as a missing one.
  void write_report(const std::string& path) const;

  // True when [addr, addr + len) lies in mapped windows; otherwise `first_unmapped` says where
  // the range leaves them.
  bool mapped(uint64_t addr, uint64_t len, uint64_t& first_unmapped) const;
  // Seed of every stochastic model; before the first run.
  void set_seed(uint64_t seed);
  // Debug-transport access to the address map; false when part of the range is unmapped.
  bool mem_read(uint64_t addr, void* dst, uint64_t len);
  bool mem_write(uint64_t addr, const void* src, uint64_t len);

  // Energy so far: the accelerator's (dynamic and leakage, its DMA's DRAM traffic included),
  // the system bus's, the CPU's.
  struct energy_totals {
    double accelerator_pj = 0, bus_pj = 0, cpu_pj = 0, total_pj = 0;
  };
  energy_totals energy() const;
  // Statistics of every component and the last run, as written to the JSON report.
  nlohmann::json report() const;
  // Adds a section to the report (firmware results, for example).
  void add_report_section(const std::string& key, nlohmann::json value);

  const platform_config& config() const { return cfg_; }
  const tech_file& technology() const { return tech_; }
  stoxvp::bus& system_bus() { return *bus_; }
  hw::accelerator& accelerator() { return *accel_; }
  // The CPU; before any firmware is attached, a host CPU without firmware is created.
  cpu_base& cpu();
  const cpu_base* cpu_model() const { return cpu_.get(); }
  stoxvp::console& console() { return *console_; }
  memory& dram() { return *dram_; }
  memory& sram() { return *sram_; }
  bool started() const { return started_; }
  const std::string& vcd_path() const { return vcd_path_; }

 private:
  bool debug_access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint64_t len);

  void write_power_trace();
  void write_timeline_file();
  bool stopped() const;  // the firmware exited or faulted
  uint64_t progress_signature() const;

  platform_config cfg_;
  tech_file tech_;
  std::string power_vcd_, power_csv_;
  // Created when tracing is enabled (so an unwritable directory is refused before the run),
  // filled and committed by close_outputs().
  std::unique_ptr<output_file> power_vcd_out_, power_csv_out_;
  std::unique_ptr<stoxvp::bus> bus_;
  std::unique_ptr<memory> sram_, dram_;
  std::unique_ptr<stoxvp::console> console_;
  std::unique_ptr<stoxvp::timer> timer_;
  std::unique_ptr<sim_control> sim_control_;
  std::unique_ptr<hw::accelerator> accel_;
  void create_cpu(std::unique_ptr<cpu_base> cpu);
  std::unique_ptr<cpu_base> cpu_;
  host_cpu* host_cpu_ = nullptr;    // cpu_ when it is the host CPU
  riscv_cpu* riscv_cpu_ = nullptr;  // cpu_ when it is the RISC-V CPU
  std::unique_ptr<debug_port> debug_;
  std::unique_ptr<sc_core::sc_signal<bool>> accel_irq_, timer_irq_, cpu_sleeping_;
  sc_core::sc_trace_file* vcd_ = nullptr;
  std::unique_ptr<vcd_pipe> vcd_pipe_;
  std::string vcd_path_;
  bool started_ = false;
  bool outputs_closed_ = false;
  sc_core::sc_time stall_window_ = sc_core::SC_ZERO_TIME;
  static std::atomic<bool> stop_requested_;
  bool exited_ = false;
  int exit_code_ = 0;
  run_result last_;
  double wall_seconds_ = 0;
  nlohmann::json extra_ = nlohmann::json::object();
  std::unique_ptr<output_file> timeline_out_;
  std::string timeline_path_;
  std::vector<std::pair<uint64_t, int>> cpu_states_;  // (ps, 0 running / 1 asleep / 2 interrupt)
};

}  // namespace stoxvp
