/*
 * modeldoc: writes docs/model-format.md from stoxvp_model.h (a test fails when it is stale).
 */
#include "stoxvp_model.h"

#include <stddef.h>
#include <stdio.h>

int main(void) {
  printf("# stoxvp model files\n\n");
  printf("Generated from `firmware/model/stoxvp_model.h` by `tools/regdoc/modeldoc` (`make docs`); do not edit.\n\n");
  printf("A model file holds one trained network for the inference firmware: its layers in execution\n"
         "order, their integer weights and their layer parameter blocks. It is little-endian, version %u,\n"
         "at most %u bytes, and every offset in it is 4-byte aligned. The file is\n\n"
         "    header (64 bytes) | layer table (layer_count x 64 bytes) | blobs\n\n"
         "where the blobs are the layers' int8 weights (out_channels x K, K in im2col order: input\n"
         "channel, kernel row, kernel column) and their parameter blocks, which have exactly the\n"
         "accelerator's layer-parameter layout (docs/registers.md), so the firmware passes their\n"
         "address straight to a descriptor.\n\n"
         "**Tensors.** Tensor 0 is the quantised input image; tensor i (i >= 1) is the output of layer\n"
         "i - 1. A layer reads tensor `input` (and `input_b` for ADD), whose shape must equal the\n"
         "layer's declared input shape; the reader derives every tensor's shape. Every layer but the\n"
         "last writes INT8; the last writes FLOAT32 logits of shape classes x 1 x 1. A convolution's\n"
         "output is (in + 2 x pad - kernel) / stride + 1 rows (columns alike), which must fit the 16-bit\n"
         "height and width fields (at most 65535); no tensor, the input included, may exceed %u bytes\n"
         "(`STOXVP_MODEL_MAX_TENSOR_BYTES`), so every size derived from a shape fits 32 bits.\n\n"
         "**Input.** A pixel p (0..255) becomes floor(p * input_scale + input_offset + 1/2), computed\n"
         "in float32 and clamped to +-(2^(input_bits-1) - 1).\n\n"
         "**Checksum.** crc32 is the CRC-32 of IEEE 802.3 (zlib's crc32) over the whole file with the\n"
         "crc32 field read as zero.\n\n",
         STOXVP_MODEL_VERSION, STOXVP_MODEL_MAX_BYTES, STOXVP_MODEL_MAX_TENSOR_BYTES);

#define ROW(type, name, dim, doc) \
  printf("| %zu | %s%s | %s | %s |\n", offsetof(STRUCT, name), #type, #dim, #name, doc);
  printf("## Header\n\n| byte | type | field | meaning |\n|---|---|---|---|\n");
#define STRUCT struct stoxvp_model_header
  STOXVP_MODEL_HEADER_FIELDS(ROW)
#undef STRUCT
  printf("\n## Layer entry\n\n| byte | type | field | meaning |\n|---|---|---|---|\n");
#define STRUCT struct stoxvp_model_layer
  STOXVP_MODEL_LAYER_FIELDS(ROW)
#undef STRUCT
#undef ROW

  printf("\n## Layer types\n\n| value | name | meaning |\n|---|---|---|\n");
#define TYPE(name, val, doc) printf("| %d | %s | %s |\n", (val), #name, doc);
  STOXVP_MODEL_LAYER_TYPES(TYPE)
#undef TYPE

  printf("\n## Spiking layers (SNN_CONV, SNN_FC)\n\n"
         "activation 0, out_format INT32 (spikes; the last layer's output is the class spike counts),\n"
         "out_bits, w_slice, a_stream and input_b 0, a_bits 1, no parameter block, int8 weights with\n"
         "w_bits 2..8 (an SNN_FC's K is in_channels x in_h x in_w, kernel 1, stride 1, pad 0). A model\n"
         "with a spiking layer has input_bits 1 and only spiking layers, each reading the previous\n"
         "one's output. The reserved words carry (docs/snn-cim.md):\n\n"
         "| word | bits | field | meaning |\n|---|---|---|---|\n");
#define SNNF(word, lsb, width, field, doc) printf("| reserved[%d] | %d..%d | %s | %s |\n", (word), (lsb) + (width) - 1, (lsb), #field, doc);
  STOXVP_MODEL_SNN_FIELDS(SNNF)
#undef SNNF

  printf("\n## What the reader checks\n\n"
         "`stoxvp_model_parse()` is the only reader; the firmware, the host runner and the Python\n"
         "tools (through ctypes) all use it. It refuses, naming the field and its value:\n\n"
         "- a file shorter than the header or than file_bytes (truncated), a wrong magic, a version\n"
         "  other than %u, a file larger than file_bytes or than the limit (oversized), a checksum\n"
         "  that does not match (corrupted);\n"
         "- a layer count outside 1..%u, a misplaced layer table, a zero input dimension, input_bits\n"
         "  outside 2..8, zero classes, non-finite input scaling, non-zero reserved fields;\n"
         "- per layer: an unknown type or activation, an input tensor that does not exist yet or\n"
         "  whose shape differs, a kernel that does not fit, bit widths outside 2..8, weight slices\n"
         "  or input waves wider than the magnitude or more than %u of them, weights outside their\n"
         "  signed range, blobs outside the file or misaligned, sizes that disagree with the shapes,\n"
         "  a parameter block with an unknown converter, curve or flag, non-finite values, a size\n"
         "  that disagrees with its flags, or T = 0 for a slice and wave the layer has; an output\n"
         "  height or width beyond 65535, a tensor beyond the tensor limit, weights_bytes that differ\n"
         "  from out_channels x K computed in 64 bits;\n"
         "- a last layer that is not FLOAT32 classes x 1 x 1 (a spiking model's: INT32);\n"
         "- spiking layers: any rule of the section above broken, a threshold outside its V range.\n",
         STOXVP_MODEL_VERSION, STOXVP_MODEL_MAX_LAYERS, STOXVP_MAX_SLICES);
  return 0;
}
