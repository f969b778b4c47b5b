/* Never returns and never touches a device: the CPU's watchdog must stop it. */
#include "hal.h"

__attribute__((noinline)) void spin_forever(volatile uint32_t *counter) {
  for (;;) ++*counter;
}

int main(void) {
  static volatile uint32_t counter;
  hal_puts("runaway: spinning\n");
  spin_forever(&counter);
  return 0;
}
