// The transport of the GDB remote serial protocol: one TCP connection from gdb, on loopback
// unless asked otherwise. The CPU model calls it from its SystemC thread only while the CPU is
// halted (serve) or between quanta (poll_interrupt): the socket calls block the whole simulator,
// so simulated time stands still while gdb looks at the target.
#pragma once

#include "gdb_rsp.h"

#include <cstdint>
#include <string>

namespace stoxvp {

class gdb_server {
 public:
  // Listens at once (so a busy port is refused before the run starts); port 0 picks a free one.
  // Throws std::runtime_error naming the address and the reason.
  gdb_server(gdb_target& target, uint16_t port, bool loopback_only = true);
  ~gdb_server();
  gdb_server(const gdb_server&) = delete;
  gdb_server& operator=(const gdb_server&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const;  // "127.0.0.1:1234"
  void wait_for_client();       // blocks until gdb connects
  bool connected() const { return client_ >= 0; }

  // The CPU has stopped: sends `stop` (a framed stop reply) and answers gdb until it resumes
  // the CPU, steps it, detaches or kills it. A lost connection counts as a detach.
  gdb_rsp::action serve(const std::string& stop);
  // Without blocking: did gdb send Ctrl-C while the CPU ran?
  bool poll_interrupt();
  void send(const std::string& bytes);
  void close_client();
  gdb_rsp& rsp() { return rsp_; }

 private:
  gdb_rsp rsp_;
  int listen_ = -1, client_ = -1;
  uint16_t port_ = 0;
  bool loopback_ = true;
};

}  // namespace stoxvp
