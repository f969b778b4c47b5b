#include "console.h"

#include <cstdio>

namespace stoxvp {

console::console(sc_core::sc_module_name name, bool echo, sc_core::sc_time access_latency)
    : sc_module(name),
      socket("socket"),
      bank_(this->name()),
      TXDATA(bank_, "TXDATA", STOXVP_CONSOLE_TXDATA, reg_access::RW, 0, 0xFF),
      STATUS(bank_, "STATUS", STOXVP_CONSOLE_STATUS, reg_access::RO, 1),
      echo_(echo),
      latency_(access_latency) {
  TXDATA.on_write = [this](uint32_t) {
    put(static_cast<char>(TXDATA.get() & 0xFF));
    TXDATA.set(0);
  };
  socket.register_b_transport(this, &console::b_transport);
  socket.register_transport_dbg(this, &console::transport_dbg);
}

void console::put(char c) {
  output_.push_back(c);
  if (c == '\n') {
    if (echo_) {
      std::fwrite(line_.data(), 1, line_.size(), stdout);
      std::fputc('\n', stdout);
      std::fflush(stdout);
    }
    line_.clear();
  } else {
    line_.push_back(c);
  }
}

void console::flush() {
  if (!line_.empty()) put('\n');
}

void console::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  bank_.transport(trans);
  delay += latency_;
}

unsigned int console::transport_dbg(tlm::tlm_generic_payload& trans) {
  return bank_.transport_dbg(trans);
}

}  // namespace stoxvp
