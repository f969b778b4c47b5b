/*
 * timer_regs.h - registers of the machine timer.
 *
 * The device's own register map: offsets in its window, as the model, the firmware HAL and the
 * tests use them. Defines only (the RISC-V linker script reaches it through memory_map.h). Where
 * the window sits is the board's business (tlm/platform/memory_map.h, the configuration).
 */
#ifndef STOXVP_TIMER_REGS_H
#define STOXVP_TIMER_REGS_H

/* Timer (RISC-V CLINT style): 64-bit MTIME and MTIMECMP; interrupt while MTIME >= MTIMECMP. */
#define STOXVP_TIMER_MTIME_LO 0x0
#define STOXVP_TIMER_MTIME_HI 0x4
#define STOXVP_TIMER_MTIMECMP_LO 0x8
#define STOXVP_TIMER_MTIMECMP_HI 0xC
#define STOXVP_TIMER_FREQ_HZ 0x10 /* read-only: MTIME increments per second */
#define STOXVP_TIMER_WINDOW 0x100

#endif /* STOXVP_TIMER_REGS_H */
