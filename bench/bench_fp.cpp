// The fp_pim kind's fast model on one core: bfloat16 multiplies and adds per second (the IEEE
// result computed from the fields, as every FP_* descriptor does), and micro-program rows per
// second in micro-operation mode (every step executed on bit planes).
//   bench_fp [seconds_per_measurement]
#include "hw/core/bf16.h"
#include "hw/core/bf16_microprogram.h"

#include <cstdio>
#include <cstdlib>
#include <random>
#include <time.h>
#include <vector>

using namespace stoxvp::core;

namespace {

double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

volatile uint16_t sink;

// Operands of training magnitudes (exponents 110..135), both signs.
std::vector<uint16_t> operands(size_t n, uint32_t seed) {
  std::mt19937 g(seed);
  std::vector<uint16_t> v(n);
  for (auto& x : v) x = uint16_t(((g() & 1) << 15) | ((110 + g() % 26) << 7) | (g() & 0x7f));
  return v;
}

// A multiply-accumulate chain as FP_GEMV runs it: products, then the pairwise tree of sums.
double ops_per_second(double budget, bool mul) {
  const size_t n = 1 << 16;
  const auto a = operands(n, 1), b = operands(n, 2);
  uint64_t ops = 0;
  bf16_events ev;
  const double t0 = cpu_now();
  do {
    uint16_t acc = 0;
    for (size_t i = 0; i < n; ++i) acc ^= mul ? bf16_mul(a[i], b[i], &ev) : bf16_add(a[i], b[i], &ev);
    sink = acc;
    ops += n;
  } while (cpu_now() - t0 < budget);
  return double(ops) / (cpu_now() - t0);
}

double microprogram_rows_per_second(double budget, bf16_op op) {
  const size_t rows = 4096;
  const auto a = operands(rows, 3), b = operands(rows, 4);
  pim_block blk(rows);
  const unsigned ca = blk.alloc(16), cb = blk.alloc(16), cr = blk.alloc(16);
  for (size_t r = 0; r < rows; ++r) {
    blk.store_word(ca, 16, r, a[r]);
    blk.store_word(cb, 16, r, b[r]);
  }
  uint64_t done = 0;
  const double t0 = cpu_now();
  do {
    if (op == bf16_op::mul) run_bf16_mul(blk, ca, cb, cr);
    else run_bf16_add(blk, ca, cb, cr);
    done += rows;
  } while (cpu_now() - t0 < budget);
  return double(done) / (cpu_now() - t0);
}

}  // namespace

int main(int argc, char** argv) {
  const double budget = argc > 1 ? std::atof(argv[1]) : 1.0;
  if (!(budget > 0 && budget <= 600)) {
    std::fprintf(stderr, "bench_fp: seconds per measurement '%s' is not in (0, 600]\n", argv[1]);
    return 2;
  }
  const double m = ops_per_second(budget, true), a = ops_per_second(budget, false);
  std::printf("bf16 fast model: %.1f M mul/s, %.1f M add/s (CPU time, one core)\n", m * 1e-6, a * 1e-6);
  std::printf("bf16 micro-operation mode (4096 rows a block): %.2f M mul rows/s, %.2f M add rows/s\n",
              microprogram_rows_per_second(budget, bf16_op::mul) * 1e-6,
              microprogram_rows_per_second(budget, bf16_op::add) * 1e-6);
  const auto cm = bf16_program_counts(bf16_op::mul), ca = bf16_program_counts(bf16_op::add);
  std::printf("steps per program: mul %llu, add %llu\n", (unsigned long long)cm.total(),
              (unsigned long long)ca.total());
  return 0;
}
