// The accelerator's register file: one typed reg32 member per entry of STOXVP_REGISTERS in
// stoxvp_regs.h, so the model cannot drift from the header the firmware and docs use.
#pragma once

#include "stoxvp_regs.h"
#include "common/register_bank.h"

#include <memory>
#include <string>
#include <vector>

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

  // The tile-group discovery table: STOXVP_MAX_TILE_GROUPS slots of
  // STOXVP_TILE_GROUP_REGISTERS, read-only, reset value from the configuration (0: no group).
  reg32& tile_group(uint32_t group, uint32_t reg) { return *tile_group_regs_[group * kPerGroup + reg / 4]; }

 private:
  static constexpr uint32_t kPerGroup = STOXVP_TILE_GROUP_STRIDE / 4;
  std::vector<std::unique_ptr<reg32>> make_tile_group_regs() {
    std::vector<std::unique_ptr<reg32>> v(STOXVP_MAX_TILE_GROUPS * kPerGroup);
    for (uint32_t g = 0; g < STOXVP_MAX_TILE_GROUPS; ++g) {
#define STOXVP_X_TG(name, off, doc)                                                          \
  v[g * kPerGroup + (off) / 4] = std::make_unique<reg32>(                                     \
      bank, "TG" + std::to_string(g) + "_" #name, STOXVP_REG_TILE_GROUP(g, off), reg_access::RO, 0u);
      STOXVP_TILE_GROUP_REGISTERS(STOXVP_X_TG)
#undef STOXVP_X_TG
    }
    return v;
  }
  std::vector<std::unique_ptr<reg32>> tile_group_regs_ = make_tile_group_regs();
};

}  // namespace stoxvp::hw
