// The layer parameter block (struct stoxvp_layer_params and the float arrays after it, as
// stoxvp_regs.h lays them out) decoded into the core's converter and output settings. Shared by
// the command processor and anything else that runs layers from model files.
#pragma once

#include "converter.h"
#include "layer_ops.h"

#include <cstdint>
#include <vector>

namespace stoxvp::core {

struct layer_params {
  converter_config converter;  // ideal when there is no block
  std::vector<float> out_scale, out_bias;  // empty: 1 and 0
};

// `raw` holds a whole block (header and arrays) already checked for size, or is empty.
layer_params decode_layer_params(const std::vector<uint8_t>& raw, uint32_t out_channels);

// Only the output stage's per-channel scale and bias of the same block (both emptied when it
// has none), into vectors that keep their storage: what a layer needs of its block per image.
void decode_output_affine(const std::vector<uint8_t>& raw, uint32_t out_channels, std::vector<float>& scale,
                          std::vector<float>& bias);

}  // namespace stoxvp::core
