/* Calls through a null function pointer: the CPU jumps to address 0. */
#include "hal.h"

int main(void) {
  void (*volatile handler)(void) = 0;
  hal_puts("null_call: calling a null pointer\n");
  handler();
  return 0;
}
