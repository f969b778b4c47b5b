/* Every synchronous exception the CPU model delivers enters this program's own trap handler,
 * which records mcause, mepc and mtval and returns past the faulting instruction with mret.
 * Then the counters: minstret and mcycle count what the model executed and simulated, mip shows
 * the timer line, MTIME advances. Prints one line per check and exits with the number of
 * failed checks. */
#include "hal.h"
#include "memory_map.h"

#include <stdint.h>

static volatile uint32_t seen_cause, seen_epc, seen_tval, seen_traps;
static volatile uint32_t resume_pc; /* where a failed fetch returns to */
static volatile uint32_t amo_word[2];
static int failures;

__attribute__((interrupt("machine"), aligned(4))) void test_handler(void) {
  uint32_t cause, epc, tval;
  __asm__ volatile("csrr %0, mcause\n csrr %1, mepc\n csrr %2, mtval" : "=r"(cause), "=r"(epc), "=r"(tval));
  seen_cause = cause;
  seen_epc = epc;
  seen_tval = tval;
  ++seen_traps;
  if (cause == 1)
    epc = resume_pc;
  else
    epc += (*(volatile uint16_t *)(uintptr_t)epc & 3) == 3 ? 4 : 2;
  __asm__ volatile("csrw mepc, %0" ::"r"(epc));
}

static void check(const char *what, uint32_t cause, uint32_t epc, uint32_t tval, uint32_t after) {
  const int ok = seen_cause == cause && seen_epc == epc && seen_tval == tval && after == 1;
  hal_printf("%s %s: mcause %lu mepc 0x%08lx mtval 0x%08lx, next instruction ran %lu time(s)\n", ok ? "ok" : "FAIL",
             what, (unsigned long)seen_cause, (unsigned long)seen_epc, (unsigned long)seen_tval, (unsigned long)after);
  if (!ok) {
    hal_printf("  expected mcause %lu mepc 0x%08lx mtval 0x%08lx\n", (unsigned long)cause, (unsigned long)epc,
               (unsigned long)tval);
    ++failures;
  }
  seen_cause = seen_epc = seen_tval = 0xDEADBEEF;
}

/* Each case: t2 = the faulting instruction's address; `after` counts the instruction after it. */
#define TRAP_CASE(name, setup, insn, cause, tval_expr)                                              \
  do {                                                                                             \
    uint32_t at, after = 0;                                                                        \
    __asm__ volatile(setup "\n la t2, 1f\n 1: " insn "\n addi %1, %1, 1\n mv %0, t2"             \
                     : "=r"(at), "+r"(after)                                                       \
                     : "r"(bad), "r"(misaligned)                                                   \
                     : "t0", "t1", "t2", "memory");                                               \
    check(name, cause, at, tval_expr, after);                                                      \
  } while (0)

int main(void) {
  __asm__ volatile("csrw mtvec, %0" ::"r"(&test_handler));
  const uint32_t bad = 0x30000010u; /* no device answers there */
  const uint32_t misaligned = (uint32_t)(uintptr_t)&amo_word[0] + 2;

  TRAP_CASE("illegal instruction (16-bit)", "", ".2byte 0", 2, 0);
  TRAP_CASE("illegal instruction (32-bit)", "", "csrw cycle, ra", 2, 0xC0009073u);
  TRAP_CASE("ebreak", ".option push\n .option norvc", "ebreak\n .option pop", 3, at);
  TRAP_CASE("c.ebreak", "", "c.ebreak", 3, at);
  TRAP_CASE("ecall", "", "ecall", 11, 0);
  TRAP_CASE("load access fault", "mv t0, %2", "lw t1, 0(t0)", 5, bad);
  TRAP_CASE("store access fault", "mv t0, %2", "sw t1, 0(t0)", 7, bad);
  TRAP_CASE("misaligned AMO", "mv t0, %3", "amoadd.w t1, t1, (t0)", 6, misaligned);
  TRAP_CASE("misaligned LR", "mv t0, %3", "lr.w t1, (t0)", 4, misaligned);
  {
    /* A jump to where no memory is: mepc and mtval are the target; the handler returns to 1f. */
    uint32_t after = 0;
    __asm__ volatile("la t0, 1f\n sw t0, %1\n li t1, 0x30000000\n jalr ra, t1\n 1: addi %0, %0, 1"
                     : "+r"(after), "=m"(resume_pc)
                     :
                     : "t0", "t1", "ra", "memory");
    check("instruction access fault", 1, 0x30000000u, 0x30000000u, after);
  }
  hal_printf("%s %lu exceptions taken\n", seen_traps == 10 ? "ok" : "FAIL", (unsigned long)seen_traps);
  failures += seen_traps != 10;

  /* minstret counts retired instructions, mcycle simulated cycles: equal deltas at CPI 1 with no
   * bus access in between. */
  uint32_t i0, c0, i1, c1, n = 1000;
  __asm__ volatile("csrr %0, minstret\n csrr %1, mcycle\n 2: addi %4, %4, -1\n bnez %4, 2b\n"
                   "csrr %2, minstret\n csrr %3, mcycle"
                   : "=&r"(i0), "=&r"(c0), "=&r"(i1), "=&r"(c1), "+r"(n));
  const uint32_t di = i1 - i0, dc = c1 - c0;
  const int counters_ok = di == 2002 && dc == di;
  hal_printf("%s minstret advanced %lu, mcycle %lu over two CSR reads and a 2000-instruction loop\n", counters_ok ? "ok" : "FAIL",
             (unsigned long)di, (unsigned long)dc);
  failures += !counters_ok;
  uint32_t hi;
  __asm__ volatile("csrr %0, mcycleh" : "=r"(hi));
  hal_printf("%s mcycleh %lu\n", hi == 0 ? "ok" : "FAIL", (unsigned long)hi);
  failures += hi != 0;

  /* mip.MTIP follows the timer line, whatever mie says (MTIE stays off: no interrupt). */
  const hal_addr_t t = hal_region_base(HAL_TIMER);
  const uint32_t mtime0 = hal_read32(t + STOXVP_TIMER_MTIME_LO);
  hal_write32(t + STOXVP_TIMER_MTIMECMP_HI, 0);
  hal_write32(t + STOXVP_TIMER_MTIMECMP_LO, 0);
  uint32_t mip = 0;
  for (int k = 0; k < 1000 && !(mip & 0x80); ++k) {
    (void)hal_read32(t + STOXVP_TIMER_MTIME_LO);
    __asm__ volatile("csrr %0, mip" : "=r"(mip));
  }
  hal_printf("%s mip 0x%08lx with MTIME >= MTIMECMP\n", (mip & 0x80) ? "ok" : "FAIL", (unsigned long)mip);
  failures += !(mip & 0x80);
  hal_write32(t + STOXVP_TIMER_MTIMECMP_HI, 0xFFFFFFFFu);
  for (int k = 0; k < 1000 && (mip & 0x80); ++k) {
    (void)hal_read32(t + STOXVP_TIMER_MTIME_LO);
    __asm__ volatile("csrr %0, mip" : "=r"(mip));
  }
  hal_printf("%s mip 0x%08lx with MTIMECMP in the future\n", !(mip & 0x80) ? "ok" : "FAIL", (unsigned long)mip);
  failures += (mip & 0x80) != 0;
  const uint32_t mtime1 = hal_read32(t + STOXVP_TIMER_MTIME_LO);
  hal_printf("%s MTIME advanced by %lu\n", mtime1 > mtime0 ? "ok" : "FAIL", (unsigned long)(mtime1 - mtime0));
  failures += mtime1 <= mtime0;
  return failures;
}
