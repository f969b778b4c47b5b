// A layer's inputs as the crossbar's row drivers see them: for every output position and row
// chunk, the im2col input vector split into magnitude bit planes, separately for positive and
// negative inputs (bipolar drive). Packed 64 rows to a word, so a partial sum is a handful of
// AND + popcount operations per word.
#pragma once

#include "kernels.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace stoxvp::core {

// A 2-D convolution's geometry; a fully-connected layer is a 1x1 convolution on a 1x1 image.
// im2col order of the reduction index: k = (ci * kernel_h + kh) * kernel_w + kw, the layout of
// a PyTorch weight tensor [out][in][kh][kw] flattened per output channel.
struct conv_shape {
  uint32_t in_channels = 1, in_h = 1, in_w = 1;
  uint32_t out_channels = 1;
  uint32_t kernel_h = 1, kernel_w = 1, stride = 1, pad = 0;
  uint32_t out_h() const { return (in_h + 2 * pad - kernel_h) / stride + 1; }
  uint32_t out_w() const { return (in_w + 2 * pad - kernel_w) / stride + 1; }
  uint32_t K() const { return in_channels * kernel_h * kernel_w; }
  uint32_t positions() const { return out_h() * out_w(); }
};

// The im2col row of one output position: K values (zero where the kernel hangs over padding).
void im2col_row(const int8_t* x_chw, const conv_shape& s, uint32_t position, int8_t* row);

class packed_input {
 public:
  // Packs every position of `x_chw` for arrays of `rows` rows. Inputs beyond the a_bits range
  // saturate, as the row driver's register holds only a_bits bits; saturated() counts them.
  void pack(const int8_t* x_chw, const conv_shape& s, uint32_t rows, uint32_t a_bits,
            uint32_t a_stream);
  // As pack(), with the kernels of one version (kernels.h), for comparing versions.
  void pack_with(const kernel_table& k, const int8_t* x_chw, const conv_shape& s, uint32_t rows,
                 uint32_t a_bits, uint32_t a_stream);

  uint32_t positions() const { return positions_; }
  uint32_t chunks() const { return chunks_; }
  uint32_t words() const { return words_; }
  uint32_t mag_bits() const { return mag_bits_; }
  // Planes of (position, chunk): [bit][pos/neg][words], bit 0 least significant.
  const uint64_t* planes(uint32_t position, uint32_t chunk) const {
    return data_.data() + (size_t(position) * chunks_ + chunk) * stride_;
  }
  // Bit j set when input wave j of (position, chunk) drives at least one row.
  uint32_t active_waves(uint32_t position, uint32_t chunk) const {
    return waves_[size_t(position) * chunks_ + chunk];
  }
  // Rows that input wave j of (position, chunk) drives (a nonzero magnitude bit in the wave):
  // what the crossbar's read energy and the row drivers' energy depend on.
  uint32_t driven_rows(uint32_t position, uint32_t chunk, uint32_t wave) const {
    return driven_[(size_t(position) * chunks_ + chunk) * waves_count_ + wave];
  }
  uint32_t waves() const { return waves_count_; }
  uint64_t saturated() const { return saturated_; }

 private:
  uint32_t positions_ = 0, chunks_ = 0, words_ = 0, mag_bits_ = 0, stride_ = 0, waves_count_ = 0;
  std::vector<uint16_t> driven_;
  std::vector<uint64_t> data_;
  std::vector<uint8_t> waves_;
  std::vector<int8_t> row_;
  uint64_t saturated_ = 0;
};

}  // namespace stoxvp::core
