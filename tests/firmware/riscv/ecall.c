/* An environment call from machine mode (nothing on this platform serves it). */
#include "hal.h"

__attribute__((noinline)) void call_environment(void) { __asm__ volatile("ecall"); }

int main(void) {
  __asm__ volatile("csrw mtvec, zero"); /* no trap handler: the run ends with the fault report */
  call_environment();
  return 0;
}
