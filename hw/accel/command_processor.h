// The command processor: consumes the descriptor ring in system memory. For each slot between
// RING_HEAD and RING_TAIL it fetches the descriptor by DMA, checks its header, looks its opcode
// up in the operation registry (operation.h) and hands the handler an execution context,
// advances RING_HEAD and raises IRQ_STATUS.DONE when the descriptor
// asks for it. The first error halts it (STATUS.HALTED, ERROR_CODE, IRQ_STATUS.ERROR) until
// software issues CTRL.SOFT_RESET.
#pragma once

#include "config.h"
#include "cost_sink.h"
#include "dma_engine.h"
#include "energy.h"
#include "global_buffer.h"
#include "noc.h"
#include "operation.h"
#include "registers.h"
#include "technology.h"
#include "vector_unit.h"
#include "hw/core/converter.h"

#include <systemc>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace stoxvp::hw {

// Execution statistics, beyond what the performance-counter registers expose.
struct command_stats {
  uint64_t descriptors = 0;
  uint64_t errors = 0;
  uint64_t macs = 0;                // multiply-accumulates of executed layers
  uint64_t sops = 0;                // of those, synaptic operations of spiking layers (an accumulate each)
  // Inputs clipped to a_bits, in the units each unit sees them: a crossbar layer drives an
  // input once per output position whose window covers it (im2col rows), the digital unit
  // reads each input element once.
  uint64_t saturated_row_drives = 0;
  uint64_t saturated_digital_inputs = 0;
  // The global buffer's (global_buffer_stats), copied here for the reports.
  uint64_t gb_hit_bytes = 0;        // operand bytes the global buffer already held
  // Reads served from a clean held copy that no longer matched memory: software changed a
  // held range without GB_INVALIDATE (the register map's global-buffer coherence rule).
  uint64_t stale_reads = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  std::array<uint64_t, STOXVP_OPCODE_LIMIT> by_opcode{};  // indexed by STOXVP_OP_*
  std::array<core::converter_stats, core::kConverterKinds> by_converter{};  // indexed by STOXVP_CONV_*
  sc_core::sc_time busy_time = sc_core::SC_ZERO_TIME;
  uint64_t conversions() const;
  uint64_t samples() const;
};

class command_processor : public sc_core::sc_module {
 public:
  // Signals for VCD tracing: what the command processor is doing, at simulated time.
  sc_core::sc_signal<bool> busy;
  sc_core::sc_signal<uint32_t> ring_occupancy;
  sc_core::sc_signal<uint32_t> desc_slot;     // slot being executed (meaningful while busy)
  sc_core::sc_signal<uint32_t> desc_opcode;   // opcode being executed (meaningful while busy)
  sc_core::sc_signal<uint32_t> desc_tag;      // the descriptor's tag
  sc_core::sc_signal<uint32_t> active_tiles;  // tiles working on the current layer

  // `groups`: the tile groups of every kind, in chip-wide tile order.
  command_processor(sc_core::sc_module_name name, const accelerator_config& cfg,
                    const technology& tech, accel_registers& regs, dma_engine& dma,
                    global_buffer& gb, std::vector<tile_group_base*> groups, vector_unit& vu,
                    hw::noc& network, cost_sink& cost);
  command_processor(const command_processor&) = delete;
  command_processor& operator=(const command_processor&) = delete;

  // Wakes the processor `delay` after now (a register write changed the ring or CTRL).
  void kick(const sc_core::sc_time& delay);
  // Discards the descriptor in flight, if any, and empties the global buffer, kept outputs
  // included (CTRL.SOFT_RESET).
  void abort_current() {
    ++generation_;
    ctx_.gb.clear();
  }
  // A descriptor has been fetched and has not finished (it may have been dropped by a reset).
  bool executing() const { return executing_; }
  // Called whenever IRQ_STATUS changes, so the owner can drive the interrupt line.
  std::function<void()> on_irq_status;

  const command_stats& stats() const;

 private:
  SC_HAS_PROCESS(command_processor);
  void run();
  bool can_fetch() const;
  uint32_t occupancy() const;
  void execute(const stoxvp_desc& d, sc_core::sc_time& local);
  void halt(uint32_t code, uint32_t slot, uint64_t addr, const std::string& why);
  void update_trace();


  // The execution context handed to every operation handler.
  class context : public exec_context {
   public:
    context(command_processor& cp, const accelerator_config& cfg, const technology& tech,
            global_buffer& gb, std::vector<tile_group_base*> groups, hw::noc& network,
            vector_unit& vu, cost_sink& cost, command_stats& stats);
    tile_group_base* group(const std::string& kind) override;
    std::vector<tile_group_base*> groups(const std::string& kind) override;
    const std::vector<tile_base*>& tiles() const override { return tiles_; }
    void sync(sc_core::sc_time& local) override;
    void set_active_tiles(uint32_t n) override { cp_.active_tiles.write(n); }
    uint32_t slot() const override { return cp_.slot_; }

   private:
    command_processor& cp_;
    std::vector<tile_group_base*> groups_;
    std::vector<tile_base*> tiles_;
  };

  const accelerator_config& cfg_;
  const technology& tech_;
  accel_registers& regs_;
  dma_engine& dma_;
  cost_sink& cost_;
  tlm_utils::tlm_quantumkeeper qk_;
  sc_core::sc_event kick_;
  uint64_t generation_ = 0;
  bool executing_ = false;
  uint32_t slot_ = 0;  // ring slot of the descriptor being executed
  mutable command_stats stats_;
  context ctx_;
};

}  // namespace stoxvp::hw
