/* The fused conversion of PS-quantization-aware training (tools/stoxnet/fused.py,
 * docs/training.md "The fast path"): one pass over the partial sums of a crossbar layer does the
 * drive batch norm's normalisation and, for the MTJ, clamp, a x + b, sigmoid, T Bernoulli draws,
 * the code, its straight-through value and the shift-add (the sense amplifier, ADC and ideal
 * converters likewise without draws), and keeps only the backward's factor. Loaded by Python
 * through ctypes. */
#ifndef STOXNET_MTJ_CODES_H
#define STOXNET_MTJ_CODES_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Which exp the sigmoid uses, chosen by the caller to be the one its torch uses, so p equals
 * torch.sigmoid bit for bit: torch's vectorised unary loop runs SLEEF's 1-ulp expf on
 * 2 x width elements at a time from the start of the tensor and the C library's expf on the
 * rest (n mod 2 width); with CPU capability DEFAULT it is expf throughout. */
enum stoxnet_exp { STOXNET_EXP_LIBM = 0, STOXNET_EXP_SLEEF8 = 8, STOXNET_EXP_SLEEF16 = 16 };

/* Where the partial sums (or drives) are: the row of L values of piece k, batch b and output n
 * starts at piece[k] + b stride_b + n stride_n (floats). The pieces are in shift-add order; the
 * logical layout, which indexes the draws, deriv and counts, is [B, N, pieces, L] contiguous. A
 * contiguous [B, N, P * L] tensor is piece[k] = base + k L, stride_b = N P L, stride_n = P L;
 * the per-chunk convolution outputs [A * B, S * N, L] are read in place. */
struct stoxnet_pieces {
  const float* const* piece;
  int64_t B, N, L, stride_b, stride_n;
  int32_t count;
};

struct stoxnet_mtj_args {
  struct stoxnet_pieces x;
  const int32_t* samples; /* T of every piece, 1..32 */
  const float* mult;      /* shift of every piece (a power of two) */
  const float* slope;     /* float32(2 a) x mult of every piece */
  float a, b;             /* the curve: p = sigmoid(a clamp(d, -1, 1) + b) */
  float half_a;           /* float32(a / 2): the --noise-grad term's factor */
  int32_t exp_kind;       /* enum stoxnet_exp */
  int32_t deterministic;  /* count = floor(T p + 1/2) instead of draws (tests) */
  int32_t noise_grad;     /* add a (code - expect) (1 - 2p) / 2 to the backward factor */
  uint64_t key;           /* the draws' key (from torch's generator) */
  float* y;               /* [B, N, L]: sum over pieces of code x mult */
  float* deriv;           /* [B, N, pieces, L] d y / d drive, or NULL (no backward) */
  uint8_t* counts;        /* [B, N, pieces, L] switching events, or NULL (tests) */
  /* The drive's batch norm folded in, or NULL: drive = fmaf(x - mean[n], alpha[n], beta[n])
   * with alpha = gamma invstd. */
  const float* norm_mean;
  const float* norm_alpha;
  const float* norm_beta;
  /* The converter (enum stoxnet_kind); for the others than the MTJ no draws, and the backward
   * factor is the shift inside the straight-through range, 0 outside (PieceCodes' rules). */
  int32_t kind;
  float sa_threshold; /* sense amplifier: code = +1 if drive > threshold, else -1 */
  float lsb;          /* ADC: code = clamp(floor(x / lsb + 1/2), -half, half - 1) x lsb */
  float adc_half;     /* ADC: 2^(bits - 1) */
};

enum stoxnet_kind { STOXNET_MTJ = 0, STOXNET_SENSE_AMP = 1, STOXNET_ADC = 2, STOXNET_IDEAL = 3 };

/* 0 on success, 1 a bad argument, 2 out of memory. */
int stoxnet_mtj_codes(const struct stoxnet_mtj_args* args);
/* The drive batch norm's statistics: per output n, the sum and the sum of squares of x. */
int stoxnet_channel_sums(const struct stoxnet_pieces* x, double* sum, double* sumsq);
/* Its backward folded with the conversion's (mtj_codes_body.h says what it computes); grad_x,
 * if not NULL, has x's strides. gamma NULL: no batch norm (grad_x = gy x deriv, no sums). */
int stoxnet_drive_backward(const struct stoxnet_pieces* x, const float* deriv, const float* gy, const float* mean,
                           const float* invstd, const float* gamma, int32_t train, float* const* grad_x,
                           double* sum_gd, double* sum_gdx);
/* The instruction set the kernel runs with: "avx512", "avx2" or "scalar". */
const char* stoxnet_isa(void);
/* Force one ("avx512", "avx2", "scalar"; NULL: the best this CPU has). 0 if it is usable. */
int stoxnet_set_isa(const char* isa);
/* The draw j (0-based) of element e (flat index in drive) under key: for tests, which rebuild the
 * stream independently. */
uint32_t stoxnet_draw(uint64_t key, int64_t e, int32_t j);
/* The ABI version of this header (the Python side checks it). */
int stoxnet_abi(void);

#ifdef __cplusplus
}
#endif
#endif
