/* Reads an address no device answers: a load access fault the report must pin on the load. */
#include "hal.h"

__attribute__((noinline)) uint32_t read_nowhere(uint32_t offset) {
  return *(volatile uint32_t *)(uintptr_t)(0x30000000u + offset);
}

int main(void) {
  __asm__ volatile("csrw mtvec, zero"); /* no trap handler: the run ends with the fault report */
  hal_puts("bus_error: reading 0x30000010\n");
  return (int)read_nowhere(0x10);
}
