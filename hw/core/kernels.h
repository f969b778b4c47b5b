// The functional core's hot loops (crossbar read, input bit-plane packing, the MTJ converter's
// random draws, the int8 output stage) in one portable scalar version and vectorised versions for
// AVX2 and AVX-512, compiled into one binary with per-function target attributes. The version is
// chosen once, at first use, from what the CPU reports (cpuid); STOXVP_KERNELS=scalar|avx2|avx512
// in the environment, or select_kernels(), forces one, and is refused when the CPU lacks it.
// Every version computes the same bits: the vector ones are the scalar one reorganised (channels
// side by side in a vector, inputs broadcast once), never a different arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace stoxvp::core {

enum class kernel_isa : uint8_t { scalar = 0, avx2 = 1, avx512 = 2 };
constexpr size_t kKernelIsas = 3;

const char* to_string(kernel_isa isa);
// "scalar", "avx2", "avx512"; false for anything else.
bool kernel_isa_named(const std::string& name, kernel_isa& isa);
// What this CPU (and its operating system, for the vector registers' state) supports:
// scalar always; avx2 with AVX2 and POPCNT; avx512 with AVX-512 F, BW, DQ, VL and VPOPCNTDQ.
bool kernel_isa_supported(kernel_isa isa);
// What the CPU needs for `isa`, for messages.
const char* kernel_isa_requirements(kernel_isa isa);
// The fastest version the CPU supports.
kernel_isa best_kernel_isa();

struct kernel_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Forces `isa` for every later kernel call; throws kernel_error naming the version and the
// missing CPU features when the CPU lacks it.
void select_kernels(kernel_isa isa);
// As select_kernels for a name ("scalar", "avx2", "avx512", or "auto" for the best); `origin`
// names where the name came from ("--kernels", "STOXVP_KERNELS") in the error.
void select_kernels(const std::string& name, const std::string& origin);
// The version in use; on the first call, STOXVP_KERNELS (if set) or the best the CPU supports.
// Throws kernel_error when STOXVP_KERNELS names no version or one the CPU lacks.
kernel_isa active_kernels();

// A crossbar read (crossbar_array::read): the input planes [a_bit][pos/neg][words], the weights
// channel-major [ch][w_bit][pos/neg][words] (scalar) and transposed in groups of 8 channels
// [group][w_bit][words][pos/neg][8 lanes] (vector versions), partial sums
// ps[(ch * w_slices + i) * a_waves + j].
struct xbar_read_args {
  const uint64_t* planes;
  const uint64_t* weights;
  const uint64_t* weights_t;
  uint32_t words, channels, w_mag, w_slice, w_slices, a_mag, a_stream, a_waves;
  int32_t* ps;
};
constexpr uint32_t kLanesPerGroup = 8;  // channels per group of the transposed weights

// The MTJ conversions of one array read, `count` channels x SA (slice, wave) values, all with
// T = t and every channel's thresholds tabulated: conversion e = c * SA + k converts ps[e] with
// the draw uniform32(key, first + e * step) into codes[e] = 2 n - t, n the number of channel
// c's thresholds thr[off[c] + (clamp(ps, lo[c], hi[c]) - lo[c]) * t + q], q < t, that are <=
// the draw. Returns the sum of the n.
struct mtj_count_args {
  const int32_t* ps;
  int32_t* codes;
  uint32_t count, SA, t;
  const int32_t *lo, *hi;
  const uint32_t* off;
  const uint32_t* thr;
  uint64_t key, first, step;
};

struct kernel_table {
  kernel_isa isa;
  void (*xbar_read)(const xbar_read_args& a);
  // Packs n <= 64 * words inputs x[0..n) (readable up to the next multiple of 64) into
  // magnitude bit planes [b][pos/neg][words] (zeroed by the caller), magnitudes saturated at
  // 2^mag_bits - 1. Returns the OR of the saturated magnitudes; adds the saturated inputs to
  // *saturated.
  uint32_t (*pack_planes)(const int8_t* x, uint32_t n, uint32_t mag_bits, uint32_t words,
                          uint64_t* planes, uint64_t* saturated);
  // out[e] = uniform32(key, first + e * step) for e < n (rng.h).
  void (*uniform32_run)(uint64_t key, uint64_t first, uint64_t step, uint32_t n, uint32_t* out);
  // nullptr: no vector version; the MTJ converter counts with its portable loop (which the
  // scalar version's results are defined by).
  uint64_t (*mtj_counts)(const mtj_count_args& a);
  // The digital unit's exact convolution at one output position: acc[n] = sum_k x[k] * w_t[k][n]
  // for n < N (w_t the weights transposed, K x N, widened to int16). Sums in 32 bits: exact for
  // K < 2^17 (|x w| <= 2^14), which the caller guarantees.
  void (*digital_dot)(const int8_t* x, uint32_t K, const int16_t* w_t, uint32_t N, int64_t* acc);
  // The int8 output stage of one output channel: out[q] = clamp(floor(float(acc[q * N]) * m + b
  // + 1/2), lo, hi) for q < positions (float32 arithmetic, no fused multiply-add).
  void (*output_int8)(const int64_t* acc, uint32_t positions, uint32_t N, float m, float b, float lo, float hi,
                      int8_t* out);
};

// The table of one version (kernel_error when the CPU lacks it), and the one in use.
const kernel_table& kernels_for(kernel_isa isa);
const kernel_table& kernels();

namespace kernels_impl {
extern const kernel_table scalar_table, avx2_table, avx512_table;
}

}  // namespace stoxvp::core
