/*
 * sim_control_regs.h - registers of the simulation-control device.
 *
 * The device's own register map: offsets in its window, as the model, the firmware HAL and the
 * tests use them. Defines only (the RISC-V linker script reaches it through memory_map.h). Where
 * the window sits is the board's business (tlm/platform/memory_map.h, the configuration).
 */
#ifndef STOXVP_SIM_CONTROL_REGS_H
#define STOXVP_SIM_CONTROL_REGS_H

/* Simulation control: writing EXIT ends the run with that exit code. */
#define STOXVP_SIM_CONTROL_EXIT 0x0
#define STOXVP_SIM_CONTROL_WINDOW 0x100

#endif /* STOXVP_SIM_CONTROL_REGS_H */
