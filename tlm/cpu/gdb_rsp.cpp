#include "gdb_rsp.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

namespace stoxvp {
namespace {

constexpr size_t kMaxBuffered = 64 * 1024;  // unprocessed input kept; beyond it bytes are dropped

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A whole field of 1 to 16 hex digits.
bool parse_hex(const std::string& s, uint64_t& v) {
  if (s.empty() || s.size() > 16) return false;
  v = 0;
  for (char c : s) {
    const int d = hex_digit(c);
    if (d < 0) return false;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return true;
}

bool parse_hex_bytes(const std::string& s, std::vector<uint8_t>& out) {
  if (s.size() % 2 != 0) return false;
  out.resize(s.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

std::string hex_bytes(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

std::string hex_le32(uint32_t v) {
  uint8_t b[4];
  std::memcpy(b, &v, 4);  // the host is little-endian, as RISC-V is
  return hex_bytes(b, 4);
}

bool parse_le32(const std::string& s, uint32_t& v) {
  std::vector<uint8_t> b;
  if (s.size() != 8 || !parse_hex_bytes(s, b)) return false;
  std::memcpy(&v, b.data(), 4);
  return true;
}

// Splits "a,b" (or "a,b:rest") into its fields; false when one is missing.
bool split2(const std::string& s, char sep, std::string& a, std::string& b) {
  const size_t p = s.find(sep);
  if (p == std::string::npos) return false;
  a = s.substr(0, p);
  b = s.substr(p + 1);
  return true;
}

const char* const kGprNames[32] = {"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0",
                                   "a1",   "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
                                   "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

}  // namespace

std::string gdb_rsp::target_xml() {
  // The machine CSRs the model keeps, numbered as gdb numbers CSRs (65 + the CSR's number).
  static const struct {
    const char* name;
    unsigned csr;
  } csrs[] = {{"mstatus", 0x300}, {"misa", 0x301},    {"mie", 0x304},    {"mtvec", 0x305},
              {"mscratch", 0x340}, {"mepc", 0x341},    {"mcause", 0x342}, {"mtval", 0x343},
              {"mip", 0x344},      {"mcycle", 0xB00},  {"minstret", 0xB02}, {"mcycleh", 0xB80},
              {"minstreth", 0xB82}};
  std::string x =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n"
      "<architecture>riscv:rv32</architecture>\n<feature name=\"org.gnu.gdb.riscv.cpu\">\n";
  for (unsigned i = 0; i < 32; ++i) {
    const char* type = i == 1 ? "code_ptr" : (i == 2 || i == 8) ? "data_ptr" : "int";
    x += "<reg name=\"" + std::string(kGprNames[i]) + "\" bitsize=\"32\" type=\"" + type + "\" regnum=\"" +
         std::to_string(i) + "\"/>\n";
  }
  x += "<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\" regnum=\"32\"/>\n</feature>\n"
       "<feature name=\"org.gnu.gdb.riscv.csr\">\n";
  for (const auto& c : csrs)
    x += "<reg name=\"" + std::string(c.name) + "\" bitsize=\"32\" type=\"int\" regnum=\"" + std::to_string(65 + c.csr) +
         "\" group=\"csr\"/>\n";
  x += "</feature>\n</target>\n";
  return x;
}

std::string gdb_rsp::frame(const std::string& payload) {
  std::string s = "$";
  uint8_t sum = 0;
  for (char c : payload) {
    if (c == '$' || c == '#' || c == '}' || c == '*') {
      s += '}';
      sum = static_cast<uint8_t>(sum + '}');
      c = static_cast<char>(c ^ 0x20);
    }
    s += c;
    sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  }
  char tail[4];
  std::snprintf(tail, sizeof tail, "#%02x", sum);
  return s + tail;
}

std::string gdb_rsp::stop_packet(int signal, const std::string& reason) {
  last_signal_ = signal & 0xFF;
  char b[8];
  std::snprintf(b, sizeof b, "%c%02x", reason.empty() ? 'S' : 'T', last_signal_);
  return frame(b + reason);
}

std::string gdb_rsp::exit_packet(int code) {
  char b[8];
  std::snprintf(b, sizeof b, "W%02x", code & 0xFF);
  return frame(b);
}

void gdb_rsp::receive(const uint8_t* data, size_t n) {
  if (read_pos_ > 0 && read_pos_ == in_.size()) {
    in_.clear();
    read_pos_ = 0;
  }
  const size_t room = kMaxBuffered > in_.size() - read_pos_ ? kMaxBuffered - (in_.size() - read_pos_) : 0;
  if (n > room) ++errors_;  // a peer that floods: the excess is dropped, what is kept stays bounded
  if (read_pos_ > kMaxBuffered) {
    in_.erase(0, read_pos_);
    read_pos_ = 0;
  }
  in_.append(reinterpret_cast<const char*>(data), std::min(n, room));
}

void gdb_rsp::receive_while_running(const uint8_t* data, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (data[i] == 0x03) {
      interrupt_ = true;
    } else {
      receive(data + i, 1);
    }
  }
}

bool gdb_rsp::take_interrupt() {
  const bool was = interrupt_;
  interrupt_ = false;
  return was;
}

gdb_rsp::action gdb_rsp::process(std::string& out) {
  action act = action::none;
  while (act == action::none && read_pos_ < in_.size()) {
    const char c = in_[read_pos_++];
    switch (state_) {
      case parse::idle:
        if (c == '$') {
          packet_.clear();
          sum_ = 0;
          overflow_ = false;
          state_ = parse::data;
        } else if (c == 0x03) {
          // Ctrl-C while halted: the CPU is already stopped; say so.
          out += stop_packet(2);
        }  // '+', '-' and line noise between packets are ignored
        break;
      case parse::data:
      case parse::escape:
        if (c == '#' && state_ == parse::data) {
          state_ = parse::check1;
          break;
        }
        if (c == '$' && state_ == parse::data) {  // a packet cut short: start again
          ++errors_;
          packet_.clear();
          sum_ = 0;
          overflow_ = false;
          break;
        }
        sum_ = static_cast<uint8_t>(sum_ + static_cast<uint8_t>(c));
        if (state_ == parse::data && c == '}') {
          state_ = parse::escape;
          break;
        }
        if (packet_.size() >= kMaxPacket)
          overflow_ = true;
        else
          packet_ += state_ == parse::escape ? static_cast<char>(c ^ 0x20) : c;
        state_ = parse::data;
        break;
      case parse::check1:
      case parse::check2: {
        const int d = hex_digit(c);
        if (d < 0) {
          ++errors_;
          if (ack_) out += '-';
          state_ = parse::idle;
          break;
        }
        if (state_ == parse::check1) {
          check_ = static_cast<uint8_t>(d << 4);
          state_ = parse::check2;
          break;
        }
        check_ = static_cast<uint8_t>(check_ | d);
        state_ = parse::idle;
        if (check_ != sum_) {
          ++errors_;
          if (ack_) out += '-';  // gdb sends it again
          break;
        }
        if (ack_) out += '+';
        if (overflow_) {
          ++errors_;
          out += frame("E01");  // longer than the PacketSize announced
          break;
        }
        const std::string reply = dispatch(packet_, act);
        if (reply == "E01") ++errors_;  // malformed arguments
        if (act == action::none || act == action::detach) out += frame(reply);
        break;
      }
    }
  }
  if (read_pos_ == in_.size()) {
    in_.clear();
    read_pos_ = 0;
  }
  return act;
}

std::string gdb_rsp::dispatch(const std::string& p, action& act) {
  if (p.empty()) return "";
  const std::string args = p.substr(1);
  switch (p[0]) {
    case '?': {
      char b[4];
      std::snprintf(b, sizeof b, "S%02x", last_signal_);
      return b;
    }
    case 'g':
      return args.empty() ? read_registers() : "E01";
    case 'G':
      return write_registers(args);
    case 'p': {
      uint64_t n;
      uint32_t v;
      if (!parse_hex(args, n) || n > 0xFFFF) return "E01";
      if (!target_.read_register(static_cast<unsigned>(n), v)) return "E02";
      return hex_le32(v);
    }
    case 'P': {
      std::string a, b;
      uint64_t n;
      uint32_t v;
      if (!split2(args, '=', a, b) || !parse_hex(a, n) || n > 0xFFFF || !parse_le32(b, v)) return "E01";
      return target_.write_register(static_cast<unsigned>(n), v) ? "OK" : "E02";
    }
    case 'm':
      return memory_read(args);
    case 'M':
      return memory_write(args, false);
    case 'X':
      return memory_write(args, true);
    case 'Z':
    case 'z':
      return point(args, p[0] == 'Z');
    case 'c':
    case 's':
    case 'C':
    case 'S':
      return resume(p, act);
    case 'v':
      if (p == "vCont?") return "vCont;c;C;s;S";
      if (p.compare(0, 6, "vCont;") == 0) return resume(p, act);
      if (p.compare(0, 5, "vKill") == 0) {
        act = action::kill;
        return "OK";
      }
      return "";  // vMustReplyEmpty and everything not supported
    case 'D':
      act = action::detach;
      return "OK";
    case 'k':
      act = action::kill;
      return "";
    case 'H':
    case 'T':
      return "OK";  // one thread
    case 'q':
      return query(p);
    case 'Q':
      if (p == "QStartNoAckMode") {
        ack_ = false;  // the '+' of this packet was already sent
        return "OK";
      }
      return "";
    default:
      return "";  // unsupported: gdb copes
  }
}

std::string gdb_rsp::read_registers() {
  std::string s;
  for (unsigned i = 0; i <= 32; ++i) {
    uint32_t v = 0;
    if (!target_.read_register(i, v)) return "E02";
    s += hex_le32(v);
  }
  return s;
}

std::string gdb_rsp::write_registers(const std::string& hex) {
  if (hex.size() != 33 * 8) return "E01";
  for (unsigned i = 0; i <= 32; ++i) {
    uint32_t v;
    if (!parse_le32(hex.substr(8 * i, 8), v)) return "E01";
    if (i != 0 && !target_.write_register(i, v)) return "E02";
  }
  return "OK";
}

std::string gdb_rsp::memory_read(const std::string& args) {
  std::string a, l;
  uint64_t addr, len;
  if (!split2(args, ',', a, l) || !parse_hex(a, addr) || !parse_hex(l, len)) return "E01";
  if (addr > 0xFFFFFFFFull) return "E01";  // a 32-bit address space
  len = std::min<uint64_t>({len, kMaxMemory, 0x100000000ull - addr});
  if (len == 0) return "";
  std::vector<uint8_t> buf(len);
  const size_t n = target_.read_memory(addr, buf.data(), buf.size());
  if (n == 0) return "E14";  // EFAULT: nothing answers there
  return hex_bytes(buf.data(), std::min<size_t>(n, buf.size()));
}

std::string gdb_rsp::memory_write(const std::string& args, bool binary) {
  std::string head, data, a, l;
  uint64_t addr, len;
  if (!split2(args, ':', head, data) || !split2(head, ',', a, l) || !parse_hex(a, addr) || !parse_hex(l, len))
    return "E01";
  if (len > kMaxMemory || addr > 0xFFFFFFFFull || addr + len > 0x100000000ull) return "E01";
  std::vector<uint8_t> bytes;
  if (binary) {
    bytes.assign(data.begin(), data.end());
  } else if (!parse_hex_bytes(data, bytes)) {
    return "E01";
  }
  if (bytes.size() != len) return "E01";
  if (len == 0) return "OK";  // gdb's probe for X support
  return target_.write_memory(addr, bytes.data(), bytes.size()) == len ? "OK" : "E14";
}

std::string gdb_rsp::point(const std::string& args, bool insert) {
  std::string t, rest, a, k;
  uint64_t type, addr, kind;
  if (!split2(args, ',', t, rest) || !split2(rest, ',', a, k)) return "E01";
  const size_t cond = k.find(';');  // conditions evaluated by the target are not supported
  if (cond != std::string::npos) k.resize(cond);
  if (!parse_hex(t, type) || !parse_hex(a, addr) || !parse_hex(k, kind)) return "E01";
  if (type > 4) return "";
  if (addr > 0xFFFFFFFFull || kind == 0 || kind > 8) return "E01";
  const bool ok = insert ? target_.insert_point(static_cast<int>(type), addr, kind)
                         : target_.remove_point(static_cast<int>(type), addr, kind);
  return ok ? "OK" : "E01";
}

std::string gdb_rsp::query(const std::string& p) {
  if (p.compare(0, 10, "qSupported") == 0) {
    char b[96];
    std::snprintf(b, sizeof b, "PacketSize=%zx;qXfer:features:read+;QStartNoAckMode+", kMaxPacket);
    return b;
  }
  static const std::string xfer = "qXfer:features:read:";
  if (p.compare(0, xfer.size(), xfer) == 0) {
    std::string annex, range, o, l;
    uint64_t off, len;
    if (!split2(p.substr(xfer.size()), ':', annex, range) || !split2(range, ',', o, l) || !parse_hex(o, off) ||
        !parse_hex(l, len))
      return "E01";
    if (annex != "target.xml") return "E00";
    static const std::string xml = target_xml();
    if (off >= xml.size()) return "l";
    const size_t n = static_cast<size_t>(std::min<uint64_t>({len, kMaxPacket - 16, xml.size() - off}));
    return (off + n < xml.size() ? "m" : "l") + xml.substr(static_cast<size_t>(off), n);
  }
  if (p == "qAttached") return "1";
  if (p == "qC") return "QC1";
  if (p == "qfThreadInfo") return "m1";
  if (p == "qsThreadInfo") return "l";
  if (p.compare(0, 8, "qSymbol:") == 0) return "OK";
  return "";
}

std::string gdb_rsp::resume(const std::string& p, action& act) {
  // c [addr], s [addr], C sig[;addr], S sig[;addr], vCont;c|C sig|s|S sig[:thread]...
  std::string addr_field;
  char kind = p[0];
  if (kind == 'v') {
    const std::string first = p.substr(6);
    if (first.empty()) return "E01";
    kind = first[0];
    if (kind != 'c' && kind != 'C' && kind != 's' && kind != 'S') return "E01";
  } else if (kind == 'c' || kind == 's') {
    addr_field = p.substr(1);
  } else {
    const size_t semi = p.find(';');
    uint64_t sig;
    if (!parse_hex(p.substr(1, semi == std::string::npos ? std::string::npos : semi - 1), sig) || sig > 0xFF)
      return "E01";
    if (semi != std::string::npos) addr_field = p.substr(semi + 1);
  }
  if (!addr_field.empty()) {
    uint64_t addr;
    if (!parse_hex(addr_field, addr) || addr > 0xFFFFFFFFull || !target_.write_register(32, static_cast<uint32_t>(addr)))
      return "E01";
  }
  act = (kind == 's' || kind == 'S') ? action::step : action::resume;
  return "";
}

}  // namespace stoxvp

namespace {

// A target with 4 KiB of memory at 0x1000 and 33 registers plus a few CSRs.
class fuzz_target : public stoxvp::gdb_target {
 public:
  bool read_register(unsigned n, uint32_t& v) override {
    if (n <= 32) {
      v = regs_[n];
      return true;
    }
    return n == 65 + 0x300 ? (v = 0x1800, true) : false;
  }
  bool write_register(unsigned n, uint32_t v) override {
    if (n > 32) return false;
    if (n != 0) regs_[n] = v;
    return true;
  }
  size_t read_memory(uint64_t addr, uint8_t* data, size_t len) override {
    if (addr < 0x1000 || addr >= 0x2000) return 0;
    const size_t n = std::min<uint64_t>(len, 0x2000 - addr);
    std::memcpy(data, mem_ + (addr - 0x1000), n);
    return n;
  }
  size_t write_memory(uint64_t addr, const uint8_t* data, size_t len) override {
    if (addr < 0x1000 || addr >= 0x2000) return 0;
    const size_t n = std::min<uint64_t>(len, 0x2000 - addr);
    std::memcpy(mem_ + (addr - 0x1000), data, n);
    return n;
  }
  bool insert_point(int, uint64_t addr, uint64_t) override { return addr >= 0x1000 && addr < 0x2000; }
  bool remove_point(int, uint64_t addr, uint64_t) override { return addr >= 0x1000 && addr < 0x2000; }

 private:
  uint32_t regs_[33] = {};
  uint8_t mem_[4096] = {};
};

}  // namespace

extern "C" int gdb_rsp_fuzz_one(const uint8_t* data, size_t size) {
  fuzz_target target;
  stoxvp::gdb_rsp rsp(target);
  // The first half arrives while the CPU is halted, the rest partly while it runs.
  const size_t half = size / 2;
  rsp.receive(data, half);
  std::string out;
  bool running = false;
  for (size_t i = 0; i < 4 * size + 4; ++i) {  // each round consumes input or ends
    const auto act = rsp.process(out);
    if (act == stoxvp::gdb_rsp::action::kill || act == stoxvp::gdb_rsp::action::detach) break;
    if (act != stoxvp::gdb_rsp::action::none && !running) {
      running = true;
      rsp.receive_while_running(data + half, size - half);
      rsp.take_interrupt();
      out += rsp.stop_packet(5);
      continue;
    }
    if (act != stoxvp::gdb_rsp::action::none) {
      out += rsp.stop_packet(5, "watch:1000;");
      continue;
    }
    if (!rsp.has_input()) break;
  }
  // Replies stay bounded by what the packets may ask for: a packet is at least 4 bytes.
  if (out.size() > (size / 4 + 2) * (2 * stoxvp::gdb_rsp::kMaxMemory + 64) + 2 * size) __builtin_trap();
  return 0;
}
