// How a layer occupies crossbar arrays, and the checks that a layer's parameters are legal.
//
// Signed weights use differential column pairs: a weight's magnitude, bit-sliced, sits in the
// positive column of its pair when the weight is positive and in the negative column when it
// is negative; the converter senses the difference current. The cost is two physical columns
// per logical column (half the array's weight capacity), bought for a partial sum that is
// signed and centred on zero, which the stochastic converter's sigmoid needs; an offset
// column would need one extra column per array but shifts every partial sum by the input sum.
// Inputs are driven bipolar (sign and magnitude) in waves of a_stream magnitude bits.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace stoxvp::core {

struct layer_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// The chip: R x C arrays of cells holding cell_bits each.
struct xbar_geometry {
  uint32_t rows = 128;
  uint32_t cols = 128;
  uint32_t cell_bits = 4;
  uint32_t arrays = 128;  // on the whole chip
};

// A matrix-vector layer on the crossbars: K inputs (the reduction, im2col rows), N outputs.
struct xbar_layer_shape {
  uint32_t K = 0, N = 0;
  uint32_t w_bits = 4, w_slice = 3;    // signed weight bits; magnitude bits per slice (cell)
  uint32_t a_bits = 4, a_stream = 3;   // signed input bits; magnitude bits per input wave
};

// Everything derived from a shape on a geometry.
struct xbar_mapping {
  uint32_t w_slice, a_stream;         // as in the shape
  uint32_t w_mag_bits, a_mag_bits;    // w_bits - 1, a_bits - 1
  uint32_t w_slices, a_waves;         // ceil(mag / slice)
  uint32_t chunks;                    // ceil(K / rows): row chunks, one per array row-group
  uint32_t channels_per_array;        // cols / (2 * w_slices): outputs one array holds
  uint32_t groups;                    // ceil(N / channels_per_array): arrays per chunk
  uint32_t arrays;                    // chunks * groups
  int64_t max_abs_ps;                 // bound of |partial sum| of one (slice, wave) read
};

// Throws layer_error naming the parameter and its value when the layer cannot be mapped:
// zero sizes, bit widths outside 2..8, a slice wider than a cell or than the weight, a stream
// wider than the input, a layer needing more arrays than the chip has.
xbar_mapping map_layer(const xbar_layer_shape& s, const xbar_geometry& g);

}  // namespace stoxvp::core
