/* HAL back end for host-compiled firmware: every access goes through the simulated CPU. */
#include "hal.h"

#include "stoxvp.h"

hal_addr_t hal_region_base(enum hal_region r) {
  switch (r) {
    case HAL_SRAM: return stoxvp_fw_region_base("sram");
    case HAL_DRAM: return stoxvp_fw_region_base("dram");
    case HAL_CONSOLE: return stoxvp_fw_region_base("console");
    case HAL_TIMER: return stoxvp_fw_region_base("timer");
    case HAL_SIM_CONTROL: return stoxvp_fw_region_base("sim_control");
    case HAL_ACCEL: return stoxvp_fw_region_base("accelerator");
  }
  return 0;
}

uint32_t hal_read32(hal_addr_t addr) { return stoxvp_fw_read32(addr); }
void hal_write32(hal_addr_t addr, uint32_t value) { stoxvp_fw_write32(addr, value); }
void *hal_map(hal_addr_t addr, size_t len) { return stoxvp_fw_map(addr, len); }
void hal_wait_for_interrupt(void) { stoxvp_fw_wait_for_interrupt(); }
