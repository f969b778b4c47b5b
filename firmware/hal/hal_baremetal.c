/* HAL back end for bare-metal firmware: volatile accesses at the default memory map. */
#include "hal.h"

#include "memory_map.h"

hal_addr_t hal_region_base(enum hal_region r) {
  switch (r) {
    case HAL_SRAM: return STOXVP_MAP_SRAM_BASE;
    case HAL_DRAM: return STOXVP_MAP_DRAM_BASE;
    case HAL_CONSOLE: return STOXVP_MAP_CONSOLE_BASE;
    case HAL_TIMER: return STOXVP_MAP_TIMER_BASE;
    case HAL_SIM_CONTROL: return STOXVP_MAP_SIM_CONTROL_BASE;
    case HAL_ACCEL: return STOXVP_MAP_ACCEL_BASE;
  }
  return 0;
}

uint32_t hal_read32(hal_addr_t addr) { return *(volatile uint32_t *)(uintptr_t)addr; }
void hal_write32(hal_addr_t addr, uint32_t value) { *(volatile uint32_t *)(uintptr_t)addr = value; }
void *hal_map(hal_addr_t addr, size_t len) {
  (void)len;
  return (void *)(uintptr_t)addr;
}

void hal_wait_for_interrupt(void) {
#if defined(__riscv)
  __asm__ volatile("wfi");
#endif
}
