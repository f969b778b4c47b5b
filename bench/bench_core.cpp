// The functional core alone, on one core: bit-level MACs per second of the crossbar kernel and
// conversions per second of every converter kind.
//   bench_core [seconds_per_measurement]
#include "hw/core/converter.h"
#include "hw/core/crossbar_array.h"
#include "hw/core/layer_ops.h"
#include "hw/core/packed_input.h"
#include "hw/core/rng.h"

#include <cstdio>
#include <cstdlib>
#include <random>
#include <time.h>

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

double conversions_per_second(converter_kind kind, uint8_t t, double budget) {
  const xbar_mapping m = map_layer({128, 64, 4, 3, 4, 3}, xbar_geometry{128, 128, 4, 128});
  converter_config c;
  c.kind = kind;
  c.set_samples(t);
  c.adc_bits = kind == converter_kind::sparse_adc ? 4 : 8;
  c.adc_range = kind == converter_kind::sparse_adc ? 64 : 0;
  if (kind == converter_kind::mtj || kind == converter_kind::sense_amp) {
    c.gain.assign(64, 1.0f / 80);  // a trained drive: |x| < 1 over about +-80 PS
    c.bias.assign(64, 0.05f);
  }
  const converter_bank bank(c, m, 64, 1);
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
      bank.convert(&ps[size_t(r) * 64], codes.data(), 0, 64, pos, 0, ~0u, key, st);
      sink = codes[r % 64];
    }
  } while (seconds_since(t0) < budget);
  const uint64_t n = kind == converter_kind::ideal ? uint64_t(pos) * 64 : st.conversions;
  return n / seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  const double budget = argc > 1 ? std::atof(argv[1]) : 1.0;
  std::printf("bench_core: functional core on one thread, %.1f s of CPU time per figure\n", budget);
  const double bm = bit_macs_per_second(budget);
  std::printf("  %-40s %8.2f G/s   (target >= 2 G/s)\n", "bit-level MACs, 128x128 array", bm / 1e9);
  struct row {
    const char* name;
    converter_kind kind;
    uint8_t t;
  } rows[] = {{"conversions, ideal", converter_kind::ideal, 1},
              {"conversions, 8-bit ADC", converter_kind::adc, 1},
              {"conversions, 4-bit sparse ADC", converter_kind::sparse_adc, 1},
              {"conversions, sense amplifier", converter_kind::sense_amp, 1},
              {"conversions, MTJ T=4", converter_kind::mtj, 4},
              {"conversions, MTJ T=16", converter_kind::mtj, 16}};
  for (const auto& r : rows) {
    const double cps = conversions_per_second(r.kind, r.t, budget);
    std::printf("  %-40s %8.1f M/s%s\n", r.name, cps / 1e6,
                r.kind == converter_kind::mtj && r.t == 4 ? "   (target >= 20 M/s)" : "");
  }
  return 0;
}
