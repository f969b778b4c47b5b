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

}  // namespace stoxvp::core
