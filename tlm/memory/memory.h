// A RAM target (on-chip SRAM or off-chip DRAM): fixed access latency plus a transfer time from
// its bandwidth, DMI for fast initiators, and debug transport for loaders and debuggers.
#pragma once

#include "common/stats.h"

#include <systemc>
#include <tlm>

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace stoxvp {

struct memory_timing {
  sc_core::sc_time read_latency = sc_core::SC_ZERO_TIME;
  sc_core::sc_time write_latency = sc_core::SC_ZERO_TIME;
  double bytes_per_ns = 0.0;  // 0: transfer time not modelled
};

// Implements the forward interface itself (no convenience socket in between): every CPU
// instruction fetch and DMA burst lands here, so the call path is kept short.
class memory : public sc_core::sc_module, public tlm::tlm_fw_transport_if<> {
 public:
  tlm::tlm_target_socket<> socket;

  memory(sc_core::sc_module_name name, uint64_t size, const memory_timing& timing);
  memory(const memory&) = delete;
  memory& operator=(const memory&) = delete;

  uint64_t size() const { return size_; }
  uint8_t* data() { return data_.get(); }

  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }
  void stats(stat_group& g) const { g.set("bytes_read", bytes_read_).set("bytes_written", bytes_written_); }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override;
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) override;
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans) override;
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) override;

 private:
  sc_core::sc_time transfer_time(uint64_t bytes) const {
    return units_per_byte_ > 0
               ? sc_core::sc_time::from_value(static_cast<uint64_t>(bytes * units_per_byte_ + 0.5))
               : sc_core::SC_ZERO_TIME;
  }

  struct free_deleter {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  uint64_t size_;
  memory_timing timing_;
  double units_per_byte_ = 0;  // transfer time per byte in sc_time resolution units
  std::unique_ptr<uint8_t[], free_deleter> data_;  // calloc: untouched pages cost nothing
  uint64_t bytes_read_ = 0;
  uint64_t bytes_written_ = 0;
};

}  // namespace stoxvp
