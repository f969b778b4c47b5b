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
#define STOXVP_REGMAP_MAJOR 2u
#define STOXVP_REGMAP_MINOR 2u /* 1: GB_INVALIDATE; 2: tile-group discovery table */
#define STOXVP_VERSION_VALUE ((STOXVP_REGMAP_MAJOR << 16) | STOXVP_REGMAP_MINOR)

/* Reset value of the HWCFG registers: the platform configuration's (the generator prints "cfg"). */
#define STOXVP_CFG 0u

/* Size of the register window the accelerator decodes. */
#define STOXVP_REG_WINDOW 0x1000u

/*
 * Registers: X(name, offset, access, reset, description)
 * access: RO  read-only (a write gets a TLM command error)
 *         RW  read-write; bits outside the register's write mask (STOXVP_FIELDS) read back as 0
 *         W1C write 1 to clear
 * STOXVP_CFG as reset value means the value comes from the accelerator's configuration.
 * 64-bit counters are split into _LO and _HI; reading _LO latches the whole counter so that a
 * following _HI read returns the upper half of the same sample.
 */
#define STOXVP_REGISTERS(X)                                                                    \
  X(ID, 0x000, RO, STOXVP_ID_VALUE, "Identification, the ASCII bytes 'STOX'")                  \
  X(VERSION, 0x004, RO, STOXVP_VERSION_VALUE, "Register-map version: major [31:16], minor [15:0]") \
  X(HWCFG0, 0x008, RO, STOXVP_CFG, "First crossbar group's geometry: rows [15:0], columns [31:16] (kept for drivers of map 2.1; the tile-group table describes the whole chip)") \
  X(HWCFG1, 0x00C, RO, STOXVP_CFG, "First crossbar group: tiles [15:0], arrays per tile [31:16]") \
  X(HWCFG2, 0x048, RO, STOXVP_CFG, "First crossbar group: bits per crossbar cell [7:0] (cell_bits); [31:8] read 0") \
  X(TILE_GROUPS, 0x04C, RO, STOXVP_CFG, "Tile groups the chip is built of (0..STOXVP_MAX_TILE_GROUPS); group g is described at STOXVP_TILE_GROUP_BASE + g x STOXVP_TILE_GROUP_STRIDE") \
  X(CTRL, 0x010, RW, 0, "Control")                                                            \
  X(STATUS, 0x014, RO, 0x4, "Status")                                                         \
  X(IRQ_STATUS, 0x018, W1C, 0, "Interrupt status, write 1 to clear")                          \
  X(IRQ_ENABLE, 0x01C, RW, 0, "Interrupt enable; the line is high while IRQ_STATUS & IRQ_ENABLE != 0")  \
  X(RING_BASE_LO, 0x020, RW, 0, "Command-ring base address [31:0], 128-byte aligned; written like RING_SIZE") \
  X(RING_BASE_HI, 0x024, RW, 0, "Command-ring base address [63:32]")                          \
  X(RING_SIZE, 0x028, RW, 0, "Command-ring slots (2..65536, checked when CTRL.ENABLE is set); see Command ring for writes while enabled or busy") \
  X(RING_HEAD, 0x02C, RO, 0, "Next slot the command processor fetches (consumer index)")     \
  X(RING_TAIL, 0x030, RW, 0, "Doorbell: one past the last valid slot (producer index)")      \
  X(ERROR_CODE, 0x034, RO, 0, "First error since the last reset, STOXVP_ERR_*")              \
  X(ERROR_SLOT, 0x038, RO, 0, "Ring slot of the descriptor that failed; BAD_DOORBELL: the refused RING_TAIL value; BAD_RING: 0") \
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
  X(PERF_MACS_HI, 0x074, RO, 0, "Multiply-accumulates executed [63:32]")                     \
  X(PERF_CONV_LO, 0x078, RO, 0, "Partial sums converted [31:0] (latches)")                   \
  X(PERF_CONV_HI, 0x07C, RO, 0, "Partial sums converted [63:32]")                            \
  X(PERF_SAMPLES_LO, 0x080, RO, 0, "MTJ samples (write, read, reset) [31:0] (latches)")       \
  X(PERF_SAMPLES_HI, 0x084, RO, 0, "MTJ samples [63:32]")

/* Register offsets as enumerators: STOXVP_REG_CTRL, ... */
enum stoxvp_reg_offset {
#define STOXVP_X_OFFSET(name, off, acc, rst, doc) STOXVP_REG_##name = (off),
  STOXVP_REGISTERS(STOXVP_X_OFFSET)
#undef STOXVP_X_OFFSET
};

/*
 * Tile kinds: X(name, id, configuration name, description). The id is what a group's TG_KIND
 * register reads; the configuration name is the "kind" of a tile group in the platform
 * configuration. Id 0 is never a kind (an unused group slot reads 0).
 */
#define STOXVP_TILE_KINDS(X)                                                                   \
  X(XBAR, 1, "xbar", "StoX-Net crossbar tile: arrays read by the chip's converters")        \
  X(SNN_CIM, 2, "snn_cim", "FlexSpIM spiking digital CIM macro: weights and membrane potentials in one array") \
  X(RTM_AP, 3, "rtm_ap", "Racetrack-memory associative processor: ternary layers as compare/write passes") \
  X(FP_PIM, 4, "fp_pim", "Digital floating-point PIM array: bfloat16 training inside the memory")

enum stoxvp_tile_kind {
#define STOXVP_X_TK(name, id, cfg_name, doc) STOXVP_TILE_KIND_##name = (id),
  STOXVP_TILE_KINDS(STOXVP_X_TK)
#undef STOXVP_X_TK
};

/*
 * Discovery table: the chip is a list of tile groups (one kind, consecutive tile indices).
 * Group g's registers sit at STOXVP_TILE_GROUP_BASE + g x STOXVP_TILE_GROUP_STRIDE + offset,
 * all read-only, reset value from the configuration; slots at or beyond TILE_GROUPS read 0.
 * Tiles are numbered over all groups in order; crossbar arrays likewise (group by group, tile x
 * arrays_per_tile + array inside a group), so a descriptor's array_base names one array of
 * one crossbar group. X(name, offset, description)
 */
#define STOXVP_MAX_TILE_GROUPS 8u
#define STOXVP_TILE_GROUP_BASE 0x100u
#define STOXVP_TILE_GROUP_STRIDE 0x20u
#define STOXVP_TILE_GROUP_REGISTERS(X)                                                         \
  X(KIND, 0x00, "Tile kind, STOXVP_TILE_KIND_* (0: no group in this slot, or a kind this map does not list)") \
  X(TILES, 0x04, "Tiles in the group")                                                          \
  X(FIRST_TILE, 0x08, "Chip-wide index of the group's first tile")                             \
  X(FIRST_NODE, 0x0C, "NoC node (router y x mesh_x + x) of the group's first tile")             \
  X(GEOM0, 0x10, "Kind-specific word 0 (see the kind's geometry words)")                      \
  X(GEOM1, 0x14, "Kind-specific word 1")                                                      \
  X(GEOM2, 0x18, "Kind-specific word 2")                                                      \
  X(GEOM3, 0x1C, "Kind-specific word 3")

enum stoxvp_tile_group_reg {
#define STOXVP_X_TG(name, off, doc) STOXVP_TG_##name = (off),
  STOXVP_TILE_GROUP_REGISTERS(STOXVP_X_TG)
#undef STOXVP_X_TG
};
/* Offset of group g's register `reg` (STOXVP_TG_*) in the window. */
#define STOXVP_REG_TILE_GROUP(g, reg) (STOXVP_TILE_GROUP_BASE + (g) * STOXVP_TILE_GROUP_STRIDE + (reg))

/* Crossbar groups' geometry words: X(word, lsb, width, field, description). */
#define STOXVP_XBAR_GEOMETRY(X)                                                                \
  X(GEOM0, 0, 16, ROWS, "Rows of one array")                                                   \
  X(GEOM0, 16, 16, COLS, "Columns of one array")                                               \
  X(GEOM1, 0, 16, ARRAYS_PER_TILE, "Arrays per tile")                                           \
  X(GEOM2, 0, 8, CELL_BITS, "Bits one cell stores")                                            \
  X(GEOM3, 0, 16, FIRST_ARRAY, "Chip-wide index of the group's first array (array_base of descriptors)")

enum stoxvp_xbar_geometry_field {
#define STOXVP_X_XG(word, lsb, width, field, doc) STOXVP_XBAR_##field##_WORD = STOXVP_TG_##word, \
  STOXVP_XBAR_##field##_SHIFT = (lsb), STOXVP_XBAR_##field##_MASK = (int)((1u << (width)) - 1u),
  STOXVP_XBAR_GEOMETRY(STOXVP_X_XG)
#undef STOXVP_X_XG
};

/*
 * Fields: X(register, field, lsb, width, description). A register's write mask is the union of
 * its fields; RW registers without fields listed here are writable in full.
 */
#define STOXVP_FIELDS(X)                                                                       \
  X(CTRL, ENABLE, 0, 1, "1: the command processor consumes the ring")                          \
  X(CTRL, SOFT_RESET, 1, 1, "Write 1: drop the descriptor in flight, clear RING_HEAD, RING_TAIL, STATUS, IRQ_STATUS and ERROR_*, empty the global buffer (kept outputs are discarded); RING_BASE, RING_SIZE, IRQ_ENABLE and the counters keep their values, ENABLE takes the value written with it (self-clearing)") \
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
  X(BAD_DOORBELL, 2, "RING_TAIL written with a slot index >= RING_SIZE (kept unchanged; ERROR_SLOT holds the refused value)") \
  X(BAD_VERSION, 3, "Descriptor version is not STOXVP_DESC_VERSION")                          \
  X(BAD_OPCODE, 4, "Unknown descriptor opcode")                                               \
  X(BAD_SHAPE, 5, "A size field is zero or beyond the accelerator's limits, or a computed output height or width exceeds 65535") \
  X(BAD_ADDRESS, 6, "An operand address is zero, misaligned or its extent overflows")         \
  X(DMA_FAULT, 7, "The bus answered a DMA transfer with an error (see ERROR_ADDR)")         \
  X(BAD_PARAM, 8, "A layer parameter is invalid (bit widths, converter settings, T = 0...)")  \
  X(BAD_WEIGHT, 9, "A weight lies outside its w_bits range (ERROR_ADDR: the weight)")         \
  X(NOT_PROGRAMMED, 10, "XBAR_CONV on arrays that do not hold that layer's weights")

enum stoxvp_error_code {
#define STOXVP_X_ERR(name, val, doc) STOXVP_ERR_##name = (val),
  STOXVP_ERRORS(STOXVP_X_ERR)
#undef STOXVP_X_ERR
};

/* ---------------------------------------------------------------------------------------- */
/* Command descriptors: 128 bytes each, little-endian, in a ring of RING_SIZE slots in memory. */

#define STOXVP_DESC_SIZE 128u
#define STOXVP_DESC_VERSION 2u
#define STOXVP_RING_MAX 65536u

/* Descriptor flags (header field `flags`): X(name, value, description). */
#define STOXVP_DESC_FLAGS(X)                                                                   \
  X(IRQ, 0x1, "Raise IRQ_STATUS.DONE when this descriptor completes")                         \
  X(KEEP_OUTPUT, 0x2, "Hold the output in the global buffer only (dirty): later descriptors "   \
    "read it from there; DRAM is written when the buffer evicts it or GB_INVALIDATE covers it. " \
    "For intermediate tensors software does not read; without the flag the output goes to "   \
    "DRAM and is not held")

enum stoxvp_desc_flag {
#define STOXVP_X_FLAG(name, val, doc) STOXVP_DESC_F_##name = (val),
  STOXVP_DESC_FLAGS(STOXVP_X_FLAG)
#undef STOXVP_X_FLAG
};

/*
 * Rules of the register map beyond single registers and fields: X(title, text). The document
 * generator prints each as a section, so the model, the driver and the docs state them once.
 */
#define STOXVP_RULES(X)                                                                        \
  X("Soft reset",                                                                              \
    "Writing CTRL with SOFT_RESET set drops the descriptor in flight (its result is discarded), " \
    "clears RING_HEAD, RING_TAIL, STATUS (to RING_EMPTY), IRQ_STATUS, ERROR_CODE, ERROR_SLOT and " \
    "ERROR_ADDR, and empties the global buffer, discarding kept outputs. RING_BASE, RING_SIZE, " \
    "IRQ_ENABLE, PERF_* and HWCFG* keep their values. CTRL.ENABLE takes the value written in "  \
    "the same write, so `CTRL = SOFT_RESET | ENABLE` resets and restarts on the configured ring " \
    "(RING_SIZE and RING_BASE are checked as on any enable).")                                 \
  X("Ring configuration while running",                                                       \
    "RING_BASE_LO, RING_BASE_HI and RING_SIZE can be written only while CTRL.ENABLE is 0 and no " \
    "descriptor is executing (STATUS.BUSY is 0: a descriptor started before the ring was "      \
    "disabled runs to completion). Other writes are refused with TLM_COMMAND_ERROR_RESPONSE and " \
    "leave the register unchanged. A RING_SIZE outside 2..65536 or a RING_BASE not 128-byte "  \
    "aligned is accepted while disabled and refused with BAD_RING when CTRL.ENABLE is set.")  \
  X("Global-buffer coherence",                                                                 \
    "The global buffer holds copies of memory ranges: outputs of descriptors flagged "          \
    "KEEP_OUTPUT (dirty: newer than DRAM), and the DIGITAL_CONV weights and layer parameter "   \
    "blocks descriptors read (clean). An operand read at the start address of a held range, "  \
    "no longer than it, is served from the copy without reading DRAM; a read that overlaps a "  \
    "dirty range otherwise has it written back first. Outputs without KEEP_OUTPUT are written " \
    "to DRAM and not held; any held range they overlap is dropped (dirty bytes written back "   \
    "first). The buffer does not snoop the bus: software that changes memory inside a held "   \
    "range (a parameter block or weights rewritten in place, a buffer that held a kept output) " \
    "submits GB_INVALIDATE covering it first, in the ring behind the work that uses the old "   \
    "contents, and writes the memory after that descriptor completed. GB_INVALIDATE writes "  \
    "dirty ranges back, so the CPU then reads a kept output from DRAM. CTRL.SOFT_RESET empties " \
    "the buffer. The virtual platform compares every read served from a clean copy with memory " \
    "and, when they differ, logs a warning naming the range and the descriptor (ring slot, tag, " \
    "opcode) that made it held and counts it in the report (accelerator.global_buffer_stale_reads); " \
    "the hardware would compute on the stale copy, and so does the model.")                   \
  X("Convolution output size",                                                                 \
    "XBAR_CONV and DIGITAL_CONV compute out_h = floor((in_h + 2 pad - kernel_h) / stride) + 1 " \
    "and out_w = floor((in_w + 2 pad - kernel_w) / stride) + 1; POOL the same without padding, " \
    "with the window `kernel` on both axes. Each must be at most 65535 (it is the in_h or in_w " \
    "of the layer that reads the output), or the descriptor fails with BAD_SHAPE.")            \
  X("FP arithmetic",                                                                           \
    "fp_pim computes in bfloat16: every product and every sum is rounded to nearest, ties to " \
    "even, with the exponent unbounded; a rounded result below 2^-126 becomes a zero of its "   \
    "sign, one of 2^128 or more an infinity of its sign; subnormal operands are read as zeros; " \
    "every NaN produced is 0x7fc0; an exact zero sum is +0 unless both addends are -0. Sums "  \
    "are pairwise trees: a sum of n terms t[0..n-1] is formed by repeating, while n > 1, "      \
    "h = (the least power of two >= n) / 2, t[i] = t[i] + t[i + h] for 0 <= i < n - h, n = h; " \
    "the result is t[0]. FP_GEMV: y[j] sums t[k] = W[j][k] x x[k] over k; FP_GEMV_T: z[k] sums " \
    "t[j] = W[j][k] x d[j] over j; FP_UPDATE: W[j][k] = W[j][k] + (g[j] x x[k]), the product "  \
    "rounded first.")

/* Opcodes: X(name, value, description). */
#define STOXVP_OPCODES(X)                                                                      \
  X(NOP, 0, "No operation; completes at once (useful as an interrupt fence)")                  \
  X(XBAR_PROGRAM, 1, "Write a layer's weights into crossbar arrays (weight-stationary)")      \
  X(XBAR_CONV, 2, "Convolution or fully-connected layer on programmed crossbar arrays")       \
  X(DIGITAL_CONV, 3, "Exact convolution or FC in the digital unit (full-precision layers)")   \
  X(POOL, 4, "Max or average pooling in the vector unit")                                     \
  X(ADD, 5, "Residual add with requantisation in the vector unit")                          \
  X(GB_INVALIDATE, 6, "Write back the kept outputs in a range and drop every held copy there (see Global-buffer coherence)") \
  X(SNN_LOAD_LAYER, 0x10, "snn_cim: load a spiking layer (weights, shape, W/V resolutions, threshold, reset, stationarity) into a layer slot of the macros") \
  X(SNN_RUN_TIMESTEP, 0x11, "snn_cim: one timestep, layer-first: the input spikes into slot 0, each layer's output spikes into the next; potentials persist") \
  X(SNN_READ_STATE, 0x12, "snn_cim: write a layer's output spike counts and/or membrane potentials to memory") \
  X(SNN_RESET_POTENTIALS, 0x13, "snn_cim: zero every loaded layer's potentials and spike counts (a new sample)") \
  X(FP_LOAD, 0x30, "fp_pim: write a bf16 matrix (rows x cols) into the PIM arrays as tensor slot `tensor`; it stays there") \
  X(FP_STORE, 0x31, "fp_pim: read tensor `tensor` back to memory (bf16 rows x cols, row-major)") \
  X(FP_GEMV, 0x32, "fp_pim: y = W x in bf16 inside the arrays (order of accumulation: FP arithmetic rule)") \
  X(FP_GEMV_T, 0x33, "fp_pim: z = W^T d in bf16 inside the arrays (the backward pass)") \
  X(FP_UPDATE, 0x34, "fp_pim: W[j][k] = W[j][k] + g[j] x[k] in place (the outer-product weight update)") \
  X(FP_EW, 0x35, "fp_pim: element-wise bf16 operation on vectors (STOXVP_FP_EW_*)") \
  X(AP_LOAD_PROGRAM, 0x20, "rtm_ap: load an AP program (docs/ap-program-format.md) into an AP tile; the reader checks it") \
  X(AP_LOAD_ACT, 0x21, "rtm_ap: move a layer's activations (uint8 CHW) into an AP tile's input buffer") \
  X(AP_RUN, 0x22, "rtm_ap: run the tile's program on its activations: compare/write passes over the CAM rows") \
  X(AP_STORE, 0x23, "rtm_ap: move the tile's outputs (uint8 CHW) to memory")

enum stoxvp_opcode {
#define STOXVP_X_OP(name, val, doc) STOXVP_OP_##name = (val),
  STOXVP_OPCODES(STOXVP_X_OP)
#undef STOXVP_X_OP
};
/* How many opcodes exist. Values are not contiguous: each kind of tile owns a block of 16
 * (0x00-0x0f the chip's own operations and the crossbar, 0x10 snn_cim, 0x20 rtm_ap, 0x30 fp_pim),
 * so STOXVP_OPCODE_LIMIT bounds them all (an array indexed by opcode has that many entries). */
#define STOXVP_X_ONE(name, val, doc) +1
enum { STOXVP_OPCODE_KINDS = 0 STOXVP_OPCODES(STOXVP_X_ONE) };
#undef STOXVP_X_ONE
#define STOXVP_OPCODE_LIMIT 0x40u
#define STOXVP_X_OPLIM(name, val, doc) STOXVP_STATIC_ASSERT((val) < STOXVP_OPCODE_LIMIT, "opcode " #name " beyond STOXVP_OPCODE_LIMIT");
STOXVP_OPCODES(STOXVP_X_OPLIM)
#undef STOXVP_X_OPLIM

/* Enumerations used in descriptors and layer parameter blocks: X(name, value, description). */
#define STOXVP_CONVERTERS(X)                                                                   \
  X(IDEAL, 0, "Exact partial sum (golden reference, no conversion cost)")                     \
  X(ADC, 1, "N-bit SAR ADC over +-adc_range with clipping; cols_per_converter share one")     \
  X(SPARSE_ADC, 2, "Low-bit ADC that skips conversions of all-zero input waves")              \
  X(SENSE_AMP, 3, "1 bit: +1 when gain*PS + bias > sa_threshold, else -1")                    \
  X(MTJ, 4, "Stochastic SOT-MTJ: T samples of p(clamp(gain*PS + bias, -1, 1)), up/down count")
#define STOXVP_ACTIVATIONS(X)                                                                  \
  X(NONE, 0, "Identity")                                                                       \
  X(RELU, 1, "max(z, 0)")                                                                      \
  X(HARDTANH, 2, "clamp(z, -1, 1) in real units; for int8 output the range clamp itself")
#define STOXVP_OUT_FORMATS(X)                                                                  \
  X(INT8, 0, "floor(z + 0.5) clamped to +-(2^(out_bits-1) - 1) (ReLU: from 0)")               \
  X(INT32, 1, "The raw accumulator: no scale, bias or activation")                           \
  X(FLOAT32, 2, "z after the activation, IEEE single")
#define STOXVP_CURVES(X)                                                                       \
  X(SIGMOID, 0, "p = 1 / (1 + exp(-(curve_a * x + curve_b)))")                                \
  X(TABLE, 1, "p linear between table_len points at x = -1 .. 1")
#define STOXVP_POOLS(X)                                                                        \
  X(MAX, 0, "Maximum")                                                                         \
  X(AVG, 1, "Average, rounded to nearest with halves up: floor(sum / n + 1/2)")

enum stoxvp_converter {
#define STOXVP_X_E(name, val, doc) STOXVP_CONV_##name = (val),
  STOXVP_CONVERTERS(STOXVP_X_E)
#undef STOXVP_X_E
};
/* How many converter kinds exist: they are numbered 0 .. STOXVP_CONVERTER_KINDS - 1. */
#define STOXVP_X_ONE(name, val, doc) +1
enum { STOXVP_CONVERTER_KINDS = 0 STOXVP_CONVERTERS(STOXVP_X_ONE) };
#undef STOXVP_X_ONE
enum stoxvp_activation {
#define STOXVP_X_E(name, val, doc) STOXVP_ACT_##name = (val),
  STOXVP_ACTIVATIONS(STOXVP_X_E)
#undef STOXVP_X_E
};
enum stoxvp_out_format {
#define STOXVP_X_E(name, val, doc) STOXVP_OUT_##name = (val),
  STOXVP_OUT_FORMATS(STOXVP_X_E)
#undef STOXVP_X_E
};
enum stoxvp_curve {
#define STOXVP_X_E(name, val, doc) STOXVP_CURVE_##name = (val),
  STOXVP_CURVES(STOXVP_X_E)
#undef STOXVP_X_E
};
enum stoxvp_pool {
#define STOXVP_X_E(name, val, doc) STOXVP_POOL_##name = (val),
  STOXVP_POOLS(STOXVP_X_E)
#undef STOXVP_X_E
};

/* The published StoX-Net switching curves as (curve_a, curve_b) of the SIGMOID curve. */
#define STOXVP_CURVE_FINAL_A 4.0f       /* sigmoid(4x): the authors' final code */
#define STOXVP_CURVE_FINAL_B 0.0f
#define STOXVP_CURVE_TANH_A 8.0f        /* (1 + tanh(4x)) / 2 == sigmoid(8x): earlier code */
#define STOXVP_CURVE_TANH_B 0.0f
#define STOXVP_CURVE_DEVICE_A 3.598f    /* fit to device data (Feb 2024): 3.598 (x - 0.0082) */
#define STOXVP_CURVE_DEVICE_B (-3.598f * 0.0082f)

/* Descriptor fields: X(type, name, description); the structs below are generated from them. */
#define STOXVP_DESC_HEADER_FIELDS(X)                                                           \
  X(uint16_t, opcode, "STOXVP_OP_*")                                                           \
  X(uint16_t, version, "STOXVP_DESC_VERSION")                                                 \
  X(uint32_t, flags, "STOXVP_DESC_F_*")                                                       \
  X(uint32_t, tag, "Free for software (shown in the trace as desc_tag)")                       \
  X(uint32_t, reserved, "Reserved, ignored")

/* XBAR_PROGRAM: weights w[n][k] go to arrays array_base .. array_base + stoxvp_xbar_arrays()
 * - 1, chunk-major: array array_base + c * groups + g holds rows c*R.. of outputs g*cpa.. */
#define STOXVP_XBAR_PROGRAM_FIELDS(X)                                                          \
  X(uint64_t, weight_addr, "int8 weights, n x k, k in im2col order (ci, kh, kw)")             \
  X(uint32_t, k, "Inputs per output: in_channels x kernel_h x kernel_w")                      \
  X(uint32_t, n, "Outputs (out_channels)")                                                   \
  X(uint16_t, array_base, "First array (global index: tile x arrays_per_tile + array)")      \
  X(uint8_t, w_bits, "Signed weight bits, 2..8; weights within +-(2^(w_bits-1) - 1)")       \
  X(uint8_t, w_slice, "Magnitude bits per cell (slice), 1..cell bits")                        \
  X(uint32_t, reserved, "Reserved, ignored")

/* XBAR_CONV and DIGITAL_CONV: a convolution (a fully-connected layer is 1x1 on 1x1). */
#define STOXVP_CONV_FIELDS(X)                                                                  \
  X(uint64_t, input_addr, "int8 input, in_channels x in_h x in_w")                            \
  X(uint64_t, output_addr, "Output, out_channels x out_h x out_w, in out_format")            \
  X(uint64_t, params_addr, "Layer parameter block (struct stoxvp_layer_params + arrays)")    \
  X(uint64_t, weight_addr, "DIGITAL_CONV: int8 weights out_channels x K; XBAR_CONV: 0")     \
  X(uint16_t, in_channels, "Input channels")                                                  \
  X(uint16_t, in_h, "Input height")                                                           \
  X(uint16_t, in_w, "Input width")                                                            \
  X(uint16_t, out_channels, "Output channels")                                                \
  X(uint8_t, kernel_h, "Kernel height")                                                       \
  X(uint8_t, kernel_w, "Kernel width")                                                        \
  X(uint8_t, stride, "Stride (both axes), >= 1")                                              \
  X(uint8_t, pad, "Zero padding (all sides)")                                                 \
  X(uint16_t, array_base, "XBAR_CONV: first array of the programmed layer")                   \
  X(uint8_t, w_bits, "XBAR_CONV: as programmed; DIGITAL_CONV: weights within +-(2^(w_bits-1)-1)") \
  X(uint8_t, w_slice, "XBAR_CONV: as programmed")                                             \
  X(uint8_t, a_bits, "Signed input bits, 2..8; inputs beyond the range saturate")           \
  X(uint8_t, a_stream, "XBAR_CONV: input magnitude bits per wave")                           \
  X(uint8_t, activation, "STOXVP_ACT_*")                                                      \
  X(uint8_t, out_format, "STOXVP_OUT_*")                                                      \
  X(uint8_t, out_bits, "INT8 output: signed bits, 2..8")                                     \
  X(uint8_t, reserved0, "Reserved, ignored")                                                  \
  X(uint16_t, reserved1, "Reserved, ignored")                                                 \
  X(uint32_t, rng_stream, "Names this invocation's random draws, with the seed")            \
  X(uint32_t, reserved2, "Reserved, ignored")

#define STOXVP_POOL_FIELDS(X)                                                                  \
  X(uint64_t, input_addr, "int8 input, channels x in_h x in_w")                               \
  X(uint64_t, output_addr, "int8 output, channels x out_h x out_w")                           \
  X(uint16_t, channels, "Channels")                                                           \
  X(uint16_t, in_h, "Input height")                                                           \
  X(uint16_t, in_w, "Input width")                                                            \
  X(uint8_t, kernel, "Window (square), no padding")                                           \
  X(uint8_t, stride, "Stride")                                                                \
  X(uint8_t, kind, "STOXVP_POOL_*")                                                           \
  X(uint8_t, reserved0, "Reserved, ignored")                                                  \
  X(uint16_t, reserved1, "Reserved, ignored")                                                 \
  X(uint32_t, reserved2, "Reserved, ignored")

#define STOXVP_ADD_FIELDS(X)                                                                   \
  X(uint64_t, input_a, "int8 operand a")                                                      \
  X(uint64_t, input_b, "int8 operand b")                                                      \
  X(uint64_t, output_addr, "int8 result: requantise(act(a * scale_a + b * scale_b))")        \
  X(uint32_t, count, "Elements")                                                              \
  X(float, scale_a, "Scale of a")                                                             \
  X(float, scale_b, "Scale of b")                                                             \
  X(uint8_t, activation, "STOXVP_ACT_*")                                                      \
  X(uint8_t, out_bits, "Signed output bits, 2..8")                                           \
  X(uint16_t, reserved, "Reserved, ignored")

/* GB_INVALIDATE: ordered in the ring like any descriptor, so it acts after the work before it. */
#define STOXVP_GB_INVALIDATE_FIELDS(X)                                                         \
  X(uint64_t, addr, "First byte of the range")                                                \
  X(uint64_t, bytes, "Length of the range; 0: the whole address space (empties the buffer)")

/* fp_pim tensor operations (FP_LOAD, FP_STORE, FP_GEMV, FP_GEMV_T, FP_UPDATE). A tensor is a
 * bf16 matrix W of `rows` outputs x `cols` inputs; vectors in memory are packed bf16. */
#define STOXVP_FP_TENSORS 16u
#define STOXVP_FP_TENSOR_FIELDS(X)                                                             \
  X(uint64_t, addr_a, "FP_LOAD, FP_STORE: W (rows x cols, row-major); FP_GEMV: x (cols); FP_GEMV_T: d (rows); FP_UPDATE: g (rows)") \
  X(uint64_t, addr_b, "FP_GEMV: y (rows); FP_GEMV_T: z (cols); FP_UPDATE: x (cols); FP_LOAD, FP_STORE: 0") \
  X(uint32_t, rows, "Outputs of W (FP_LOAD sets it; the others must give the loaded value)") \
  X(uint32_t, cols, "Inputs of W (likewise)")                                                \
  X(uint16_t, tensor, "Tensor slot, 0..STOXVP_FP_TENSORS-1")                                 \
  X(uint16_t, reserved0, "Reserved, ignored")                                                 \
  X(uint32_t, reserved1, "Reserved, ignored")

#define STOXVP_FP_EW_OPS(X)                                                                    \
  X(ADD, 0, "a + b")                                                                           \
  X(SUB, 1, "a - b")                                                                           \
  X(MUL, 2, "a x b")                                                                           \
  X(SCALE, 3, "a x scalar")                                                                    \
  X(RELU, 4, "a where a's sign bit is 0 and its exponent field is not 0, else +0")          \
  X(RELU_MASK, 5, "a where b's sign bit is 0 and its exponent field is not 0, else +0 (the ReLU derivative of pre-activation b)")
enum stoxvp_fp_ew_op {
#define STOXVP_X_E(name, val, doc) STOXVP_FP_EW_##name = (val),
  STOXVP_FP_EW_OPS(STOXVP_X_E)
#undef STOXVP_X_E
};
#define STOXVP_FP_EW_FIELDS(X)                                                                 \
  X(uint64_t, input_a, "bf16 operand a, count elements")                                      \
  X(uint64_t, input_b, "bf16 operand b (ADD, SUB, MUL, RELU_MASK); 0 for SCALE and RELU")      \
  X(uint64_t, output_addr, "bf16 result, count elements")                                     \
  X(uint32_t, count, "Elements")                                                              \
  X(uint16_t, op, "STOXVP_FP_EW_*")                                                           \
  X(uint16_t, scalar, "SCALE: the bf16 scalar")

/* The layer parameter block at params_addr: this header, then float32 arrays of out_channels
 * entries: out_scale and out_bias (when F_OUT_AFFINE; else 1 and 0), drive_gain and drive_bias
 * (when F_DRIVE; else 1 and 0), then table_len curve probabilities (TABLE curve). */
#define STOXVP_PARAMS_F_OUT_AFFINE 0x1u
#define STOXVP_PARAMS_F_DRIVE 0x2u
#define STOXVP_MAX_SLICES 8u
#define STOXVP_LAYER_PARAMS_FIELDS(X)                                                          \
  X(uint8_t, converter, "STOXVP_CONV_* (XBAR_CONV)")                                          \
  X(uint8_t, adc_bits, "ADC resolution, 1..24")                                               \
  X(uint8_t, cols_per_converter, "Columns sharing one converter, >= 1")                      \
  X(uint8_t, curve, "STOXVP_CURVE_*")                                                        \
  X(uint32_t, flags, "STOXVP_PARAMS_F_*")                                                    \
  X(float, adc_range, "ADC full scale +-, partial-sum units; 0: smallest power of 2 >= the geometric bound min(K, rows) (2^w_slice - 1) (2^a_stream - 1) (lossy below enough bits)")  \
  X(float, sa_threshold, "Sense-amplifier threshold on the normalised drive")               \
  X(float, curve_a, "SIGMOID curve slope")                                                    \
  X(float, curve_b, "SIGMOID curve offset")                                                   \
  X(uint32_t, table_len, "TABLE curve points (>= 2)")                                        \
  X(uint32_t, reserved, "Reserved, ignored")

/* snn_cim (FlexSpIM spiking CIM macro, docs/snn-cim.md). Layer slots run in order 0, 1, ...;
 * slot l's output neurons are slot l+1's inputs. Neuron indices are flat: c x H x W + y x W + x. */
#define STOXVP_SNN_MAX_LAYERS 16u
#define STOXVP_SNN_LAYER_TYPES(X)                                                              \
  X(CONV, 0, "Convolution: kernel x kernel, stride, zero padding")                             \
  X(FC, 1, "Fully connected: every input to every output (inputs flattened c, y, x)")
#define STOXVP_SNN_RESETS(X)                                                                   \
  X(ZERO, 0, "A neuron that fires resets to 0")                                               \
  X(SUBTRACT, 1, "A neuron that fires keeps V - threshold")
#define STOXVP_SNN_POLICIES(X)                                                                 \
  X(WS, 0, "Weight-stationary: W resident in the macro, V streamed through the W/V buffers")   \
  X(OS, 1, "Output-stationary: V resident, W streamed")                                       \
  X(HS_MIN, 2, "Hybrid: the smaller operand (W or V bits) resident, the other streamed")

enum stoxvp_snn_layer_type {
#define STOXVP_X_E(name, val, doc) STOXVP_SNN_LAYER_##name = (val),
  STOXVP_SNN_LAYER_TYPES(STOXVP_X_E)
#undef STOXVP_X_E
};
enum stoxvp_snn_reset {
#define STOXVP_X_E(name, val, doc) STOXVP_SNN_RESET_##name = (val),
  STOXVP_SNN_RESETS(STOXVP_X_E)
#undef STOXVP_X_E
};
enum stoxvp_snn_policy {
#define STOXVP_X_E(name, val, doc) STOXVP_SNN_POLICY_##name = (val),
  STOXVP_SNN_POLICIES(STOXVP_X_E)
#undef STOXVP_X_E
};

#define STOXVP_SNN_LOAD_LAYER_FIELDS(X)                                                        \
  X(uint64_t, weight_addr, "Weights: int8 when w_bits <= 8, else int16; CONV out x in x k x k, FC out x inputs") \
  X(uint16_t, layer, "Layer slot, 0..STOXVP_SNN_MAX_LAYERS-1; a slot > 0 needs slot - 1 loaded, with outputs = its inputs") \
  X(uint8_t, type, "STOXVP_SNN_LAYER_*")                                                       \
  X(uint8_t, w_bits, "Signed weight bits, 2..16; weights within +-(2^(w_bits-1) - 1)")          \
  X(uint8_t, v_bits, "Signed membrane-potential bits, w_bits..32; V wraps modulo 2^v_bits")    \
  X(uint8_t, reset, "STOXVP_SNN_RESET_*")                                                     \
  X(uint8_t, policy, "STOXVP_SNN_POLICY_*")                                                   \
  X(uint8_t, kernel, "CONV: kernel height and width; FC: 1")                                 \
  X(uint16_t, in_channels, "Input channels")                                                  \
  X(uint16_t, in_h, "Input height")                                                           \
  X(uint16_t, in_w, "Input width")                                                            \
  X(uint16_t, out_channels, "Output channels (FC: outputs)")                                  \
  X(uint8_t, stride, "CONV: stride, >= 1; FC: 1")                                             \
  X(uint8_t, pad, "CONV: zero padding, < kernel; FC: 0")                                      \
  X(uint16_t, reserved0, "Reserved, ignored")                                                 \
  X(int32_t, threshold, "Firing threshold, 1..2^(v_bits-1) - 1: V >= threshold fires")        \
  X(uint32_t, reserved1, "Reserved, ignored")                                                 \
  X(uint32_t, reserved2, "Reserved, ignored")

#define STOXVP_SNN_RUN_TIMESTEP_FIELDS(X)                                                      \
  X(uint64_t, events_addr, "Input spikes of slot 0: uint32 neuron indices, ascending and distinct (0 with event_count 0)") \
  X(uint32_t, event_count, "Input spikes")                                                     \
  X(uint16_t, layers, "Slots to run, 0..layers-1, all loaded; 0: every loaded slot")            \
  X(uint16_t, reserved, "Reserved, ignored")

#define STOXVP_SNN_READ_STATE_FIELDS(X)                                                        \
  X(uint64_t, counts_addr, "0, or where the slot's output spike counts go (uint32 per neuron)") \
  X(uint64_t, potentials_addr, "0, or where its membrane potentials go (int32 per neuron)")     \
  X(uint16_t, layer, "Layer slot, loaded")                                                     \
  X(uint16_t, reserved0, "Reserved, ignored")                                                 \
  X(uint32_t, reserved1, "Reserved, ignored")

#define STOXVP_SNN_RESET_POTENTIALS_FIELDS(X)                                                  \
  X(uint64_t, reserved, "Reserved, ignored")

/* AP_LOAD_PROGRAM, AP_LOAD_ACT, AP_RUN, AP_STORE: one tile of the chip's rtm_ap groups. */
#define STOXVP_AP_FIELDS(X)                                                                    \
  X(uint64_t, addr, "AP_LOAD_PROGRAM: the program; AP_LOAD_ACT: the activations; AP_STORE: the outputs' destination; AP_RUN: 0") \
  X(uint32_t, bytes, "AP_LOAD_PROGRAM: program bytes; AP_LOAD_ACT: the program's in_channels x in_h x in_w; AP_STORE: its output bytes; AP_RUN: 0") \
  X(uint16_t, ap_tile, "AP tile: 0 .. tiles of the chip's rtm_ap groups - 1, in chip order")  \
  X(uint16_t, reserved0, "Reserved, ignored")                                                 \
  X(uint64_t, reserved1, "Reserved, ignored")

#define STOXVP_X_MEMBER(type, name, doc) type name;
struct stoxvp_desc_header {
  STOXVP_DESC_HEADER_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_xbar_program_args {
  STOXVP_XBAR_PROGRAM_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_conv_args {
  STOXVP_CONV_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_pool_args {
  STOXVP_POOL_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_add_args {
  STOXVP_ADD_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_gb_invalidate_args {
  STOXVP_GB_INVALIDATE_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_snn_load_layer_args {
  STOXVP_SNN_LOAD_LAYER_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_snn_run_timestep_args {
  STOXVP_SNN_RUN_TIMESTEP_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_snn_read_state_args {
  STOXVP_SNN_READ_STATE_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_snn_reset_potentials_args {
  STOXVP_SNN_RESET_POTENTIALS_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_fp_tensor_args {
  STOXVP_FP_TENSOR_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_fp_ew_args {
  STOXVP_FP_EW_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_ap_args {
  STOXVP_AP_FIELDS(STOXVP_X_MEMBER)
};
struct stoxvp_layer_params {
  STOXVP_LAYER_PARAMS_FIELDS(STOXVP_X_MEMBER)
  /* MTJ: T per (weight slice, input wave), 1..255 where the layer has that slice and wave. */
  uint8_t samples[STOXVP_MAX_SLICES][STOXVP_MAX_SLICES];
};
#undef STOXVP_X_MEMBER

#define STOXVP_DESC_ARGS_SIZE (STOXVP_DESC_SIZE - sizeof(struct stoxvp_desc_header))

struct stoxvp_desc {
  struct stoxvp_desc_header hdr;
  union {
    struct stoxvp_xbar_program_args program;
    struct stoxvp_conv_args conv;
    struct stoxvp_pool_args pool;
    struct stoxvp_add_args add;
    struct stoxvp_gb_invalidate_args gb_invalidate;
    struct stoxvp_snn_load_layer_args snn_load_layer;
    struct stoxvp_snn_run_timestep_args snn_run_timestep;
    struct stoxvp_snn_read_state_args snn_read_state;
    struct stoxvp_snn_reset_potentials_args snn_reset_potentials;
    struct stoxvp_fp_tensor_args fp_tensor;
    struct stoxvp_fp_ew_args fp_ew;
    struct stoxvp_ap_args ap;
    uint8_t raw[STOXVP_DESC_ARGS_SIZE];
  } args;
};

STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_desc_header) == 16, "descriptor header is 16 bytes");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_desc) == STOXVP_DESC_SIZE, "descriptor is 128 bytes");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_conv_args) == 64, "no padding in conv args");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_xbar_program_args) == 24, "no padding in program args");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_pool_args) == 32, "no padding in pool args");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_add_args) == 40, "no padding in add args");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_gb_invalidate_args) == 16, "no padding in invalidate args");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_layer_params) == 96, "no padding in layer params");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_snn_load_layer_args) == 40, "no padding in SNN_LOAD_LAYER args");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_snn_run_timestep_args) == 16, "no padding in SNN_RUN_TIMESTEP args");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_snn_read_state_args) == 24, "no padding in SNN_READ_STATE args");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_fp_tensor_args) == 32, "no padding in fp tensor args");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_fp_ew_args) == 32, "no padding in fp element-wise args");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_ap_args) == 24, "no padding in AP args");

/* ---------------------------------------------------------------------------------------- */
/* Mapping rule (hardware contract): how many arrays a crossbar layer occupies. Signed weights
 * take a differential column pair per magnitude slice, so an array of `cols` columns holds
 * cols / (2 * slices) outputs; K is split into ceil(K / rows) row chunks. Returns 0 when not
 * even one output fits an array. */
static inline uint32_t stoxvp_xbar_slices(uint32_t w_bits, uint32_t w_slice) {
  return (w_bits - 1 + w_slice - 1) / w_slice;
}
static inline uint32_t stoxvp_xbar_outputs_per_array(uint32_t cols, uint32_t w_bits,
                                                     uint32_t w_slice) {
  return cols / (2u * stoxvp_xbar_slices(w_bits, w_slice));
}
static inline uint32_t stoxvp_xbar_arrays(uint32_t k, uint32_t n, uint32_t rows, uint32_t cols,
                                          uint32_t w_bits, uint32_t w_slice) {
  const uint32_t per_array = stoxvp_xbar_outputs_per_array(cols, w_bits, w_slice);
  if (per_array == 0) return 0;
  return ((k + rows - 1) / rows) * ((n + per_array - 1) / per_array);
}

#endif /* STOXVP_REGS_H */
