/* Shared by the per-instruction-set kernels and the dispatcher. */
#ifndef STOXNET_MTJ_CODES_INTERNAL_H
#define STOXNET_MTJ_CODES_INTERNAL_H
#include <stdint.h>

#include "mtj_codes.h"

/* The draws: SplitMix64's output function over a counter (Steele, Lea and Flood, "Fast
 * splittable pseudorandom number generators", OOPSLA 2014; the generator passes BigCrush).
 * Word w of element e is mix64(key + (e x WORDS + w + 1) x GAMMA): random access, so the
 * draws do not depend on how the elements are split between calls or threads. Each 64-bit
 * word gives two 32-bit draws, low half first. */
#define STOXNET_GAMMA 0x9e3779b97f4a7c15ULL
#define STOXNET_WORDS 16u /* 64-bit words reserved per element: T <= 32 */

static inline uint64_t stoxnet_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* e[l] = exp(x[l]) for the row whose first element has flat index base; elements at flat index
 * >= body use the C library's expf (torch's scalar tail). */
typedef void (*stoxnet_exp_fn)(const float* x, float* e, int64_t L, int64_t base, int64_t body);

int stoxnet_mtj_codes_avx512(const struct stoxnet_mtj_args* A, stoxnet_exp_fn exp_fn);
int stoxnet_mtj_codes_avx2(const struct stoxnet_mtj_args* A, stoxnet_exp_fn exp_fn);
int stoxnet_mtj_codes_scalar(const struct stoxnet_mtj_args* A, stoxnet_exp_fn exp_fn);
#define STOXNET_ISA_DECLS(isa)                                                                          \
  void stoxnet_channel_sums_##isa(const struct stoxnet_pieces* x, double* sum, double* sumsq);               \
  void stoxnet_drive_backward_##isa(const struct stoxnet_pieces* x, const float* deriv, const float* gy,         \
                                    const float* mean, const float* invstd, const float* gamma, int32_t train,  \
                                    float* const* grad_x, double* sum_gd, double* sum_gdx);
STOXNET_ISA_DECLS(avx512)
STOXNET_ISA_DECLS(avx2)
STOXNET_ISA_DECLS(scalar)
#endif
