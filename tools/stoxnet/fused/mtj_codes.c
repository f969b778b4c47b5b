/* Dispatcher of the fused conversion: checks the arguments, picks the row kernel for the
 * best instruction set this CPU has (AVX-512, AVX2, none) and the exp that matches torch's. */
#include "mtj_codes.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "mtj_codes_internal.h"

/* SLEEF's 1-ulp expf, the one torch's vectorised unary loops call (libsleef3, a dependency of
 * Debian's python3-torch; its -dev package with the header is not needed for two prototypes).
 * Declared with the instruction sets their vector arguments need (clang insists). */
extern __attribute__((target("avx2,fma"))) __m256 Sleef_expf8_u10(__m256 x);
extern __attribute__((target("avx512f"))) __m512 Sleef_expf16_u10(__m512 x);

static void exp_libm(const float* x, float* e, int64_t L, int64_t base, int64_t body) {
  (void)base;
  (void)body;
  for (int64_t l = 0; l < L; ++l) e[l] = expf(x[l]);
}

/* SLEEF on the elements below body, 8 (or 16) at a time from the row's start (the function is
 * elementwise, so the grouping does not change a value); expf on the rest and on a row's last
 * partial group. */
__attribute__((target("avx2,fma"))) static void exp_sleef8(const float* x, float* e, int64_t L, int64_t base,
                                                           int64_t body) {
  int64_t end = body - base < L ? (body - base > 0 ? body - base : 0) : L;
  int64_t l = 0;
  for (; l + 8 <= end; l += 8) _mm256_storeu_ps(e + l, Sleef_expf8_u10(_mm256_loadu_ps(x + l)));
  if (l < end) {
    float in[8] = {0}, out[8];
    memcpy(in, x + l, (size_t)(end - l) * sizeof(float));
    _mm256_storeu_ps(out, Sleef_expf8_u10(_mm256_loadu_ps(in)));
    memcpy(e + l, out, (size_t)(end - l) * sizeof(float));
    l = end;
  }
  for (; l < L; ++l) e[l] = expf(x[l]);
}

__attribute__((target("avx512f"))) static void exp_sleef16(const float* x, float* e, int64_t L, int64_t base,
                                                          int64_t body) {
  int64_t end = body - base < L ? (body - base > 0 ? body - base : 0) : L;
  int64_t l = 0;
  for (; l + 16 <= end; l += 16) _mm512_storeu_ps(e + l, Sleef_expf16_u10(_mm512_loadu_ps(x + l)));
  if (l < end) {
    float in[16] = {0}, out[16];
    memcpy(in, x + l, (size_t)(end - l) * sizeof(float));
    _mm512_storeu_ps(out, Sleef_expf16_u10(_mm512_loadu_ps(in)));
    memcpy(e + l, out, (size_t)(end - l) * sizeof(float));
    l = end;
  }
  for (; l < L; ++l) e[l] = expf(x[l]);
}

typedef int (*kernel_fn)(const struct stoxnet_mtj_args*, stoxnet_exp_fn);
typedef void (*sums_fn)(const struct stoxnet_pieces*, double*, double*);
typedef void (*backward_fn)(const struct stoxnet_pieces*, const float*, const float*, const float*, const float*,
                            const float*, int32_t, float* const*, double*, double*);
static kernel_fn kernel;
static sums_fn sums;
static backward_fn backward;
static const char* kernel_isa;

static int cpu_has(const char* isa) {
  __builtin_cpu_init();
  if (!strcmp(isa, "avx512"))
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  if (!strcmp(isa, "avx2")) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return !strcmp(isa, "scalar");
}

int stoxnet_set_isa(const char* isa) {
  static const char* order[] = {"avx512", "avx2", "scalar"};
  static const kernel_fn fns[] = {stoxnet_mtj_codes_avx512, stoxnet_mtj_codes_avx2, stoxnet_mtj_codes_scalar};
  static const sums_fn sfns[] = {stoxnet_channel_sums_avx512, stoxnet_channel_sums_avx2, stoxnet_channel_sums_scalar};
  static const backward_fn bfns[] = {stoxnet_drive_backward_avx512, stoxnet_drive_backward_avx2,
                                     stoxnet_drive_backward_scalar};
  for (int i = 0; i < 3; ++i) {
    if (isa ? !strcmp(isa, order[i]) : cpu_has(order[i])) {
      if (!cpu_has(order[i])) return 1;
      kernel = fns[i];
      sums = sfns[i];
      backward = bfns[i];
      kernel_isa = order[i];
      return 0;
    }
  }
  return 1;
}

const char* stoxnet_isa(void) {
  if (!kernel) stoxnet_set_isa(NULL);
  return kernel_isa;
}

uint32_t stoxnet_draw(uint64_t key, int64_t e, int32_t j) {
  uint64_t r = stoxnet_mix64(key + ((uint64_t)e * STOXNET_WORDS + (uint64_t)(j / 2) + 1u) * STOXNET_GAMMA);
  return (uint32_t)(j & 1 ? r >> 32 : r);
}

int stoxnet_abi(void) { return 4; }

static int pieces_ok(const struct stoxnet_pieces* x) {
  if (!x || !x->piece || x->B < 0 || x->N < 1 || x->L < 0 || x->count < 1) return 0;
  for (int32_t k = 0; k < x->count; ++k)
    if (!x->piece[k]) return 0;
  return 1;
}

int stoxnet_channel_sums(const struct stoxnet_pieces* x, double* sum, double* sumsq) {
  if (!pieces_ok(x) || !sum || !sumsq) return 1;
  if (!kernel) stoxnet_set_isa(NULL);
  sums(x, sum, sumsq);
  return 0;
}

int stoxnet_drive_backward(const struct stoxnet_pieces* x, const float* deriv, const float* gy, const float* mean,
                           const float* invstd, const float* gamma, int32_t train, float* const* grad_x,
                           double* sum_gd, double* sum_gdx) {
  if (!pieces_ok(x) || !deriv || !gy || !sum_gd || !sum_gdx) return 1;
  if (gamma && (!mean || !invstd)) return 1;
  if (grad_x)
    for (int32_t k = 0; k < x->count; ++k)
      if (!grad_x[k]) return 1;
  if (!kernel) stoxnet_set_isa(NULL);
  backward(x, deriv, gy, mean, invstd, gamma, train, grad_x, sum_gd, sum_gdx);
  return 0;
}

int stoxnet_mtj_codes(const struct stoxnet_mtj_args* A) {
  if (!A || !pieces_ok(&A->x) || !A->y || !A->samples || !A->mult || !A->slope) return 1;
  if (A->norm_alpha && (!A->norm_mean || !A->norm_beta)) return 1;
  if (A->kind < STOXNET_MTJ || A->kind > STOXNET_IDEAL) return 1;
  if (A->kind == STOXNET_ADC && !(A->lsb > 0.0f && A->adc_half >= 1.0f)) return 1;
  if (A->kind == STOXNET_MTJ)
    for (int32_t k = 0; k < A->x.count; ++k)
      if (A->samples[k] < 1 || A->samples[k] > 32) return 1;
  stoxnet_exp_fn exp_fn;
  switch (A->exp_kind) {
    case STOXNET_EXP_LIBM: exp_fn = exp_libm; break;
    case STOXNET_EXP_SLEEF8:
      if (!cpu_has("avx2")) return 1;
      exp_fn = exp_sleef8;
      break;
    case STOXNET_EXP_SLEEF16:
      if (!__builtin_cpu_supports("avx512f")) return 1;
      exp_fn = exp_sleef16;
      break;
    default: return 1;
  }
  if (!kernel) stoxnet_set_isa(NULL);
  return kernel(A, exp_fn);
}
