/*
 * Reset and trap entry of the bare-metal firmware (RV32, machine mode).
 *
 * _start: global and thread pointers, stack at the top of SRAM, .tbss and .bss cleared, the trap
 * vector installed (direct mode), interrupts enabled globally (each source is still masked in
 * mie until the HAL waits for it), C constructors run, then main(); its return value is the
 * exit code.
 */
  .section .text.start, "ax"
  .globl _start
  .type _start, @function
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la sp, __stack_top
  la tp, __tls_base
  la a0, __tbss_start
  la a1, __tbss_end
1:
  bgeu a0, a1, 2f
  sw zero, 0(a0)
  addi a0, a0, 4
  j 1b
2:
  la a0, __bss_start
  la a1, __bss_end
3:
  bgeu a0, a1, 4f
  sw zero, 0(a0)
  addi a0, a0, 4
  j 3b
4:
  la t0, trap_entry
  csrw mtvec, t0
  csrsi mstatus, 8            /* MIE */
  call __libc_init_array
  call main
  tail hal_exit               /* a0: main's return value */
  .size _start, .-_start

/* Saves the registers a C function may clobber, calls hal_trap(mcause, mepc, mtval), returns. */
  .text
  .align 2
  .globl trap_entry
  .type trap_entry, @function
trap_entry:
  addi sp, sp, -64
  sw ra, 0(sp)
  sw t0, 4(sp)
  sw t1, 8(sp)
  sw t2, 12(sp)
  sw a0, 16(sp)
  sw a1, 20(sp)
  sw a2, 24(sp)
  sw a3, 28(sp)
  sw a4, 32(sp)
  sw a5, 36(sp)
  sw a6, 40(sp)
  sw a7, 44(sp)
  sw t3, 48(sp)
  sw t4, 52(sp)
  sw t5, 56(sp)
  sw t6, 60(sp)
  csrr a0, mcause
  csrr a1, mepc
  csrr a2, mtval
  call hal_trap
  lw ra, 0(sp)
  lw t0, 4(sp)
  lw t1, 8(sp)
  lw t2, 12(sp)
  lw a0, 16(sp)
  lw a1, 20(sp)
  lw a2, 24(sp)
  lw a3, 28(sp)
  lw a4, 32(sp)
  lw a5, 36(sp)
  lw a6, 40(sp)
  lw a7, 44(sp)
  lw t3, 48(sp)
  lw t4, 52(sp)
  lw t5, 56(sp)
  lw t6, 60(sp)
  addi sp, sp, 64
  mret
  .size trap_entry, .-trap_entry
