/* An application of one's own: finds the accelerator through the driver, reads the cycle
 * counter and the machine timer, and exits with 0 when everything answered. */
#include "hal.h"
#include "memory_map.h"
#include "stoxvp_drv.h"

#include <stdint.h>

int main(void) {
  stoxvp_dev dev;
  const hal_addr_t ring = hal_region_base(HAL_DRAM) + 0x100000u;
  const int rc = stoxvp_drv_init(&dev, hal_region_base(HAL_ACCEL), ring, 8);
  uint32_t cycles;
  __asm__ volatile("csrr %0, mcycle" : "=r"(cycles));
  const uint32_t mtime = hal_read32(hal_region_base(HAL_TIMER) + STOXVP_TIMER_MTIME_LO);
  hal_printf("sdk_example: accelerator %s, %lu cycles, mtime %lu\n", rc == STOXVP_DRV_OK ? "found" : "missing",
             (unsigned long)cycles, (unsigned long)mtime);
  return rc == STOXVP_DRV_OK ? 0 : 1;
}
