/* Prints a line on the console and returns 42: the exit path through sim_control. */
#include "hal.h"

int main(void) {
  hal_printf("exit_code: hello from RV32 at %u MHz\n", 1000u);
  return 42;
}
