/* __builtin_trap() compiles to ebreak: a breakpoint the report must name as such. */
#include "hal.h"

__attribute__((noinline)) void trap_here(int code) {
  if (code != 0) __builtin_trap();
}

int main(void) {
  trap_here(1);
  return 0;
}
