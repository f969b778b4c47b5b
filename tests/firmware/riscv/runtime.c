/* The C run-time the start-up code promises: constructors run before main, errno lives in
 * thread-local storage (picolibc) at the right alignment, .bss is zero, abort() ends the run. */
#include "hal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

static int constructed;
__attribute__((constructor)) static void construct(void) { constructed = 1; }

__thread int tls_aligned __attribute__((aligned(16)));
__thread int tls_zero;
static uint32_t bss_words[64];

int main(void) {
  int failures = 0;
  if (!constructed) hal_puts("runtime: the constructor did not run\n"), ++failures;
  errno = 0;
  (void)strtol("99999999999999999999", 0, 10);
  if (errno != ERANGE) hal_printf("runtime: errno %d after an overflowing strtol\n", errno), ++failures;
  if ((uintptr_t)&tls_aligned % 16 != 0) hal_printf("runtime: TLS variable at %p\n", (void *)&tls_aligned), ++failures;
  if (tls_zero != 0 || tls_aligned != 0) hal_puts("runtime: .tbss not zero\n"), ++failures;
  for (int i = 0; i < 64; ++i)
    if (bss_words[i] != 0) hal_puts("runtime: .bss not zero\n"), ++failures;
  if (failures) return failures;
  hal_puts("runtime: constructors, TLS, errno and .bss are fine; aborting\n");
  abort();
}
