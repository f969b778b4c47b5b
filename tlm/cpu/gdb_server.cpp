#include "gdb_server.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace stoxvp {

gdb_server::gdb_server(gdb_target& target, uint16_t port, bool loopback_only)
    : rsp_(target), loopback_(loopback_only) {
  listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_ < 0) throw std::runtime_error(std::string("gdb server: cannot create a socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(loopback_only ? INADDR_LOOPBACK : INADDR_ANY);
  if (::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_, 1) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_);
    throw std::runtime_error("gdb server: cannot listen on " + std::string(loopback_only ? "127.0.0.1" : "0.0.0.0") +
                             ":" + std::to_string(port) + ": " + why);
  }
  socklen_t len = sizeof a;
  ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
}

gdb_server::~gdb_server() {
  close_client();
  if (listen_ >= 0) ::close(listen_);
}

std::string gdb_server::address() const {
  return std::string(loopback_ ? "127.0.0.1" : "0.0.0.0") + ":" + std::to_string(port_);
}

void gdb_server::wait_for_client() {
  while (client_ < 0) {
    client_ = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client_ < 0 && errno != EINTR)
      throw std::runtime_error("gdb server: accept on " + address() + " failed: " + std::strerror(errno));
  }
  const int one = 1;  // replies are small and gdb waits for each one
  ::setsockopt(client_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void gdb_server::close_client() {
  if (client_ >= 0) ::close(client_);
  client_ = -1;
}

void gdb_server::send(const std::string& bytes) {
  size_t done = 0;
  while (client_ >= 0 && done < bytes.size()) {
    const ssize_t n = ::send(client_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close_client();  // gdb went away; the CPU carries on as if it had detached
      return;
    }
    done += static_cast<size_t>(n);
  }
}

gdb_rsp::action gdb_server::serve(const std::string& stop) {
  if (client_ < 0) return gdb_rsp::action::detach;
  send(stop);
  uint8_t buf[4096];
  for (;;) {
    std::string out;
    const gdb_rsp::action act = rsp_.process(out);
    if (!out.empty()) send(out);
    if (act != gdb_rsp::action::none) return act;
    if (client_ < 0) return gdb_rsp::action::detach;
    const ssize_t n = ::recv(client_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close_client();
      return gdb_rsp::action::detach;
    }
    rsp_.receive(buf, static_cast<size_t>(n));
  }
}

bool gdb_server::poll_interrupt() {
  if (client_ < 0) return false;
  uint8_t buf[256];
  const ssize_t n = ::recv(client_, buf, sizeof buf, MSG_DONTWAIT);
  if (n > 0) rsp_.receive_while_running(buf, static_cast<size_t>(n));
  if (n == 0) close_client();  // gdb went away while the CPU ran: the next stop detaches
  return rsp_.take_interrupt();
}

}  // namespace stoxvp
