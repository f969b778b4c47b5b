/* Writes EXIT, then the console: nothing after the EXIT store may happen. */
#include "hal.h"

#include "memory_map.h"

int main(void) {
  hal_puts("exit_now: before\n");
  hal_write32(hal_region_base(HAL_SIM_CONTROL) + STOXVP_SIM_CONTROL_EXIT, 5);
  hal_puts("exit_now: after\n");
  return 6;
}
