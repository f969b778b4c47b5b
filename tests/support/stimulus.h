// A stimulus module for model tests: an initiator socket and an interrupt input, driven by a
// test body that runs in a SystemC thread (so the model under test can consume time).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstring>
#include <functional>

namespace stoxvp::test {

class stimulus : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<stimulus> socket;
  sc_core::sc_in<bool> irq;
  std::function<void(stimulus&)> body;
  bool finished = false;

  explicit stimulus(sc_core::sc_module_name name) : sc_module(name), socket("socket"), irq("irq") {
    SC_THREAD(run);
  }

  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(static_cast<unsigned char*>(data));
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(t, delay);
    wait(delay);
    return t.get_response_status();
  }
  uint32_t read32(uint64_t addr, tlm::tlm_response_status* st = nullptr) {
    uint32_t v = 0xDEADBEEF;
    const auto s = access(tlm::TLM_READ_COMMAND, addr, &v, 4);
    if (st) *st = s;
    return v;
  }
  tlm::tlm_response_status write32(uint64_t addr, uint32_t v) {
    return access(tlm::TLM_WRITE_COMMAND, addr, &v, 4);
  }
  // Waits until the interrupt is high or `timeout` passes; returns the line's level.
  bool wait_irq(const sc_core::sc_time& timeout) {
    if (!irq.read()) wait(timeout, irq.posedge_event());
    return irq.read();
  }

 private:
  SC_HAS_PROCESS(stimulus);
  void run() {
    if (body) body(*this);
    finished = true;
  }
};

}  // namespace stoxvp::test
