/*
 * memory_map.h - the platform's default address map (and, included, its devices' registers).
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

/* The devices' register offsets, for firmware that includes only this file. */
#include "../devices/console_regs.h"
#include "../devices/timer_regs.h"
#include "../devices/sim_control_regs.h"

#endif /* STOXVP_MEMORY_MAP_H */
