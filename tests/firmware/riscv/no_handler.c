/* Enables the machine timer interrupt with no trap vector: the report must say so. */
#include "hal.h"

#include "memory_map.h"

int main(void) {
  const hal_addr_t t = hal_region_base(HAL_TIMER);
  hal_write32(t + STOXVP_TIMER_MTIMECMP_HI, 0);
  hal_write32(t + STOXVP_TIMER_MTIMECMP_LO, 0); /* MTIME >= MTIMECMP: the line is high */
  __asm__ volatile("csrw mtvec, zero\n csrs mie, %0\n csrsi mstatus, 8" ::"r"(0x80));
  for (volatile int i = 0; i < 1000; ++i) {
  }
  return 0;
}
