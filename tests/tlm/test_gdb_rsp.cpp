// The GDB remote-protocol session on byte strings, without sockets or a CPU: well-formed
// commands get gdb's answers, malformed and hostile ones an error reply or a NAK, and nothing
// makes the session crash, allocate without bound or stop consuming input.
#include "tlm/cpu/gdb_rsp.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using stoxvp::gdb_rsp;

class fake_target : public stoxvp::gdb_target {
 public:
  uint32_t regs[33] = {};
  uint8_t mem[256] = {};
  std::vector<std::string> points;
  bool read_register(unsigned n, uint32_t& v) override {
    if (n > 32) return false;
    v = regs[n];
    return true;
  }
  bool write_register(unsigned n, uint32_t v) override {
    if (n > 32) return false;
    regs[n] = v;
    return true;
  }
  size_t read_memory(uint64_t addr, uint8_t* data, size_t len) override {
    if (addr < 0x100 || addr >= 0x200) return 0;
    const size_t n = std::min<size_t>(len, 0x200 - addr);
    std::memcpy(data, mem + (addr - 0x100), n);
    return n;
  }
  size_t write_memory(uint64_t addr, const uint8_t* data, size_t len) override {
    if (addr < 0x100 || addr + len > 0x200) return 0;
    std::memcpy(mem + (addr - 0x100), data, len);
    return len;
  }
  bool insert_point(int type, uint64_t addr, uint64_t len) override {
    points.push_back("+" + std::to_string(type) + "@" + std::to_string(addr) + "/" + std::to_string(len));
    return true;
  }
  bool remove_point(int type, uint64_t addr, uint64_t len) override {
    points.push_back("-" + std::to_string(type) + "@" + std::to_string(addr) + "/" + std::to_string(len));
    return true;
  }
};

struct session {
  fake_target t;
  gdb_rsp rsp{t};
  gdb_rsp::action last = gdb_rsp::action::none;
  // Sends raw bytes, returns everything the stub answered.
  std::string raw(const std::string& bytes) {
    rsp.receive(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    std::string out;
    last = rsp.process(out);
    return out;
  }
  // Sends one framed packet, returns the reply's payload ("" when there is none).
  std::string cmd(const std::string& payload) {
    const std::string out = raw(gdb_rsp::frame(payload));
    const size_t b = out.find('$'), e = out.rfind('#');
    return b == std::string::npos || e == std::string::npos ? "" : out.substr(b + 1, e - b - 1);
  }
};

TEST(GdbRsp, AnswersTheCommandsGdbSendsOnAttach) {
  session s;
  EXPECT_NE(s.cmd("qSupported:multiprocess+;swbreak+").find("qXfer:features:read+"), std::string::npos);
  EXPECT_EQ(s.cmd("?"), "S05");
  EXPECT_EQ(s.cmd("qAttached"), "1");
  EXPECT_EQ(s.cmd("Hg0"), "OK");
  EXPECT_EQ(s.cmd("vMustReplyEmpty"), "");
  const std::string xml = s.cmd("qXfer:features:read:target.xml:0,fff");
  ASSERT_FALSE(xml.empty());
  EXPECT_TRUE(xml[0] == 'l' || xml[0] == 'm');
  EXPECT_NE(xml.find("riscv:rv32"), std::string::npos);
  EXPECT_NE(xml.find("name=\"mcause\""), std::string::npos);
  EXPECT_EQ(s.cmd("qXfer:features:read:other.xml:0,10"), "E00");
}

TEST(GdbRsp, ReadsAndWritesRegistersAndMemory) {
  session s;
  s.t.regs[10] = 0x12345678;
  s.t.regs[32] = 0x20000000;
  const std::string g = s.cmd("g");
  ASSERT_EQ(g.size(), 33u * 8);
  EXPECT_EQ(g.substr(10 * 8, 8), "78563412");  // little-endian
  EXPECT_EQ(s.cmd("p20"), "00000020");
  EXPECT_EQ(s.cmd("Pa=efbeadde"), "OK");
  EXPECT_EQ(s.t.regs[10], 0xdeadbeefu);
  EXPECT_EQ(s.cmd("p999"), "E02");  // no such register
  EXPECT_EQ(s.cmd("M100,4:01020304"), "OK");
  EXPECT_EQ(s.cmd("m100,4"), "01020304");
  EXPECT_EQ(s.cmd("m1fe,10"), "0000");  // partial: only what answers
  EXPECT_EQ(s.cmd("m0,4"), "E14");
  EXPECT_EQ(s.cmd("X104,2:#$"), "OK");  // binary: frame() escapes them as gdb does
  EXPECT_EQ(s.t.mem[4], '#');
  EXPECT_EQ(s.t.mem[5], '$');
}

TEST(GdbRsp, BreakpointsWatchpointsAndExecutionControl) {
  session s;
  EXPECT_EQ(s.cmd("Z0,20000010,2"), "OK");
  EXPECT_EQ(s.cmd("z0,20000010,2"), "OK");
  EXPECT_EQ(s.cmd("Z2,80000000,4"), "OK");
  EXPECT_EQ(s.cmd("Z9,0,4"), "");  // unsupported type: empty reply
  ASSERT_EQ(s.t.points.size(), 3u);
  EXPECT_EQ(s.t.points[2], "+2@2147483648/4");
  EXPECT_EQ(s.cmd("c"), "");
  EXPECT_EQ(s.last, gdb_rsp::action::resume);
  EXPECT_EQ(s.cmd("vCont;s:1"), "");
  EXPECT_EQ(s.last, gdb_rsp::action::step);
  EXPECT_EQ(s.cmd("s20000100"), "");
  EXPECT_EQ(s.t.regs[32], 0x20000100u);
  EXPECT_EQ(s.cmd("D"), "OK");
  EXPECT_EQ(s.last, gdb_rsp::action::detach);
  s.cmd("k");
  EXPECT_EQ(s.last, gdb_rsp::action::kill);
  EXPECT_EQ(s.rsp.stop_packet(5, "watch:80000000;"), gdb_rsp::frame("T05watch:80000000;"));
}

TEST(GdbRsp, MalformedPacketsGetErrorRepliesNotCrashes) {
  session s;
  EXPECT_EQ(s.cmd("m"), "E01");
  EXPECT_EQ(s.cmd("mzz,4"), "E01");
  EXPECT_EQ(s.cmd("m100"), "E01");
  EXPECT_EQ(s.cmd("m100000000,4"), "E01");            // beyond 32 bits
  EXPECT_EQ(s.cmd("m100,ffffffffffffffff").size(), 2u * 256);  // clipped, not allocated
  EXPECT_EQ(s.cmd("m11111111111111111,4"), "E01");    // 17 digits
  EXPECT_EQ(s.cmd("M100,4:0102"), "E01");             // length and data disagree
  EXPECT_EQ(s.cmd("M100,100000:00"), "E01");          // more than a packet can carry
  EXPECT_EQ(s.cmd("Pa=1"), "E01");
  EXPECT_EQ(s.cmd("G00"), "E01");
  EXPECT_EQ(s.cmd("Z0,,"), "E01");
  EXPECT_EQ(s.cmd("Z0,100,0"), "E01");
  EXPECT_EQ(s.cmd("Cxyz"), "E01");
  EXPECT_EQ(s.cmd("vCont;x"), "E01");
  EXPECT_EQ(s.cmd("qXfer:features:read:target.xml:zz"), "E01");
  EXPECT_EQ(s.last, gdb_rsp::action::none);
  // A bad checksum is NAKed and nothing runs.
  EXPECT_EQ(s.raw("$c#00"), "-");
  EXPECT_EQ(s.last, gdb_rsp::action::none);
  EXPECT_EQ(s.raw("$c#zz"), "-");
  // A packet longer than PacketSize: acknowledged, refused, and the session carries on.
  const std::string big = gdb_rsp::frame("M100,1:" + std::string(3 * gdb_rsp::kMaxPacket, '0'));
  EXPECT_EQ(s.raw(big), "+" + gdb_rsp::frame("E01"));
  EXPECT_EQ(s.cmd("?"), "S05");
  // Noise between packets, a packet cut short by the next one.
  EXPECT_EQ(s.cmd(std::string("\x01\xff garbage")), "");
  EXPECT_EQ(s.raw("$m10" + gdb_rsp::frame("qAttached")), "+" + gdb_rsp::frame("1"));
  EXPECT_GT(s.rsp.protocol_errors(), 0u);
}

TEST(GdbRsp, CtrlCWhileRunningIsSeenAndOtherBytesWait) {
  session s;
  const std::string bytes = std::string("\x03") + gdb_rsp::frame("?");
  s.rsp.receive_while_running(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  EXPECT_TRUE(s.rsp.take_interrupt());
  EXPECT_FALSE(s.rsp.take_interrupt());
  std::string out;
  s.rsp.process(out);
  EXPECT_EQ(out, "+" + gdb_rsp::frame("S05"));
}

TEST(GdbRsp, RandomAndMutatedStreamsNeverCrashOrHang) {
  // The fuzz entry on seeded random input and on mutations of real sessions.
  std::mt19937 rng(17);
  const std::string corpus = gdb_rsp::frame("qSupported") + gdb_rsp::frame("g") + gdb_rsp::frame("m100,40") +
                             gdb_rsp::frame("X100,4:abcd") + gdb_rsp::frame("Z2,100,4") + gdb_rsp::frame("c") +
                             "\x03" + gdb_rsp::frame("s") + gdb_rsp::frame("k");
  for (int i = 0; i < 3000; ++i) {
    std::string in;
    if (i % 2 == 0) {
      in.resize(rng() % 600);
      for (auto& c : in) c = static_cast<char>(i % 4 == 0 ? "$#}*+-0123456789abcdefgmMXZzcsqQ,:;"[rng() % 36] : rng());
    } else {
      in = corpus;
      for (int m = 0; m < 1 + static_cast<int>(rng() % 8); ++m) in[rng() % in.size()] = static_cast<char>(rng());
    }
    EXPECT_EQ(gdb_rsp_fuzz_one(reinterpret_cast<const uint8_t*>(in.data()), in.size()), 0);
  }
}

}  // namespace
