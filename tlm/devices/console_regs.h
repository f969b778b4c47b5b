/*
 * console_regs.h - registers of the console device.
 *
 * The device's own register map: offsets in its window, as the model, the firmware HAL and the
 * tests use them. Defines only (the RISC-V linker script reaches it through memory_map.h). Where
 * the window sits is the board's business (tlm/platform/memory_map.h, the configuration).
 */
#ifndef STOXVP_CONSOLE_REGS_H
#define STOXVP_CONSOLE_REGS_H

/* Console: write a character to TXDATA; STATUS bit 0 is "ready" (always 1). */
#define STOXVP_CONSOLE_TXDATA 0x0
#define STOXVP_CONSOLE_STATUS 0x4
#define STOXVP_CONSOLE_WINDOW 0x100

#endif /* STOXVP_CONSOLE_REGS_H */
