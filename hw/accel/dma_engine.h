// The accelerator's DMA engine: moves operands between system memory and the accelerator in
// bursts over its TLM initiator socket (loosely timed: the caller's local time offset is
// advanced by each burst's annotated delay).
#pragma once

#include "activity.h"
#include "common/stats.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace stoxvp::hw {

struct dma_fault : std::runtime_error {
  dma_fault(uint64_t addr, const std::string& what) : std::runtime_error(what), address(addr) {}
  uint64_t address;
};

class dma_engine : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<dma_engine> socket;

  dma_engine(sc_core::sc_module_name name, uint32_t burst_bytes, uint32_t outstanding);
  dma_engine(const dma_engine&) = delete;
  dma_engine& operator=(const dma_engine&) = delete;

  // Throw dma_fault naming the first failing burst's address.
  void read(uint64_t addr, void* dst, uint64_t len, sc_core::sc_time& delay);
  void write(uint64_t addr, const void* src, uint64_t len, sc_core::sc_time& delay);
  // The same data movement without time or traffic (debug transport): for data the global
  // buffer already holds, whose cost the caller charges.
  void read_untimed(uint64_t addr, void* dst, uint64_t len);
  // Whether memory at [addr, addr + len) holds the bytes of `data`, without time or traffic:
  // through a direct memory pointer (TLM-2.0 DMI) when the target grants one, otherwise over
  // debug transport. Throws dma_fault when the range is not backed by memory.
  bool matches_untimed(uint64_t addr, const void* data, uint64_t len);

  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }
  uint64_t bursts() const { return bursts_; }
  // Bursts whose target consumed simulated time inside b_transport instead of annotating it.
  uint64_t blocking_bursts() const { return blocking_bursts_; }
  // Timeline: every transfer's interval goes to `log` when it is enabled.
  void set_activity(activity_log* log) { activity_ = log; }
  void clear_counters() { bytes_read_ = bytes_written_ = bursts_ = 0; }
  void stats(stat_group& g) const {
    g.set("bytes_read", bytes_read_).set("bytes_written", bytes_written_).set("bursts", bursts_)
        .set("blocking_bursts", blocking_bursts_);
  }

 private:
  void transfer(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint64_t len,
                sc_core::sc_time& delay);
  void note_blocking_target(uint64_t addr, const sc_core::sc_time& waited);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
  uint32_t burst_;
  uint32_t outstanding_;
  tlm::tlm_generic_payload trans_;
  // The last direct memory pointer granted (for untimed comparisons), until the target
  // invalidates it.
  tlm::tlm_dmi dmi_;
  bool dmi_valid_ = false;
  std::vector<uint8_t> scratch_;  // debug-transport reads when no pointer is granted
  activity_log* activity_ = nullptr;
  uint64_t bytes_read_ = 0;
  uint64_t bytes_written_ = 0;
  uint64_t bursts_ = 0;
  uint64_t blocking_bursts_ = 0;
};

}  // namespace stoxvp::hw
