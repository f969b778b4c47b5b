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
  planes_ = std::move(planes);
  channels_ = channels;
  k_rows_ = k_rows;
  w_bits_ = w_bits;
  w_slice_ = w_slice;
  w_mag_ = mag;
  w_slices_ = slices;
  return uint64_t(k_rows) * channels * slices * 2;
}

namespace {

// The signed dot product of one input bit plane with one weight bit plane over W words:
// same-sign pairs add, opposite-sign pairs subtract (the differential column pair).
template <uint32_t W>
inline int plane_dot(const uint64_t* ap, const uint64_t* an, const uint64_t* wp,
                     const uint64_t* wn, uint32_t words) {
  int plus = 0, minus = 0;
  const uint32_t n = W ? W : words;
  for (uint32_t i = 0; i < n; ++i) {
    plus += __builtin_popcountll((ap[i] & wp[i]) | (an[i] & wn[i]));
    minus += __builtin_popcountll((ap[i] & wn[i]) | (an[i] & wp[i]));
  }
  return plus - minus;
}

template <uint32_t W>
void read_all(const uint64_t* planes, const uint64_t* weights, uint32_t words, uint32_t channels,
              uint32_t w_mag, uint32_t w_slice, uint32_t w_slices, uint32_t a_mag,
              uint32_t a_stream, uint32_t a_waves, int32_t* ps) {
  for (uint32_t ch = 0; ch < channels; ++ch) {
    int32_t* out = ps + size_t(ch) * w_slices * a_waves;
    std::memset(out, 0, sizeof(int32_t) * w_slices * a_waves);
    for (uint32_t p = 0; p < w_mag; ++p) {
      const uint64_t* wp = weights + ((size_t(ch) * w_mag + p) * 2) * words;
      const uint64_t* wn = wp + words;
      const uint32_t i = p / w_slice, pshift = p - i * w_slice;
      for (uint32_t q = 0; q < a_mag; ++q) {
        const uint64_t* ap = planes + size_t(q) * 2 * words;
        const uint64_t* an = ap + words;
        const uint32_t j = q / a_stream, qshift = q - j * a_stream;
        // Weighting by 2^shift as a shift of the two's-complement bits: a negative dot product
        // shifted as int is undefined behaviour; through uint32_t it is the same instruction.
        out[i * a_waves + j] += static_cast<int32_t>(
            static_cast<uint32_t>(plane_dot<W>(ap, an, wp, wn, words)) << (pshift + qshift));
      }
    }
  }
}

}  // namespace

uint64_t crossbar_array::read(const uint64_t* planes, uint32_t a_mag_bits, uint32_t a_stream,
                              int32_t* ps) const {
  const uint32_t a_waves = (a_mag_bits + a_stream - 1) / a_stream;
  switch (words_) {
    case 1:
      read_all<1>(planes, planes_.data(), 1, channels_, w_mag_, w_slice_, w_slices_, a_mag_bits,
                  a_stream, a_waves, ps);
      break;
    case 2:
      read_all<2>(planes, planes_.data(), 2, channels_, w_mag_, w_slice_, w_slices_, a_mag_bits,
                  a_stream, a_waves, ps);
      break;
    case 4:
      read_all<4>(planes, planes_.data(), 4, channels_, w_mag_, w_slice_, w_slices_, a_mag_bits,
                  a_stream, a_waves, ps);
      break;
    default:
      read_all<0>(planes, planes_.data(), words_, channels_, w_mag_, w_slice_, w_slices_,
                  a_mag_bits, a_stream, a_waves, ps);
  }
  return uint64_t(k_rows_) * channels_ * w_mag_ * a_mag_bits;
}

}  // namespace stoxvp::core
