// Fuzz target: the accelerator's register interface and descriptor ring. Each input is a small
// firmware script that a CPU stand-in plays over the bus against one accelerator instance with
// its own DRAM, in a fresh SystemC kernel: register writes and reads, descriptors placed in
// ring slots, operand bytes placed in DRAM, doorbells, waits and interrupt acknowledges. Every
// descriptor error must end as an error code and an interrupt; a crash, an exception out of the
// simulation or a hang (the simulated time is bounded; libFuzzer's -timeout bounds host time) is
// a finding. fuzz/make_seeds.cpp writes the seed scripts and documents the opcodes.
#include "fuzz_ring.h"

#include "hw/accel/accelerator.h"
#include "tests/support/stimulus.h"
#include "tlm/bus/bus.h"
#include "common/log.h"
#include "tlm/memory/memory.h"
#include "hw/accel/cost/tech_file.h"

#include <systemc>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

using namespace stoxvp;
using namespace stoxvp::fuzz_ring;

namespace {

// Reads the script; past its end every field reads as zero.
struct script {
  const uint8_t* p;
  size_t n;
  bool done() const { return n == 0; }
  void take(void* out, size_t len) {
    const size_t k = std::min(len, n);
    std::memcpy(out, p, k);
    std::memset(static_cast<uint8_t*>(out) + k, 0, len - k);
    p += k;
    n -= k;
  }
  template <class T> T get() {
    T v;
    take(&v, sizeof v);
    return v;
  }
};

void play(stoxvp::test::stimulus& cpu, script s, memory& dram) {
  const auto reg = [&](uint32_t off) { return cpu.read32(kRegs + off); };
  const auto set = [&](uint32_t off, uint32_t v) { cpu.write32(kRegs + off, v); };
  while (!s.done()) {
    switch (s.get<uint8_t>() % kOpCount) {
      case kOpWriteReg: {
        const uint32_t off = s.get<uint16_t>() % STOXVP_REG_WINDOW & ~3u;
        set(off, s.get<uint32_t>());
        break;
      }
      case kOpReadReg:
        (void)reg(s.get<uint16_t>() % STOXVP_REG_WINDOW & ~3u);
        break;
      case kOpPutDesc: {
        const uint32_t slot = s.get<uint8_t>();
        s.take(dram.data() + kRingOffset + slot * STOXVP_DESC_SIZE, STOXVP_DESC_SIZE);
        break;
      }
      case kOpPutData: {
        const uint32_t off = s.get<uint32_t>() % kDramSize;
        const uint32_t len = std::min<uint32_t>(s.get<uint16_t>(), kDramSize - off);
        s.take(dram.data() + off, std::min<size_t>(len, s.n));
        break;
      }
      case kOpStartRing: {
        set(STOXVP_REG_RING_BASE_LO, static_cast<uint32_t>(kDram + kRingOffset));
        set(STOXVP_REG_RING_BASE_HI, static_cast<uint32_t>((kDram + kRingOffset) >> 32));
        set(STOXVP_REG_RING_SIZE, s.get<uint16_t>());
        set(STOXVP_REG_IRQ_ENABLE, STOXVP_IRQ_ENABLE_DONE | STOXVP_IRQ_ENABLE_ERROR);
        set(STOXVP_REG_CTRL, STOXVP_CTRL_ENABLE);
        break;
      }
      case kOpDoorbell:
        set(STOXVP_REG_RING_TAIL, s.get<uint16_t>());
        break;
      case kOpWait:
        cpu.wait_irq(sc_core::sc_time(10.0 * s.get<uint16_t>(), sc_core::SC_NS));
        break;
      case kOpAckIrq:
        set(STOXVP_REG_IRQ_STATUS, reg(STOXVP_REG_IRQ_STATUS));
        break;
    }
  }
  // Let whatever was started finish (or stop on an error) before the kernel is torn down.
  cpu.wait_irq(sc_core::sc_time(kDrainUs, sc_core::SC_US));
  for (uint32_t off = 0; off < STOXVP_REG_WINDOW; off += 4) (void)reg(off);
  if (std::getenv("STOXVP_FUZZ_VERBOSE"))  // to check that a seed does what it was written for
    std::fprintf(stderr, "ring: %u descriptors done, STATUS 0x%x, ERROR_CODE %u, ERROR_SLOT %u, HEAD %u\n",
                 reg(STOXVP_REG_PERF_DESC_DONE), reg(STOXVP_REG_STATUS), reg(STOXVP_REG_ERROR_CODE),
                 reg(STOXVP_REG_ERROR_SLOT), reg(STOXVP_REG_RING_HEAD));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  set_log_sink([](const log_record&) {});  // descriptor errors are expected; keep the output readable
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool initialised = (LLVMFuzzerInitialize(nullptr, nullptr), true);
  (void)initialised;
  static const hw::technology tech = default_tech().tech;

  // SystemC elaborates a context once: every input gets a fresh one, as every test does. The
  // retired ones stay referenced (deleting a context whose coroutines have run corrupts what
  // LeakSanitizer sees of the main stack); their modules are gone, so each costs little. Never
  // deleted, not even at exit, for the same reason.
  static std::vector<sc_core::sc_simcontext*> retired;
  retired.push_back(new sc_core::sc_simcontext());
  sc_core::sc_curr_simcontext = retired.back();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  {
    sc_core::sc_signal<bool> irq("irq");
    bus b("bus", sc_core::sc_time(1, sc_core::SC_NS),
          std::vector<address_range>{{"accelerator", kRegs, STOXVP_REG_WINDOW}, {"dram", kDram, kDramSize}},
          std::vector<std::string>{"cpu", "accelerator.dma"});
    memory dram("dram", kDramSize,
                memory_timing{sc_core::sc_time(50, sc_core::SC_NS), sc_core::sc_time(50, sc_core::SC_NS), 25.6});
    hw::accelerator acc("accelerator", hw::accelerator_config{}, tech);
    test::stimulus cpu("cpu");
    b.connect_target("accelerator", acc.regs);
    b.connect_target("dram", dram.socket);
    b.connect_initiator("cpu", cpu.socket);
    b.connect_initiator("accelerator.dma", acc.mem);
    acc.irq.bind(irq);
    cpu.irq.bind(irq);
    cpu.body = [&](test::stimulus& c) { play(c, script{data, size}, dram); };
    sc_core::sc_start(sc_core::sc_time(kSimLimitMs, sc_core::SC_MS));
  }
  return 0;
}
