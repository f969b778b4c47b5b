#include "crossbar_array.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace stoxvp::core {

crossbar_array::crossbar_array(uint32_t rows, uint32_t cols)
    : rows_(rows), cols_(cols), words_((rows + 63) / 64) {}

uint64_t crossbar_array::program(const int8_t* w, size_t stride, uint32_t k_rows,
                                 uint32_t channels, uint32_t w_bits, uint32_t w_slice) {
  const uint32_t mag = w_bits - 1;
  const uint32_t slices = (mag + w_slice - 1) / w_slice;
  if (k_rows > rows_ || channels * 2 * slices > cols_)
    throw std::out_of_range("crossbar_array: " + std::to_string(k_rows) + " rows x " +
                            std::to_string(channels) + " outputs do not fit");
  const int limit = (1 << mag) - 1;
  std::vector<uint64_t> planes(size_t(channels) * mag * 2 * words_, 0);
  for (uint32_t ch = 0; ch < channels; ++ch) {
    for (uint32_t r = 0; r < k_rows; ++r) {
      const int v = w[ch * stride + r];
      if (v > limit || v < -limit)
        throw std::out_of_range("weight " + std::to_string(v) + " of output " +
                                std::to_string(ch) + ", row " + std::to_string(r) +
                                " is outside +-" + std::to_string(limit) + " (" +
                                std::to_string(w_bits) + "-bit signed)");
      const uint32_t m = static_cast<uint32_t>(v < 0 ? -v : v);
      for (uint32_t b = 0; b < mag; ++b)
        if ((m >> b) & 1)
          planes[((size_t(ch) * mag + b) * 2 + (v < 0 ? 1 : 0)) * words_ + r / 64] |=
              uint64_t{1} << (r % 64);
    }
  }
  const uint32_t groups = (channels + kLanesPerGroup - 1) / kLanesPerGroup;
  std::vector<uint64_t> planes_t(size_t(groups) * mag * words_ * 2 * kLanesPerGroup, 0);
  for (uint32_t ch = 0; ch < channels; ++ch)
    for (uint32_t b = 0; b < mag; ++b)
      for (uint32_t w = 0; w < words_; ++w)
        for (uint32_t pn = 0; pn < 2; ++pn)
          planes_t[(((size_t(ch / kLanesPerGroup) * mag + b) * words_ + w) * 2 + pn) * kLanesPerGroup +
                   ch % kLanesPerGroup] = planes[((size_t(ch) * mag + b) * 2 + pn) * words_ + w];
  planes_ = std::move(planes);
  planes_t_ = std::move(planes_t);
  channels_ = channels;
  k_rows_ = k_rows;
  w_bits_ = w_bits;
  w_slice_ = w_slice;
  w_mag_ = mag;
  w_slices_ = slices;
  return uint64_t(k_rows) * channels * slices * 2;
}

uint64_t crossbar_array::read(const uint64_t* planes, uint32_t a_mag_bits, uint32_t a_stream,
                              int32_t* ps) const {
  return read_with(kernels(), planes, a_mag_bits, a_stream, ps);
}

uint64_t crossbar_array::read_with(const kernel_table& k, const uint64_t* planes, uint32_t a_mag_bits,
                                   uint32_t a_stream, int32_t* ps) const {
  const uint32_t a_waves = (a_mag_bits + a_stream - 1) / a_stream;
  k.xbar_read(xbar_read_args{planes, planes_.data(), planes_t_.data(), words_, channels_, w_mag_, w_slice_,
                             w_slices_, a_mag_bits, a_stream, a_waves, ps});
  return uint64_t(k_rows_) * channels_ * w_mag_ * a_mag_bits;
}

}  // namespace stoxvp::core
