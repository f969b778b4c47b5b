/* __builtin_trap() compiles to ebreak: a breakpoint the report must name as such. */
#include "hal.h"

__attribute__((noinline)) void trap_here(int code) {
  if (code != 0) __builtin_trap();
}

int main(void) {
  __asm__ volatile("csrw mtvec, zero"); /* no trap handler: the run ends with the fault report */
  trap_here(1);
  return 0;
}
