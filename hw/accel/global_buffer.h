// The global buffer: the on-chip SRAM between DRAM and the units. Every operand reaches the
// tiles and the vector unit through it, and it holds ranges across descriptors so that weights,
// parameter blocks and outputs kept on chip are not fetched again.
//
// Coherence towards CPU writes (the register map's global-buffer rule, docs/registers.md): the
// buffer does not snoop the bus. It holds only what a descriptor asked it to hold: weights and
// parameter blocks it read (clean copies) and outputs written with STOXVP_DESC_F_KEEP_OUTPUT
// (dirty, newer than DRAM). Any other output goes to DRAM and is not held, so software owns it.
// Software that rewrites a held range must first queue GB_INVALIDATE for it: that writes dirty
// bytes back and drops the range, in ring order. A descriptor that reads a clean held copy
// software has changed meanwhile computes on the held copy, as the hardware would; the model
// warns and counts it (stale_reads), naming the descriptor that made the range held.
#pragma once

#include "config.h"
#include "cost_sink.h"
#include "dma_engine.h"
#include "technology.h"

#include <systemc>

#include <cstdint>
#include <vector>

namespace stoxvp::hw {

struct global_buffer_stats {
  uint64_t hit_bytes = 0;        // operand bytes it already held
  uint64_t stale_reads = 0;      // reads of clean held copies that no longer matched memory
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
};

class global_buffer : public sc_core::sc_module {
 public:
  global_buffer(sc_core::sc_module_name name, const accelerator_config& cfg, const technology& tech,
                dma_engine& dma, cost_sink& cost);
  global_buffer(const global_buffer&) = delete;
  global_buffer& operator=(const global_buffer&) = delete;

  // The descriptor now executing: named by held ranges it creates, and by stale-read warnings.
  void begin_descriptor(uint32_t slot, uint32_t tag, uint16_t opcode, uint32_t flags) {
    slot_ = slot;
    tag_ = tag;
    opcode_ = opcode;
    flags_ = flags;
  }

  // Brings an operand to the units: from the buffer when it holds the range, otherwise by DMA
  // from DRAM (then held when `keep`: weights and parameter blocks). Throws desc_error for a
  // null address or an operand beyond the configured limit, dma_fault for a failing burst.
  void fetch(uint64_t addr, uint64_t len, std::vector<uint8_t>& buf, const char* what,
             sc_core::sc_time& local, bool keep = false);
  // The same fetch (same time, energy and counts) without copying a range the buffer holds:
  // returns where the operand's bytes are, the held copy itself or `buf` (filled by DMA). They
  // stay valid until the buffer next takes in or drops a range (a fetch with `keep`, a store,
  // an invalidation); a fetch without `keep` leaves them valid. Read only.
  // `held`, when given, receives the serial number of the held copy the bytes are (a hit, or
  // the copy a fetch with `keep` made), 0 when the buffer does not hold them. A held copy never
  // changes while it is held, and every copy gets a new number: what was checked of a serial
  // number stays true of it.
  const uint8_t* fetch_view(uint64_t addr, uint64_t len, std::vector<uint8_t>& buf, const char* what,
                            sc_core::sc_time& local, bool keep = false, uint64_t* held = nullptr);
  // Delivers an output: to DRAM (not held), or held when the current descriptor keeps its
  // output on chip.
  void store(uint64_t addr, const void* src, uint64_t len, sc_core::sc_time& local);
  // GB_INVALIDATE: writes back the dirty ranges overlapping [addr, addr + bytes) and drops every
  // overlapping range; bytes == 0 means the whole buffer. Costs a tag lookup cycle per held range.
  void invalidate(uint64_t addr, uint64_t bytes, sc_core::sc_time& local);
  // CTRL.SOFT_RESET: everything held is lost, kept outputs included.
  void clear() {
    lines_.clear();
    used_ = 0;
  }
  // Cycles to move `bytes` through its ports (banks x width bits per cycle).
  sc_core::sc_time port_time(uint64_t bytes) const;

  // Its area and leakage, by its capacity.
  void contribute(cost_sheet& sheet) const {
    sheet.add(component::global_buffer, double(cfg_.global_buffer_kib) * tech_.global_buffer_area_um2_per_kib,
              double(cfg_.global_buffer_kib) * tech_.global_buffer_leakage_mw_per_kib);
  }

  size_t held_ranges() const { return lines_.size(); }
  uint64_t held_bytes() const { return used_; }
  const global_buffer_stats& stats() const { return stats_; }

 private:
  struct line {
    uint64_t addr, last_use;
    bool dirty;  // newer than DRAM (a kept output)
    std::vector<uint8_t> data;
    // The descriptor that made the range held, named when software breaks the coherence rule.
    uint32_t slot, tag;
    uint16_t opcode;
    uint64_t serial;  // this copy's number (fetch_view)
  };
  line* find(uint64_t addr, uint64_t len);
  // Writes back the dirty lines overlapping [addr, addr + len) and drops every overlapping line.
  void drop(uint64_t addr, uint64_t len, sc_core::sc_time& local);
  // Warns and counts when a clean held copy no longer matches memory (debug transport).
  void check_coherent(const line& l, uint64_t len);
  // Puts a copy of [addr, addr + len) in the buffer, evicting (and writing back) as needed.
  void put(uint64_t addr, const uint8_t* src, uint64_t len, bool dirty, sc_core::sc_time& local);
  void write_back(line& l, sc_core::sc_time& local);

  const accelerator_config& cfg_;
  const technology& tech_;
  dma_engine& dma_;
  cost_sink& cost_;
  std::vector<line> lines_;
  uint64_t used_ = 0, clock_ = 0, serial_ = 0;
  uint32_t slot_ = 0, tag_ = 0, flags_ = 0;
  uint16_t opcode_ = 0;
  global_buffer_stats stats_;
};

}  // namespace stoxvp::hw
