/* A trap handler that itself executes an illegal instruction: it would enter itself forever, so
 * the run ends with a fault report naming the first exception and the handler. */
#include "hal.h"

__attribute__((aligned(4))) void faulting_handler(void);
__asm__(".text\n.globl faulting_handler\n.type faulting_handler, @function\n.align 2\n"
        "faulting_handler:\n  .2byte 0\n  mret\n.size faulting_handler, .-faulting_handler\n");

int main(void) {
  __asm__ volatile("csrw mtvec, %0" ::"r"(&faulting_handler));
  __asm__ volatile("ecall");
  return 0;
}
