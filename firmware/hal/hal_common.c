/* HAL services built on the back end's register access: console, timer, exit. */
#include "hal.h"

#include "memory_map.h"

#include <stdio.h>

void hal_putc(char c) {
  hal_write32(hal_region_base(HAL_CONSOLE) + STOXVP_CONSOLE_TXDATA, (uint32_t)(unsigned char)c);
}

void hal_puts(const char *s) {
  while (*s) hal_putc(*s++);
}

int hal_printf(const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  const int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  hal_puts(buf);
  return n;
}

uint64_t hal_time_ns(void) {
  const hal_addr_t t = hal_region_base(HAL_TIMER);
  const uint32_t lo = hal_read32(t + STOXVP_TIMER_MTIME_LO); /* latches the high half */
  const uint32_t hi = hal_read32(t + STOXVP_TIMER_MTIME_HI);
  const uint64_t ticks = ((uint64_t)hi << 32) | lo;
  const uint32_t hz = hal_read32(t + STOXVP_TIMER_FREQ_HZ);
  /* Split to keep ticks * 1e9 from overflowing after 584 years / (hz / 1 Hz). */
  return (ticks / hz) * 1000000000ull + (ticks % hz) * 1000000000ull / hz;
}

HAL_NORETURN void hal_exit(int code) {
  hal_write32(hal_region_base(HAL_SIM_CONTROL) + STOXVP_SIM_CONTROL_EXIT, (uint32_t)code);
  for (;;) hal_wait_for_interrupt(); /* the platform stops the CPU; nothing runs past here */
}
