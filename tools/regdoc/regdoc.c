/*
 * regdoc: writes docs/registers.md from stoxvp_regs.h, so the document cannot drift from the
 * header the model and the firmware are built from (a test compares the two).
 */
#include "stoxvp_regs.h"

#include <stddef.h>
#include <stdio.h>

static const char *access_text(const char *acc) { return acc; }

int main(void) {
  printf("# stoxvp accelerator registers\n\n");
  printf("Generated from `hw/regs/stoxvp_regs.h` by `tools/regdoc` (`make docs`); do not edit.\n\n");
  printf("Register-map version %u.%u, identification `0x%08X`. The window is 0x%X bytes at the\n"
         "accelerator's base address (`0x40000000` in the default memory map). Registers are 32\n"
         "bits wide and take aligned 32-bit accesses only: other sizes get\n"
         "`TLM_BURST_ERROR_RESPONSE`, misaligned or unmapped offsets `TLM_ADDRESS_ERROR_RESPONSE`,\n"
         "writes to read-only registers `TLM_COMMAND_ERROR_RESPONSE`.\n\n",
         STOXVP_REGMAP_MAJOR, STOXVP_REGMAP_MINOR, STOXVP_ID_VALUE, STOXVP_REG_WINDOW);

  printf("## Registers\n\n| offset | name | access | reset | description |\n|---|---|---|---|---|\n");
#define ROW(name, off, acc, rst, doc) \
  printf("| 0x%03X | %s | %s | 0x%08X | %s |\n", (unsigned)(off), #name, access_text(#acc), \
         (unsigned)(rst), doc);
  STOXVP_REGISTERS(ROW)
#undef ROW
  printf("\nAccess: RO read-only, RW read-write, W1C write 1 to clear. HWCFG0/1 reset to the\n"
         "configured geometry. Reading a `_LO` counter latches the 64-bit value for its `_HI`.\n\n");

  printf("## Fields\n\n| register | field | bits | description |\n|---|---|---|---|\n");
#define FIELD(reg, field, lsb, width, doc)                                                  \
  if ((width) == 1)                                                                         \
    printf("| %s | %s | %d | %s |\n", #reg, #field, (lsb), doc);                            \
  else                                                                                      \
    printf("| %s | %s | %d:%d | %s |\n", #reg, #field, (lsb) + (width)-1, (lsb), doc);
  STOXVP_FIELDS(FIELD)
#undef FIELD

  printf("\n## Error codes (ERROR_CODE)\n\n| value | name | meaning |\n|---|---|---|\n");
#define ERR(name, val, doc) printf("| %d | %s | %s |\n", (val), #name, doc);
  STOXVP_ERRORS(ERR)
#undef ERR

  printf("\n## Command ring\n\n"
         "RING_SIZE slots of %u-byte descriptors start at RING_BASE. Software writes descriptors\n"
         "at RING_TAIL and then writes the new RING_TAIL (the doorbell); the command processor\n"
         "executes slots from RING_HEAD on while CTRL.ENABLE is set, and indices wrap modulo\n"
         "RING_SIZE. The ring is empty when RING_HEAD == RING_TAIL, so at most RING_SIZE - 1\n"
         "descriptors are pending. The first error halts the command processor (STATUS.HALTED,\n"
         "IRQ_STATUS.ERROR); CTRL.SOFT_RESET recovers.\n\n",
         STOXVP_DESC_SIZE);

  printf("## Descriptors (version %u)\n\n| opcode | name | operation |\n|---|---|---|\n",
         STOXVP_DESC_VERSION);
#define OP(name, val, doc) printf("| %d | %s | %s |\n", (val), #name, doc);
  STOXVP_OPCODES(OP)
#undef OP
  printf("\nFlags: bit 0 `STOXVP_DESC_F_IRQ`, raise IRQ_STATUS.DONE on completion.\n");

#define MEMBER(type, name, doc) \
  printf("| %zu | %s | %s | %s |\n", offsetof(STRUCT, name), #type, #name, doc);
#define TABLE(title, fields)                                                    \
  printf("\n### %s\n\n| byte | type | field | meaning |\n|---|---|---|---|\n", title); \
  fields(MEMBER)

#define STRUCT struct stoxvp_desc_header
  TABLE("Header (bytes 0-15, every descriptor)", STOXVP_DESC_HEADER_FIELDS)
#undef STRUCT
  printf("\nArguments start at byte %zu.\n", offsetof(struct stoxvp_desc, args));
#define STRUCT struct stoxvp_fc_int8_args
  TABLE("FC_INT8 arguments", STOXVP_FC_INT8_FIELDS)
#undef STRUCT
  return 0;
}
