#include "packed_input.h"

#include <algorithm>
#include <cstring>

namespace stoxvp::core {

void im2col_row(const int8_t* x, const conv_shape& s, uint32_t position, int8_t* row) {
  const uint32_t ow = s.out_w();
  const int oy = static_cast<int>(position / ow), ox = static_cast<int>(position % ow);
  const int y0 = oy * static_cast<int>(s.stride) - static_cast<int>(s.pad);
  const int x0 = ox * static_cast<int>(s.stride) - static_cast<int>(s.pad);
  size_t k = 0;
  if (y0 >= 0 && x0 >= 0 && y0 + static_cast<int>(s.kernel_h) <= static_cast<int>(s.in_h) &&
      x0 + static_cast<int>(s.kernel_w) <= static_cast<int>(s.in_w)) {
    // The window lies inside the image: whole kernel rows are copies, no bound checks.
    for (uint32_t c = 0; c < s.in_channels; ++c) {
      const int8_t* plane = x + size_t(c) * s.in_h * s.in_w + size_t(y0) * s.in_w + x0;
      for (uint32_t kh = 0; kh < s.kernel_h; ++kh, k += s.kernel_w)
        std::memcpy(row + k, plane + size_t(kh) * s.in_w, s.kernel_w);
    }
    return;
  }
  for (uint32_t c = 0; c < s.in_channels; ++c) {
    const int8_t* plane = x + size_t(c) * s.in_h * s.in_w;
    for (uint32_t kh = 0; kh < s.kernel_h; ++kh) {
      const int y = y0 + static_cast<int>(kh);
      const bool row_in = y >= 0 && y < static_cast<int>(s.in_h);
      for (uint32_t kw = 0; kw < s.kernel_w; ++kw, ++k) {
        const int xx = x0 + static_cast<int>(kw);
        row[k] = (row_in && xx >= 0 && xx < static_cast<int>(s.in_w))
                     ? plane[size_t(y) * s.in_w + xx]
                     : int8_t{0};
      }
    }
  }
}

void packed_input::pack(const int8_t* x, const conv_shape& s, uint32_t rows, uint32_t a_bits,
                        uint32_t a_stream) {
  pack_with(kernels(), x, s, rows, a_bits, a_stream);
}

void packed_input::pack_with(const kernel_table& kern, const int8_t* x, const conv_shape& s, uint32_t rows,
                             uint32_t a_bits, uint32_t a_stream) {
  const uint32_t K = s.K();
  positions_ = s.positions();
  chunks_ = (K + rows - 1) / rows;
  words_ = (rows + 63) / 64;
  mag_bits_ = a_bits - 1;
  stride_ = mag_bits_ * 2 * words_;
  data_.assign(size_t(positions_) * chunks_ * stride_, 0);
  waves_.assign(size_t(positions_) * chunks_, 0);
  waves_count_ = (mag_bits_ + a_stream - 1) / a_stream;
  driven_.assign(size_t(positions_) * chunks_ * waves_count_, 0);
  // The packing kernels read whole 64-input blocks: zeros past the last input.
  row_.assign(size_t(K) + 64, 0);
  saturated_ = 0;
  for (uint32_t p = 0; p < positions_; ++p) {
    im2col_row(x, s, p, row_.data());
    for (uint32_t c = 0; c < chunks_; ++c) {
      uint64_t* planes = data_.data() + (size_t(p) * chunks_ + c) * stride_;
      const uint32_t r_end = std::min(K, (c + 1) * rows);
      const uint32_t magnitude_or =
          kern.pack_planes(row_.data() + size_t(c) * rows, r_end - c * rows, mag_bits_, words_, planes, &saturated_);
      uint32_t waves = 0;
      for (uint32_t j = 0; j * a_stream < mag_bits_; ++j)
        if ((magnitude_or >> (j * a_stream)) & ((1u << a_stream) - 1)) waves |= 1u << j;
      waves_[size_t(p) * chunks_ + c] = static_cast<uint8_t>(waves);
      // Rows driven per wave: the OR of the wave's bit planes, positive and negative.
      for (uint32_t j = 0; j < waves_count_; ++j) {
        uint32_t rows = 0;
        for (uint32_t w = 0; w < words_; ++w) {
          uint64_t any = 0;
          for (uint32_t b = j * a_stream; b < std::min(mag_bits_, (j + 1) * a_stream); ++b)
            any |= planes[size_t(b) * 2 * words_ + w] | planes[(size_t(b) * 2 + 1) * words_ + w];
          rows += static_cast<uint32_t>(__builtin_popcountll(any));
        }
        driven_[(size_t(p) * chunks_ + c) * waves_count_ + j] = static_cast<uint16_t>(rows);
      }
    }
  }
}

}  // namespace stoxvp::core
