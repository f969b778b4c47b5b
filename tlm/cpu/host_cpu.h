// The host-compiled CPU: runs a firmware entry function (C, compiled for the host) in a SystemC
// thread. The firmware's HAL turns register accesses into TLM transactions on this CPU's socket
// (loosely timed, with a quantum keeper), maps device memory through DMI, and sleeps in
// wait_for_interrupt() until an interrupt line is high. Fast and debuggable with gdb; the
// RISC-V instruction-set simulator runs the same firmware sources cross-compiled.
#pragma once

#include "cpu_base.h"

#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstdint>
#include <string>

namespace stoxvp {

class host_cpu : public cpu_base {
 public:
  using entry_fn = int (*)(void* arg);

  host_cpu(sc_core::sc_module_name name, size_t stack_bytes);

  void load(entry_fn entry, void* arg);
  bool loaded() const override { return entry_ != nullptr; }
  std::string waiting_for() const override;
  void stats(stat_group& g) const override;

  // Firmware services; valid only while the firmware runs (from its thread).
  uint32_t read32(uint64_t addr);
  void write32(uint64_t addr, uint32_t value);
  void* map(uint64_t addr, uint64_t len);
  void wait_for_interrupt();

  void request_exit(int code) override;

  // The CPU whose firmware is executing right now, or nullptr (the C HAL uses this).
  static host_cpu* current();

 private:
  SC_HAS_PROCESS(host_cpu);
  void run();
  void access(tlm::tlm_command cmd, uint64_t addr, uint32_t& data);
  void check_exit();
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override;

  entry_fn entry_ = nullptr;
  void* arg_ = nullptr;
  tlm_utils::tlm_quantumkeeper qk_;
  tlm::tlm_generic_payload trans_;
  tlm::tlm_dmi dmi_;
  bool dmi_valid_ = false;
  bool exit_requested_ = false;
  uint64_t sleeps_ = 0;
};

}  // namespace stoxvp
