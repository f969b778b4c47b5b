/* Waits for an accelerator interrupt status bit by polling, with nothing submitted: the bit never
 * comes. Every access is a device read, so the CPU's runaway watchdog does not fire; the
 * platform's no-progress watchdog (stall timeout) must end the run. */
#include "hal.h"
#include "stoxvp_regs.h"

int main(void) {
  hal_puts("poll_forever: waiting for IRQ_STATUS.DONE\n");
  const hal_addr_t accel = hal_region_base(HAL_ACCEL);
  while ((hal_read32(accel + STOXVP_REG_IRQ_STATUS) & 1u) == 0) {
  }
  return 0;
}
