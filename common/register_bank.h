// Memory-mapped 32-bit registers, declared as typed members of the peripheral that owns them
// (each registers itself with the owner's register_bank, which is the router table that decodes
// a TLM access to one register). Access rules and callbacks live on the register, so a
// peripheral's behaviour reads as a list of registers plus what happens when they are touched.
#pragma once

#include <tlm>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace stoxvp {

enum class reg_access { RO, RW, W1C };

class register_bank;

class reg32 {
 public:
  // write_mask: bits software can change (RW) or clear (W1C); other bits keep the model's value.
  reg32(register_bank& bank, std::string name, uint32_t offset, reg_access access,
        uint32_t reset_value, uint32_t write_mask = 0xFFFFFFFFu);
  reg32(const reg32&) = delete;
  reg32& operator=(const reg32&) = delete;

  // Model side: no access rules apply.
  uint32_t get() const { return value_; }
  void set(uint32_t v) { value_ = v; }
  void set_bits(uint32_t mask) { value_ |= mask; }
  void clear_bits(uint32_t mask) { value_ &= ~mask; }
  void reset() { value_ = reset_value_; }
  void set_reset_value(uint32_t v) { reset_value_ = v; }

  const std::string& name() const { return name_; }
  uint32_t offset() const { return offset_; }
  reg_access access() const { return access_; }
  uint32_t reset_value() const { return reset_value_; }
  uint32_t write_mask() const { return write_mask_; }

  // Called on a bus read instead of returning the stored value (for counters and live status).
  // `debug` is true for transport_dbg reads, which must not have side effects.
  std::function<uint32_t(bool debug)> on_read;
  // Called after a bus write has updated the stored value; receives the value before the write.
  std::function<void(uint32_t before)> on_write;
  // Consulted before a bus write: returns nullptr to allow it, or the reason it is refused
  // (the access then gets TLM_COMMAND_ERROR_RESPONSE and the register keeps its value).
  std::function<const char*(uint32_t data)> write_guard;

  // Bus side: applies the access rules. bus_write returns nullptr, or why it refused the write.
  uint32_t bus_read(bool debug) { return on_read ? on_read(debug) : value_; }
  const char* bus_write(uint32_t data);

 private:
  std::string name_;
  uint32_t offset_;
  reg_access access_;
  uint32_t reset_value_;
  uint32_t write_mask_;
  uint32_t value_;
};

class register_bank {
 public:
  // owner names the peripheral in log messages.
  explicit register_bank(std::string owner) : owner_(std::move(owner)) {}
  register_bank(const register_bank&) = delete;
  register_bank& operator=(const register_bank&) = delete;

  void add(reg32& r);  // throws std::logic_error on a duplicate offset
  reg32* find(uint32_t offset) const;
  void reset_all();

  // Decodes and performs one access; sets the payload's response status. Only aligned 32-bit
  // accesses are legal, with no byte enables or all four enabled; TLM_IGNORE_COMMAND to a
  // register is answered OK without effect. Illegal accesses are logged with the reason.
  void transport(tlm::tlm_generic_payload& trans);
  // Debug reads return register values without side effects; debug writes are refused.
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);

  const std::map<uint32_t, reg32*>& registers() const { return regs_; }

 private:
  bool check(tlm::tlm_generic_payload& trans, reg32*& r);
  std::string owner_;
  std::map<uint32_t, reg32*> regs_;
};

}  // namespace stoxvp
