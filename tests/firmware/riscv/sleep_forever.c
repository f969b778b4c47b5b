/* Sleeps in WFI with every interrupt masked: nothing can wake it, and the platform must say so
 * instead of hanging. */
#include "hal.h"

int main(void) {
  hal_puts("sleep_forever: going to sleep\n");
  __asm__ volatile("csrw mie, zero\n wfi");
  return 0;
}
