#include "sim_control.h"

namespace stoxvp {

sim_control::sim_control(sc_core::sc_module_name name, sc_core::sc_time access_latency)
    : sc_module(name),
      socket("socket"),
      bank_(this->name()),
      EXIT(bank_, "EXIT", STOXVP_SIM_CONTROL_EXIT, reg_access::RW, 0),
      latency_(access_latency) {
  EXIT.on_write = [this](uint32_t) {
    if (on_exit) on_exit(static_cast<int32_t>(EXIT.get()));
  };
  socket.register_b_transport(this, &sim_control::b_transport);
  socket.register_transport_dbg(this, &sim_control::transport_dbg);
}

void sim_control::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  bank_.transport(trans);
  delay += latency_;
}

unsigned int sim_control::transport_dbg(tlm::tlm_generic_payload& trans) {
  return bank_.transport_dbg(trans);
}

}  // namespace stoxvp
