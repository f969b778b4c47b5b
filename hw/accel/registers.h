// The accelerator's register file: one typed reg32 member per entry of STOXVP_REGISTERS in
// stoxvp_regs.h, so the model cannot drift from the header the firmware and docs use.
#pragma once

#include "stoxvp_regs.h"
#include "common/register_bank.h"

#include <string>

namespace stoxvp::hw {

// Write mask of the register at `offset`: the union of its STOXVP_FIELDS, or every bit when the
// header lists no fields for it.
constexpr uint32_t register_write_mask(uint32_t offset) {
  uint32_t mask = 0;
#define STOXVP_X_MASK(reg, field, lsb, width, doc) \
  if (offset == STOXVP_REG_##reg) mask |= static_cast<uint32_t>(STOXVP_##reg##_##field);
  STOXVP_FIELDS(STOXVP_X_MASK)
#undef STOXVP_X_MASK
  return mask != 0 ? mask : 0xFFFFFFFFu;
}

struct accel_registers {
  explicit accel_registers(const std::string& owner) : bank(owner) {}
  accel_registers(const accel_registers&) = delete;
  accel_registers& operator=(const accel_registers&) = delete;

  register_bank bank;
#define STOXVP_X_REG(name, off, acc, rst, doc) \
  reg32 name{bank, #name, off, reg_access::acc, rst, register_write_mask(off)};
  STOXVP_REGISTERS(STOXVP_X_REG)
#undef STOXVP_X_REG
};

}  // namespace stoxvp::hw
