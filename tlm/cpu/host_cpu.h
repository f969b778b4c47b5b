// The host-compiled CPU: runs a firmware entry function (C, compiled for the host) in a SystemC
// thread. The firmware's HAL turns register accesses into TLM transactions on this CPU's socket
// (loosely timed, with a quantum keeper), maps device memory through DMI, and sleeps in
// wait_for_interrupt() until an interrupt line is high. Fast and debuggable with gdb; the
// RISC-V instruction-set simulator runs the same firmware sources cross-compiled.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstdint>
#include <functional>
#include <string>

namespace stoxvp {

class host_cpu : public sc_core::sc_module {
 public:
  using entry_fn = int (*)(void* arg);

  enum class state { idle, running, exited, faulted };

  tlm_utils::simple_initiator_socket<host_cpu> socket;
  sc_core::sc_in<bool> irq_external;  // machine external interrupt (the accelerator)
  sc_core::sc_in<bool> irq_timer;     // machine timer interrupt

  host_cpu(sc_core::sc_module_name name, size_t stack_bytes);
  host_cpu(const host_cpu&) = delete;
  host_cpu& operator=(const host_cpu&) = delete;

  void load(entry_fn entry, void* arg);
  bool loaded() const { return entry_ != nullptr; }

  // Firmware services; valid only while the firmware runs (from its thread).
  uint32_t read32(uint64_t addr);
  void write32(uint64_t addr, uint32_t value);
  void* map(uint64_t addr, uint64_t len);
  void wait_for_interrupt();
  uint64_t accesses() const { return accesses_; }

  // Ends the firmware at its next access (sim_control's EXIT register calls this).
  void request_exit(int code);

  // The CPU whose firmware is executing right now, or nullptr (the C HAL uses this).
  static host_cpu* current();

  state get_state() const { return state_; }
  int exit_code() const { return exit_code_; }
  const std::string& fault() const { return fault_; }

  // Called when the firmware has exited or faulted (the platform pauses the simulation).
  std::function<void()> on_stop;

 private:
  SC_HAS_PROCESS(host_cpu);
  void run();
  void access(tlm::tlm_command cmd, uint64_t addr, uint32_t& data);
  void check_exit();
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  entry_fn entry_ = nullptr;
  void* arg_ = nullptr;
  tlm_utils::tlm_quantumkeeper qk_;
  tlm::tlm_generic_payload trans_;
  tlm::tlm_dmi dmi_;
  bool dmi_valid_ = false;
  state state_ = state::idle;
  bool exit_requested_ = false;
  int exit_code_ = 0;
  std::string fault_;
  uint64_t accesses_ = 0;
};

}  // namespace stoxvp
