/* HAL back end for bare-metal firmware: volatile accesses at the default memory map, and on
 * RISC-V the interrupt handling behind hal_wait_for_interrupt(). */
#include "hal.h"

#include "memory_map.h"

hal_addr_t hal_region_base(enum hal_region r) {
  switch (r) {
    case HAL_SRAM: return STOXVP_MAP_SRAM_BASE;
    case HAL_DRAM: return STOXVP_MAP_DRAM_BASE;
    case HAL_CONSOLE: return STOXVP_MAP_CONSOLE_BASE;
    case HAL_TIMER: return STOXVP_MAP_TIMER_BASE;
    case HAL_SIM_CONTROL: return STOXVP_MAP_SIM_CONTROL_BASE;
    case HAL_ACCEL: return STOXVP_MAP_ACCEL_BASE;
  }
  return 0;
}

uint32_t hal_read32(hal_addr_t addr) { return *(volatile uint32_t *)(uintptr_t)addr; }
void hal_write32(hal_addr_t addr, uint32_t value) { *(volatile uint32_t *)(uintptr_t)addr = value; }
void *hal_map(hal_addr_t addr, size_t len) {
  (void)len;
  return (void *)(uintptr_t)addr;
}

#if defined(__riscv)

#define MSTATUS_MIE 0x8u
#define MIE_MTIE 0x80u
#define MIE_MEIE 0x800u
#define MCAUSE_INTERRUPT 0x80000000u
#define CAUSE_MACHINE_TIMER 7u
#define CAUSE_MACHINE_EXTERNAL 11u

void hal_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval);

/*
 * Interrupts only wake the CPU: the devices keep their status for the driver, which reads it
 * after hal_wait_for_interrupt() returns. The lines are level-sensitive and stay high until the
 * driver acknowledges the device, so the handler masks the source that fired; the next wait
 * unmasks it.
 */
void hal_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval) {
  if (mcause == (MCAUSE_INTERRUPT | CAUSE_MACHINE_EXTERNAL)) {
    __asm__ volatile("csrc mie, %0" ::"r"(MIE_MEIE));
    return;
  }
  if (mcause == (MCAUSE_INTERRUPT | CAUSE_MACHINE_TIMER)) {
    __asm__ volatile("csrc mie, %0" ::"r"(MIE_MTIE));
    return;
  }
  hal_printf("trap: mcause 0x%08lx at pc 0x%08lx (mtval 0x%08lx)\n", (unsigned long)mcause, (unsigned long)mepc,
             (unsigned long)mtval);
  hal_exit((int)(0x80u | (mcause & 0x7Fu)));
}

void hal_wait_for_interrupt(void) {
  /* With MIE clear, an interrupt that fires between the caller's status check and WFI still
   * ends the WFI (it is pending and enabled in mie) instead of being taken and consumed before
   * the CPU goes to sleep. Setting MIE again takes it. */
  __asm__ volatile("csrc mstatus, %0" ::"r"(MSTATUS_MIE));
  __asm__ volatile("csrs mie, %0" ::"r"(MIE_MEIE));
  __asm__ volatile("wfi");
  __asm__ volatile("csrs mstatus, %0" ::"r"(MSTATUS_MIE) : "memory");
}

/* What picolibc's exit(), abort() and assert() end in. */
HAL_NORETURN void _exit(int code);
HAL_NORETURN void _exit(int code) { hal_exit(code); }
int getpid(void);
int getpid(void) { return 1; }
int kill(int pid, int sig);
int kill(int pid, int sig) {
  (void)pid;
  hal_printf("signal %d: stopping\n", sig);
  hal_exit(128 + sig);
}

#else

void hal_wait_for_interrupt(void) {}

#endif
