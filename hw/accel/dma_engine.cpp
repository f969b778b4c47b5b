#include "dma_engine.h"

#include "common/log.h"

#include <cstring>

namespace stoxvp::hw {

dma_engine::dma_engine(sc_core::sc_module_name name, uint32_t burst_bytes, uint32_t outstanding)
    : sc_module(name),
      socket("socket"),
      burst_(burst_bytes == 0 ? 1 : burst_bytes),
      outstanding_(outstanding == 0 ? 1 : outstanding) {
  socket.register_invalidate_direct_mem_ptr(this, &dma_engine::invalidate_direct_mem_ptr);
}

void dma_engine::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  if (dmi_valid_ && start <= dmi_.get_end_address() && dmi_.get_start_address() <= end) dmi_valid_ = false;
}

void dma_engine::transfer(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint64_t len,
                          sc_core::sc_time& delay) {
  if (len != 0 && addr + len - 1 < addr)
    throw dma_fault(addr, "transfer of " + std::to_string(len) + " bytes at " + hex(addr) +
                              " wraps around the address space");
  // With `outstanding_` bursts in flight, a transfer takes the sum of the burst latencies
  // divided by the overlap, but never less than its slowest burst.
  sc_core::sc_time total = sc_core::SC_ZERO_TIME, slowest = sc_core::SC_ZERO_TIME;
  const sc_core::sc_time began = sc_core::sc_time_stamp() + delay;
  uint64_t done = 0;
  while (done < len) {
    // Bursts never cross a burst-size boundary, as on an AXI-like interconnect.
    const uint64_t a = addr + done;
    const uint64_t n = std::min<uint64_t>(len - done, burst_ - a % burst_);
    trans_.set_command(cmd);
    trans_.set_address(a);
    trans_.set_data_ptr(data + done);
    trans_.set_data_length(static_cast<unsigned>(n));
    trans_.set_streaming_width(static_cast<unsigned>(n));
    trans_.set_byte_enable_ptr(nullptr);
    trans_.set_dmi_allowed(false);
    trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time latency = sc_core::SC_ZERO_TIME;
    const sc_core::sc_time called = sc_core::sc_time_stamp();
    socket->b_transport(trans_, latency);
    if (sc_core::sc_time_stamp() != called) note_blocking_target(a, sc_core::sc_time_stamp() - called);
    total += latency;
    if (latency > slowest) slowest = latency;
    ++bursts_;
    if (trans_.is_response_error())
      throw dma_fault(a, std::string(cmd == tlm::TLM_READ_COMMAND ? "read" : "write") + " of " +
                             std::to_string(n) + " bytes at " + hex(a) + " failed: " +
                             trans_.get_response_string());
    done += n;
  }
  const sc_core::sc_time overlapped = total / static_cast<double>(outstanding_);
  delay += overlapped > slowest ? overlapped : slowest;
  if (activity_ != nullptr && activity_->enabled())
    activity_->add("dma", cmd == tlm::TLM_READ_COMMAND ? "read" : "write", began, sc_core::sc_time_stamp() + delay,
                   {{"bytes", double(len)}, {"address", double(addr)}});
}

void dma_engine::note_blocking_target(uint64_t addr, const sc_core::sc_time& waited) {
  ++blocking_bursts_;
  if (blocking_bursts_ > 1) return;  // once: a memory that waits does so on every burst
  log(log_level::warning, msg::dma_engine, name(),
      "the target at " + hex(addr) + " spent " + waited.to_string() +
          " inside b_transport (wait()) instead of annotating its latency: bursts cannot overlap, "
          "so DMA transfers take longer than the dma_outstanding model says (docs/architecture.md)");
}

void dma_engine::read_untimed(uint64_t addr, void* dst, uint64_t len) {
  tlm::tlm_generic_payload t;
  t.set_command(tlm::TLM_READ_COMMAND);
  t.set_address(addr);
  t.set_data_ptr(static_cast<uint8_t*>(dst));
  t.set_data_length(static_cast<unsigned>(len));
  t.set_streaming_width(static_cast<unsigned>(len));
  if (socket->transport_dbg(t) != len)
    throw dma_fault(addr, "read of " + std::to_string(len) + " bytes at " + hex(addr) + " is not backed by memory");
}

bool dma_engine::matches_untimed(uint64_t addr, const void* data, uint64_t len) {
  if (len == 0) return true;
  const uint64_t last = addr + len - 1;
  const auto covers = [&] {
    return dmi_valid_ && dmi_.is_read_allowed() && dmi_.get_start_address() <= addr && last >= addr &&
           last <= dmi_.get_end_address();
  };
  if (!covers()) {
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_address(addr);
    tlm::tlm_dmi dmi;
    if (socket->get_direct_mem_ptr(t, dmi) && dmi.get_dmi_ptr() != nullptr) {
      dmi_ = dmi;
      dmi_valid_ = true;
    }
  }
  if (covers())
    return std::memcmp(dmi_.get_dmi_ptr() + (addr - dmi_.get_start_address()), data, len) == 0;
  scratch_.resize(len);
  read_untimed(addr, scratch_.data(), len);
  return std::memcmp(scratch_.data(), data, len) == 0;
}

void dma_engine::read(uint64_t addr, void* dst, uint64_t len, sc_core::sc_time& delay) {
  transfer(tlm::TLM_READ_COMMAND, addr, static_cast<uint8_t*>(dst), len, delay);
  bytes_read_ += len;
}

void dma_engine::write(uint64_t addr, const void* src, uint64_t len, sc_core::sc_time& delay) {
  // The payload's data pointer is non-const by TLM's design; a write never modifies it.
  transfer(tlm::TLM_WRITE_COMMAND, addr, static_cast<uint8_t*>(const_cast<void*>(src)), len,
           delay);
  bytes_written_ += len;
}

}  // namespace stoxvp::hw
