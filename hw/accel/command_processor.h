// The command processor: consumes the descriptor ring in system memory. For each slot between
// RING_HEAD and RING_TAIL it fetches the descriptor by DMA, validates it, executes it on the
// tiles and the vector unit, advances RING_HEAD and raises IRQ_STATUS.DONE when the descriptor
// asks for it. The first error halts it (STATUS.HALTED, ERROR_CODE, IRQ_STATUS.ERROR) until
// software issues CTRL.SOFT_RESET.
#pragma once

#include "config.h"
#include "dma_engine.h"
#include "energy.h"
#include "noc.h"
#include "registers.h"
#include "technology.h"
#include "tile.h"
#include "vector_unit.h"

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

// "XBAR_CONV", ...; "unknown" for a value that is no STOXVP_OP_*.
const char* opcode_name(uint32_t op);

// Execution statistics, beyond what the performance-counter registers expose.
struct command_stats {
  uint64_t descriptors = 0;
  uint64_t errors = 0;
  uint64_t macs = 0;                // multiply-accumulates of executed layers
  // Inputs clipped to a_bits, in the units each unit sees them: a crossbar layer drives an
  // input once per output position whose window covers it (im2col rows), the digital unit
  // reads each input element once.
  uint64_t saturated_row_drives = 0;
  uint64_t saturated_digital_inputs = 0;
  uint64_t gb_hit_bytes = 0;        // operand bytes the global buffer already held
  // Reads served from a clean held copy that no longer matched memory: software changed a
  // held range without GB_INVALIDATE (the register map's global-buffer coherence rule).
  uint64_t stale_reads = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  std::array<uint64_t, STOXVP_OPCODE_KINDS> by_opcode{};  // indexed by STOXVP_OP_*
  std::array<core::converter_stats, core::kConverterKinds> by_converter{};  // indexed by STOXVP_CONV_*
  sc_core::sc_time busy_time = sc_core::SC_ZERO_TIME;
  uint64_t conversions() const;
  uint64_t samples() const;
};

// One crossbar group as a layer sees it: the configuration its tiles were built with (the
// group's geometry), its tiles and their routers, and its first array in the chip-wide
// numbering descriptors use (array_base).
struct xbar_group_view {
  const accelerator_config* cfg = nullptr;
  std::vector<tile*> tiles;
  std::vector<uint32_t> nodes;
  uint32_t first_array = 0;
  uint32_t arrays() const { return cfg->tiles * cfg->arrays_per_tile; }
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

  command_processor(sc_core::sc_module_name name, const accelerator_config& cfg,
                    const technology& tech, accel_registers& regs, dma_engine& dma,
                    std::vector<tile*> tiles, vector_unit& vu, hw::noc& network,
                    energy_ledger& ledger);
  command_processor(const command_processor&) = delete;
  command_processor& operator=(const command_processor&) = delete;

  // Wakes the processor `delay` after now (a register write changed the ring or CTRL).
  void kick(const sc_core::sc_time& delay);
  // Discards the descriptor in flight, if any, and empties the global buffer, kept outputs
  // included (CTRL.SOFT_RESET).
  void abort_current() {
    ++generation_;
    gb_lines_.clear();
    gb_used_ = 0;
  }
  // A descriptor has been fetched and has not finished (it may have been dropped by a reset).
  bool executing() const { return executing_; }
  // Called whenever IRQ_STATUS changes, so the owner can drive the interrupt line.
  std::function<void()> on_irq_status;

  const command_stats& stats() const { return stats_; }

  // The chip's crossbar groups (default: one group of every tile, built with the chip's
  // configuration, tile t on router noc.node_of_tile(t)).
  void set_xbar_groups(std::vector<xbar_group_view> groups) { xbar_groups_ = std::move(groups); }

 private:
  SC_HAS_PROCESS(command_processor);
  void run();
  bool can_fetch() const;
  uint32_t occupancy() const;
  void execute(const stoxvp_desc& d, sc_core::sc_time& local);
  void halt(uint32_t code, uint32_t slot, uint64_t addr, const std::string& why);
  void update_trace();

  // Layer execution (layer_execution.cpp).
  struct layer_params;
  void exec_program(const stoxvp_xbar_program_args& a, sc_core::sc_time& local);
  void exec_xbar_conv(const stoxvp_conv_args& a, sc_core::sc_time& local);
  void exec_digital_conv(const stoxvp_conv_args& a, sc_core::sc_time& local);
  void exec_pool(const stoxvp_pool_args& a, sc_core::sc_time& local);
  void exec_add(const stoxvp_add_args& a, sc_core::sc_time& local);
  void exec_gb_invalidate(const stoxvp_gb_invalidate_args& a, sc_core::sc_time& local);
  core::conv_shape check_conv(const stoxvp_conv_args& a, bool xbar);
  core::xbar_mapping map_on_chip(const char* op, const core::xbar_layer_shape& shape, uint32_t array_base);
  void read_params(uint64_t addr, uint32_t N, std::vector<uint8_t>& raw, sc_core::sc_time& local);
  // Brings an operand to the units: from the global buffer when it holds the range, otherwise
  // by DMA from DRAM (then kept when `keep`: weights and parameter blocks).
  void fetch(uint64_t addr, uint64_t len, std::vector<uint8_t>& buf, const char* what,
             sc_core::sc_time& local, bool keep = false);
  // Delivers an output: to DRAM (not held), or to the global buffer only when the descriptor
  // keeps its output on chip.
  void store(uint64_t addr, const void* src, uint64_t len, sc_core::sc_time& local);
  std::shared_ptr<const core::converter_bank> converter_for(const std::vector<uint8_t>& raw,
                                                            const core::xbar_layer_shape& shape,
                                                            const core::xbar_mapping& map);
  void output(const stoxvp_conv_args& a, const std::vector<uint8_t>& raw, uint32_t positions,
              uint32_t sources, float code_scale, sc_core::sc_time& local);
  // Charges the current descriptor's layer for work spent between two local time offsets.
  void charge(const energy_vector& e, const sc_core::sc_time& from, const sc_core::sc_time& to);
  void charge(component c, double pj, const sc_core::sc_time& from, const sc_core::sc_time& to);
  // The crossbar group holding array `array_base` (the last group when none does, so the
  // range check names the end of the chip); it becomes the layer's group (xg_).
  const xbar_group_view& select_xbar_group(uint32_t array_base);
  const accelerator_config& xcfg() const { return *xg_->cfg; }
  tile& tile_of(uint32_t global_array) {
    return *xg_->tiles[(global_array - xg_->first_array) / xcfg().arrays_per_tile];
  }
  uint32_t array_in_tile(uint32_t global_array) const {
    return (global_array - xg_->first_array) % xcfg().arrays_per_tile;
  }
  uint32_t total_arrays() const;

  const accelerator_config& cfg_;
  const technology& tech_;
  accel_registers& regs_;
  dma_engine& dma_;
  std::vector<tile*> tiles_;
  std::vector<xbar_group_view> xbar_groups_;
  const xbar_group_view* xg_ = nullptr;  // the crossbar group of the layer being executed
  vector_unit& vu_;
  hw::noc& noc_;
  energy_ledger& ledger_;
  uint32_t tag_ = 0;     // the descriptor being executed: whose layer the energy goes to
  uint16_t opcode_ = 0;
  tlm_utils::tlm_quantumkeeper qk_;
  sc_core::sc_event kick_;
  uint64_t generation_ = 0;
  bool executing_ = false;
  uint32_t slot_ = 0;  // ring slot of the descriptor being executed
  command_stats stats_;
  // Operand buffers (the global buffer's contents), reused between descriptors.
  std::vector<uint8_t> in_, w_, params_, out_, in_b_;
  std::vector<int64_t> acc_;
  core::packed_input packed_;
  // The global buffer's contents, for costs: ranges it holds (the layer outputs it wrote, the
  // weights and parameter blocks it read), least recently used evicted first.
  struct gb_line {
    uint64_t addr, last_use;
    bool dirty;                 // newer than DRAM (a kept output)
    std::vector<uint8_t> data;
    // The descriptor that made the range held, named when software breaks the coherence rule.
    uint32_t slot, tag;
    uint16_t opcode;
  };
  gb_line* gb_find(uint64_t addr, uint64_t len);
  // Writes back the dirty lines overlapping [addr, addr + len) and drops every overlapping line.
  void gb_drop(uint64_t addr, uint64_t len, sc_core::sc_time& local);
  // Warns and counts when a clean held copy no longer matches memory (debug transport).
  void gb_check_coherent(const gb_line& l, uint64_t len);
  // Puts a copy of [addr, addr + len) in the buffer, evicting (and writing back) as needed.
  void gb_put(uint64_t addr, const uint8_t* src, uint64_t len, bool dirty, sc_core::sc_time& local);
  void gb_write_back(gb_line& l, sc_core::sc_time& local);
  uint32_t flags_ = 0;  // of the descriptor being executed
  std::vector<gb_line> gb_lines_;
  uint64_t gb_used_ = 0, gb_clock_ = 0;
  // Converter banks by layer parameters: a bank tabulates MTJ switching statistics, work that
  // is done once per distinct layer configuration rather than per invocation.
  std::unordered_map<std::string, std::shared_ptr<const core::converter_bank>> banks_;
};

}  // namespace stoxvp::hw
