// One crossbar array: R rows x C columns of multi-bit cells. A layer's weights for one row
// chunk and one group of outputs are programmed into it as differential column pairs, one pair
// per (output channel, weight slice). A read drives one input wave on all rows at once and
// yields one partial sum per (channel, slice) column pair.
#pragma once

#include "geometry.h"
#include "kernels.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace stoxvp::core {

class crossbar_array {
 public:
  crossbar_array(uint32_t rows, uint32_t cols);

  // Programs `channels` outputs from `k_rows` rows of weights: w[ch * stride + r]. Weights
  // must lie in +-(2^(w_bits-1) - 1) (std::out_of_range otherwise). Returns the number of
  // cells written (both columns of each pair, every slice, every row of the chunk).
  uint64_t program(const int8_t* w, size_t stride, uint32_t k_rows, uint32_t channels,
                   uint32_t w_bits, uint32_t w_slice);
  bool programmed() const { return channels_ > 0; }
  uint32_t rows() const { return rows_; }
  uint32_t cols() const { return cols_; }
  uint32_t channels() const { return channels_; }
  uint32_t k_rows() const { return k_rows_; }
  uint32_t w_bits() const { return w_bits_; }
  uint32_t w_slice() const { return w_slice_; }

  // Partial sums of one input (bit planes as packed_input lays them out, `a_mag_bits` bits,
  // waves of `a_stream` bits) for every programmed channel, slice and wave:
  // ps[(ch * w_slices + i) * a_waves + j]. Returns the bit-level MACs performed (rows x weight
  // magnitude bits x input magnitude bits, per channel).
  uint64_t read(const uint64_t* planes, uint32_t a_mag_bits, uint32_t a_stream,
                int32_t* ps) const;
  // As read(), with the kernels of one version (kernels.h), for comparing versions.
  uint64_t read_with(const kernel_table& k, const uint64_t* planes, uint32_t a_mag_bits, uint32_t a_stream,
                     int32_t* ps) const;

 private:
  uint32_t rows_, cols_, words_;
  uint32_t channels_ = 0, k_rows_ = 0, w_bits_ = 0, w_slice_ = 0, w_mag_ = 0, w_slices_ = 0;
  // Weight planes: [ch][magnitude bit][pos/neg][words]; the positive column of a pair holds the
  // bits of positive weights, the negative column those of negative weights.
  std::vector<uint64_t> planes_;
  // The same bits transposed for the vector kernels: groups of 8 channels side by side,
  // [group][magnitude bit][word][pos/neg][8 lanes] (absent channels of the last group zero).
  std::vector<uint64_t> planes_t_;
};

}  // namespace stoxvp::core
