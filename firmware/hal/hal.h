/*
 * hal.h - the firmware's hardware abstraction layer. C11.
 *
 * Two back ends with one interface, chosen at build time:
 *   hal_host.c       host-compiled firmware: accesses become TLM transactions of the simulated
 *                    CPU through the stoxvp C API (fast, debuggable with gdb);
 *   hal_baremetal.c  the RISC-V build: volatile pointers at the default memory map.
 * Everything above the HAL (driver, applications) is the same source for both.
 */
#ifndef STOXVP_HAL_H
#define STOXVP_HAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define HAL_NORETURN [[noreturn]]
#else
#define HAL_NORETURN _Noreturn
#endif

/* A bus address as the accelerator and DMA see it (the platform's addresses are 32-bit, the
 * descriptors carry 64). */
typedef uint64_t hal_addr_t;

enum hal_region { HAL_SRAM, HAL_DRAM, HAL_CONSOLE, HAL_TIMER, HAL_SIM_CONTROL, HAL_ACCEL };

/* Base address of a region of the memory map. */
hal_addr_t hal_region_base(enum hal_region r);

/* 32-bit device register access (aligned). */
uint32_t hal_read32(hal_addr_t addr);
void hal_write32(hal_addr_t addr, uint32_t value);

/* A CPU pointer to `len` bytes of memory at bus address `addr` (identity on bare metal). */
void *hal_map(hal_addr_t addr, size_t len);

/* Sleeps until an interrupt line is high (RISC-V WFI). */
void hal_wait_for_interrupt(void);

/* Console output. */
void hal_putc(char c);
void hal_puts(const char *s);
int hal_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Time since reset, from the platform timer. */
uint64_t hal_time_ns(void);

/* Ends the run with `code` through the simulation-control device. */
HAL_NORETURN void hal_exit(int code);

#ifdef __cplusplus
}
#endif

#endif /* STOXVP_HAL_H */
