/*
 * stoxvp_regs.h - register map and command-descriptor format of the stoxvp accelerator.
 *
 * The single source for three consumers: the SystemC model (hw/accel), the firmware driver
 * (firmware/driver) and docs/registers.md, which tools/regdoc generates from this file (a test
 * fails when the document is stale). Everything is expressed through X-macros so that no
 * consumer restates an offset, a reset value or a field layout.
 *
 * C11, freestanding: only <stdint.h> and <stddef.h>. All registers are 32 bits wide and must be
 * accessed with aligned 32-bit loads and stores; the accelerator is little-endian.
 */
#ifndef STOXVP_REGS_H
#define STOXVP_REGS_H

#include <stddef.h>
#include <stdint.h>

#define STOXVP_ID_VALUE 0x584F5453u /* reads as the bytes 'S','T','O','X' in memory order */
#define STOXVP_REGMAP_MAJOR 1u
#define STOXVP_REGMAP_MINOR 0u
#define STOXVP_VERSION_VALUE ((STOXVP_REGMAP_MAJOR << 16) | STOXVP_REGMAP_MINOR)

/* Size of the register window the accelerator decodes. */
#define STOXVP_REG_WINDOW 0x1000u

/*
 * Registers: X(name, offset, access, reset, description)
 * access: RO  read-only (a write gets a TLM command error)
 *         RW  read-write; bits outside the register's write mask (STOXVP_FIELDS) read back as 0
 *         W1C write 1 to clear
 * "cfg" as reset value means the value comes from the platform configuration.
 * 64-bit counters are split into _LO and _HI; reading _LO latches the whole counter so that a
 * following _HI read returns the upper half of the same sample.
 */
#define STOXVP_REGISTERS(X)                                                                    \
  X(ID, 0x000, RO, STOXVP_ID_VALUE, "Identification, the ASCII bytes 'STOX'")                  \
  X(VERSION, 0x004, RO, STOXVP_VERSION_VALUE, "Register-map version: major [31:16], minor [15:0]") \
  X(HWCFG0, 0x008, RO, 0 /* cfg */, "Crossbar geometry: rows [15:0], columns [31:16]")           \
  X(HWCFG1, 0x00C, RO, 0 /* cfg */, "Tiles [15:0], arrays per tile [31:16]")                     \
  X(CTRL, 0x010, RW, 0, "Control")                                                            \
  X(STATUS, 0x014, RO, 0x4, "Status")                                                         \
  X(IRQ_STATUS, 0x018, W1C, 0, "Interrupt status, write 1 to clear")                          \
  X(IRQ_ENABLE, 0x01C, RW, 0, "Interrupt enable; the line is high while IRQ_STATUS & IRQ_ENABLE != 0")  \
  X(RING_BASE_LO, 0x020, RW, 0, "Command-ring base address [31:0], 128-byte aligned")         \
  X(RING_BASE_HI, 0x024, RW, 0, "Command-ring base address [63:32]")                          \
  X(RING_SIZE, 0x028, RW, 0, "Command-ring slots (2..65536); writable only while disabled")  \
  X(RING_HEAD, 0x02C, RO, 0, "Next slot the command processor fetches (consumer index)")     \
  X(RING_TAIL, 0x030, RW, 0, "Doorbell: one past the last valid slot (producer index)")      \
  X(ERROR_CODE, 0x034, RO, 0, "First error since the last reset, STOXVP_ERR_*")              \
  X(ERROR_SLOT, 0x038, RO, 0, "Ring slot of the descriptor that failed")                     \
  X(ERROR_ADDR_LO, 0x03C, RO, 0, "Faulting bus address [31:0] (DMA errors)")                 \
  X(ERROR_ADDR_HI, 0x040, RO, 0, "Faulting bus address [63:32]")                             \
  X(PERF_CTRL, 0x050, RW, 0, "Performance-counter control")                                  \
  X(PERF_DESC_DONE, 0x054, RO, 0, "Descriptors completed")                                   \
  X(PERF_BUSY_LO, 0x058, RO, 0, "Busy cycles [31:0] (latches the 64-bit value)")             \
  X(PERF_BUSY_HI, 0x05C, RO, 0, "Busy cycles [63:32]")                                       \
  X(PERF_DMA_RD_LO, 0x060, RO, 0, "Bytes read by DMA [31:0] (latches)")                      \
  X(PERF_DMA_RD_HI, 0x064, RO, 0, "Bytes read by DMA [63:32]")                               \
  X(PERF_DMA_WR_LO, 0x068, RO, 0, "Bytes written by DMA [31:0] (latches)")                   \
  X(PERF_DMA_WR_HI, 0x06C, RO, 0, "Bytes written by DMA [63:32]")                            \
  X(PERF_MACS_LO, 0x070, RO, 0, "Multiply-accumulates executed [31:0] (latches)")            \
  X(PERF_MACS_HI, 0x074, RO, 0, "Multiply-accumulates executed [63:32]")

/* Register offsets as enumerators: STOXVP_REG_CTRL, ... */
enum stoxvp_reg_offset {
#define STOXVP_X_OFFSET(name, off, acc, rst, doc) STOXVP_REG_##name = (off),
  STOXVP_REGISTERS(STOXVP_X_OFFSET)
#undef STOXVP_X_OFFSET
};

/*
 * Fields: X(register, field, lsb, width, description). A register's write mask is the union of
 * its fields; RW registers without fields listed here are writable in full.
 */
#define STOXVP_FIELDS(X)                                                                       \
  X(CTRL, ENABLE, 0, 1, "1: the command processor consumes the ring")                          \
  X(CTRL, SOFT_RESET, 1, 1, "Write 1: clear head, tail, status, errors (self-clearing)")      \
  X(STATUS, BUSY, 0, 1, "A descriptor is being executed")                                     \
  X(STATUS, HALTED, 1, 1, "Stopped on an error until SOFT_RESET")                             \
  X(STATUS, RING_EMPTY, 2, 1, "RING_HEAD == RING_TAIL")                                        \
  X(IRQ_STATUS, DONE, 0, 1, "A descriptor flagged STOXVP_DESC_F_IRQ completed")               \
  X(IRQ_STATUS, ERROR, 1, 1, "The command processor halted on an error")                      \
  X(IRQ_ENABLE, DONE, 0, 1, "Enable the DONE interrupt")                                       \
  X(IRQ_ENABLE, ERROR, 1, 1, "Enable the ERROR interrupt")                                     \
  X(PERF_CTRL, CLEAR, 0, 1, "Write 1: zero all performance counters (self-clearing)")

/* Field masks and shifts: STOXVP_CTRL_ENABLE (mask), STOXVP_CTRL_ENABLE_SHIFT. Enumerators
 * must fit an int in C11, so no field may reach bit 31 (checked below). */
enum stoxvp_field {
#define STOXVP_X_FIELD(reg, field, lsb, width, doc)                                             \
  STOXVP_##reg##_##field##_SHIFT = (lsb),                                                      \
  STOXVP_##reg##_##field = (int)(((1u << (width)) - 1u) << (lsb)),
  STOXVP_FIELDS(STOXVP_X_FIELD)
#undef STOXVP_X_FIELD
};
#ifdef __cplusplus
#define STOXVP_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define STOXVP_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
#define STOXVP_X_FIELD_CHECK(reg, field, lsb, width, doc)                                       \
  STOXVP_STATIC_ASSERT((lsb) + (width) <= 31, "field " #reg "." #field " reaches bit 31");
STOXVP_FIELDS(STOXVP_X_FIELD_CHECK)
#undef STOXVP_X_FIELD_CHECK

/*
 * Error codes: X(name, value, description). ERROR_CODE keeps the first error; the command
 * processor halts (STATUS.HALTED) and raises IRQ_STATUS.ERROR.
 */
#define STOXVP_ERRORS(X)                                                                       \
  X(NONE, 0, "No error")                                                                       \
  X(BAD_RING, 1, "Enabled with RING_SIZE outside 2..65536 or RING_BASE not 128-byte aligned")  \
  X(BAD_DOORBELL, 2, "RING_TAIL written with a slot index >= RING_SIZE")                      \
  X(BAD_VERSION, 3, "Descriptor version is not STOXVP_DESC_VERSION")                          \
  X(BAD_OPCODE, 4, "Unknown descriptor opcode")                                               \
  X(BAD_SHAPE, 5, "A size field is zero or beyond the accelerator's limits")                  \
  X(BAD_ADDRESS, 6, "An operand address is zero, misaligned or its extent overflows")         \
  X(DMA_FAULT, 7, "The bus answered a DMA transfer with an error (see ERROR_ADDR)")

enum stoxvp_error_code {
#define STOXVP_X_ERR(name, val, doc) STOXVP_ERR_##name = (val),
  STOXVP_ERRORS(STOXVP_X_ERR)
#undef STOXVP_X_ERR
};

/* ---------------------------------------------------------------------------------------- */
/* Command descriptors: 128 bytes each, little-endian, in a ring of RING_SIZE slots in memory. */

#define STOXVP_DESC_SIZE 128u
#define STOXVP_DESC_VERSION 1u
#define STOXVP_RING_MAX 65536u

/* Descriptor flags. */
#define STOXVP_DESC_F_IRQ 0x1u /* raise IRQ_STATUS.DONE when this descriptor completes */

/* Opcodes: X(name, value, description). */
#define STOXVP_OPCODES(X)                                                                      \
  X(NOP, 0, "No operation; completes at once (useful as an interrupt fence)")                  \
  X(FC_INT8, 1, "Exact fully-connected layer: int8 inputs and weights, int32 bias and output")

enum stoxvp_opcode {
#define STOXVP_X_OP(name, val, doc) STOXVP_OP_##name = (val),
  STOXVP_OPCODES(STOXVP_X_OP)
#undef STOXVP_X_OP
};

/* Descriptor fields: X(type, name, description); the structs below are generated from them. */
#define STOXVP_DESC_HEADER_FIELDS(X)                                                           \
  X(uint16_t, opcode, "STOXVP_OP_*")                                                           \
  X(uint16_t, version, "STOXVP_DESC_VERSION")                                                 \
  X(uint32_t, flags, "STOXVP_DESC_F_*")                                                       \
  X(uint32_t, tag, "Free for software; echoed nowhere, useful in traces")                      \
  X(uint32_t, reserved, "Reserved, ignored")

/* FC_INT8: out[m][n] = bias[n] + sum_k in[m][k] * w[n][k], exact, with int32 wrap-around. */
#define STOXVP_FC_INT8_FIELDS(X)                                                               \
  X(uint64_t, input_addr, "int8 inputs, batch x in_features, row-major")                       \
  X(uint64_t, weight_addr, "int8 weights, out_features x in_features, row-major")              \
  X(uint64_t, bias_addr, "int32 bias per output feature, or 0 for none")                      \
  X(uint64_t, output_addr, "int32 outputs, batch x out_features, row-major, 4-byte aligned")  \
  X(uint32_t, in_features, "K, 1..65536")                                                      \
  X(uint32_t, out_features, "N, 1..65536")                                                     \
  X(uint32_t, batch, "M, 1..65536")                                                            \
  X(uint32_t, reserved, "Reserved, ignored")

#define STOXVP_X_MEMBER(type, name, doc) type name;
struct stoxvp_desc_header {
  STOXVP_DESC_HEADER_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_fc_int8_args {
  STOXVP_FC_INT8_FIELDS(STOXVP_X_MEMBER)
};
#undef STOXVP_X_MEMBER

#define STOXVP_DESC_ARGS_SIZE (STOXVP_DESC_SIZE - sizeof(struct stoxvp_desc_header))

struct stoxvp_desc {
  struct stoxvp_desc_header hdr;
  union {
    struct stoxvp_fc_int8_args fc;
    uint8_t raw[STOXVP_DESC_ARGS_SIZE];
  } args;
};

STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_desc_header) == 16, "descriptor header is 16 bytes");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_desc) == STOXVP_DESC_SIZE, "descriptor is 128 bytes");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_fc_int8_args) <= STOXVP_DESC_ARGS_SIZE, "FC args fit");

#endif /* STOXVP_REGS_H */
