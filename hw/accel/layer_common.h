// What the operations of several units share: descriptor checks that refuse with the field and
// its value, convolution shape checks, layer parameter blocks and the output stage of a layer.
#pragma once

#include "desc_error.h"
#include "operation.h"
#include "hw/core/layer_ops.h"

#include <cstdint>
#include <string>
#include <vector>

namespace stoxvp::hw {

[[noreturn]] inline void fail(uint32_t code, uint64_t addr, const std::string& why) {
  throw desc_error{code, addr, why};
}
inline void need(bool ok, uint32_t code, const std::string& why, uint64_t addr = 0) {
  if (!ok) fail(code, addr, why);
}
inline std::string str(uint64_t v) { return std::to_string(v); }

inline uint32_t out_element_bytes(uint8_t format) { return format == STOXVP_OUT_INT8 ? 1 : 4; }

// First weight outside +-(2^(bits-1) - 1), or -1.
int64_t first_out_of_range(const uint8_t* w, size_t n, uint32_t bits);
inline int64_t first_out_of_range(const std::vector<uint8_t>& w, uint32_t bits) {
  return first_out_of_range(w.data(), w.size(), bits);
}

// The shape of a convolution descriptor (`op` names it in refusals).
core::conv_shape check_conv(const exec_context& ctx, const stoxvp_conv_args& a, const char* op);

// Reads and checks the layer parameter block at `addr` (none when 0) for N outputs.
void read_params(exec_context& ctx, uint64_t addr, uint32_t N, std::vector<uint8_t>& raw,
                 sc_core::sc_time& local);

// The vector unit's output stage over ctx.buf.acc, and the store of the result.
void conv_output(exec_context& ctx, const stoxvp_conv_args& a, const std::vector<uint8_t>& raw,
                 uint32_t positions, uint32_t sources, float code_scale, sc_core::sc_time& local);

}  // namespace stoxvp::hw
