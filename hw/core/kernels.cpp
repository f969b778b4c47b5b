#include "kernels.h"

#include "rng.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace stoxvp::core {

const char* to_string(kernel_isa isa) {
  switch (isa) {
    case kernel_isa::scalar: return "scalar";
    case kernel_isa::avx2: return "avx2";
    case kernel_isa::avx512: return "avx512";
  }
  return "?";
}

bool kernel_isa_named(const std::string& name, kernel_isa& isa) {
  for (size_t i = 0; i < kKernelIsas; ++i)
    if (name == to_string(static_cast<kernel_isa>(i))) {
      isa = static_cast<kernel_isa>(i);
      return true;
    }
  return false;
}

const char* kernel_isa_requirements(kernel_isa isa) {
  switch (isa) {
    case kernel_isa::scalar: return "nothing";
    case kernel_isa::avx2: return "AVX2 and POPCNT";
    case kernel_isa::avx512: return "AVX-512 F, BW, DQ, VL and VPOPCNTDQ";
  }
  return "?";
}

bool kernel_isa_supported(kernel_isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  switch (isa) {
    case kernel_isa::scalar: return true;
    case kernel_isa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    case kernel_isa::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("popcnt");
  }
  return false;
#else
  return isa == kernel_isa::scalar;
#endif
}

kernel_isa best_kernel_isa() {
  if (kernel_isa_supported(kernel_isa::avx512)) return kernel_isa::avx512;
  if (kernel_isa_supported(kernel_isa::avx2)) return kernel_isa::avx2;
  return kernel_isa::scalar;
}

namespace {

// The table in use; nullptr until the first kernel call or select_kernels.
std::atomic<const kernel_table*> g_active{nullptr};

const kernel_table& table_of(kernel_isa isa) {
  switch (isa) {
    case kernel_isa::avx2: return kernels_impl::avx2_table;
    case kernel_isa::avx512: return kernels_impl::avx512_table;
    default: return kernels_impl::scalar_table;
  }
}

kernel_isa parse(const std::string& name, const std::string& origin) {
  if (name == "auto") return best_kernel_isa();
  kernel_isa isa;
  if (!kernel_isa_named(name, isa))
    throw kernel_error(origin + ": '" + name + "' is no kernel version (accepted: auto, scalar, avx2, avx512)");
  if (!kernel_isa_supported(isa))
    throw kernel_error(origin + ": this CPU cannot run the " + name + " kernels (they need " +
                       kernel_isa_requirements(isa) + "; this CPU's best is " + to_string(best_kernel_isa()) + ")");
  return isa;
}

}  // namespace

const kernel_table& kernels_for(kernel_isa isa) {
  if (!kernel_isa_supported(isa))
    throw kernel_error(std::string("this CPU cannot run the ") + to_string(isa) + " kernels (they need " +
                       kernel_isa_requirements(isa) + ")");
  return table_of(isa);
}

void select_kernels(kernel_isa isa) { g_active.store(&kernels_for(isa)); }

void select_kernels(const std::string& name, const std::string& origin) {
  g_active.store(&table_of(parse(name, origin)));
}

const kernel_table& kernels() {
  const kernel_table* t = g_active.load(std::memory_order_acquire);
  if (t) return *t;
  const char* env = std::getenv("STOXVP_KERNELS");
  const kernel_isa isa = env && *env ? parse(env, "STOXVP_KERNELS") : best_kernel_isa();
  g_active.store(&table_of(isa));
  return table_of(isa);
}

kernel_isa active_kernels() { return kernels().isa; }

// The scalar versions: the reference every other version is tested against.
namespace kernels_impl {
namespace {

// The signed dot product of one input bit plane with one weight bit plane over W words:
// same-sign pairs add, opposite-sign pairs subtract (the differential column pair).
template <uint32_t W>
inline int plane_dot(const uint64_t* ap, const uint64_t* an, const uint64_t* wp, const uint64_t* wn,
                     uint32_t words) {
  int plus = 0, minus = 0;
  const uint32_t n = W ? W : words;
  for (uint32_t i = 0; i < n; ++i) {
    plus += __builtin_popcountll((ap[i] & wp[i]) | (an[i] & wn[i]));
    minus += __builtin_popcountll((ap[i] & wn[i]) | (an[i] & wp[i]));
  }
  return plus - minus;
}

template <uint32_t W>
void read_all(const xbar_read_args& a) {
  const uint32_t words = a.words;
  for (uint32_t ch = 0; ch < a.channels; ++ch) {
    int32_t* out = a.ps + size_t(ch) * a.w_slices * a.a_waves;
    std::memset(out, 0, sizeof(int32_t) * a.w_slices * a.a_waves);
    for (uint32_t p = 0; p < a.w_mag; ++p) {
      const uint64_t* wp = a.weights + ((size_t(ch) * a.w_mag + p) * 2) * words;
      const uint64_t* wn = wp + words;
      const uint32_t i = p / a.w_slice, pshift = p - i * a.w_slice;
      for (uint32_t q = 0; q < a.a_mag; ++q) {
        const uint64_t* ap = a.planes + size_t(q) * 2 * words;
        const uint64_t* an = ap + words;
        const uint32_t j = q / a.a_stream, qshift = q - j * a.a_stream;
        // Weighting by 2^shift as a shift of the two's-complement bits: a negative dot product
        // shifted as int is undefined behaviour; through uint32_t it is the same instruction.
        out[i * a.a_waves + j] += static_cast<int32_t>(
            static_cast<uint32_t>(plane_dot<W>(ap, an, wp, wn, words)) << (pshift + qshift));
      }
    }
  }
}

void xbar_read(const xbar_read_args& a) {
  switch (a.words) {
    case 1: read_all<1>(a); break;
    case 2: read_all<2>(a); break;
    case 4: read_all<4>(a); break;
    default: read_all<0>(a);
  }
}

uint32_t pack_planes(const int8_t* x, uint32_t n, uint32_t mag_bits, uint32_t words, uint64_t* planes,
                     uint64_t* saturated) {
  const int max_mag = (1 << mag_bits) - 1;
  uint32_t magnitude_or = 0;
  for (uint32_t r = 0; r < n; ++r) {
    const int v = x[r];
    if (v == 0) continue;
    int mag = v < 0 ? -v : v;
    if (mag > max_mag) {
      mag = max_mag;
      ++*saturated;
    }
    magnitude_or |= static_cast<uint32_t>(mag);
    const uint64_t bit = uint64_t{1} << (r % 64);
    uint64_t* base = planes + (v < 0 ? words : 0) + r / 64;
    for (uint32_t b = 0; mag != 0; ++b, mag >>= 1)
      if (mag & 1) base[size_t(b) * 2 * words] |= bit;
  }
  return magnitude_or;
}

void uniform32_run(uint64_t key, uint64_t first, uint64_t step, uint32_t n, uint32_t* out) {
  for (uint32_t e = 0; e < n; ++e) out[e] = uniform32(key, first + uint64_t(e) * step);
}

void digital_dot(const int8_t* x, uint32_t K, const int16_t* w_t, uint32_t N, int64_t* acc) {
  for (uint32_t n = 0; n < N; ++n) acc[n] = 0;
  for (uint32_t k = 0; k < K; ++k) {
    const int32_t v = x[k];
    if (v == 0) continue;
    const int16_t* w = w_t + size_t(k) * N;
    for (uint32_t n = 0; n < N; ++n) acc[n] += v * int32_t{w[n]};
  }
}

void output_int8(const int64_t* acc, uint32_t positions, uint32_t N, float m, float b, float lo, float hi,
                 int8_t* out) {
  for (uint32_t q = 0; q < positions; ++q) {
    const float z = static_cast<float>(acc[size_t(q) * N]) * m + b;
    const float v = std::floor(z + 0.5f);
    out[q] = static_cast<int8_t>(v < lo ? lo : hi < v ? hi : v);
  }
}

}  // namespace

const kernel_table scalar_table{kernel_isa::scalar, xbar_read,   pack_planes, uniform32_run,
                                nullptr,            digital_dot, output_int8};

}  // namespace kernels_impl
}  // namespace stoxvp::core
