// The command processor: consumes the descriptor ring in system memory. For each slot between
// RING_HEAD and RING_TAIL it fetches the descriptor by DMA, validates it, executes it, advances
// RING_HEAD and raises IRQ_STATUS.DONE when the descriptor asks for it. The first error halts it
// (STATUS.HALTED, ERROR_CODE, IRQ_STATUS.ERROR) until software issues CTRL.SOFT_RESET.
#pragma once

#include "config.h"
#include "dma_engine.h"
#include "registers.h"

#include <systemc>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace stoxvp::hw {

// Execution statistics, beyond what the performance-counter registers expose.
struct command_stats {
  uint64_t descriptors = 0;
  uint64_t errors = 0;
  uint64_t macs = 0;
  sc_core::sc_time busy_time = sc_core::SC_ZERO_TIME;
};

class command_processor : public sc_core::sc_module {
 public:
  // Signals for VCD tracing: what the command processor is doing, at simulated time.
  sc_core::sc_signal<bool> busy;
  sc_core::sc_signal<uint32_t> ring_occupancy;
  sc_core::sc_signal<uint32_t> desc_slot;    // slot being executed (meaningful while busy)
  sc_core::sc_signal<uint32_t> desc_opcode;  // opcode being executed (meaningful while busy)

  command_processor(sc_core::sc_module_name name, const accelerator_config& cfg,
                    accel_registers& regs, dma_engine& dma);
  command_processor(const command_processor&) = delete;
  command_processor& operator=(const command_processor&) = delete;

  // Wakes the processor `delay` after now (a register write changed the ring or CTRL).
  void kick(const sc_core::sc_time& delay);
  // Discards the descriptor in flight, if any (CTRL.SOFT_RESET).
  void abort_current() { ++generation_; }
  // Called whenever IRQ_STATUS changes, so the owner can drive the interrupt line.
  std::function<void()> on_irq_status;

  const command_stats& stats() const { return stats_; }
  void clear_stats() { stats_ = command_stats{}; }

 private:
  SC_HAS_PROCESS(command_processor);
  void run();
  bool can_fetch() const;
  uint32_t occupancy() const;
  void execute(const stoxvp_desc& d, sc_core::sc_time& local);
  void exec_fc_int8(const stoxvp_fc_int8_args& a, sc_core::sc_time& local);
  void halt(uint32_t code, uint32_t slot, uint64_t addr, const std::string& why);
  void update_trace();

  const accelerator_config& cfg_;
  accel_registers& regs_;
  dma_engine& dma_;
  tlm_utils::tlm_quantumkeeper qk_;
  sc_core::sc_event kick_;
  uint64_t generation_ = 0;
  command_stats stats_;
  std::vector<uint8_t> buf_in_, buf_w_, buf_bias_, buf_out_;  // operand buffers, reused
};

}  // namespace stoxvp::hw
