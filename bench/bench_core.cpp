// The functional core alone, on one core: bit-level MACs per second of the crossbar kernel and
// conversions per second of every converter kind, for every kernel version this CPU runs
// (kernels.h), each beside this machine's own ceiling for the same method:
//  - the crossbar ceiling: the sign-magnitude AND + VPOPCNTQ step of the AVX-512 read (4 AND,
//    2 OR, 2 VPOPCNTQ, a subtract and an add per 8 channels x 64 rows) on operands held in
//    registers, four independent chains: what the read would reach without loads or bookkeeping;
//  - the MTJ ceiling: the AVX-512 SplitMix64 draw and the count of T thresholds <= the draw, the
//    thresholds held in registers: the same method with no table lookup, no PS clamp, no stores;
//    and the same with the thresholds gathered from a small table: the method's lookup included.
//   bench_core [seconds_per_measurement]
#include "hw/core/converter.h"
#include "hw/core/crossbar_array.h"
#include "hw/core/kernels.h"
#include "hw/core/layer_ops.h"
#include "hw/core/packed_input.h"
#include "hw/core/rng.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>
#include <time.h>

#include <immintrin.h>

using namespace stoxvp::core;

namespace {

// CPU time of this thread, not wall time: the machine is shared, and a figure must not depend on
// what else runs on it.
double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double seconds_since(double t0) { return cpu_now() - t0; }

volatile int64_t sink;

#if defined(__x86_64__)
// Bit-level MACs per second at the AND + VPOPCNTQ ceiling (see the top of the file).
__attribute__((target("avx512f,avx512vpopcntdq"))) double ceiling_bit_macs(double budget) {
  __m512i xp = _mm512_set1_epi64(0x5555aaaa3333cccbll), xn = _mm512_set1_epi64(0x0a0a50503c3c0101ll);
  __m512i wp[4], wn[4], d[4];
  for (int c = 0; c < 4; ++c) {
    wp[c] = _mm512_set1_epi64(0x123456789abcdefll * (c + 1));
    wn[c] = _mm512_set1_epi64(0x0fedcba987654321ll * (c + 3));
    d[c] = _mm512_setzero_si512();
  }
  uint64_t steps = 0;
  const double t0 = cpu_now();
  do {
    for (int r = 0; r < 4096; ++r) {
      for (int c = 0; c < 4; ++c) {
        const __m512i plus = _mm512_popcnt_epi64(_mm512_or_si512(_mm512_and_si512(xp, wp[c]), _mm512_and_si512(xn, wn[c])));
        const __m512i minus = _mm512_popcnt_epi64(_mm512_or_si512(_mm512_and_si512(xp, wn[c]), _mm512_and_si512(xn, wp[c])));
        d[c] = _mm512_add_epi64(d[c], _mm512_sub_epi64(plus, minus));
      }
      // Keeps the operands live and unknown to the compiler without adding work to the chains.
      __asm__ volatile("" : "+v"(xp), "+v"(xn));
    }
    steps += 4096 * 4;
  } while (seconds_since(t0) < budget);
  const double s = seconds_since(t0);
  __m512i all = _mm512_add_epi64(_mm512_add_epi64(d[0], d[1]), _mm512_add_epi64(d[2], d[3]));
  sink = _mm512_reduce_add_epi64(all);
  return steps * 8.0 * 64.0 / s;
}

// MTJ conversions per second at the ceiling of the bit-exact method (see the top of the file).
__attribute__((target("avx512f,avx512dq,avx512vl"))) double ceiling_mtj_conversions(uint32_t t, double budget) {
  const __m512i c1 = _mm512_set1_epi64(static_cast<long long>(0xBF58476D1CE4E5B9ull));
  const __m512i c2 = _mm512_set1_epi64(static_cast<long long>(0x94D049BB133111EBull));
  __m512i thr[16];
  for (uint32_t q = 0; q < t; ++q) thr[q] = _mm512_set1_epi64(static_cast<long long>((uint64_t{q + 1} << 32) / (t + 1)));
  __m512i s0 = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0), s1 = _mm512_add_epi64(s0, _mm512_set1_epi64(8));
  const __m512i inc = _mm512_set1_epi64(16), one = _mm512_set1_epi64(1);
  __m512i k0 = _mm512_setzero_si512(), k1 = _mm512_setzero_si512();
  uint64_t n = 0;
  const double t0 = cpu_now();
  do {
    for (int r = 0; r < 4096; ++r) {
      __m512i z0 = s0, z1 = s1;
      z0 = _mm512_xor_si512(z0, _mm512_srli_epi64(z0, 30));
      z1 = _mm512_xor_si512(z1, _mm512_srli_epi64(z1, 30));
      z0 = _mm512_mullo_epi64(z0, c1);
      z1 = _mm512_mullo_epi64(z1, c1);
      z0 = _mm512_xor_si512(z0, _mm512_srli_epi64(z0, 27));
      z1 = _mm512_xor_si512(z1, _mm512_srli_epi64(z1, 27));
      z0 = _mm512_mullo_epi64(z0, c2);
      z1 = _mm512_mullo_epi64(z1, c2);
      z0 = _mm512_srli_epi64(_mm512_xor_si512(z0, _mm512_srli_epi64(z0, 31)), 32);
      z1 = _mm512_srli_epi64(_mm512_xor_si512(z1, _mm512_srli_epi64(z1, 31)), 32);
      for (uint32_t q = 0; q < t; ++q) {
        k0 = _mm512_mask_add_epi64(k0, _mm512_cmpge_epu64_mask(z0, thr[q]), k0, one);
        k1 = _mm512_mask_add_epi64(k1, _mm512_cmpge_epu64_mask(z1, thr[q]), k1, one);
      }
      s0 = _mm512_add_epi64(s0, inc);
      s1 = _mm512_add_epi64(s1, inc);
    }
    n += 4096 * 16;
  } while (seconds_since(t0) < budget);
  const double s = seconds_since(t0);
  sink = _mm512_reduce_add_epi64(_mm512_add_epi64(k0, k1));
  return n / s;
}

// The same with the thresholds gathered from an L1-resident table (64 entries of T thresholds,
// entry chosen by the draw's low bits): the method's table lookup, without the PS clamp, the
// per-channel windows, loads and stores of PS and codes.
__attribute__((target("avx512f,avx512dq,avx512vl"))) double ceiling_mtj_lookup(uint32_t t, double budget) {
  const __m512i c1 = _mm512_set1_epi64(static_cast<long long>(0xBF58476D1CE4E5B9ull));
  const __m512i c2 = _mm512_set1_epi64(static_cast<long long>(0x94D049BB133111EBull));
  std::vector<uint32_t> table(64 * t);
  for (uint32_t e = 0; e < 64; ++e)
    for (uint32_t q = 0; q < t; ++q) table[e * t + q] = static_cast<uint32_t>((uint64_t{q + 1} << 32) / (t + 2) + e);
  __m512i s0 = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0), s1 = _mm512_add_epi64(s0, _mm512_set1_epi64(8));
  const __m512i inc = _mm512_set1_epi64(16), tv = _mm512_set1_epi32(static_cast<int>(t));
  __m512i k = _mm512_setzero_si512();
  uint64_t n = 0;
  const double t0 = cpu_now();
  do {
    for (int r = 0; r < 4096; ++r) {
      __m512i z0 = s0, z1 = s1;
      z0 = _mm512_mullo_epi64(_mm512_xor_si512(z0, _mm512_srli_epi64(z0, 30)), c1);
      z1 = _mm512_mullo_epi64(_mm512_xor_si512(z1, _mm512_srli_epi64(z1, 30)), c1);
      z0 = _mm512_mullo_epi64(_mm512_xor_si512(z0, _mm512_srli_epi64(z0, 27)), c2);
      z1 = _mm512_mullo_epi64(_mm512_xor_si512(z1, _mm512_srli_epi64(z1, 27)), c2);
      z0 = _mm512_xor_si512(z0, _mm512_srli_epi64(z0, 31));
      z1 = _mm512_xor_si512(z1, _mm512_srli_epi64(z1, 31));
      const __m512i u = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(_mm512_srli_epi64(z0, 32))),
                                           _mm512_cvtepi64_epi32(_mm512_srli_epi64(z1, 32)), 1);
      const __m512i low = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(z0)),
                                             _mm512_cvtepi64_epi32(z1), 1);
      __m512i idx = _mm512_mullo_epi32(_mm512_and_si512(low, _mm512_set1_epi32(63)), tv);
      for (uint32_t q = 0; q < t; ++q) {
        const __m512i thr = _mm512_i32gather_epi32(idx, table.data(), 4);
        k = _mm512_mask_sub_epi32(k, _mm512_cmpge_epu32_mask(u, thr), k, _mm512_set1_epi32(-1));
        idx = _mm512_add_epi32(idx, _mm512_set1_epi32(1));
      }
      s0 = _mm512_add_epi64(s0, inc);
      s1 = _mm512_add_epi64(s1, inc);
    }
    n += 4096 * 16;
  } while (seconds_since(t0) < budget);
  const double s = seconds_since(t0);
  sink = _mm512_reduce_add_epi32(k);
  return n / s;
}
#endif

// A 128x128 array holding 64 outputs of 4-bit weights (3 magnitude bits in one slice, one
// differential column pair each), read with 4-bit inputs in one wave, as StoX-Net maps a layer.
double bit_macs_per_second(double budget) {
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> w(-7, 7), a(-7, 7);
  crossbar_array arr(128, 128);
  std::vector<int8_t> weights(64 * 128);
  for (auto& v : weights) v = static_cast<int8_t>(w(rng));
  arr.program(weights.data(), 128, 128, 64, 4, 3);
  conv_shape s;
  s.in_channels = 128;
  s.in_h = 16;
  s.in_w = 16;  // 256 positions of a 1x1 convolution
  std::vector<int8_t> x(size_t(128) * 256);
  for (auto& v : x) v = static_cast<int8_t>(a(rng));
  packed_input in;
  in.pack(x.data(), s, 128, 4, 3);
  std::vector<int32_t> ps(64);
  uint64_t macs = 0;
  const double t0 = cpu_now();
  do {
    for (uint32_t p = 0; p < in.positions(); ++p) {
      macs += arr.read(in.planes(p, 0), 3, 3, ps.data());
      sink = ps[p % 64];
    }
  } while (seconds_since(t0) < budget);
  return macs / seconds_since(t0);
}

// An array read of 64 outputs, one slice per weight (w_slice 3); with `one_bit_slices`, the
// small CNN's mapping instead: 21 outputs of three 1-bit slices each per read.
double conversions_per_second(converter_kind kind, uint8_t t, double budget, bool one_bit_slices = false) {
  const uint32_t N = one_bit_slices ? 21 : 64;
  const xbar_mapping m =
      map_layer({128, N, 4, one_bit_slices ? 1u : 3u, 4, 3}, xbar_geometry{128, 128, 4, 128});
  const uint32_t SA = m.w_slices * m.a_waves;
  converter_config c;
  c.kind = kind;
  c.set_samples(t);
  c.adc_bits = kind == converter_kind::sparse_adc ? 4 : 8;
  c.adc_range = kind == converter_kind::sparse_adc ? 64 : 0;
  if (kind == converter_kind::mtj || kind == converter_kind::sense_amp) {
    c.gain.assign(N, 1.0f / 80);  // a trained drive: |x| < 1 over about +-80 PS
    c.bias.assign(N, 0.05f);
  }
  const converter_bank bank(c, m, N, 1);
  // Partial sums as a 128-row StoX layer produces them: roughly normal, sigma ~ 40.
  std::mt19937 rng(2);
  std::normal_distribution<double> nd(0, 40);
  std::vector<int32_t> ps(64 * 1024), codes(64);
  for (auto& v : ps) v = static_cast<int32_t>(nd(rng));
  converter_stats st;
  const uint64_t key = stream_key(1, 2);
  uint32_t pos = 0;
  const double t0 = cpu_now();
  do {
    for (uint32_t r = 0; r < 1024; ++r, ++pos) {
      bank.convert(&ps[size_t(r) * 64], codes.data(), 0, N, pos, 0, ~0u, key, st);
      sink = codes[r % 64];
    }
  } while (seconds_since(t0) < budget);
  const uint64_t n = kind == converter_kind::ideal ? uint64_t(pos) * N * SA : st.conversions;
  return n / seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  const double budget = argc > 1 ? std::atof(argv[1]) : 1.0;
  std::printf("bench_core: functional core on one thread, %.1f s of CPU time per figure\n", budget);
  double ceiling_macs = 0, ceiling_mtj4 = 0, ceiling_mtj16 = 0, lookup_mtj4 = 0, lookup_mtj16 = 0;
#if defined(__x86_64__)
  if (kernel_isa_supported(kernel_isa::avx512)) {
    ceiling_macs = ceiling_bit_macs(budget);
    ceiling_mtj4 = ceiling_mtj_conversions(4, budget);
    ceiling_mtj16 = ceiling_mtj_conversions(16, budget);
    std::printf("  ceiling: AND+VPOPCNTQ sign-magnitude     %8.2f G bit-MACs/s\n", ceiling_macs / 1e9);
    std::printf("  ceiling: MTJ draws + counts, T=4         %8.1f M/s\n", ceiling_mtj4 / 1e6);
    std::printf("  ceiling: MTJ draws + counts, T=16        %8.1f M/s\n", ceiling_mtj16 / 1e6);
    lookup_mtj4 = ceiling_mtj_lookup(4, budget);
    lookup_mtj16 = ceiling_mtj_lookup(16, budget);
    std::printf("  ceiling: MTJ draws + table lookup, T=4   %8.1f M/s\n", lookup_mtj4 / 1e6);
    std::printf("  ceiling: MTJ draws + table lookup, T=16  %8.1f M/s\n", lookup_mtj16 / 1e6);
  }
#endif
  auto of_ceiling = [](double v, double c, double lookup = 0) {
    static char buf[64];
    if (c > 0 && lookup > 0)
      std::snprintf(buf, sizeof buf, "  %5.1f %% of ceiling, %5.1f %% of lookup ceiling", 100 * v / c, 100 * v / lookup);
    else if (c > 0)
      std::snprintf(buf, sizeof buf, "  %5.1f %% of ceiling", 100 * v / c);
    else
      buf[0] = 0;
    return buf;
  };
  for (size_t i = 0; i < kKernelIsas; ++i) {
    const kernel_isa isa = static_cast<kernel_isa>(i);
    if (!kernel_isa_supported(isa)) continue;
    select_kernels(isa);
    std::printf(" kernels: %s\n", to_string(isa));
    const double bm = bit_macs_per_second(budget);
    std::printf("  %-40s %8.2f G/s%s\n", "bit-level MACs, 128x128 array", bm / 1e9, of_ceiling(bm, ceiling_macs));
    struct row {
      const char* name;
      converter_kind kind;
      uint8_t t;
    } rows[] = {{"conversions, ideal", converter_kind::ideal, 1},
                {"conversions, 8-bit ADC", converter_kind::adc, 1},
                {"conversions, 4-bit sparse ADC", converter_kind::sparse_adc, 1},
                {"conversions, sense amplifier", converter_kind::sense_amp, 1},
                {"conversions, MTJ T=4", converter_kind::mtj, 4},
                {"conversions, MTJ T=16", converter_kind::mtj, 16},
                {"conversions, MTJ T=4, 21 x 3 1-bit slices", converter_kind::mtj, 4}};
    for (const auto& r : rows) {
      const double cps = conversions_per_second(r.kind, r.t, budget, r.name[std::strlen(r.name) - 1] == 's');
      const double c = r.kind != converter_kind::mtj ? 0 : r.t == 4 ? ceiling_mtj4 : ceiling_mtj16;
      const double l = r.kind != converter_kind::mtj ? 0 : r.t == 4 ? lookup_mtj4 : lookup_mtj16;
      std::printf("  %-40s %8.1f M/s%s\n", r.name, cps / 1e6, of_ceiling(cps, c, l));
    }
  }
  return 0;
}
