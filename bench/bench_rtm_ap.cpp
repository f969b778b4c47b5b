// bench_rtm_ap: the associative-processor model's throughput on one thread, in row-bit
// operations per second: a pass (one compare and one write) over R rows counts R row-operations
// (issue 12's unit: one pass over 64 rows = 64 row-operations), counted from the array's own
// compare counter. The workload is a ternary layer's inner loop: 4-bit activations added into
// and subtracted from 12-bit accumulators in place (4 passes per bit), for several row counts.
// Reports CPU time as well as wall time; the median of five runs.
#include "hw/accel/tiles/rtm_ap/ap_array.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <vector>

using stoxvp::hw::rtm_ap::ap_array;

namespace {

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + t.tv_nsec * 1e-9;
}

struct result { double wall_rate, cpu_rate; };

result run_once(size_t rows, double seconds) {
  ap_array ap(rows);
  std::vector<unsigned> x;
  for (int i = 0; i < 16; ++i) x.push_back(ap.add_field(4));
  const unsigned acc = ap.add_field(12);
  std::mt19937 g(1);
  for (unsigned f : x)
    for (size_t r = 0; r < rows; ++r) ap.poke(f, r, int64_t(g() % 16));
  const auto w0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds();
  double wall = 0;
  unsigned i = 0;
  while (wall < seconds) {
    for (int k = 0; k < 64; ++k, ++i) {
      if (i & 1) ap.sub(acc, x[i % 16]);
      else ap.add(acc, x[i % 16]);
    }
    wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  }
  const double cpu = cpu_seconds() - c0;
  // A pass = a compare and its write: the compare counter counts passes (the carry clears too).
  const double row_ops = double(ap.counters().compares) * double(rows);
  return {row_ops / wall, row_ops / cpu};
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 0.5;
  std::printf("bench_rtm_ap: AP passes on bit planes, one thread, median of 5 runs of %.1f s\n", seconds);
  std::printf("  %-28s %14s %14s\n", "rows", "wall", "cpu");
  for (size_t rows : {64u, 196u, 784u, 4096u}) {
    std::vector<result> r;
    for (int k = 0; k < 5; ++k) r.push_back(run_once(rows, seconds));
    std::sort(r.begin(), r.end(), [](const result& a, const result& b) { return a.wall_rate < b.wall_rate; });
    std::vector<double> cpu;
    for (auto& x : r) cpu.push_back(x.cpu_rate);
    std::sort(cpu.begin(), cpu.end());
    std::printf("  %-28zu %10.2f G/s %10.2f G/s   (target >= 1 G row-bit-ops/s)\n", rows, r[2].wall_rate / 1e9,
                cpu[2] / 1e9);
  }
  return 0;
}
