// What the platform needs of a CPU model, whichever way it executes firmware: one TLM initiator
// socket onto the system bus, the machine external and timer interrupt lines, a state the
// platform reads when the simulation pauses, and a way for the simulation-control device to
// end the firmware. host_cpu runs host-compiled firmware; riscv_cpu runs an RV32 image.
#pragma once

#include "common/stats.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <functional>
#include <string>

namespace stoxvp {

class cpu_base : public sc_core::sc_module {
 public:
  enum class state { idle, running, exited, faulted };

  tlm_utils::simple_initiator_socket<cpu_base> socket;
  sc_core::sc_in<bool> irq_external;  // machine external interrupt (the accelerator)
  sc_core::sc_in<bool> irq_timer;     // machine timer interrupt
  sc_core::sc_out<bool> sleeping;     // high while the CPU waits for an interrupt (VCD)

  cpu_base(const cpu_base&) = delete;
  cpu_base& operator=(const cpu_base&) = delete;

  // Called when the firmware has exited or faulted (the platform pauses the simulation).
  std::function<void()> on_stop;

  // Ends the firmware at the end of the current access (sim_control's EXIT register).
  virtual void request_exit(int code) = 0;
  // True when firmware is attached; without it the CPU stays in reset.
  virtual bool loaded() const = 0;
  // Why the CPU does not run while nothing else is left to simulate ("sleeps in WFI at ...").
  virtual std::string waiting_for() const = 0;
  // Instructions executed so far (0 for host-compiled firmware, which executes none).
  virtual uint64_t instructions() const { return 0; }
  // The report's "cpu" section.
  virtual void stats(stat_group& g) const = 0;

  state get_state() const { return state_; }
  int exit_code() const { return exit_code_; }
  const std::string& fault() const { return fault_; }
  uint64_t accesses() const { return accesses_; }  // bus transactions (not DMI accesses)
  bool asleep() const { return asleep_; }

 protected:
  explicit cpu_base(sc_core::sc_module_name name)
      : sc_module(name), socket("socket"), irq_external("irq_external"), irq_timer("irq_timer"),
        sleeping("sleeping") {
    socket.register_invalidate_direct_mem_ptr(this, &cpu_base::invalidate_direct_mem_ptr);
  }
  virtual void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) = 0;

  state state_ = state::idle;
  int exit_code_ = 0;
  std::string fault_;
  uint64_t accesses_ = 0;
  void set_asleep(bool v) {
    asleep_ = v;
    sleeping.write(v);
  }

 private:
  bool asleep_ = false;
};

}  // namespace stoxvp
