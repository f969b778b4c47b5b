// Simulation control: the device through which firmware ends the run. Writing EXIT records the
// exit code and tells the platform, which stops the simulation at the end of the current
// evaluation. (Bare-metal firmware has no other way to "return" to the host.)
#pragma once

#include "common/register_bank.h"
#include "tlm/devices/sim_control_regs.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <functional>

namespace stoxvp {

class sim_control : public sc_core::sc_module {
 public:
  static constexpr uint64_t WINDOW = STOXVP_SIM_CONTROL_WINDOW;

  tlm_utils::simple_target_socket<sim_control> socket;
  std::function<void(int exit_code)> on_exit;

  sim_control(sc_core::sc_module_name name, sc_core::sc_time access_latency);
  sim_control(const sim_control&) = delete;
  sim_control& operator=(const sim_control&) = delete;

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);

  register_bank bank_;
 public:
  reg32 EXIT;  // write: exit code (signed 32-bit) of the firmware
 private:
  sc_core::sc_time latency_;
};

}  // namespace stoxvp
