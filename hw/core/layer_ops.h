// Layer-level operations of the datapath:
//  - run_arrays: a set of crossbar arrays over every output position, converting each partial
//    sum and shift-adding the codes into per-output accumulators (accumulation across row
//    chunks is the same addition, so arrays of different chunks may run in any order);
//  - output_stage: per-output-channel scale and bias (folded batch norm), activation,
//    requantisation to the next layer's format;
//  - the digital vector unit: exact convolution for full-precision layers, max/avg pooling,
//    residual add.
#pragma once

#include "converter.h"
#include "crossbar_array.h"
#include "packed_input.h"

#include <cstdint>
#include <vector>

namespace stoxvp::core {

enum class activation : uint8_t { none = 0, relu = 1, hardtanh = 2 };
enum class out_format : uint8_t { int8 = 0, int32 = 1, float32 = 2 };

struct output_params {
  activation act = activation::none;
  out_format format = out_format::int8;
  uint32_t out_bits = 8;           // int8 format: values clamp to +-(2^(out_bits-1) - 1)
  std::vector<float> scale, bias;  // per output channel; empty: 1 and 0
};

// Which part of a layer an array holds.
struct array_slot {
  const crossbar_array* array;
  uint32_t chunk;  // row chunk
  uint32_t ch0;    // first output channel
};

// A layer's arrays are laid out chunk-major: array index a holds row chunk a / groups and the
// output channels of column group a % groups. Programs w[N][K] into the layer's m.arrays
// arrays; returns the cells written.
uint64_t program_layer(const int8_t* w, const xbar_layer_shape& s, const xbar_mapping& m,
                       crossbar_array* const* arrays);
array_slot layer_slot(const crossbar_array* array, uint32_t index, const xbar_mapping& m);

struct datapath_stats {
  converter_stats conv;
  uint64_t bit_macs = 0;     // row x weight-bit x input-bit products (popcount work)
  uint64_t array_reads = 0;  // (array, position, wave) drives
  uint64_t macs = 0;         // multiply-accumulates of the layer as a network counts them
};

// Adds the contribution of `n` arrays to acc[position][N] for every position of `in`.
void run_arrays(const packed_input& in, const array_slot* slots, size_t n,
                const converter_bank& conv, uint64_t key, uint32_t N, int64_t* acc,
                datapath_stats& stats);

// acc[position][N] -> out, channel-major (CHW): z = float(acc) * (scale[n] * code_scale) +
// bias[n]; then the activation; int8: floor(z + 0.5) clamped to the out_bits range (ReLU: at
// 0 from below), float32: z (hardtanh clamps to +-1), int32: acc itself, wrapped to 32 bits.
void output_stage(const int64_t* acc, uint32_t positions, uint32_t N, float code_scale,
                  const output_params& p, void* out);
// As output_stage, with the kernels of one version (kernels.h), for comparing versions.
void output_stage_with(const kernel_table& k, const int64_t* acc, uint32_t positions, uint32_t N,
                       float code_scale, const output_params& p, void* out);

// Exact convolution in the digital unit: acc[position][out] = sum_k x_col[k] * w[out][k].
void digital_conv(const int8_t* x_chw, const conv_shape& s, const int8_t* w, int64_t* acc);
// As digital_conv, with the kernels of one version (kernels.h), for comparing versions.
void digital_conv_with(const kernel_table& k, const int8_t* x_chw, const conv_shape& s, const int8_t* w,
                       int64_t* acc);

enum class pool_kind : uint8_t { max = 0, avg = 1 };
struct pool_shape {
  uint32_t channels = 1, in_h = 1, in_w = 1, kernel = 2, stride = 2;
  uint32_t out_h() const { return (in_h - kernel) / stride + 1; }
  uint32_t out_w() const { return (in_w - kernel) / stride + 1; }
};
// Max, or average rounded to nearest (halves up): floor(sum / n + 1/2).
void pool(const int8_t* x_chw, const pool_shape& s, pool_kind kind, int8_t* out);

// Residual add: out = requantise(act(float(a) * scale_a + float(b) * scale_b)), int8 as above.
void residual_add(const int8_t* a, const int8_t* b, size_t count, float scale_a, float scale_b,
                  activation act, uint32_t out_bits, int8_t* out);

}  // namespace stoxvp::core
