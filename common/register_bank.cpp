#include "register_bank.h"

#include "log.h"

#include <cstring>
#include <stdexcept>

namespace stoxvp {

reg32::reg32(register_bank& bank, std::string name, uint32_t offset, reg_access access,
             uint32_t reset_value, uint32_t write_mask)
    : name_(std::move(name)),
      offset_(offset),
      access_(access),
      reset_value_(reset_value),
      write_mask_(write_mask),
      value_(reset_value) {
  bank.add(*this);
}

const char* reg32::bus_write(uint32_t data) {
  if (access_ == reg_access::RO) return "the register is read-only";
  if (write_guard) {
    if (const char* why = write_guard(data)) return why;
  }
  const uint32_t before = value_;
  switch (access_) {
    case reg_access::RO:
      break;
    case reg_access::RW:
      value_ = (value_ & ~write_mask_) | (data & write_mask_);
      break;
    case reg_access::W1C:
      value_ &= ~(data & write_mask_);
      break;
  }
  if (on_write) on_write(before);
  return nullptr;
}

void register_bank::add(reg32& r) {
  if (r.offset() % 4 != 0)
    throw std::logic_error(owner_ + ": register " + r.name() + " at unaligned offset");
  auto [it, inserted] = regs_.emplace(r.offset(), &r);
  if (!inserted)
    throw std::logic_error(owner_ + ": registers " + it->second->name() + " and " + r.name() +
                           " share offset " + hex(r.offset()));
}

reg32* register_bank::find(uint32_t offset) const {
  auto it = regs_.find(offset);
  return it == regs_.end() ? nullptr : it->second;
}

void register_bank::reset_all() {
  for (auto& [off, r] : regs_) r->reset();
}

bool register_bank::check(tlm::tlm_generic_payload& trans, reg32*& r) {
  const uint64_t addr = trans.get_address();
  const char* what = trans.is_read() ? "read" : "write";
  auto fail = [&](tlm::tlm_response_status st, const std::string& why) {
    trans.set_response_status(st);
    log(log_level::warning, msg::register_bank, owner_,
        std::string(what) + " of " + std::to_string(trans.get_data_length()) +
            " bytes at offset " + hex(addr) + " refused: " + why);
    return false;
  };
  if (trans.get_data_length() != 4 || trans.get_streaming_width() < 4)
    return fail(tlm::TLM_BURST_ERROR_RESPONSE, "registers take 32-bit accesses only");
  // Bridges often attach byte enables to every access: all four enabled is a plain word
  // access. A register has no byte lanes, so a partial write or read is refused.
  if (const unsigned char* be = trans.get_byte_enable_ptr()) {
    const unsigned n = trans.get_byte_enable_length();
    bool all = n != 0;
    for (unsigned i = 0; all && i < 4; ++i) all = be[i % n] == TLM_BYTE_ENABLED;
    if (!all) return fail(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE, "registers take whole 32-bit words (partial byte enables)");
  }
  if (addr % 4 != 0) return fail(tlm::TLM_ADDRESS_ERROR_RESPONSE, "misaligned");
  r = addr <= UINT32_MAX ? find(static_cast<uint32_t>(addr)) : nullptr;
  if (r == nullptr) return fail(tlm::TLM_ADDRESS_ERROR_RESPONSE, "no register at this offset");
  return true;
}

void register_bank::transport(tlm::tlm_generic_payload& trans) {
  reg32* r = nullptr;
  if (!check(trans, r)) return;
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
    // IEEE 1666 TLM: the target decodes the address but neither reads nor writes.
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  uint32_t v = 0;
  if (trans.is_read()) {
    v = r->bus_read(false);
    std::memcpy(trans.get_data_ptr(), &v, 4);
  } else {
    std::memcpy(&v, trans.get_data_ptr(), 4);
    if (const char* why = r->bus_write(v)) {
      trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      log(log_level::warning, msg::register_bank, owner_, "write of " + hex(v) + " to " + r->name() +
                                          " refused: " + why);
      return;
    }
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int register_bank::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (!trans.is_read()) return 0;
  reg32* r = nullptr;
  if (trans.get_data_length() != 4 || trans.get_address() % 4 != 0 ||
      trans.get_address() > UINT32_MAX ||
      (r = find(static_cast<uint32_t>(trans.get_address()))) == nullptr)
    return 0;
  const uint32_t v = r->bus_read(true);
  std::memcpy(trans.get_data_ptr(), &v, 4);
  return 4;
}

}  // namespace stoxvp
