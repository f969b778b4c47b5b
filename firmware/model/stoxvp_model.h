/*
 * stoxvp_model.h - the stoxvp model file: layout and the one reader that validates it. C11.
 *
 * The same reader runs in the inference firmware (host-compiled and bare-metal) and in the host
 * tools (runner, benchmarks, the Python tools through ctypes). docs/model-format.md describes
 * the format; the layouts below are its single source.
 *
 * A model file is little-endian: a 64-byte header, a table of 64-byte layer entries, then the
 * blobs (int8 weights; layer parameter blocks in exactly the accelerator's STOXVP_LAYER_PARAMS
 * layout, so firmware hands their address straight to a descriptor). Every offset is 4-byte
 * aligned. A CRC-32 covers the whole file.
 */
#ifndef STOXVP_MODEL_H
#define STOXVP_MODEL_H

#include "stoxvp_regs.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STOXVP_MODEL_MAGIC "SXVM"
#define STOXVP_MODEL_VERSION 1u
#define STOXVP_MODEL_HEADER_BYTES 64u
#define STOXVP_MODEL_LAYER_BYTES 64u
#define STOXVP_MODEL_MAX_LAYERS 256u
#define STOXVP_MODEL_MAX_BYTES (64u << 20) /* larger files are refused as oversized */
/* Largest tensor (the input or a layer's output), in bytes. Every size the reader derives is
 * checked against the field that stores it; this bound keeps a tensor's bytes, and an address
 * plus them, inside 32 bits for the firmware's allocations and the descriptors' counts. */
#define STOXVP_MODEL_MAX_TENSOR_BYTES (1u << 30)

/* Layer types: X(name, value, description). */
#define STOXVP_MODEL_LAYER_TYPES(X)                                                            \
  X(XBAR_CONV, 1, "Convolution or FC on crossbars (weights, parameter block)")                 \
  X(DIGITAL_CONV, 2, "Full-precision convolution or FC in the digital unit")                   \
  X(MAX_POOL, 3, "Max pooling (kernel_h x kernel_h window, stride)")                          \
  X(AVG_POOL, 4, "Average pooling (kernel_h x kernel_h window, stride)")                      \
  X(ADD, 5, "Residual add of tensors input and input_b: act(a * scale_a + b * scale_b)") \
  X(SNN_CONV, 16, "Spiking convolution of IF neurons on snn_cim macros (reserved words: STOXVP_MODEL_SNN_FIELDS)") \
  X(SNN_FC, 17, "Spiking fully-connected layer of IF neurons on snn_cim macros (kernel 1; every input of the tensor)") \
  X(AP_CONV, 24, "Ternary convolution on a racetrack associative-processor tile (rtm_ap): the weights blob is its AP program (docs/ap-program-format.md); a_bits and out_bits are unsigned activation bits; reserved[0] = pool (0, or 2: 2x2 max inside the program)")

enum stoxvp_model_layer_type {
#define STOXVP_X_LT(name, val, doc) STOXVP_LAYER_##name = (val),
  STOXVP_MODEL_LAYER_TYPES(STOXVP_X_LT)
#undef STOXVP_X_LT
};

/* Header fields: X(type, name, array dimension or nothing, description). */
#define STOXVP_MODEL_HEADER_FIELDS(X)                                                          \
  X(char, magic, [4], "\"SXVM\"")                                                                \
  X(uint16_t, version, , "STOXVP_MODEL_VERSION")                                                \
  X(uint16_t, header_bytes, , "64")                                                             \
  X(uint32_t, file_bytes, , "Size of the whole file")                                          \
  X(uint32_t, crc32, , "CRC-32 (IEEE 802.3) of the whole file with this field read as 0")      \
  X(uint32_t, layer_count, , "Layers, 1..256")                                                 \
  X(uint32_t, layer_table_offset, , "Offset of the layer table (64)")                          \
  X(uint16_t, layer_entry_bytes, , "64")                                                        \
  X(uint16_t, input_channels, , "Input tensor: channels")                                       \
  X(uint16_t, input_h, , "Input tensor: height")                                                \
  X(uint16_t, input_w, , "Input tensor: width")                                                 \
  X(uint8_t, input_bits, , "Signed bits of the quantised input, 2..8; 1 for a spiking model (spike map input)")                         \
  X(uint8_t, reserved0, , "0")                                                                  \
  X(uint16_t, classes, , "Outputs of the last layer (FLOAT32, 1 x 1)")                          \
  X(float, input_scale, , "Pixel p (0..255) quantises to floor(p * scale + offset + 0.5)")   \
  X(float, input_offset, , "See input_scale; the result clamps to +-(2^(input_bits-1) - 1)")   \
  X(uint32_t, reserved1, , "0")                                                                 \
  X(char, name, [16], "Model name, NUL-padded")

/* Layer entry fields. Tensor 0 is the model input; tensor i (i >= 1) is layer i-1's output. */
#define STOXVP_MODEL_LAYER_FIELDS(X)                                                           \
  X(uint8_t, type, , "STOXVP_LAYER_*")                                                          \
  X(uint8_t, activation, , "STOXVP_ACT_*")                                                      \
  X(uint8_t, out_format, , "STOXVP_OUT_INT8, or STOXVP_OUT_FLOAT32 for the last layer")        \
  X(uint8_t, out_bits, , "INT8 output bits, 2..8")                                             \
  X(uint16_t, input, , "Tensor the layer reads")                                               \
  X(uint16_t, input_b, , "ADD: the second tensor")                                             \
  X(uint16_t, in_channels, , "Must equal the input tensor's")                                 \
  X(uint16_t, in_h, , "Must equal the input tensor's")                                        \
  X(uint16_t, in_w, , "Must equal the input tensor's")                                        \
  X(uint16_t, out_channels, , "Convolutions: outputs; pooling and ADD: = in_channels")        \
  X(uint8_t, kernel_h, , "Convolutions and pooling")                                           \
  X(uint8_t, kernel_w, , "Convolutions (pooling: = kernel_h)")                                 \
  X(uint8_t, stride, , ">= 1")                                                                  \
  X(uint8_t, pad, , "Convolutions only")                                                        \
  X(uint8_t, w_bits, , "Signed weight bits, 2..8")                                              \
  X(uint8_t, w_slice, , "XBAR_CONV: weight magnitude bits per slice")                          \
  X(uint8_t, a_bits, , "Signed input bits, 2..8")                                               \
  X(uint8_t, a_stream, , "XBAR_CONV: input magnitude bits per wave")                           \
  X(float, scale_a, , "ADD: scale of tensor input")                                             \
  X(float, scale_b, , "ADD: scale of tensor input_b")                                           \
  X(uint32_t, weights_offset, , "Convolutions: int8 weights out_channels x K (im2col order)")  \
  X(uint32_t, weights_bytes, , "= out_channels x in_channels x kernel_h x kernel_w")          \
  X(uint32_t, params_offset, , "Convolutions: layer parameter block, or 0 for none")          \
  X(uint32_t, params_bytes, , "Its size: 96 + 4 x (its float arrays)")                        \
  X(uint32_t, reserved, [4], "0; AP_CONV: reserved[0] = pool (0 or 2)")

/* Spiking layers (SNN_CONV, SNN_FC) reuse the entry: activation 0 (NONE), out_format INT32 (an
 * output tensor of spikes; the last layer's are the class spike counts), out_bits 0, w_slice 0,
 * a_bits 1 (spikes), a_stream 0, no parameter block, int8 weights (w_bits 2..8; an FC's K is
 * in_channels x in_h x in_w, the input flattened c, y, x), and the reserved words as below. A
 * model with a spiking layer has only spiking layers, each reading the previous one's output,
 * and input_bits 1 (its input is a spike map). Membrane potentials and thresholds follow the
 * snn_cim contract (docs/snn-cim.md). X(word, lsb, width, field, description) */
#define STOXVP_MODEL_SNN_FIELDS(X)                                                             \
  X(0, 0, 8, v_bits, "Membrane-potential bits, w_bits..32")                                     \
  X(0, 8, 8, reset, "STOXVP_SNN_RESET_*")                                                       \
  X(0, 16, 8, policy, "STOXVP_SNN_POLICY_*")                                                    \
  X(1, 0, 32, threshold, "Firing threshold, 1..2^(v_bits-1) - 1 (a signed 32-bit word)")

static inline int stoxvp_model_layer_is_snn(uint8_t type) { return type >= 16 && type <= 23; }

#define STOXVP_X_MODEL_MEMBER(type, name, dim, doc) type name dim;
struct stoxvp_model_header {
  STOXVP_MODEL_HEADER_FIELDS(STOXVP_X_MODEL_MEMBER)
};
struct stoxvp_model_layer {
  STOXVP_MODEL_LAYER_FIELDS(STOXVP_X_MODEL_MEMBER)
};
#undef STOXVP_X_MODEL_MEMBER

STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_model_header) == STOXVP_MODEL_HEADER_BYTES, "model header is 64 bytes");
STOXVP_STATIC_ASSERT(sizeof(struct stoxvp_model_layer) == STOXVP_MODEL_LAYER_BYTES, "layer entry is 64 bytes");

/* Shape of a tensor (channels x height x width), as the reader derives it. */
struct stoxvp_tensor_shape {
  uint16_t c, h, w;
};

/* A validated model: copies of the header and layer entries (aligned, host order) and pointers
 * into the caller's buffer, which must outlive it. */
typedef struct stoxvp_model {
  struct stoxvp_model_header header;
  uint32_t layer_count;
  struct stoxvp_model_layer layers[STOXVP_MODEL_MAX_LAYERS];
  struct stoxvp_tensor_shape tensors[STOXVP_MODEL_MAX_LAYERS + 1]; /* tensor i's shape */
  const uint8_t *data;
  uint32_t size;
} stoxvp_model;

/* Reader results. */
enum stoxvp_model_result {
  STOXVP_MODEL_OK = 0,
  STOXVP_MODEL_TRUNCATED = 1,   /* shorter than its header or than file_bytes says */
  STOXVP_MODEL_BAD_MAGIC = 2,
  STOXVP_MODEL_BAD_VERSION = 3,
  STOXVP_MODEL_OVERSIZED = 4,   /* beyond STOXVP_MODEL_MAX_BYTES or longer than file_bytes */
  STOXVP_MODEL_BAD_CHECKSUM = 5,
  STOXVP_MODEL_BAD_FIELD = 6    /* a field out of range or inconsistent; the message names it */
};

/* Parses and validates `size` bytes at `data` into `m`. On failure returns the result and
 * writes a message naming the field and its value into `err` (NUL-terminated, may be NULL). */
int stoxvp_model_parse(const void *data, size_t size, stoxvp_model *m, char *err, size_t err_len);

/* CRC-32 (IEEE 802.3, reflected, init and final xor 0xFFFFFFFF) of `len` bytes, chained. */
uint32_t stoxvp_crc32(uint32_t crc, const void *data, size_t len);

/* Reduction size of a convolution layer: in_channels x kernel_h x kernel_w. */
static inline uint32_t stoxvp_model_layer_k(const struct stoxvp_model_layer *l) {
  return (uint32_t)l->in_channels * l->kernel_h * l->kernel_w;
}

/* Bytes of a layer's output tensor. */
uint32_t stoxvp_model_output_bytes(const stoxvp_model *m, uint32_t layer);

const char *stoxvp_model_result_name(int result);

#ifdef __cplusplus
}
#endif

#endif /* STOXVP_MODEL_H */
