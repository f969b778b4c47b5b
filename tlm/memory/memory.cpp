#include "memory.h"

#include "common/log.h"

#include <cstring>
#include <new>

namespace stoxvp {

memory::memory(sc_core::sc_module_name name, uint64_t size, const memory_timing& timing)
    : sc_module(name), socket("socket"), size_(size), timing_(timing) {
  data_.reset(static_cast<uint8_t*>(std::calloc(size, 1)));
  if (!data_) throw std::bad_alloc();
  socket.bind(*this);
  if (timing.bytes_per_ns > 0)
    units_per_byte_ = 1e-9 / timing.bytes_per_ns / sc_core::sc_get_time_resolution().to_seconds();
}

tlm::tlm_sync_enum memory::nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase&,
                                           sc_core::sc_time&) {
  // Loosely-timed platform: the approximately-timed protocol is not offered.
  trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
  return tlm::TLM_COMPLETED;
}

void memory::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t addr = trans.get_address();
  const uint64_t len = trans.get_data_length();
  if (addr >= size_ || len > size_ - addr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (trans.get_streaming_width() < len) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  // Word accesses (2, 4 or 8 bytes) must be naturally aligned, as on the real interconnect;
  // longer bursts only need to stay inside the memory.
  if ((len == 2 || len == 4 || len == 8) && addr % len != 0) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  uint8_t* mem = data_.get() + addr;
  uint8_t* ptr = trans.get_data_ptr();
  const uint8_t* be = trans.get_byte_enable_ptr();
  const unsigned be_len = trans.get_byte_enable_length();
  if (trans.is_read()) {
    if (be == nullptr) {
      std::memcpy(ptr, mem, len);
    } else {
      for (uint64_t i = 0; i < len; ++i)
        if (be[i % be_len] == TLM_BYTE_ENABLED) ptr[i] = mem[i];
    }
    bytes_read_ += len;
    delay += timing_.read_latency + transfer_time(len);
  } else if (trans.is_write()) {
    if (be == nullptr) {
      std::memcpy(mem, ptr, len);
    } else {
      for (uint64_t i = 0; i < len; ++i)
        if (be[i % be_len] == TLM_BYTE_ENABLED) mem[i] = ptr[i];
    }
    bytes_written_ += len;
    delay += timing_.write_latency + transfer_time(len);
  }
  trans.set_dmi_allowed(true);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool memory::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  (void)trans;
  dmi.allow_read_write();
  dmi.set_dmi_ptr(data_.get());
  dmi.set_start_address(0);
  dmi.set_end_address(size_ - 1);
  dmi.set_read_latency(timing_.read_latency);
  dmi.set_write_latency(timing_.write_latency);
  return true;
}

unsigned int memory::transport_dbg(tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  if (addr >= size_) return 0;
  const uint64_t n = std::min<uint64_t>(trans.get_data_length(), size_ - addr);
  if (trans.is_read())
    std::memcpy(trans.get_data_ptr(), data_.get() + addr, n);
  else if (trans.is_write())
    std::memcpy(data_.get() + addr, trans.get_data_ptr(), n);
  else
    return 0;
  return static_cast<unsigned int>(n);
}

}  // namespace stoxvp
