/* The kernels, compiled once per instruction set (mtj_codes_avx512.c, mtj_codes_avx2.c,
 * mtj_codes_scalar.c define KERNEL_NAME, SUMS_NAME and BACKWARD_NAME). Plain loops the
 * compiler vectorises; every float operation of the conversion is written in the order, and
 * with the roundings, of the torch expressions in datapath.PieceCodes (built with
 * -ffp-contract=off: fused multiply-adds only where written, as fmaf). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mtj_codes.h"
#include "mtj_codes_internal.h"

int KERNEL_NAME(const struct stoxnet_mtj_args* A, stoxnet_exp_fn exp_fn) {
  const int64_t L = A->x.L, P = A->x.count, N = A->x.N, outer = A->x.B * A->x.N;
  const int64_t n = outer * P * L;
  /* torch's vectorised loop covers [0, body) with SLEEF, the rest with expf */
  const int64_t group = A->exp_kind == STOXNET_EXP_LIBM ? 1 : 2 * (int64_t)A->exp_kind;
  const int64_t body = n - n % group;
  const size_t row = L > 0 ? (size_t)L : 1; /* malloc(0) may return NULL */
  float* buf = (float*)malloc(row * 5 * sizeof(float));
  if (!buf) return 2;
  float* restrict arg = buf;          /* -(a z + b) */
  float* restrict e = buf + L;        /* exp(-(a z + b)) */
  float* restrict pb = buf + 2 * L;   /* p */
  int32_t* restrict thr = (int32_t*)(buf + 3 * L);
  float* restrict dv = buf + 4 * L;   /* the drive (normalised here when alpha is given) */
  int32_t* restrict cnt = (int32_t*)malloc(row * sizeof(int32_t));
  if (!cnt) { free(buf); return 2; }
  const float a = A->a, b = A->b;
  for (int64_t o = 0; o < outer; ++o) {
    float* restrict y = A->y + o * L;
    const int64_t ob = o / N, on = o % N;
    const int has_norm = A->norm_alpha != 0;
    const float mu = has_norm ? A->norm_mean[on] : 0.0f;
    const float al = has_norm ? A->norm_alpha[on] : 1.0f;
    const float be = has_norm ? A->norm_beta[on] : 0.0f;
    for (int64_t k = 0; k < P; ++k) {
      const int64_t base = (o * P + k) * L;
      const float* restrict d = A->x.piece[k] + ob * A->x.stride_b + on * A->x.stride_n;
      const int32_t T = A->samples[k];
      const float m = A->mult[k], s = A->slope[k];
      if (A->kind != STOXNET_MTJ) {
        /* PieceCodes' other converters, operation for operation, one loop per kind (so each
         * vectorises); the factor is the shift inside the straight-through range, else 0 */
        const float thr_sa = A->sa_threshold, lsb = A->lsb, lo = -A->adc_half, hi = A->adc_half - 1.0f;
        for (int64_t l = 0; l < L; ++l) dv[l] = has_norm ? fmaf(d[l] - mu, al, be) : d[l];
        float* restrict val = e, *restrict inside = pb; /* scratch rows */
        if (A->kind == STOXNET_SENSE_AMP) {
          for (int64_t l = 0; l < L; ++l) {
            const float v = dv[l];
            const float hard = v > thr_sa ? 1.0f : -1.0f, sd = v - thr_sa;
            const float soft = sd < -1.0f ? -1.0f : (sd > 1.0f ? 1.0f : sd);
            val[l] = soft + (hard - soft);
            inside[l] = (sd >= -1.0f && sd <= 1.0f) ? 1.0f : 0.0f;
          }
        } else if (A->kind == STOXNET_ADC) {
          for (int64_t l = 0; l < L; ++l) {
            const float x = dv[l] / lsb, r = floorf(x + 0.5f);
            const float q = x + (r - x);
            val[l] = (q < lo ? lo : (q > hi ? hi : q)) * lsb;
            inside[l] = (r >= lo && r <= hi) ? 1.0f : 0.0f;
          }
        } else {
          for (int64_t l = 0; l < L; ++l) {
            val[l] = dv[l];
            inside[l] = 1.0f;
          }
        }
        if (k == 0)
          for (int64_t l = 0; l < L; ++l) y[l] = val[l] * m;
        else
          for (int64_t l = 0; l < L; ++l) y[l] = y[l] + val[l] * m;
        if (A->deriv) {
          float* restrict g = A->deriv + base;
          for (int64_t l = 0; l < L; ++l) g[l] = m * inside[l];
        }
        continue;
      }
      for (int64_t l = 0; l < L; ++l) {
        float v = has_norm ? fmaf(d[l] - mu, al, be) : d[l];
        dv[l] = v;
        float z = v < -1.0f ? -1.0f : (v > 1.0f ? 1.0f : v);
        float x = z * a;
        x = x + b;
        arg[l] = 0.0f - x;
      }
      exp_fn(arg, e, L, base, body);
      for (int64_t l = 0; l < L; ++l) {
        float p = 1.0f / (e[l] + 1.0f);
        pb[l] = p;
        /* the platform's comparison: signed 32-bit draw against (p - 1/2)(2^32 - 256) */
        thr[l] = (int32_t)((p - 0.5f) * 4294967040.0f);
        cnt[l] = 0;
      }
      if (A->deterministic) {
        const float tf = (float)T;
        for (int64_t l = 0; l < L; ++l) cnt[l] = (int32_t)floorf(pb[l] * tf + 0.5f);
      } else {
        const uint64_t key = A->key;
        for (int32_t w = 0; w < T / 2; ++w) {
          for (int64_t l = 0; l < L; ++l) {
            uint64_t r = stoxnet_mix64(key + ((uint64_t)(base + l) * STOXNET_WORDS + (uint64_t)w + 1u) * STOXNET_GAMMA);
            int32_t lo = (int32_t)(uint32_t)r, hi = (int32_t)(uint32_t)(r >> 32);
            cnt[l] += (lo < thr[l]) + (hi < thr[l]);
          }
        }
        if (T & 1) {
          const uint64_t w = (uint64_t)(T / 2);
          for (int64_t l = 0; l < L; ++l) {
            uint64_t r = stoxnet_mix64(key + ((uint64_t)(base + l) * STOXNET_WORDS + w + 1u) * STOXNET_GAMMA);
            cnt[l] += (int32_t)(uint32_t)r < thr[l];
          }
        }
      }
      const float tf = (float)T;
      for (int64_t l = 0; l < L; ++l) {
        const float p = pb[l];
        const float code = (float)(2 * cnt[l] - T) / tf;
        const float expect = -1.0f + 2.0f * p;
        const float noise = code - expect;
        const float val = noise + expect; /* the straight-through value, as torch rounds it */
        const float prod = val * m;
        y[l] = k == 0 ? prod : y[l] + prod;
      }
      if (A->deriv) {
        /* p (1 - p) as torch.addcmul(p, p, p, value=-1) rounds it: one rounding (a fused
         * multiply-add) in torch's vectorised kernels, two in its plain C++ ones (capability
         * DEFAULT); likewise the --noise-grad term's add with alpha. */
        float* restrict g = A->deriv + base;
        const int fma_like = A->exp_kind != STOXNET_EXP_LIBM;
        if (A->noise_grad) {
          const float two_a = s / m, ha = A->half_a; /* s / m: float32(2 a), m a power of two */
          for (int64_t l = 0; l < L; ++l) {
            const float p = pb[l], v = dv[l];
            const float code = (float)(2 * cnt[l] - T) / tf;
            const float expect = -1.0f + 2.0f * p;
            const float noise = code - expect;
            const float nq = noise * (1.0f - 2.0f * p);
            const float pq = fma_like ? fmaf(-p, p, p) : p - p * p;
            float sl = pq * two_a;
            sl = fma_like ? fmaf(ha, nq, sl) : sl + ha * nq;
            sl = sl * m;
            g[l] = (v >= -1.0f && v <= 1.0f) ? sl : 0.0f;
          }
        } else if (fma_like) {
          for (int64_t l = 0; l < L; ++l) {
            const float p = pb[l], v = dv[l];
            g[l] = (v >= -1.0f && v <= 1.0f) ? fmaf(-p, p, p) * s : 0.0f;
          }
        } else {
          for (int64_t l = 0; l < L; ++l) {
            const float p = pb[l], v = dv[l];
            const float pq = p - p * p;
            g[l] = (v >= -1.0f && v <= 1.0f) ? pq * s : 0.0f;
          }
        }
      }
      if (A->counts) {
        uint8_t* restrict c = A->counts + base;
        for (int64_t l = 0; l < L; ++l) c[l] = (uint8_t)cnt[l];
      }
    }
  }
  free(cnt);
  free(buf);
  return 0;
}

/* Eight floats widened to doubles: GCC's generic vectors, lowered to the instruction set the
 * file is built for (the plain loops with double accumulators were left scalar). */
typedef float stoxnet_v8f __attribute__((vector_size(32)));
typedef double stoxnet_v8d __attribute__((vector_size(64)));

static inline double hsum8(const stoxnet_v8d* v) {
  double t = 0.0;
  for (int j = 0; j < 8; ++j) t += (*v)[j];
  return t;
}

/* Per output n: the sum and the sum of squares of x (double: the partial sums are integers,
 * so both are exact below 2^53, in any order). */
void SUMS_NAME(const struct stoxnet_pieces* X, double* sum, double* sumsq) {
  const int64_t L = X->L;
  for (int64_t c = 0; c < X->N; ++c) sum[c] = sumsq[c] = 0.0;
  for (int64_t b = 0; b < X->B; ++b) {
    for (int64_t c = 0; c < X->N; ++c) {
      stoxnet_v8d s = {0}, q = {0};
      double ts = 0.0, tq = 0.0;
      for (int32_t k = 0; k < X->count; ++k) {
        const float* restrict r = X->piece[k] + b * X->stride_b + c * X->stride_n;
        int64_t l = 0;
        for (; l + 8 <= L; l += 8) {
          stoxnet_v8f f;
          memcpy(&f, r + l, sizeof f);
          const stoxnet_v8d v = __builtin_convertvector(f, stoxnet_v8d);
          s += v;
          q += v * v;
        }
        for (; l < L; ++l) {
          ts += r[l];
          tq += (double)r[l] * r[l];
        }
      }
      sum[c] += ts + hsum8(&s);
      sumsq[c] += tq + hsum8(&q);
    }
  }
}

/* Backward of the drive's batch norm folded with the conversion's: the drive's gradient is
 * gd = gy x deriv (gy [B, N, L] broadcast over the pieces); per output n, sum_gd and
 * sum_gdx = sum of gd x (x - mean) (double); then, when grad_x is given,
 * grad_x = gamma invstd (gd - sum_gd / m - (x - mean) invstd^2 sum_gdx / m) over the m values
 * of the output in training mode (batch statistics), gamma invstd gd with fixed statistics. */
void BACKWARD_NAME(const struct stoxnet_pieces* X, const float* deriv, const float* gy, const float* mean,
                   const float* invstd, const float* gamma, int32_t train, float* const* grad_x, double* sum_gd,
                   double* sum_gdx) {
  const int64_t L = X->L, P = X->count, N = X->N;
  for (int64_t c = 0; c < N; ++c) sum_gd[c] = sum_gdx[c] = 0.0;
  if (!gamma) { /* no batch norm: the partial sums' gradient is gd itself */
    if (!grad_x) return;
    for (int64_t b = 0; b < X->B; ++b)
      for (int64_t c = 0; c < N; ++c) {
        const float* restrict gyr = gy + (b * N + c) * L;
        for (int64_t k = 0; k < P; ++k) {
          const float* restrict g = deriv + ((b * N + c) * P + k) * L;
          float* restrict out = grad_x[k] + b * X->stride_b + c * X->stride_n;
          for (int64_t l = 0; l < L; ++l) out[l] = gyr[l] * g[l];
        }
      }
    return;
  }
  for (int64_t b = 0; b < X->B; ++b) {
    for (int64_t c = 0; c < N; ++c) {
      const float* restrict gyr = gy + (b * N + c) * L;
      const float mu = mean[c];
      stoxnet_v8d s = {0}, q = {0};
      double ts = 0.0, tq = 0.0;
      for (int64_t k = 0; k < P; ++k) {
        const float* restrict r = X->piece[k] + b * X->stride_b + c * X->stride_n;
        const float* restrict g = deriv + ((b * N + c) * P + k) * L;
        int64_t l = 0;
        for (; l + 8 <= L; l += 8) {
          stoxnet_v8f gv, dv, rv;
          memcpy(&gv, gyr + l, sizeof gv);
          memcpy(&dv, g + l, sizeof dv);
          memcpy(&rv, r + l, sizeof rv);
          const stoxnet_v8f gd = gv * dv, xc = rv - mu;
          const stoxnet_v8d gdd = __builtin_convertvector(gd, stoxnet_v8d);
          s += gdd;
          q += gdd * __builtin_convertvector(xc, stoxnet_v8d);
        }
        for (; l < L; ++l) {
          const float gd = gyr[l] * g[l];
          ts += gd;
          tq += (double)gd * (double)(r[l] - mu);
        }
      }
      ts += hsum8(&s);
      tq += hsum8(&q);
      sum_gd[c] += ts;
      sum_gdx[c] += tq;
    }
  }
  if (!grad_x) return;
  const double m = (double)X->B * (double)(P * L);
  for (int64_t b = 0; b < X->B; ++b) {
    for (int64_t c = 0; c < N; ++c) {
      const float* restrict gyr = gy + (b * N + c) * L;
      const float w = gamma[c] * invstd[c], mu = mean[c];
      const float mg = train ? (float)(sum_gd[c] / m) : 0.0f;
      const float k2 = train ? (float)(sum_gdx[c] / m * (double)invstd[c] * (double)invstd[c]) : 0.0f;
      for (int64_t k = 0; k < P; ++k) {
        const float* restrict r = X->piece[k] + b * X->stride_b + c * X->stride_n;
        const float* restrict g = deriv + ((b * N + c) * P + k) * L;
        float* restrict out = grad_x[k] + b * X->stride_b + c * X->stride_n;
        for (int64_t l = 0; l < L; ++l) {
          const float gd = gyr[l] * g[l];
          out[l] = w * (gd - mg - (r[l] - mu) * k2);
        }
      }
    }
  }
}
