// The stoxvp accelerator as one SystemC module, for this platform or anyone else's SoC model:
//   regs  TLM-2.0 target socket: the register window of stoxvp_regs.h (STOXVP_REG_WINDOW bytes)
//   mem   TLM-2.0 initiator socket: DMA into system memory (descriptors and operands)
//   irq   level interrupt, high while IRQ_STATUS & IRQ_ENABLE != 0
// Bind the three, call sc_start; nothing else is required of the surrounding model.
#pragma once

#include "command_processor.h"
#include "config.h"
#include "cost_sink.h"
#include "dma_engine.h"
#include "energy.h"
#include "global_buffer.h"
#include "noc.h"
#include "operation.h"
#include "registers.h"
#include "technology.h"
#include "tiles/xbar/xbar_group.h"
#include "vector_unit.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <memory>
#include <vector>

namespace stoxvp::hw {

// Makes the tiles of one group (chip-wide indices from `first_tile`) through the factory its kind
// registered (operation.h). A kind nobody registered, or a group its factory refuses, is
// refused with an SC_ERROR report naming tile_groups[group_index] and its field.
std::unique_ptr<tile_group_base> make_tiles_of_group(const tile_group& group, uint32_t group_index,
                                                     uint32_t first_tile, const accelerator_config& cfg,
                                                     const technology& tech, const char* module);

class accelerator : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<accelerator> regs;
  tlm::tlm_initiator_socket<> mem;
  sc_core::sc_out<bool> irq;

  // The technology is copied: per-action energy, latency, area and leakage of every component.
  accelerator(sc_core::sc_module_name name, const accelerator_config& cfg, const technology& tech);
  accelerator(const accelerator&) = delete;
  accelerator& operator=(const accelerator&) = delete;

  // Adds the accelerator's state signals to a trace file (call before the simulation starts).
  void trace(sc_core::sc_trace_file* tf) const;

  const accelerator_config& config() const { return cfg_; }
  void set_seed(uint64_t seed) { cfg_.seed = seed; }
  const command_stats& stats() const { return cp_.stats(); }
  const dma_engine& dma() const { return dma_; }
  const vector_unit& vector() const { return vu_; }
  const technology& tech() const { return tech_; }
  energy_ledger& ledger() { return ledger_; }
  const energy_ledger& ledger() const { return ledger_; }
  // What every unit did when (a timeline); enable it before the simulation starts.
  activity_log& activity() { return activity_; }
  const activity_log& activity() const { return activity_; }
  const hw::noc& network() const { return noc_; }

  // Area of every component of the chip as configured (um^2), and per tile: the sum of what
  // every unit contributes (cost_sheet).
  struct area_report {
    energy_vector by_component{};  // indexed by energy component id
    double tile_um2 = 0, chip_um2 = 0;
    uint32_t converters_per_array = 0;
  };
  area_report area() const;
  // The crossbar tiles of every crossbar group, group by group (empty when the chip has none).
  const std::vector<tile*>& tiles() const { return xbar_tiles_; }
  // The tile groups of every kind, in chip-wide tile order.
  const std::vector<std::unique_ptr<tile_group_base>>& tile_groups() const { return groups_; }
  // The same groups as configured (the configuration's, or the one crossbar group of a
  // configuration without tile_groups), with their routers.
  const std::vector<tile_group>& tile_group_specs() const { return specs_; }
  const global_buffer& buffer() const { return gb_; }
  accel_registers& registers() { return r_; }

 private:
  SC_HAS_PROCESS(accelerator);
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  void drive_irq();  // method: irq follows irq_level_
  void update_irq();
  void soft_reset();
  uint32_t counter_lo(uint64_t value, bool debug);
  uint64_t busy_cycles() const;
  std::vector<std::unique_ptr<tile_group_base>> make_groups();
  void describe_tile_groups();
  cost_sheet costs() const;

  accelerator_config cfg_;
  technology tech_;
  energy_ledger ledger_;
  hw::noc noc_;
  accel_registers r_;
  dma_engine dma_;
  std::vector<tile_group> specs_;
  std::vector<std::unique_ptr<tile_group_base>> groups_;
  xbar_group* xbar_ = nullptr;  // the first crossbar group
  std::vector<tile*> xbar_tiles_;
  vector_unit vu_;
  cost_sink cost_;
  global_buffer gb_;
  command_processor cp_;
  activity_log activity_;  // the timeline's record (off unless enabled)
  sc_core::sc_time access_delay_;  // annotated delay of the register access being served
  // Written by the CPU's register accesses and by the command processor.
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> irq_level_{"irq_level", false};
  uint64_t latched_ = 0;  // 64-bit counter latched by the last _LO read
  // Baselines subtracted from the counters since the last PERF_CTRL.CLEAR.
  uint64_t base_desc_ = 0, base_busy_ = 0, base_rd_ = 0, base_wr_ = 0, base_macs_ = 0,
           base_conv_ = 0, base_samples_ = 0;
};

}  // namespace stoxvp::hw
