// The RV32 CPU model and the cross-compiled firmware: the ELF loader's refusals, faults reported
// with PC, function, cause and address, the watchdog, WFI and the interrupt path, and the
// RISC-V inference agreeing with the host-compiled one image for image.
#include "runner.h"
#include "stoxvp.h"
#include "support/files.h"
#include "support/messages.h"
#include "tlm/cpu/elf_file.h"
#include "tlm/cpu/gdb_rsp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <elf.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace {

using nlohmann::json;

std::string image(const std::string& name) { return STOXVP_RISCV_FIRMWARE_DIR "/" + name + ".elf"; }

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}


// A copy of a good image with its headers edited.
std::vector<uint8_t> patched(const std::string& name, const std::function<void(Elf32_Ehdr&, Elf32_Phdr*)>& edit) {
  auto bytes = read_bytes(image(name));
  EXPECT_GT(bytes.size(), sizeof(Elf32_Ehdr));
  auto* eh = reinterpret_cast<Elf32_Ehdr*>(bytes.data());
  edit(*eh, reinterpret_cast<Elf32_Phdr*>(bytes.data() + eh->e_phoff));
  return bytes;
}

std::string elf_error(const std::vector<uint8_t>& bytes) {
  return stoxvp::test::message_of<stoxvp::firmware_error>([&] { stoxvp::parse_riscv_elf(bytes, "test.elf"); });
}

struct platform_guard {
  stoxvp_platform* p = nullptr;
  ~platform_guard() { stoxvp_destroy(p); }
};

stoxvp_platform* create(const std::string& extra = "") {
  stoxvp_platform* p = nullptr;
  const std::string cfg = R"({"console": {"echo": false})" + extra + "}";
  EXPECT_EQ(stoxvp_create_from_json(cfg.c_str(), "test config", &p), STOXVP_OK) << stoxvp_last_error();
  return p;
}

json report_of(stoxvp_platform* p) {
  const std::string path = stoxvp::test::test_path("riscv_report.json");
  EXPECT_EQ(stoxvp_write_report(p, path.c_str()), STOXVP_OK) << stoxvp_last_error();
  return json::parse(std::ifstream(path));
}

// Runs an image to its stop.
stoxvp_run_result run_image(stoxvp_platform* p, const std::string& name, uint64_t limit_ps = 0) {
  EXPECT_EQ(stoxvp_attach_elf(p, image(name).c_str()), STOXVP_OK) << stoxvp_last_error();
  stoxvp_run_result rr{};
  EXPECT_EQ(stoxvp_run(p, limit_ps, &rr), STOXVP_OK) << stoxvp_last_error();
  return rr;
}

// Runs an image that must fault; returns the fault's description.
std::string fault_of(const std::string& name, const std::string& extra_config = "") {
  platform_guard g;
  g.p = create(extra_config);
  const auto rr = run_image(g.p, name);
  EXPECT_EQ(rr.reason, STOXVP_STOP_FAULT) << rr.message;
  return rr.message;
}

TEST(ElfLoader, ReadsSegmentsEntryAndFunctions) {
  const auto f = stoxvp::read_riscv_elf(image("exit_code"));
  EXPECT_EQ(f.entry, 0x20000000u);
  ASSERT_FALSE(f.segments.empty());
  EXPECT_TRUE(f.segments[0].executable);
  bool main_found = false;
  for (const auto& fn : f.functions) main_found |= fn.name == "main";
  EXPECT_TRUE(main_found);
  EXPECT_EQ(f.symbolize(f.entry), "_start+0x0");
}

TEST(ElfLoader, RefusesForeignMalformedAndTruncatedFiles) {
  auto has = [](const std::string& msg, const char* part) { stoxvp::test::expect_mentions(msg, {"test.elf: ", part}); };
  has(elf_error(patched("exit_code", [](Elf32_Ehdr& h, Elf32_Phdr*) { h.e_machine = EM_X86_64; })),
      "e_machine = 62 (x86-64), expected 243 (RISC-V)");
  has(elf_error(patched("exit_code", [](Elf32_Ehdr& h, Elf32_Phdr*) { h.e_ident[EI_CLASS] = ELFCLASS64; })),
      "(64-bit)");
  has(elf_error(patched("exit_code", [](Elf32_Ehdr& h, Elf32_Phdr*) { h.e_ident[EI_DATA] = ELFDATA2MSB; })),
      "little-endian");
  has(elf_error(patched("exit_code", [](Elf32_Ehdr& h, Elf32_Phdr*) { h.e_type = ET_REL; })), "relocatable");
  has(elf_error(patched("exit_code", [](Elf32_Ehdr& h, Elf32_Phdr*) { h.e_flags |= 0x4; })),
      "hardware floating-point ABI");
  has(elf_error(patched("exit_code", [](Elf32_Ehdr& h, Elf32_Phdr*) { h.e_entry = 0x20000000u - 4; })),
      "e_entry = 0x1ffffffc is not in an executable segment");
  has(elf_error(patched("exit_code", [](Elf32_Ehdr& h, Elf32_Phdr*) { h.e_phnum = 0; })), "e_phnum = 0");
  has(elf_error(patched("exit_code", [](Elf32_Ehdr& h, Elf32_Phdr*) { h.e_entry += 1; })),
      "e_entry = 0x20000001 is odd");
  has(elf_error(patched("exit_code",
                        [](Elf32_Ehdr& h, Elf32_Phdr* ph) {
                          for (unsigned i = 0; i < h.e_phnum; ++i)
                            if (ph[i].p_type == PT_LOAD) ph[i].p_vaddr += 0x1000;
                        })),
      "differs from p_paddr; the CPU has no MMU");

  auto good = read_bytes(image("exit_code"));
  has(elf_error({good.begin(), good.begin() + 30}), "shorter than the 52-byte ELF header");
  has(elf_error({good.begin(), good.begin() + 600}), "run past the end of the 600-byte file (truncated?)");
  has(elf_error({'#', '!', '/', 'b', 'i', 'n'}), "not an ELF file");
  EXPECT_EQ(stoxvp::test::message_of<stoxvp::firmware_error>([] { stoxvp::read_riscv_elf("/nonexistent/fw.elf"); }),
            "/nonexistent/fw.elf: cannot open the firmware image");
}

TEST(RiscvCpu, SegmentsOutsideMemoryAreRefusedBeforeAnythingRuns) {
  // The whole image moved to where no memory is, then onto the console's window.
  for (uint32_t to : {0x30000000u, 0x10000000u}) {
    const auto moved = patched("exit_code", [to](Elf32_Ehdr& h, Elf32_Phdr* ph) {
      const uint32_t delta = to - 0x20000000u;
      h.e_entry += delta;
      for (unsigned i = 0; i < h.e_phnum; ++i) {
        ph[i].p_paddr += delta;
        ph[i].p_vaddr += delta;
      }
    });
    platform_guard g;
    g.p = create();
    const std::string path = stoxvp::test::temp_file("moved.elf", std::string(moved.begin(), moved.end()));
    EXPECT_EQ(stoxvp_attach_elf(g.p, path.c_str()), STOXVP_E_FIRMWARE);
    const std::string msg = stoxvp_last_error();
    EXPECT_NE(msg.find(path + ": loadable segment"), std::string::npos) << msg;
    EXPECT_NE(msg.find("lies outside memory (sram 0x0000000020000000..0x00000000200fffff"), std::string::npos) << msg;
  }
  platform_guard g;
  g.p = create();
  EXPECT_EQ(stoxvp_attach_elf(g.p, "/nonexistent/fw.elf"), STOXVP_E_FIRMWARE);
  EXPECT_EQ(stoxvp_attach_elf(g.p, image("exit_code").c_str()), STOXVP_OK) << stoxvp_last_error();
  EXPECT_EQ(stoxvp_attach_firmware(g.p, [](void*) { return 0; }, nullptr), STOXVP_E_STATE);
  EXPECT_NE(std::string(stoxvp_last_error()).find("RISC-V firmware image is already attached"), std::string::npos);
}

TEST(RiscvCpu, FirmwareExitsThroughSimControlWithItsCode) {
  platform_guard g;
  g.p = create();
  const auto rr = run_image(g.p, "exit_code");
  EXPECT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message;
  EXPECT_EQ(rr.exit_code, 42);
  EXPECT_NE(std::string(stoxvp_console_output(g.p)).find("exit_code: hello from RV32 at 1000 MHz"), std::string::npos);
  stoxvp_stats st{};
  ASSERT_EQ(stoxvp_get_stats(g.p, &st), STOXVP_OK);
  EXPECT_GT(st.cpu_instructions, 100u);
  // 1 GHz, CPI 1: the simulated time is at least the instructions' time.
  EXPECT_GE(rr.sim_time_ps, st.cpu_instructions * 1000);
  EXPECT_NEAR(st.cpu_energy_pj, double(st.cpu_instructions) * 46.0, 1e-6 * st.cpu_energy_pj);
  const json r = report_of(g.p);
  EXPECT_EQ(r["cpu"]["kind"], "riscv");
  EXPECT_EQ(r["cpu"]["instructions"].get<uint64_t>(), st.cpu_instructions);
}

TEST(RiscvCpu, IllegalInstructionIsReportedWithPcFunctionAndCause) {
  platform_guard g;
  g.p = create();
  const auto rr = run_image(g.p, "illegal_instruction");
  ASSERT_EQ(rr.reason, STOXVP_STOP_FAULT) << rr.message;
  const std::string msg = rr.message;
  const auto f = stoxvp::read_riscv_elf(image("illegal_instruction"));
  uint64_t at = 0;
  for (const auto& fn : f.functions)
    if (fn.name == "execute_illegal") at = fn.address;
  char pc[64];
  std::snprintf(pc, sizeof pc, "pc 0x%08llx <execute_illegal+0x0>", static_cast<unsigned long long>(at));
  EXPECT_NE(msg.find("illegal instruction (mcause 2)"), std::string::npos) << msg;
  EXPECT_NE(msg.find(pc), std::string::npos) << msg;
  EXPECT_NE(msg.find("(instruction 0x0000)"), std::string::npos) << msg;
  EXPECT_NE(std::string(stoxvp_console_output(g.p)).find("about to fault"), std::string::npos);
}

TEST(RiscvCpu, BusErrorNamesTheLoadItsAddressAndFunction) {
  platform_guard g;
  g.p = create();
  const auto rr = run_image(g.p, "bus_error");
  ASSERT_EQ(rr.reason, STOXVP_STOP_FAULT) << rr.message;
  const std::string msg = rr.message;
  EXPECT_NE(msg.find("load access fault (mcause 5): 4-byte read of 0x30000010 answered"), std::string::npos) << msg;
  EXPECT_NE(msg.find("<read_nowhere+0x"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("the block holding the access"), std::string::npos) << "the load was located: " << msg;
  stoxvp_stats st{};
  ASSERT_EQ(stoxvp_get_stats(g.p, &st), STOXVP_OK);
  EXPECT_EQ(st.bus_errors, 1u);
}

TEST(RiscvCpu, BreakpointAndEcallAreNamedWithTheirCauses) {
  // __builtin_trap() is a c.ebreak.
  stoxvp::test::expect_mentions(fault_of("breakpoint"),
                                {"breakpoint (mcause 3) at pc", "<trap_here+0x", "(instruction 0x9002)"});
  stoxvp::test::expect_mentions(fault_of("ecall"), {"environment call from M-mode (mcause 11)",
                                                    "<call_environment+0x0> (instruction 0x00000073)"});
}

TEST(RiscvCpu, StartupGivesConstructorsTlsErrnoAndAbort) {
  platform_guard g;
  g.p = create();
  const auto rr = run_image(g.p, "runtime");
  ASSERT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message;
  EXPECT_EQ(rr.exit_code, 128 + 6) << stoxvp_console_output(g.p);  // SIGABRT
  EXPECT_NE(std::string(stoxvp_console_output(g.p)).find("are fine; aborting\nsignal 6"), std::string::npos)
      << stoxvp_console_output(g.p);
}

TEST(RiscvCpu, NothingRunsAfterTheExitStore) {
  platform_guard g;
  g.p = create();
  const auto rr = run_image(g.p, "exit_now");
  ASSERT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message;
  EXPECT_EQ(rr.exit_code, 5);
  EXPECT_EQ(std::string(stoxvp_console_output(g.p)), "exit_now: before\n");
}

TEST(RiscvCpu, AnInterruptWithoutTrapVectorIsReportedAsSuch) {
  stoxvp::test::expect_mentions(fault_of("no_handler"),
                                {"interrupt 7 taken at pc", "with mtvec = 0x00000000: no trap handler there"});
}

TEST(RiscvCpu, EveryExceptionEntersTheFirmwaresHandlerAndReturns) {
  // traps.c checks mcause, mepc and mtval of each kind in its own handler, then mcycle,
  // minstret, mip and MTIME; it exits with the number of failed checks.
  platform_guard g;
  g.p = create();
  const auto rr = run_image(g.p, "traps");
  const std::string out = stoxvp_console_output(g.p);
  ASSERT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message << "\n" << out;
  EXPECT_EQ(rr.exit_code, 0) << out;
  EXPECT_EQ(out.find("FAIL"), std::string::npos) << out;
  for (const char* kind : {"illegal instruction (16-bit)", "illegal instruction (32-bit)", "ebreak", "c.ebreak",
                           "ecall", "load access fault", "store access fault", "misaligned AMO", "misaligned LR",
                           "instruction access fault", "10 exceptions taken", "minstret advanced 2002, mcycle 2002",
                           "mip 0x00000080 with MTIME", "MTIME advanced"})
    EXPECT_NE(out.find(std::string("ok ") + kind), std::string::npos) << kind << "\n" << out;
  EXPECT_EQ(report_of(g.p)["cpu"]["exceptions_taken"].get<uint64_t>(), 10u);
}

TEST(RiscvCpu, AHandlerThatKeepsFaultingEndsTheRunWithTheFirstCause) {
  stoxvp::test::expect_mentions(fault_of("handler_faults"),
                                {"environment call from M-mode (mcause 11)", "then the trap handler at pc",
                                 "<faulting_handler+0x0>", "without returning"});
}

TEST(RiscvCpu, NullCallIsAFetchFault) {
  stoxvp::test::expect_mentions(fault_of("null_call"), {"jump to address 0", "<main+0x"});
}

TEST(RiscvCpu, WatchdogAndInstructionLimitStopARunawayProgram) {
  {
    platform_guard g;
    g.p = create(R"(, "riscv_cpu": {"watchdog_ms": 0.5})");
    const auto rr = run_image(g.p, "runaway");
    ASSERT_EQ(rr.reason, STOXVP_STOP_FAULT) << rr.message;
    EXPECT_NE(std::string(rr.message).find("runaway: "), std::string::npos) << rr.message;
    EXPECT_NE(std::string(rr.message).find("<spin_forever+0x"), std::string::npos) << rr.message;
    EXPECT_LT(rr.sim_time_ps, 2'000'000'000ull) << "stopped within a few watchdog periods";
  }
  stoxvp::test::expect_mentions(fault_of("runaway", R"(, "riscv_cpu": {"watchdog_ms": 0, "instruction_limit": 200000})"),
                                {"instruction limit of 200000 reached", "<spin_forever+0x"});
}

TEST(RiscvCpu, SleepingWithEveryInterruptMaskedEndsAsIdleWithAReason) {
  platform_guard g;
  g.p = create();
  const auto rr = run_image(g.p, "sleep_forever");
  ASSERT_EQ(rr.reason, STOXVP_STOP_IDLE) << rr.message;
  EXPECT_NE(std::string(rr.message).find("sleeps in WFI at pc"), std::string::npos) << rr.message;
  EXPECT_NE(std::string(rr.message).find("nothing can wake it"), std::string::npos) << rr.message;
}

TEST(RiscvCpu, AcceleratorInterruptWakesTheCpuFromWfi) {
  platform_guard g;
  g.p = create();
  ASSERT_EQ(stoxvp_enable_vcd(g.p, (stoxvp::test::test_path("riscv_irq.vcd")).c_str()), STOXVP_OK);
  const auto rr = run_image(g.p, "irq_wake");
  ASSERT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message;
  EXPECT_EQ(rr.exit_code, 0) << stoxvp_console_output(g.p);
  const json r = report_of(g.p);
  // Five fences, each completed by an interrupt the trap handler took after WFI.
  EXPECT_GE(r["cpu"]["sleeps"].get<uint64_t>(), 5u) << r["cpu"].dump();
  EXPECT_GE(r["cpu"]["interrupts_taken"].get<uint64_t>(), 5u) << r["cpu"].dump();
  EXPECT_GT(r["cpu"]["sleep_ns"].get<double>(), 0.0);
  stoxvp_destroy(g.p);
  g.p = nullptr;
  std::ifstream vcd(stoxvp::test::test_path("riscv_irq.vcd"));
  const std::string text((std::istreambuf_iterator<char>(vcd)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("$scope module cpu $end\n$var wire    1  "), std::string::npos) << "cpu.sleeping is traced";
  EXPECT_NE(text.find(" sleeping "), std::string::npos);
}

TEST(RiscvCpu, RunResumesAfterATimeLimitAndIsDeterministic) {
  uint64_t first_instructions = 0, first_time = 0;
  for (int round = 0; round < 2; ++round) {
    platform_guard g;
    g.p = create();
    auto rr = run_image(g.p, "fc-demo", 50'000'000);  // 50 us, long before the end
    ASSERT_EQ(rr.reason, STOXVP_STOP_TIME_LIMIT) << rr.message;
    ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
    ASSERT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message;
    EXPECT_EQ(rr.exit_code, 0) << stoxvp_console_output(g.p);
    EXPECT_NE(std::string(stoxvp_console_output(g.p)).find("PASS"), std::string::npos);
    stoxvp_stats st{};
    ASSERT_EQ(stoxvp_get_stats(g.p, &st), STOXVP_OK);
    if (round == 0) {
      first_instructions = st.cpu_instructions;
      first_time = rr.sim_time_ps;
    } else {
      EXPECT_EQ(st.cpu_instructions, first_instructions);
      EXPECT_EQ(rr.sim_time_ps, first_time);
    }
  }
}

TEST(RiscvCpu, DestroyingAPlatformStoppedMidRunIsClean) {
  platform_guard g;
  g.p = create();
  const auto rr = run_image(g.p, "fc-demo", 20'000'000);
  EXPECT_EQ(rr.reason, STOXVP_STOP_TIME_LIMIT) << rr.message;
  stoxvp_destroy(g.p);  // the CPU thread is suspended inside the simulator
  g.p = create();
  const auto again = run_image(g.p, "exit_code");
  EXPECT_EQ(again.exit_code, 42) << again.message;
}

// The same inference firmware, host-compiled and cross-compiled, on the same images and seed.
stoxvp::runner::outcome infer(const std::string& elf, uint32_t first, uint32_t count) {
  platform_guard g;
  g.p = create();
  stoxvp::runner::request req;
  req.model_path = STOXVP_SOURCE_DIR "/models/small_cnn_mtj.sxvm";
  req.first = first;
  req.count = count;
  req.firmware_elf = elf;
  stoxvp::runner::session s(g.p, req);
  stoxvp_run_result rr{};
  EXPECT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  EXPECT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message << stoxvp_console_output(g.p);
  return s.collect();
}

TEST(RiscvCpu, InferenceAgreesWithTheHostCompiledFirmware) {
  const auto host = infer("", 300, 24);
  const auto rv = infer(image("inference"), 300, 24);
  ASSERT_EQ(host.predictions.size(), 24u);
  EXPECT_EQ(rv.predictions, host.predictions);
  EXPECT_EQ(rv.correct, host.correct);
  ASSERT_EQ(rv.logits.size(), host.logits.size());
  EXPECT_EQ(std::memcmp(rv.logits.data(), host.logits.data(), host.logits.size() * 4), 0)
      << "the stochastic converters drew the same samples";
}

}  // namespace

namespace {

// The gdb side of the remote protocol, enough to drive the server from a test thread.
struct rsp_client {
  int fd = -1;
  std::string got;
  explicit rsp_client(uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fd = -1;
  }
  ~rsp_client() {
    if (fd >= 0) ::close(fd);
  }
  void raw(const std::string& b) { ::send(fd, b.data(), b.size(), MSG_NOSIGNAL); }
  void send(const std::string& payload) { raw(stoxvp::gdb_rsp::frame(payload)); }
  // Everything received up to and including the first packet containing `needle`.
  bool wait_for(const std::string& needle) {
    char buf[512];
    while (got.find(needle) == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      got.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
};

uint64_t function_address(const std::string& elf, const std::string& fn) {
  for (const auto& f : stoxvp::read_riscv_elf(image(elf)).functions)
    if (f.name == fn) return f.address;
  return 0;
}

TEST(RiscvGdb, CtrlCStopsARunningCpuAndKillEndsTheRun) {
  platform_guard g;
  g.p = create(R"(, "riscv_cpu": {"watchdog_ms": 0})");
  ASSERT_EQ(stoxvp_attach_elf(g.p, image("runaway").c_str()), STOXVP_OK) << stoxvp_last_error();
  uint16_t port = 0;
  ASSERT_EQ(stoxvp_attach_gdb(g.p, 0, &port), STOXVP_OK) << stoxvp_last_error();
  ASSERT_NE(port, 0);
  bool interrupted = false, pc_read = false;
  std::string pc_hex;
  std::thread gdb([&] {
    rsp_client c(port);
    c.send("?");
    if (!c.wait_for("S05")) return;
    c.send("c");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    c.raw("\x03");
    interrupted = c.wait_for("$S02");
    c.got.clear();
    c.send("p20");
    pc_read = c.wait_for("#");
    pc_hex = c.got;
    c.send("k");
  });
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  gdb.join();
  EXPECT_TRUE(interrupted);
  EXPECT_TRUE(pc_read);
  EXPECT_EQ(rr.reason, STOXVP_STOP_FAULT);
  stoxvp::test::expect_mentions(rr.message, {"the debugger ended the firmware at pc", "<spin_forever+"});
  // The pc gdb read (little-endian hex) lies in spin_forever.
  const size_t b = pc_hex.find('$');
  ASSERT_NE(b, std::string::npos) << pc_hex;
  uint32_t pc = 0;
  for (int i = 3; i >= 0; --i) pc = pc << 8 | std::stoul(pc_hex.substr(b + 1 + 2 * i, 2), nullptr, 16);
  const uint64_t spin = function_address("runaway", "spin_forever");
  EXPECT_GE(pc, spin);
  EXPECT_LT(pc, spin + 64);
}

TEST(RiscvGdb, CtrlCStopsACpuSleepingInWfi) {
  platform_guard g;
  g.p = create();
  ASSERT_EQ(stoxvp_attach_elf(g.p, image("sleep_forever").c_str()), STOXVP_OK) << stoxvp_last_error();
  uint16_t port = 0;
  ASSERT_EQ(stoxvp_attach_gdb(g.p, 0, &port), STOXVP_OK) << stoxvp_last_error();
  bool interrupted = false;
  std::thread gdb([&] {
    rsp_client c(port);
    c.send("c");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    c.raw("\x03");
    interrupted = c.wait_for("$S02");
    c.send("k");
  });
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  gdb.join();
  EXPECT_TRUE(interrupted);
  EXPECT_EQ(rr.reason, STOXVP_STOP_FAULT) << rr.message;
  stoxvp::test::expect_mentions(rr.message, {"the debugger ended the firmware at pc"});
}

TEST(RiscvGdb, BreakpointThenDetachLetsTheFirmwareRunToItsExit) {
  platform_guard g;
  g.p = create();
  ASSERT_EQ(stoxvp_attach_elf(g.p, image("exit_code").c_str()), STOXVP_OK) << stoxvp_last_error();
  uint16_t port = 0;
  ASSERT_EQ(stoxvp_attach_gdb(g.p, 0, &port), STOXVP_OK) << stoxvp_last_error();
  const uint64_t main_at = function_address("exit_code", "main");
  ASSERT_NE(main_at, 0u);
  char z[64];
  std::snprintf(z, sizeof z, "Z0,%llx,2", static_cast<unsigned long long>(main_at));
  char pc_le[16];
  std::snprintf(pc_le, sizeof pc_le, "%02x%02x%02x%02x", unsigned(main_at & 0xFF), unsigned(main_at >> 8 & 0xFF),
                unsigned(main_at >> 16 & 0xFF), unsigned(main_at >> 24 & 0xFF));
  bool stopped = false, detached = false;
  std::string pc;
  std::thread gdb([&] {
    rsp_client c(port);
    c.send(z);
    if (!c.wait_for("OK")) return;
    c.got.clear();
    c.send("c");
    stopped = c.wait_for("S05");
    c.got.clear();
    c.send("p20");
    c.wait_for("#");
    pc = c.got;
    c.got.clear();
    c.send("D");
    detached = c.wait_for("OK");
  });
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  gdb.join();
  EXPECT_TRUE(stopped);
  EXPECT_NE(pc.find(pc_le), std::string::npos) << pc << " vs " << pc_le;
  EXPECT_TRUE(detached);
  EXPECT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message;
  EXPECT_EQ(rr.exit_code, 42);
}

TEST(RiscvGdb, AHostileStreamGetsErrorRepliesAndTheSessionCarriesOn) {
  platform_guard g;
  g.p = create();
  ASSERT_EQ(stoxvp_attach_elf(g.p, image("exit_code").c_str()), STOXVP_OK) << stoxvp_last_error();
  uint16_t port = 0;
  ASSERT_EQ(stoxvp_attach_gdb(g.p, 0, &port), STOXVP_OK) << stoxvp_last_error();
  std::string replies;
  bool alive = false;
  std::thread gdb([&] {
    rsp_client c(port);
    c.raw(std::string("\0\xff$$$###}}}*garbage#zz", 23));              // noise, cut-short packets
    c.raw("$m20000000,4#00");                                           // bad checksum
    c.raw(stoxvp::gdb_rsp::frame("M20000000,100000000:00"));            // hostile length
    c.raw(stoxvp::gdb_rsp::frame("m" + std::string(40, 'f') + ",4"));   // hostile address
    c.raw(stoxvp::gdb_rsp::frame(std::string(3 * stoxvp::gdb_rsp::kMaxPacket, 'X')));  // oversized
    c.send("qAttached");
    alive = c.wait_for("$1#");
    replies = c.got;
    c.send("c");
  });
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  gdb.join();
  EXPECT_TRUE(alive) << replies;
  EXPECT_NE(replies.find('-'), std::string::npos) << replies;                   // the NAK
  EXPECT_NE(replies.find(stoxvp::gdb_rsp::frame("E01")), std::string::npos) << replies;
  EXPECT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message;
  EXPECT_EQ(rr.exit_code, 42);
}

TEST(RiscvGdb, ADebuggerThatVanishesCountsAsADetach) {
  platform_guard g;
  g.p = create();
  ASSERT_EQ(stoxvp_attach_elf(g.p, image("exit_code").c_str()), STOXVP_OK) << stoxvp_last_error();
  uint16_t port = 0;
  ASSERT_EQ(stoxvp_attach_gdb(g.p, 0, &port), STOXVP_OK) << stoxvp_last_error();
  char z[64];
  std::snprintf(z, sizeof z, "Z0,%llx,2", static_cast<unsigned long long>(function_address("exit_code", "main")));
  std::thread gdb([&] {
    rsp_client c(port);
    c.send(z);
    c.wait_for("OK");
    c.send("c");  // and gone before the breakpoint is hit
  });
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(g.p, 0, &rr), STOXVP_OK);
  gdb.join();
  EXPECT_EQ(rr.reason, STOXVP_STOP_EXIT) << rr.message;
  EXPECT_EQ(rr.exit_code, 42);
}

TEST(RiscvGdb, TheCApiRefusesMisuseWithClearErrors) {
  platform_guard g;
  g.p = create();
  EXPECT_EQ(stoxvp_attach_gdb(g.p, 0, nullptr), STOXVP_E_STATE);
  EXPECT_NE(std::string(stoxvp_last_error()).find("attach an image with stoxvp_attach_elf first"), std::string::npos);
  ASSERT_EQ(stoxvp_attach_elf(g.p, image("exit_code").c_str()), STOXVP_OK);
  // A port someone else listens on.
  const int busy = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(busy, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(busy, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(busy, reinterpret_cast<sockaddr*>(&a), &len);
  EXPECT_EQ(stoxvp_attach_gdb(g.p, ntohs(a.sin_port), nullptr), STOXVP_E_IO);
  EXPECT_NE(std::string(stoxvp_last_error()).find("cannot listen on 127.0.0.1:" + std::to_string(ntohs(a.sin_port))),
            std::string::npos)
      << stoxvp_last_error();
  ::close(busy);
}

}  // namespace
