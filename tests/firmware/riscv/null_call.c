/* Calls through a null function pointer: the CPU jumps to address 0. */
#include "hal.h"

int main(void) {
  __asm__ volatile("csrw mtvec, zero"); /* no trap handler: the run ends with the fault report */
  void (*volatile handler)(void) = 0;
  hal_puts("null_call: calling a null pointer\n");
  handler();
  return 0;
}
