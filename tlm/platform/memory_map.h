/*
 * memory_map.h - the platform's default address map and its simple devices' registers.
 *
 * The single source for the defaults of platform_config, the bare-metal HAL and the RISC-V
 * linker script (which includes this file through the C preprocessor, so: defines only).
 * A configuration file may move regions; host-compiled firmware asks the platform where they
 * are, bare-metal firmware is built for these addresses.
 */
#ifndef STOXVP_MEMORY_MAP_H
#define STOXVP_MEMORY_MAP_H

#define STOXVP_MAP_TIMER_BASE 0x02000000
#define STOXVP_MAP_CONSOLE_BASE 0x10000000
#define STOXVP_MAP_SIM_CONTROL_BASE 0x10001000
#define STOXVP_MAP_SRAM_BASE 0x20000000
#define STOXVP_MAP_SRAM_SIZE 0x00100000 /* 1 MiB: firmware code, data and stack */
#define STOXVP_MAP_ACCEL_BASE 0x40000000
#define STOXVP_MAP_DRAM_BASE 0x80000000
#define STOXVP_MAP_DRAM_SIZE 0x10000000 /* 256 MiB: models, images, activations, rings */

/* Console: write a character to TXDATA; STATUS bit 0 is "ready" (always 1). */
#define STOXVP_CONSOLE_TXDATA 0x0
#define STOXVP_CONSOLE_STATUS 0x4
#define STOXVP_CONSOLE_WINDOW 0x100

/* Timer (RISC-V CLINT style): 64-bit MTIME and MTIMECMP; interrupt while MTIME >= MTIMECMP. */
#define STOXVP_TIMER_MTIME_LO 0x0
#define STOXVP_TIMER_MTIME_HI 0x4
#define STOXVP_TIMER_MTIMECMP_LO 0x8
#define STOXVP_TIMER_MTIMECMP_HI 0xC
#define STOXVP_TIMER_FREQ_HZ 0x10 /* read-only: MTIME increments per second */
#define STOXVP_TIMER_WINDOW 0x100

/* Simulation control: writing EXIT ends the run with that exit code. */
#define STOXVP_SIM_CONTROL_EXIT 0x0
#define STOXVP_SIM_CONTROL_WINDOW 0x100

#endif /* STOXVP_MEMORY_MAP_H */
