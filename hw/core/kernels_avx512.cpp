// The AVX-512 versions (F, BW, DQ, VL, VPOPCNTDQ) of the kernels in kernels.h. Compiled for
// that target function by function (the pragma below), so the rest of the binary stays portable;
// kernels.cpp calls them only on a CPU that has the features. No library template is
// instantiated here, so no function compiled for AVX-512 can be shared with portable code.
#include "kernels.h"

#include <immintrin.h>

#if defined(__x86_64__)
// GCC takes the target by pragma; clang ignores that pragma and takes it as an attribute applied
// to every function defined below.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vpopcntdq,popcnt"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512vpopcntdq,popcnt")
#endif
// GCC 12 warns that the undefined vector behind _mm512_cvtepi64_epi32 may be uninitialised: a
// false positive of its own header (the instruction writes every lane).
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace stoxvp::core::kernels_impl {
namespace {

constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ull;  // rng.h's kGolden

// Eight channels side by side: one 64-bit lane per channel, the input word broadcast to all.
template <uint32_t W>
void read_groups(const xbar_read_args& a) {
  const uint32_t words = W ? W : a.words;
  const uint32_t SA = a.w_slices * a.a_waves;
  const uint32_t groups = (a.channels + kLanesPerGroup - 1) / kLanesPerGroup;
  __m512i acc[64];
  for (uint32_t g = 0; g < groups; ++g) {
    for (uint32_t k = 0; k < SA; ++k) acc[k] = _mm512_setzero_si512();
    for (uint32_t p = 0; p < a.w_mag; ++p) {
      const uint64_t* wt = a.weights_t + (size_t(g) * a.w_mag + p) * words * 16;
      const uint32_t i = p / a.w_slice, pshift = p - i * a.w_slice;
      for (uint32_t q = 0; q < a.a_mag; ++q) {
        const uint64_t* ap = a.planes + size_t(q) * 2 * words;
        const uint64_t* an = ap + words;
        const uint32_t j = q / a.a_stream, qshift = q - j * a.a_stream;
        __m512i d = _mm512_setzero_si512();
        for (uint32_t w = 0; w < words; ++w) {
          const __m512i xp = _mm512_set1_epi64(static_cast<long long>(ap[w]));
          const __m512i xn = _mm512_set1_epi64(static_cast<long long>(an[w]));
          const __m512i wp = _mm512_loadu_si512(wt + w * 16);
          const __m512i wn = _mm512_loadu_si512(wt + w * 16 + 8);
          const __m512i plus = _mm512_popcnt_epi64(_mm512_or_si512(_mm512_and_si512(xp, wp), _mm512_and_si512(xn, wn)));
          const __m512i minus = _mm512_popcnt_epi64(_mm512_or_si512(_mm512_and_si512(xp, wn), _mm512_and_si512(xn, wp)));
          d = _mm512_add_epi64(d, _mm512_sub_epi64(plus, minus));
        }
        // 64-bit lanes shifted and later truncated to 32 bits: the same low 32 bits as the
        // scalar version's shift and wrap-around sum in uint32.
        __m512i& acc_k = acc[i * a.a_waves + j];
        acc_k = _mm512_add_epi64(acc_k, _mm512_sll_epi64(d, _mm_cvtsi32_si128(static_cast<int>(pshift + qshift))));
      }
    }
    const uint32_t ch0 = g * kLanesPerGroup;
    const uint32_t lanes = a.channels - ch0 < kLanesPerGroup ? a.channels - ch0 : kLanesPerGroup;
    alignas(32) int32_t lane_ps[kLanesPerGroup];
    for (uint32_t k = 0; k < SA; ++k) {
      _mm256_store_si256(reinterpret_cast<__m256i*>(lane_ps), _mm512_cvtepi64_epi32(acc[k]));
      for (uint32_t l = 0; l < lanes; ++l) a.ps[size_t(ch0 + l) * SA + k] = lane_ps[l];
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

// 64 inputs per instruction: the sign and each magnitude bit of 64 bytes are one mask each.
uint32_t pack_planes(const int8_t* x, uint32_t n, uint32_t mag_bits, uint32_t words, uint64_t* planes,
                     uint64_t* saturated) {
  const __m512i max_mag = _mm512_set1_epi8(static_cast<char>((1 << mag_bits) - 1));
  uint32_t magnitude_or = 0;
  uint64_t sat = 0;
  const uint32_t blocks = (n + 63) / 64;
  for (uint32_t w = 0; w < blocks; ++w) {
    const uint32_t left = n - w * 64;
    const uint64_t live = left >= 64 ? ~uint64_t{0} : (uint64_t{1} << left) - 1;
    const __m512i v = _mm512_loadu_si512(x + size_t(w) * 64);
    const uint64_t neg = _mm512_movepi8_mask(v) & live;
    const __m512i mag_raw = _mm512_abs_epi8(v);  // -128 becomes 0x80, 128 as unsigned
    sat += static_cast<uint64_t>(__builtin_popcountll(_mm512_cmpgt_epu8_mask(mag_raw, max_mag) & live));
    const __m512i mag = _mm512_min_epu8(mag_raw, max_mag);
    for (uint32_t b = 0; b < mag_bits; ++b) {
      const uint64_t bits = _mm512_test_epi8_mask(mag, _mm512_set1_epi8(static_cast<char>(1 << b))) & live;
      planes[size_t(b) * 2 * words + w] = bits & ~neg;
      planes[(size_t(b) * 2 + 1) * words + w] = bits & neg;
      magnitude_or |= static_cast<uint32_t>(bits != 0) << b;
    }
  }
  *saturated += sat;
  return magnitude_or;
}

inline __m512i mix64(__m512i z) {
  z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 30));
  z = _mm512_mullo_epi64(z, _mm512_set1_epi64(static_cast<long long>(0xBF58476D1CE4E5B9ull)));
  z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 27));
  z = _mm512_mullo_epi64(z, _mm512_set1_epi64(static_cast<long long>(0x94D049BB133111EBull)));
  return _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
}

// SplitMix64 states key + counter * gamma along an arithmetic sequence of counters: 16 per
// iteration in two independent vectors.
void uniform32_run(uint64_t key, uint64_t first, uint64_t step, uint32_t n, uint32_t* out) {
  const uint64_t base = key + first * kGamma, delta = step * kGamma;
  alignas(64) uint64_t start[8];
  for (uint32_t l = 0; l < 8; ++l) start[l] = base + l * delta;
  __m512i s0 = _mm512_load_si512(start);
  __m512i s1 = _mm512_add_epi64(s0, _mm512_set1_epi64(static_cast<long long>(8 * delta)));
  const __m512i inc = _mm512_set1_epi64(static_cast<long long>(16 * delta));
  uint32_t e = 0;
  for (; e + 16 <= n; e += 16) {
    const __m512i z0 = _mm512_srli_epi64(mix64(s0), 32), z1 = _mm512_srli_epi64(mix64(s1), 32);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + e), _mm512_cvtepi64_epi32(z0));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + e + 8), _mm512_cvtepi64_epi32(z1));
    s0 = _mm512_add_epi64(s0, inc);
    s1 = _mm512_add_epi64(s1, inc);
  }
  if (e < n) {
    alignas(64) uint32_t tail[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(tail), _mm512_cvtepi64_epi32(_mm512_srli_epi64(mix64(s0), 32)));
    _mm256_store_si256(reinterpret_cast<__m256i*>(tail + 8), _mm512_cvtepi64_epi32(_mm512_srli_epi64(mix64(s1), 32)));
    for (uint32_t l = 0; e + l < n; ++l) out[e + l] = tail[l];
  }
}

// Sixteen consecutive conversions at a time: their draws are counters in arithmetic sequence
// (computed in registers), their PS and codes contiguous, their channel's window and table
// offset permuted into place, their thresholds gathered per q.
uint64_t mtj_counts(const mtj_count_args& a) {
  const uint64_t base = a.key + a.first * kGamma, delta = a.step * kGamma;
  alignas(64) uint64_t start[8];
  for (uint32_t l = 0; l < 8; ++l) start[l] = base + l * delta;
  __m512i s0 = _mm512_load_si512(start);
  __m512i s1 = _mm512_add_epi64(s0, _mm512_set1_epi64(static_cast<long long>(8 * delta)));
  const __m512i inc = _mm512_set1_epi64(static_cast<long long>(16 * delta));
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  // The channel of conversion e is floor((e + 1/2) / SA), exact in float for e < 2^21: the
  // quotient stays at least 1/(2 SA) from an integer, far beyond the product's rounding.
  const __m512 inverse = _mm512_set1_ps(1.0f / static_cast<float>(a.SA));
  const __m512i t = _mm512_set1_epi32(static_cast<int>(a.t));
  const uint32_t total = a.count * a.SA;
  __m512i switched = _mm512_setzero_si512();
  for (uint32_t e0 = 0; e0 < total; e0 += 16) {
    const __mmask16 live = total - e0 >= 16 ? __mmask16(0xffff) : __mmask16((1u << (total - e0)) - 1);
    const __m512i u = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(_mm512_srli_epi64(mix64(s0), 32))),
                                         _mm512_cvtepi64_epi32(_mm512_srli_epi64(mix64(s1), 32)), 1);
    s0 = _mm512_add_epi64(s0, inc);
    s1 = _mm512_add_epi64(s1, inc);
    const __m512i e = _mm512_add_epi32(lane, _mm512_set1_epi32(static_cast<int>(e0)));
    const __m512i c = _mm512_cvttps_epi32(
        _mm512_mul_ps(_mm512_add_ps(_mm512_cvtepi32_ps(e), _mm512_set1_ps(0.5f)), inverse));
    const __m512i zero = _mm512_setzero_si512();
    // Sixteen conversions span at most sixteen channels from the first lane's: their windows
    // and offsets are one (masked) load each, spread to the lanes by a permute, not a gather.
    const uint32_t c0 = static_cast<uint32_t>(_mm_cvtsi128_si32(_mm512_castsi512_si128(c)));
    const __mmask16 channels = a.count - c0 >= 16 ? __mmask16(0xffff) : __mmask16((1u << (a.count - c0)) - 1);
    const __m512i rel = _mm512_sub_epi32(c, _mm512_set1_epi32(static_cast<int>(c0)));
    const __m512i lo = _mm512_permutexvar_epi32(rel, _mm512_maskz_loadu_epi32(channels, a.lo + c0));
    const __m512i hi = _mm512_permutexvar_epi32(rel, _mm512_maskz_loadu_epi32(channels, a.hi + c0));
    const __m512i off = _mm512_permutexvar_epi32(rel, _mm512_maskz_loadu_epi32(channels, a.off + c0));
    const __m512i ps = _mm512_maskz_loadu_epi32(live, a.ps + e0);
    const __m512i entry = _mm512_sub_epi32(_mm512_min_epi32(_mm512_max_epi32(ps, lo), hi), lo);
    __m512i idx = _mm512_add_epi32(off, _mm512_mullo_epi32(entry, t));
    __m512i n = zero;
    for (uint32_t q = 0; q < a.t; ++q) {
      const __m512i thr = _mm512_mask_i32gather_epi32(zero, live, idx, a.thr, 4);
      n = _mm512_mask_sub_epi32(n, _mm512_mask_cmpge_epu32_mask(live, u, thr), n, _mm512_set1_epi32(-1));
      idx = _mm512_add_epi32(idx, _mm512_set1_epi32(1));
    }
    switched = _mm512_add_epi64(switched, _mm512_cvtepu32_epi64(_mm512_castsi512_si256(n)));
    switched = _mm512_add_epi64(switched, _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(n, 1)));
    _mm512_mask_storeu_epi32(a.codes + e0, live, _mm512_sub_epi32(_mm512_add_epi32(n, n), t));
  }
  return static_cast<uint64_t>(_mm512_reduce_add_epi64(switched));
}

// Sixteen outputs per vector, the input broadcast: 32-bit products and sums (exact, see
// kernels.h); the last outputs under a mask.
void digital_dot(const int8_t* x, uint32_t K, const int16_t* w_t, uint32_t N, int64_t* acc) {
  for (uint32_t n0 = 0; n0 < N; n0 += 16) {
    const __mmask16 live = N - n0 >= 16 ? __mmask16(0xffff) : __mmask16((1u << (N - n0)) - 1);
    __m512i sum = _mm512_setzero_si512();
    for (uint32_t k = 0; k < K; ++k) {
      const __m512i w = _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(live, w_t + size_t(k) * N + n0));
      sum = _mm512_add_epi32(sum, _mm512_mullo_epi32(w, _mm512_set1_epi32(x[k])));
    }
    _mm512_mask_storeu_epi64(acc + n0, __mmask8(live), _mm512_cvtepi32_epi64(_mm512_castsi512_si256(sum)));
    _mm512_mask_storeu_epi64(acc + n0 + 8, __mmask8(live >> 8), _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(sum, 1)));
  }
}

// Eight positions at a time: their sums gathered at stride N, converted as C++ converts int64 to
// float (round to nearest even), multiplied and added separately (as -ffp-contract=off keeps the
// portable loop), floored and clamped, narrowed to bytes.
void output_int8(const int64_t* acc, uint32_t positions, uint32_t N, float m, float b, float lo, float hi,
                 int8_t* out) {
  const __m512i stride = _mm512_mullo_epi64(_mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7), _mm512_set1_epi64(N));
  const __m256 mv = _mm256_set1_ps(m), bv = _mm256_set1_ps(b), half = _mm256_set1_ps(0.5f);
  const __m256 lov = _mm256_set1_ps(lo), hiv = _mm256_set1_ps(hi);
  for (uint32_t q = 0; q < positions; q += 8) {
    const __mmask8 live = positions - q >= 8 ? __mmask8(0xff) : __mmask8((1u << (positions - q)) - 1);
    const __m512i a = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), live, stride, acc + size_t(q) * N, 8);
    const __m256 z = _mm256_add_ps(_mm256_mul_ps(_mm512_cvtepi64_ps(a), mv), bv);
    __m256 v = _mm256_round_ps(_mm256_add_ps(z, half), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    // The portable loop's v < lo ? lo : hi < v ? hi : v, comparison for comparison.
    v = _mm256_blendv_ps(v, hiv, _mm256_cmp_ps(hiv, v, _CMP_LT_OQ));
    v = _mm256_blendv_ps(v, lov, _mm256_cmp_ps(v, lov, _CMP_LT_OQ));
    _mm_mask_storeu_epi8(out + q, live, _mm256_cvtepi32_epi8(_mm256_cvttps_epi32(v)));
  }
}

}  // namespace

const kernel_table avx512_table{kernel_isa::avx512, xbar_read,   pack_planes, uniform32_run,
                                mtj_counts,         digital_dot, output_int8};

}  // namespace stoxvp::core::kernels_impl

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#else
namespace stoxvp::core::kernels_impl {
// Never selected off x86-64 (kernel_isa_supported says no): the scalar versions stand in.
const kernel_table avx512_table = scalar_table;
}  // namespace stoxvp::core::kernels_impl
#endif
