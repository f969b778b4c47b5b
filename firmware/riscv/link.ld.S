/*
 * Linker script of the bare-metal firmware, generated from the platform's memory map: the C
 * preprocessor expands memory_map.h into it, so the firmware and the platform agree on where
 * SRAM is. Everything (code, data, TLS, stack) lives in SRAM; DRAM is for the data the host and
 * the accelerator exchange. The ELF is loaded as it is, so nothing is copied at start-up.
 */
#include "memory_map.h"

OUTPUT_ARCH("riscv")
ENTRY(_start)

MEMORY {
  sram (rwx) : ORIGIN = STOXVP_MAP_SRAM_BASE, LENGTH = STOXVP_MAP_SRAM_SIZE
}

MIN_STACK = 64K;

/* Code read-execute, data read-write: the loader and a debugger see what each segment is. */
PHDRS {
  text PT_LOAD FLAGS(5);
  data PT_LOAD FLAGS(6);
  tls PT_TLS;
}

SECTIONS {
  .text : {
    KEEP(*(.text.start))
    *(.text .text.*)
  } > sram :text
  .rodata : ALIGN(8) {
    *(.rodata .rodata.*)
    *(.srodata .srodata.*)
  } > sram :text
  /* Data on pages of their own: a store to a page holding code makes the simulator discard
   * that page's translated code (self-modifying-code detection), as a real I-cache would not. */
  .page_break (NOLOAD) : {
    . = ALIGN(4096);
  } > sram :data
  .data : ALIGN(8) {
    *(.data .data.*)
    __global_pointer$ = . + 0x800;
    *(.sdata .sdata.*)
  } > sram :data
  /* picolibc keeps errno in thread-local storage: tp points at this block (TLS variant I). */
  .tdata : ALIGN(8) {
    __tls_base = .;
    *(.tdata .tdata.*)
  } > sram :data :tls
  .tbss : ALIGN(8) {
    __tbss_start = .;
    *(.tbss .tbss.*)
    . = ALIGN(8);
    __tbss_end = .;
  } > sram :data :tls
  /* .tbss takes no room of its own in the location counter: reserve it. */
  .tbss_space (NOLOAD) : {
    . = . + (__tbss_end - __tbss_start);
  } > sram :data
  .bss (NOLOAD) : ALIGN(8) {
    __bss_start = .;
    *(.sbss .sbss.*)
    *(.bss .bss.*)
    *(COMMON)
    . = ALIGN(16);
    __bss_end = .;
  } > sram :data
  __stack_top = ORIGIN(sram) + LENGTH(sram);
  ASSERT(__stack_top - __bss_end >= MIN_STACK, "SRAM leaves less than MIN_STACK for the stack")
  __heap_start = __bss_end;
  __heap_end = __bss_end;
}
