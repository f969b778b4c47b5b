// The AVX2 versions of the kernels in kernels.h (see kernels_avx512.cpp for how they are
// compiled). AVX2 has no vector popcount: bytes are counted with a 16-entry nibble table
// (vpshufb) and summed per 64-bit lane (vpsadbw); it has no 64-bit multiply either: the
// SplitMix64 products are built from 32 x 32-bit ones.
#include "kernels.h"

#include <immintrin.h>

#if defined(__x86_64__)
// GCC takes the target by pragma; clang ignores that pragma and takes it as an attribute applied
// to every function defined below.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,popcnt"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,popcnt")
#endif

namespace stoxvp::core::kernels_impl {
namespace {

constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ull;  // rng.h's kGolden

// Bits set per 64-bit lane.
inline __m256i popcount64(__m256i v) {
  const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1,
                                         2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  const __m256i lo = _mm256_and_si256(v, low), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
  const __m256i bytes = _mm256_add_epi8(_mm256_shuffle_epi8(table, lo), _mm256_shuffle_epi8(table, hi));
  return _mm256_sad_epu8(bytes, _mm256_setzero_si256());
}

// A group of eight channels as two vectors of four.
template <uint32_t W>
void read_groups(const xbar_read_args& a) {
  const uint32_t words = W ? W : a.words;
  const uint32_t SA = a.w_slices * a.a_waves;
  const uint32_t groups = (a.channels + kLanesPerGroup - 1) / kLanesPerGroup;
  __m256i acc[2 * 64];
  for (uint32_t g = 0; g < groups; ++g) {
    for (uint32_t k = 0; k < 2 * SA; ++k) acc[k] = _mm256_setzero_si256();
    for (uint32_t p = 0; p < a.w_mag; ++p) {
      const uint64_t* wt = a.weights_t + (size_t(g) * a.w_mag + p) * words * 16;
      const uint32_t i = p / a.w_slice, pshift = p - i * a.w_slice;
      for (uint32_t q = 0; q < a.a_mag; ++q) {
        const uint64_t* ap = a.planes + size_t(q) * 2 * words;
        const uint64_t* an = ap + words;
        const uint32_t j = q / a.a_stream, qshift = q - j * a.a_stream;
        __m256i d0 = _mm256_setzero_si256(), d1 = _mm256_setzero_si256();
        for (uint32_t w = 0; w < words; ++w) {
          const __m256i xp = _mm256_set1_epi64x(static_cast<long long>(ap[w]));
          const __m256i xn = _mm256_set1_epi64x(static_cast<long long>(an[w]));
          const uint64_t* ww = wt + w * 16;
          const __m256i wp0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ww));
          const __m256i wp1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ww + 4));
          const __m256i wn0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ww + 8));
          const __m256i wn1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ww + 12));
          d0 = _mm256_add_epi64(d0, _mm256_sub_epi64(
              popcount64(_mm256_or_si256(_mm256_and_si256(xp, wp0), _mm256_and_si256(xn, wn0))),
              popcount64(_mm256_or_si256(_mm256_and_si256(xp, wn0), _mm256_and_si256(xn, wp0)))));
          d1 = _mm256_add_epi64(d1, _mm256_sub_epi64(
              popcount64(_mm256_or_si256(_mm256_and_si256(xp, wp1), _mm256_and_si256(xn, wn1))),
              popcount64(_mm256_or_si256(_mm256_and_si256(xp, wn1), _mm256_and_si256(xn, wp1)))));
        }
        const __m128i sh = _mm_cvtsi32_si128(static_cast<int>(pshift + qshift));
        const uint32_t k = i * a.a_waves + j;
        acc[2 * k] = _mm256_add_epi64(acc[2 * k], _mm256_sll_epi64(d0, sh));
        acc[2 * k + 1] = _mm256_add_epi64(acc[2 * k + 1], _mm256_sll_epi64(d1, sh));
      }
    }
    const uint32_t ch0 = g * kLanesPerGroup;
    const uint32_t lanes = a.channels - ch0 < kLanesPerGroup ? a.channels - ch0 : kLanesPerGroup;
    alignas(32) int64_t lane_ps[kLanesPerGroup];
    for (uint32_t k = 0; k < SA; ++k) {
      _mm256_store_si256(reinterpret_cast<__m256i*>(lane_ps), acc[2 * k]);
      _mm256_store_si256(reinterpret_cast<__m256i*>(lane_ps + 4), acc[2 * k + 1]);
      // Truncation to 32 bits: the scalar version's wrap-around sum in uint32.
      for (uint32_t l = 0; l < lanes; ++l)
        a.ps[size_t(ch0 + l) * SA + k] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(lane_ps[l])));
    }
  }
}

void xbar_read(const xbar_read_args& a) {
  switch (a.words) {
    case 1: read_groups<1>(a); break;
    case 2: read_groups<2>(a); break;
    case 4: read_groups<4>(a); break;
    default: read_groups<0>(a);
  }
}

// 32 inputs per instruction: movemask of the byte's top bit, after shifting bit b up to it
// (a 16-bit shift: bit 7 of each byte then holds bit b of that same byte).
uint32_t pack_planes(const int8_t* x, uint32_t n, uint32_t mag_bits, uint32_t words, uint64_t* planes,
                     uint64_t* saturated) {
  const __m256i max_mag = _mm256_set1_epi8(static_cast<char>((1 << mag_bits) - 1));
  uint32_t magnitude_or = 0;
  uint64_t sat = 0;
  const uint32_t blocks = (n + 63) / 64;
  for (uint32_t w = 0; w < blocks; ++w) {
    const uint32_t left = n - w * 64;
    const uint64_t live = left >= 64 ? ~uint64_t{0} : (uint64_t{1} << left) - 1;
    __m256i mag[2];
    uint64_t neg = 0, over = 0;
    for (int h = 0; h < 2; ++h) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + size_t(w) * 64 + 32 * h));
      neg |= uint64_t(static_cast<uint32_t>(_mm256_movemask_epi8(v))) << (32 * h);
      const __m256i raw = _mm256_abs_epi8(v);  // -128 becomes 0x80, 128 as unsigned
      mag[h] = _mm256_min_epu8(raw, max_mag);
      const uint32_t within = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(mag[h], raw)));
      over |= uint64_t(~within) << (32 * h);
    }
    neg &= live;
    sat += static_cast<uint64_t>(__builtin_popcountll(over & live));
    for (uint32_t b = 0; b < mag_bits; ++b) {
      const __m128i up = _mm_cvtsi32_si128(static_cast<int>(7 - b));
      const uint64_t bits =
          (uint64_t(static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_sll_epi16(mag[0], up)))) |
           uint64_t(static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_sll_epi16(mag[1], up)))) << 32) &
          live;
      planes[size_t(b) * 2 * words + w] = bits & ~neg;
      planes[(size_t(b) * 2 + 1) * words + w] = bits & neg;
      magnitude_or |= static_cast<uint32_t>(bits != 0) << b;
    }
  }
  *saturated += sat;
  return magnitude_or;
}

// The low 64 bits of a 64 x 64-bit product from three 32 x 32 -> 64-bit ones.
inline __m256i mul64(__m256i a, uint64_t b) {
  const __m256i bl = _mm256_set1_epi64x(static_cast<long long>(b & 0xffffffffu));
  const __m256i bh = _mm256_set1_epi64x(static_cast<long long>(b >> 32));
  const __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), bl), _mm256_mul_epu32(a, bh));
  return _mm256_add_epi64(_mm256_mul_epu32(a, bl), _mm256_slli_epi64(cross, 32));
}

inline __m256i mix64(__m256i z) {
  z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 30));
  z = mul64(z, 0xBF58476D1CE4E5B9ull);
  z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 27));
  z = mul64(z, 0x94D049BB133111EBull);
  return _mm256_xor_si256(z, _mm256_srli_epi64(z, 31));
}

// The high 32 bits of four 64-bit lanes, packed into the low 128 bits.
inline __m128i high_halves(__m256i z) {
  const __m256i picked = _mm256_permutevar8x32_epi32(z, _mm256_setr_epi32(1, 3, 5, 7, 0, 0, 0, 0));
  return _mm256_castsi256_si128(picked);
}

void uniform32_run(uint64_t key, uint64_t first, uint64_t step, uint32_t n, uint32_t* out) {
  const uint64_t base = key + first * kGamma, delta = step * kGamma;
  __m256i s0 = _mm256_setr_epi64x(static_cast<long long>(base), static_cast<long long>(base + delta),
                                  static_cast<long long>(base + 2 * delta), static_cast<long long>(base + 3 * delta));
  __m256i s1 = _mm256_add_epi64(s0, _mm256_set1_epi64x(static_cast<long long>(4 * delta)));
  const __m256i inc = _mm256_set1_epi64x(static_cast<long long>(8 * delta));
  uint32_t e = 0;
  for (; e + 8 <= n; e += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + e), high_halves(mix64(s0)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + e + 4), high_halves(mix64(s1)));
    s0 = _mm256_add_epi64(s0, inc);
    s1 = _mm256_add_epi64(s1, inc);
  }
  if (e < n) {
    alignas(16) uint32_t tail[8];
    _mm_store_si128(reinterpret_cast<__m128i*>(tail), high_halves(mix64(s0)));
    _mm_store_si128(reinterpret_cast<__m128i*>(tail + 4), high_halves(mix64(s1)));
    for (uint32_t l = 0; e + l < n; ++l) out[e + l] = tail[l];
  }
}

// Eight outputs per vector, the input broadcast: 32-bit products and sums (exact, see kernels.h).
void digital_dot(const int8_t* x, uint32_t K, const int16_t* w_t, uint32_t N, int64_t* acc) {
  uint32_t n0 = 0;
  for (; n0 + 8 <= N; n0 += 8) {
    __m256i sum = _mm256_setzero_si256();
    for (uint32_t k = 0; k < K; ++k) {
      const __m256i w = _mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w_t + size_t(k) * N + n0)));
      sum = _mm256_add_epi32(sum, _mm256_mullo_epi32(w, _mm256_set1_epi32(x[k])));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + n0), _mm256_cvtepi32_epi64(_mm256_castsi256_si128(sum)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + n0 + 4), _mm256_cvtepi32_epi64(_mm256_extracti128_si256(sum, 1)));
  }
  for (; n0 < N; ++n0) {
    int32_t sum = 0;
    for (uint32_t k = 0; k < K; ++k) sum += int32_t{x[k]} * int32_t{w_t[size_t(k) * N + n0]};
    acc[n0] = sum;
  }
}

// AVX2 has no int64 -> float conversion: the portable loop (kernels.cpp) serves it.
void output_int8(const int64_t* acc, uint32_t positions, uint32_t N, float m, float b, float lo, float hi,
                 int8_t* out) {
  kernels_impl::scalar_table.output_int8(acc, positions, N, m, b, lo, hi, out);
}

}  // namespace

const kernel_table avx2_table{kernel_isa::avx2, xbar_read, pack_planes, uniform32_run, nullptr, digital_dot, output_int8};

}  // namespace stoxvp::core::kernels_impl

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#else
namespace stoxvp::core::kernels_impl {
const kernel_table avx2_table = scalar_table;
}  // namespace stoxvp::core::kernels_impl
#endif
