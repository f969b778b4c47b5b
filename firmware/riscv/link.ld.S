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
  /* C constructors (crt0 runs them through picolibc's __libc_init_array) and destructors. */
  .init_array : ALIGN(4) {
    PROVIDE_HIDDEN(__preinit_array_start = .);
    KEEP(*(.preinit_array))
    PROVIDE_HIDDEN(__preinit_array_end = .);
    PROVIDE_HIDDEN(__init_array_start = .);
    KEEP(*(SORT_BY_INIT_PRIORITY(.init_array.*) SORT_BY_INIT_PRIORITY(.ctors.*)))
    KEEP(*(.init_array .ctors))
    PROVIDE_HIDDEN(__init_array_end = .);
    PROVIDE_HIDDEN(__fini_array_start = .);
    KEEP(*(SORT_BY_INIT_PRIORITY(.fini_array.*) SORT_BY_INIT_PRIORITY(.dtors.*)))
    KEEP(*(.fini_array .dtors))
    PROVIDE_HIDDEN(__fini_array_end = .);
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
  /* picolibc keeps errno in thread-local storage: tp points at the start of this block (TLS
   * variant I), which must be aligned as its most aligned variable. */
  __tls_align = MAX(ALIGNOF(.tdata), ALIGNOF(.tbss));
  .tdata : ALIGN(__tls_align) {
    *(.tdata .tdata.*)
  } > sram :data :tls
  .tbss : ALIGN(__tls_align) {
    *(.tbss .tbss.*)
    *(.tcommon)
  } > sram :data :tls
  __tls_base = SIZEOF(.tdata) > 0 ? ADDR(.tdata) : ADDR(.tbss);  /* the PT_TLS segment start */
  __tbss_start = ADDR(.tbss);
  __tbss_end = ALIGN(ADDR(.tbss) + SIZEOF(.tbss), 4);
  /* .tbss takes no room of its own in the location counter: reserve it. */
  .tbss_space (NOLOAD) : {
    . = ADDR(.tbss) + SIZEOF(.tbss);
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
  /* No heap: the firmware allocates statically (malloc returns NULL). */
  __heap_start = __bss_end;
  __heap_end = __bss_end;
}
