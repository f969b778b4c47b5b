/* The interrupt path: queues NOP descriptors flagged for an interrupt and sleeps in WFI until
 * the accelerator raises its line; the trap handler runs and the CPU wakes. Exits 0 when every
 * fence completed. */
#include "hal.h"
#include "stoxvp_drv.h"

#include <stdint.h>

int main(void) {
  stoxvp_dev dev;
  const hal_addr_t ring = hal_region_base(HAL_DRAM) + 0x100000u;
  int rc = stoxvp_drv_init(&dev, hal_region_base(HAL_ACCEL), ring, 8);
  if (rc != STOXVP_DRV_OK) {
    hal_printf("irq_wake: init failed: %s\n", stoxvp_drv_error_name(rc));
    return 1;
  }
  for (int i = 0; i < 5; ++i) {
    rc = stoxvp_drv_wait(&dev);
    if (rc != STOXVP_DRV_OK) {
      hal_printf("irq_wake: fence %d failed: %s\n", i, stoxvp_drv_error_name(rc));
      return 2;
    }
  }
  hal_puts("irq_wake: 5 fences completed\n");
  return 0;
}
