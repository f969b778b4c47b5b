// The GDB remote serial protocol as the RISC-V CPU model speaks it, without sockets: bytes from
// gdb go in, bytes for gdb come out, and the session says when the CPU must resume, step,
// detach or end. Kept apart from the transport so that it can be tested and fuzzed on byte
// strings: whatever arrives (garbage, truncated or oversized packets, bad checksums, hostile
// lengths and addresses), the answer is a protocol error reply or a NAK, never a crash, an
// unbounded allocation or a hang.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace stoxvp {

// What the protocol needs of the CPU it debugs. Register numbers are gdb's for RISC-V: x0-x31
// are 0-31, pc is 32, a CSR is 65 + its number (the target description says so).
class gdb_target {
 public:
  virtual ~gdb_target() = default;
  virtual bool read_register(unsigned regnum, uint32_t& value) = 0;
  virtual bool write_register(unsigned regnum, uint32_t value) = 0;
  // Bytes actually transferred (a device may answer only part, or nothing).
  virtual size_t read_memory(uint64_t addr, uint8_t* data, size_t len) = 0;
  virtual size_t write_memory(uint64_t addr, const uint8_t* data, size_t len) = 0;
  // type: 0 software, 1 hardware breakpoint, 2 write, 3 read, 4 access watchpoint.
  virtual bool insert_point(int type, uint64_t addr, uint64_t len) = 0;
  virtual bool remove_point(int type, uint64_t addr, uint64_t len) = 0;
};

class gdb_rsp {
 public:
  enum class action { none, resume, step, detach, kill };
  static constexpr size_t kMaxPacket = 4096;  // what qSupported announces (PacketSize)
  static constexpr size_t kMaxMemory = 2048;  // bytes one m/M/X packet may move

  explicit gdb_rsp(gdb_target& target) : target_(target) {}

  // Appends received bytes. Each call of process() then handles buffered input up to the first
  // command that needs the CPU to act, appending what must be sent to `out`.
  void receive(const uint8_t* data, size_t n);
  action process(std::string& out);
  bool has_input() const { return read_pos_ < in_.size(); }
  // Ctrl-C (0x03) arrived while the CPU ran.
  bool take_interrupt();
  // Scans received bytes for Ctrl-C while the CPU runs; other bytes stay buffered.
  void receive_while_running(const uint8_t* data, size_t n);

  // A stop reply packet ("$T05...#cs") for signal, with an optional "watch:addr;" part.
  std::string stop_packet(int signal, const std::string& reason = "");
  std::string exit_packet(int code);  // W: the program exited
  static std::string frame(const std::string& payload);  // "$payload#cs" with escapes
  static std::string target_xml();

  unsigned protocol_errors() const { return errors_; }

 private:
  std::string dispatch(const std::string& packet, action& act);
  std::string read_registers();
  std::string write_registers(const std::string& hex);
  std::string memory_read(const std::string& args);
  std::string memory_write(const std::string& args, bool binary);
  std::string point(const std::string& args, bool insert);
  std::string query(const std::string& packet);
  std::string resume(const std::string& packet, action& act);

  gdb_target& target_;
  std::string in_;
  size_t read_pos_ = 0;
  enum class parse { idle, data, escape, check1, check2 } state_ = parse::idle;
  std::string packet_;
  uint8_t sum_ = 0, check_ = 0;
  bool overflow_ = false;
  bool ack_ = true;
  bool interrupt_ = false;
  unsigned errors_ = 0;
  int last_signal_ = 5;
};

}  // namespace stoxvp

// libFuzzer-style entry: runs one byte string through a session on a target with a little
// memory, answering every command. Returns 0.
extern "C" int gdb_rsp_fuzz_one(const uint8_t* data, size_t size);
