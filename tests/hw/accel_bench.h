// Test bench of the accelerator on its own: a stimulus module plays the CPU, a bus connects it
// to the accelerator's registers and a DRAM, and the accelerator's DMA reaches the DRAM through
// the same bus (so unmapped DMA addresses get real bus errors).
#pragma once

#include "hw/accel/accelerator.h"
#include "support/kernel.h"
#include "support/stimulus.h"
#include "tlm/bus/bus.h"
#include "tlm/memory/memory.h"
#include "hw/accel/cost/tech_file.h"

#include <memory>

namespace stoxvp::test {

constexpr uint64_t kRegs = 0x40000000;
constexpr uint64_t kDram = 0x80000000;
constexpr uint64_t kDramSize = 16 << 20;

struct accel_bench : kernel_test {
  std::unique_ptr<bus> b;
  std::unique_ptr<memory> dram;
  std::unique_ptr<hw::accelerator> acc;
  std::unique_ptr<stimulus> cpu;
  std::unique_ptr<sc_core::sc_signal<bool>> irq_sig;
  bool irq() const { return irq_sig->read(); }

  hw::technology tech = default_tech().tech;

  // Builds the bench; a second call tears the previous one down and starts a fresh kernel.
  void build(hw::accelerator_config cfg = {}) {
    if (b) {
      cpu.reset();
      acc.reset();
      dram.reset();
      b.reset();
      irq_sig.reset();
      fresh_kernel();
    }
    irq_sig = std::make_unique<sc_core::sc_signal<bool>>("irq");
    b = std::make_unique<bus>("bus", sc_core::sc_time(1, sc_core::SC_NS),
                              std::vector<address_range>{{"accelerator", kRegs, STOXVP_REG_WINDOW},
                                                         {"dram", kDram, kDramSize}},
                              std::vector<std::string>{"cpu", "accelerator.dma"});
    dram = std::make_unique<memory>(
        "dram", kDramSize, memory_timing{sc_core::sc_time(50, sc_core::SC_NS), sc_core::sc_time(50, sc_core::SC_NS), 25.6});
    acc = std::make_unique<hw::accelerator>("accelerator", cfg, tech);
    cpu = std::make_unique<stimulus>("cpu");
    b->connect_target("accelerator", acc->regs);
    b->connect_target("dram", dram->socket);
    b->connect_initiator("cpu", cpu->socket);
    b->connect_initiator("accelerator.dma", acc->mem);
    acc->irq.bind(*irq_sig);
    cpu->irq.bind(*irq_sig);
  }
  void run(std::function<void(stimulus&)> body) {
    cpu->body = std::move(body);
    sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_SEC));
    ASSERT_TRUE(cpu->finished) << "the test body did not finish (hang?)";
  }
  uint8_t* mem(uint64_t bus_addr) { return dram->data() + (bus_addr - kDram); }

  // Register helpers for test bodies.
  static uint32_t reg(stimulus& s, uint32_t off) { return s.read32(kRegs + off); }
  static tlm::tlm_response_status set(stimulus& s, uint32_t off, uint32_t v) {
    return s.write32(kRegs + off, v);
  }
  // Configures a ring of `slots` at `ring` and enables the command processor and interrupts.
  static void start_ring(stimulus& s, uint64_t ring, uint32_t slots) {
    set(s, STOXVP_REG_RING_BASE_LO, static_cast<uint32_t>(ring));
    set(s, STOXVP_REG_RING_BASE_HI, static_cast<uint32_t>(ring >> 32));
    set(s, STOXVP_REG_RING_SIZE, slots);
    set(s, STOXVP_REG_IRQ_ENABLE, STOXVP_IRQ_ENABLE_DONE | STOXVP_IRQ_ENABLE_ERROR);
    set(s, STOXVP_REG_CTRL, STOXVP_CTRL_ENABLE);
  }
  void put_desc(uint64_t ring, uint32_t slot, const stoxvp_desc& d) {
    std::memcpy(mem(ring + slot * STOXVP_DESC_SIZE), &d, sizeof d);
  }
};

inline stoxvp_desc make_desc(uint16_t opcode, uint32_t flags = 0) {
  stoxvp_desc d{};
  d.hdr.opcode = opcode;
  d.hdr.version = STOXVP_DESC_VERSION;
  d.hdr.flags = flags;
  return d;
}

}  // namespace stoxvp::test
