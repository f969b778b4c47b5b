/* Executes an illegal instruction (all-zero parcel) in a function of its own, so the fault
 * report can be checked for the function's name. */
#include "hal.h"

void execute_illegal(void);
__asm__(".text\n.globl execute_illegal\n.type execute_illegal, @function\n.align 2\n"
        "execute_illegal:\n  .word 0\n  ret\n.size execute_illegal, .-execute_illegal\n");

int main(void) {
  __asm__ volatile("csrw mtvec, zero"); /* no trap handler: the run ends with the fault report */
  hal_puts("illegal_instruction: about to fault\n");
  execute_illegal();
  return 0;
}
