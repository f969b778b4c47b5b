/*
 * regdoc: writes docs/registers.md from stoxvp_regs.h, so the document cannot drift from the
 * header the model and the firmware are built from (a test compares the two).
 */
#include "stoxvp_regs.h"

#include <stddef.h>
#include <stdio.h>

#include <string.h>

static const char *access_text(const char *acc) { return acc; }

/* The reset column: "cfg" for registers whose reset value is the accelerator's configuration. */
static void print_reset(const char *token, unsigned value) {
  if (strcmp(token, "STOXVP_CFG") == 0)
    printf("cfg");
  else
    printf("0x%08X", value);
}

int main(void) {
  printf("# stoxvp accelerator registers\n\n");
  printf("Generated from `hw/regs/stoxvp_regs.h` by `tools/regdoc` (`make docs`); do not edit.\n\n");
  printf("Register-map version %u.%u, identification `0x%08X`. The window is 0x%X bytes at the\n"
         "accelerator's base address (`0x40000000` in the default memory map). Registers are 32\n"
         "bits wide and take aligned 32-bit accesses only: other sizes get\n"
         "`TLM_BURST_ERROR_RESPONSE`, misaligned or unmapped offsets `TLM_ADDRESS_ERROR_RESPONSE`,\n"
         "writes to read-only registers `TLM_COMMAND_ERROR_RESPONSE`. Byte enables are accepted\n"
         "with all four bytes enabled; partial ones get `TLM_BYTE_ENABLE_ERROR_RESPONSE`.\n"
         "`TLM_IGNORE_COMMAND` to a register gets `TLM_OK_RESPONSE` and has no effect.\n\n",
         STOXVP_REGMAP_MAJOR, STOXVP_REGMAP_MINOR, STOXVP_ID_VALUE, STOXVP_REG_WINDOW);

  printf("## Registers\n\n| offset | name | access | reset | description |\n|---|---|---|---|---|\n");
#define ROW(name, off, acc, rst, doc)                                                \
  printf("| 0x%03X | %s | %s | ", (unsigned)(off), #name, access_text(#acc));          \
  print_reset(#rst, (unsigned)(rst));                                                  \
  printf(" | %s |\n", doc);
  STOXVP_REGISTERS(ROW)
#undef ROW
  printf("\nAccess: RO read-only, RW read-write, W1C write 1 to clear. Reset `cfg`: the value\n"
         "comes from the accelerator's configuration (HWCFG0/1/2: geometry and cell bits; bits\n"
         "outside the fields read 0). Reading a `_LO` counter latches the 64-bit value for its\n"
         "`_HI`.\n\n");

  printf("## Tile-group discovery table\n\n"
         "The chip is built of up to %u tile groups, each of one kind (TILE_GROUPS says how many).\n"
         "Group g's registers are at 0x%X + g x 0x%X + offset; all are read-only with reset values\n"
         "from the configuration, and slots at or beyond TILE_GROUPS read 0. Tiles are numbered over\n"
         "all groups in order, and so are crossbar arrays, so a descriptor's array_base names one\n"
         "array of one crossbar group; a crossbar layer's arrays lie within one group. HWCFG0/1/2\n"
         "repeat the first crossbar group's geometry for drivers written for map 2.1.\n\n"
         "| offset | name | description |\n|---|---|---|\n",
         STOXVP_MAX_TILE_GROUPS, STOXVP_TILE_GROUP_BASE, STOXVP_TILE_GROUP_STRIDE);
#define TG_ROW(name, off, doc) printf("| +0x%02X | TG_%s | %s |\n", (unsigned)(off), #name, doc);
  STOXVP_TILE_GROUP_REGISTERS(TG_ROW)
#undef TG_ROW
  printf("\n### Tile kinds (TG_KIND)\n\n| id | name | configuration kind | description |\n|---|---|---|---|\n");
#define TK_ROW(name, id, cfg_name, doc) printf("| %d | STOXVP_TILE_KIND_%s | `%s` | %s |\n", (id), #name, cfg_name, doc);
  STOXVP_TILE_KINDS(TK_ROW)
#undef TK_ROW
  printf("\n### Crossbar group geometry words\n\n| register | bits | field | description |\n|---|---|---|---|\n");
#define XG_ROW(word, lsb, width, field, doc) \
  printf("| TG_%s | %d:%d | %s | %s |\n", #word, (lsb) + (width)-1, (lsb), #field, doc);
  STOXVP_XBAR_GEOMETRY(XG_ROW)
#undef XG_ROW
  printf("\n");

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
#define RULE(title, text) printf("### %s\n\n%s\n\n", title, text);
  STOXVP_RULES(RULE)
#undef RULE

  printf("## Descriptors (version %u)\n\n| opcode | name | operation |\n|---|---|---|\n",
         STOXVP_DESC_VERSION);
#define OP(name, val, doc) printf("| %d | %s | %s |\n", (val), #name, doc);
  STOXVP_OPCODES(OP)
#undef OP
  printf("\n### Descriptor flags (header `flags`)\n\n| value | name | meaning |\n|---|---|---|\n");
#define FLAG(name, val, doc) printf("| 0x%X | STOXVP_DESC_F_%s | %s |\n", (unsigned)(val), #name, doc);
  STOXVP_DESC_FLAGS(FLAG)
#undef FLAG
  printf("\nOther bits are reserved and ignored.\n");

#define MEMBER(type, name, doc) \
  printf("| %zu | %s | %s | %s |\n", offsetof(STRUCT, name), #type, #name, doc);
#define TABLE(title, fields)                                                    \
  printf("\n### %s\n\n| byte | type | field | meaning |\n|---|---|---|---|\n", title); \
  fields(MEMBER)

#define STRUCT struct stoxvp_desc_header
  TABLE("Header (bytes 0-15, every descriptor)", STOXVP_DESC_HEADER_FIELDS)
#undef STRUCT
  printf("\nArguments start at byte %zu.\n", offsetof(struct stoxvp_desc, args));
#define STRUCT struct stoxvp_xbar_program_args
  TABLE("XBAR_PROGRAM arguments", STOXVP_XBAR_PROGRAM_FIELDS)
#undef STRUCT
#define STRUCT struct stoxvp_conv_args
  TABLE("XBAR_CONV and DIGITAL_CONV arguments", STOXVP_CONV_FIELDS)
#undef STRUCT
#define STRUCT struct stoxvp_pool_args
  TABLE("POOL arguments", STOXVP_POOL_FIELDS)
#undef STRUCT
#define STRUCT struct stoxvp_add_args
  TABLE("ADD arguments", STOXVP_ADD_FIELDS)
#undef STRUCT
#define STRUCT struct stoxvp_gb_invalidate_args
  TABLE("GB_INVALIDATE arguments", STOXVP_GB_INVALIDATE_FIELDS)
#undef STRUCT
#define STRUCT struct stoxvp_snn_load_layer_args
  TABLE("SNN_LOAD_LAYER arguments (snn_cim)", STOXVP_SNN_LOAD_LAYER_FIELDS)
#undef STRUCT
#define STRUCT struct stoxvp_snn_run_timestep_args
  TABLE("SNN_RUN_TIMESTEP arguments (snn_cim)", STOXVP_SNN_RUN_TIMESTEP_FIELDS)
#undef STRUCT
#define STRUCT struct stoxvp_snn_read_state_args
  TABLE("SNN_READ_STATE arguments (snn_cim)", STOXVP_SNN_READ_STATE_FIELDS)
#undef STRUCT
#define STRUCT struct stoxvp_snn_reset_potentials_args
  TABLE("SNN_RESET_POTENTIALS arguments (snn_cim)", STOXVP_SNN_RESET_POTENTIALS_FIELDS)
#undef STRUCT
#define STRUCT struct stoxvp_fp_tensor_args
  TABLE("FP_LOAD, FP_STORE, FP_GEMV, FP_GEMV_T, FP_UPDATE arguments", STOXVP_FP_TENSOR_FIELDS)
#undef STRUCT
#define STRUCT struct stoxvp_fp_ew_args
  TABLE("FP_EW arguments", STOXVP_FP_EW_FIELDS)
#undef STRUCT
#define STRUCT struct stoxvp_ap_args
  TABLE("AP_LOAD_PROGRAM, AP_LOAD_ACT, AP_RUN and AP_STORE arguments", STOXVP_AP_FIELDS)
#undef STRUCT

  printf("\n## Layer parameter block (at params_addr)\n\n"
         "A %zu-byte header, then float32 arrays of out_channels entries each: out_scale and\n"
         "out_bias when flags has STOXVP_PARAMS_F_OUT_AFFINE (%u; otherwise 1 and 0), drive_gain\n"
         "and drive_bias when it has STOXVP_PARAMS_F_DRIVE (%u; otherwise 1 and 0), then\n"
         "table_len curve probabilities for the TABLE curve. params_addr 0 means an ideal\n"
         "converter, scale 1 and bias 0.\n",
         sizeof(struct stoxvp_layer_params), STOXVP_PARAMS_F_OUT_AFFINE, STOXVP_PARAMS_F_DRIVE);
#define STRUCT struct stoxvp_layer_params
  TABLE("Header", STOXVP_LAYER_PARAMS_FIELDS)
#undef STRUCT
  printf("| %zu | uint8_t[%u][%u] | samples | MTJ T per (weight slice, input wave), 1..255 |\n",
         offsetof(struct stoxvp_layer_params, samples), STOXVP_MAX_SLICES, STOXVP_MAX_SLICES);

#define ENUM_TABLE(title, prefix, list)                                                       \
  printf("\n### %s\n\n| value | name | meaning |\n|---|---|---|\n", title);                \
  list(ENUM_ROW_##prefix)
#define ENUM_ROW_CONV(name, val, doc) printf("| %d | STOXVP_CONV_%s | %s |\n", (val), #name, doc);
#define ENUM_ROW_ACT(name, val, doc) printf("| %d | STOXVP_ACT_%s | %s |\n", (val), #name, doc);
#define ENUM_ROW_OUT(name, val, doc) printf("| %d | STOXVP_OUT_%s | %s |\n", (val), #name, doc);
#define ENUM_ROW_CURVE(name, val, doc) printf("| %d | STOXVP_CURVE_%s | %s |\n", (val), #name, doc);
#define ENUM_ROW_POOL(name, val, doc) printf("| %d | STOXVP_POOL_%s | %s |\n", (val), #name, doc);
  ENUM_TABLE("Converters", CONV, STOXVP_CONVERTERS)
  ENUM_TABLE("Activations", ACT, STOXVP_ACTIVATIONS)
  ENUM_TABLE("Output formats", OUT, STOXVP_OUT_FORMATS)
  ENUM_TABLE("MTJ curves", CURVE, STOXVP_CURVES)
  ENUM_TABLE("Pooling", POOL, STOXVP_POOLS)
#define ENUM_ROW_SNNL(name, val, doc) printf("| %d | STOXVP_SNN_LAYER_%s | %s |\n", (val), #name, doc);
#define ENUM_ROW_SNNR(name, val, doc) printf("| %d | STOXVP_SNN_RESET_%s | %s |\n", (val), #name, doc);
#define ENUM_ROW_SNNP(name, val, doc) printf("| %d | STOXVP_SNN_POLICY_%s | %s |\n", (val), #name, doc);
  ENUM_TABLE("Spiking layer types (snn_cim)", SNNL, STOXVP_SNN_LAYER_TYPES)
  ENUM_TABLE("Spiking reset rules (snn_cim)", SNNR, STOXVP_SNN_RESETS)
  ENUM_TABLE("Stationarity policies (snn_cim)", SNNP, STOXVP_SNN_POLICIES)
#define ENUM_ROW_FPEW(name, val, doc) printf("| %d | STOXVP_FP_EW_%s | %s |\n", (val), #name, doc);
  ENUM_TABLE("fp_pim element-wise operations", FPEW, STOXVP_FP_EW_OPS)
  printf("\nPublished curve presets (SIGMOID): final code a = %g, b = 0; earlier tanh code a = %g\n"
         "(since (1 + tanh(4x)) / 2 = sigmoid(8x)); device fit a = %g, b = %g.\n",
         (double)STOXVP_CURVE_FINAL_A, (double)STOXVP_CURVE_TANH_A, (double)STOXVP_CURVE_DEVICE_A,
         (double)STOXVP_CURVE_DEVICE_B);

  printf("\n## Mapping rule\n\n"
         "A crossbar layer of K inputs and N outputs with w_bits-bit weights in slices of w_slice\n"
         "magnitude bits occupies `stoxvp_xbar_arrays(K, N, rows, cols, w_bits, w_slice)` arrays:\n"
         "ceil(K / rows) row chunks times ceil(N / outputs_per_array) column groups, where\n"
         "outputs_per_array = cols / (2 * ceil((w_bits - 1) / w_slice)): each output takes a\n"
         "differential column pair per slice, with rows and cols of the crossbar group that holds\n"
         "the layer. Arrays are numbered group by group, tile x arrays_per_tile + array within a\n"
         "group from its TG_GEOM3 first array; a layer's arrays are consecutive, chunk-major.\n");
  return 0;
}
