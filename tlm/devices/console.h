// Console: firmware writes characters to TXDATA; completed lines go to the host's stdout (when
// echo is on) and are kept, so the C API and the tests can read what the firmware printed.
#pragma once

#include "common/register_bank.h"
#include "tlm/devices/console_regs.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <string>

namespace stoxvp {

class console : public sc_core::sc_module {
 public:
  static constexpr uint64_t WINDOW = STOXVP_CONSOLE_WINDOW;

  tlm_utils::simple_target_socket<console> socket;

  console(sc_core::sc_module_name name, bool echo, sc_core::sc_time access_latency);
  console(const console&) = delete;
  console& operator=(const console&) = delete;

  const std::string& output() const { return output_; }
  void flush();  // prints a pending partial line

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  void put(char c);

  register_bank bank_;
 public:
  reg32 TXDATA;  // write: low byte is output; reads 0
  reg32 STATUS;  // bit 0: transmitter ready (always)
 private:
  bool echo_;
  sc_core::sc_time latency_;
  std::string output_;
  std::string line_;
};

}  // namespace stoxvp
