// Machine timer in the style of the RISC-V CLINT: a free-running 64-bit MTIME counting at a
// configured frequency, and MTIMECMP; the interrupt line is high while MTIME >= MTIMECMP.
#pragma once

#include "common/register_bank.h"
#include "tlm/devices/timer_regs.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace stoxvp {

class timer : public sc_core::sc_module {
 public:
  static constexpr uint64_t WINDOW = STOXVP_TIMER_WINDOW;

  tlm_utils::simple_target_socket<timer> socket;
  sc_core::sc_out<bool> irq;

  timer(sc_core::sc_module_name name, double frequency_hz, sc_core::sc_time access_latency);
  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;

  uint64_t mtime_at(const sc_core::sc_time& t) const;

 private:
  SC_HAS_PROCESS(timer);
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  void update_irq();  // method, sensitive to compare_event_
  uint64_t mtimecmp() const;

  register_bank bank_;
 public:
  reg32 MTIME_LO;  // reading latches MTIME
  reg32 MTIME_HI;
  reg32 MTIMECMP_LO;
  reg32 MTIMECMP_HI;
  reg32 FREQ_HZ;
 private:
  sc_core::sc_time period_;
  sc_core::sc_time latency_;
  sc_core::sc_time now_;  // local time of the access being served (loosely-timed)
  uint64_t latched_ = 0;
  sc_core::sc_event compare_event_;
};

}  // namespace stoxvp
