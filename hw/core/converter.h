// Converter banks: what reads a column pair's partial sum (PS) into the digital domain. One
// interface, five designs, selected per layer:
//   ideal       the exact PS (the golden reference; no conversion cost)
//   adc         N-bit SAR ADC over a full-scale range with clipping; k columns share one ADC
//   sparse_adc  a low-bit ADC that skips conversions whose input wave drives no row
//   sense_amp   1 bit: +1 when gain*PS + bias exceeds the threshold, else -1
//   mtj         stochastic SOT-MTJ: x = clamp(gain*PS + bias, -1, 1), switching probability
//               p(x) from a curve, T samples per conversion, output the up/down count 2k - T
// Each conversion's code is weighted by multiplier(slice, wave) in the digital shift-add; one
// unit of the accumulated sum is worth code_scale() partial-sum units (ADC: the LSB; MTJ: 1/L
// with L the least common multiple of the layer's T values, so that counts normalised by
// their own T accumulate exactly in integers).
#pragma once

#include "geometry.h"

#include <cstdint>
#include <string>
#include <vector>

namespace stoxvp::core {

enum class converter_kind : uint8_t { ideal = 0, adc = 1, sparse_adc = 2, sense_amp = 3, mtj = 4 };
const char* to_string(converter_kind k);

// Published StoX-Net switching curves, as sigmoid(a*x + b).
struct mtj_curve {
  double a, b;
};
constexpr mtj_curve kCurveFinal{4.0, 0.0};                 // sigmoid(4x), the authors' final code
constexpr mtj_curve kCurveTanh{8.0, 0.0};                  // (1 + tanh(4x)) / 2 == sigmoid(8x)
constexpr mtj_curve kCurveDeviceFit{3.598, -3.598 * 0.0082};  // fit to device data, Feb 2024

constexpr uint32_t kMaxSlices = 8;  // weight slices and input waves a T table covers

struct converter_config {
  converter_kind kind = converter_kind::ideal;
  uint32_t adc_bits = 8;
  double adc_range = 0;            // full scale (+-) in PS units; 0: smallest power of two >= max |PS|
  uint32_t cols_per_converter = 1; // columns sharing one converter (costs time, not function)
  bool skip_zero_waves = false;    // sparse_adc always skips
  double sa_threshold = 0;
  mtj_curve curve = kCurveFinal;
  std::vector<double> curve_table; // if set: p at x_i = -1 + 2i/(n-1), linearly interpolated
  uint8_t samples[kMaxSlices][kMaxSlices];  // T per (weight slice, input wave)
  std::vector<float> gain, bias;   // per output channel (MTJ, sense amp); empty: 1 and 0
  converter_config();
  void set_samples(uint8_t t);     // the same T everywhere
};

struct converter_stats {
  uint64_t conversions = 0;  // PS values converted (converters fired)
  uint64_t samples = 0;      // MTJ write/read/reset cycles
  uint64_t skipped = 0;      // conversions skipped on all-zero input waves
  uint64_t switches = 0;     // MTJ samples that switched (a reset after each is required)
  converter_stats& operator+=(const converter_stats& o) {
    conversions += o.conversions;
    samples += o.samples;
    skipped += o.skipped;
    switches += o.switches;
    return *this;
  }
};

// The probability the MTJ switches for a normalised drive x in [-1, 1].
double switching_probability(const converter_config& c, double x);

class converter_bank {
 public:
  // Validates the configuration against the layer (throws layer_error naming the parameter):
  // ADC bits 1..24 and a positive range, T of 1..255 wherever the layer has a slice and wave,
  // per-channel gain and bias of N entries (or none), a curve table of >= 2 values in [0, 1].
  converter_bank(const converter_config& cfg, const xbar_mapping& m, uint32_t N, uint32_t chunks);

  converter_kind kind() const { return cfg_.kind; }
  int64_t multiplier(uint32_t slice, uint32_t wave) const { return mult_[slice * kMaxSlices + wave]; }
  double code_scale() const { return code_scale_; }
  const converter_config& config() const { return cfg_; }
  const xbar_mapping& map() const { return map_; }

  // Converts one array read at `position` of row chunk `chunk`: the PS of `count` channels from
  // global channel `ch0` (layout [(ch * w_slices + i) * a_waves + j]) into codes (same layout).
  // Waves not in `active_waves` are skipped when the design skips (codes 0, no conversion).
  void convert(const int32_t* ps, int32_t* codes, uint32_t ch0, uint32_t count,
               uint32_t position, uint32_t chunk, uint32_t active_waves, uint64_t key,
               converter_stats& stats) const;

 private:
  // Per channel: CDF thresholds of the count for each PS value of the unclamped window.
  struct mtj_table {
    int32_t lo = 0, hi = 0;  // tabulated PS window; PS outside it clamps into it
    bool tabulated = false;  // false: the window is too wide, thresholds computed per draw
    std::vector<std::vector<uint32_t>> thr;  // per distinct T: (hi - lo + 1) x T thresholds
  };
  int32_t mtj_count(uint32_t ch, int32_t ps, uint32_t t, uint32_t ti, uint32_t u) const;
  void build_mtj_tables();

  converter_config cfg_;
  xbar_mapping map_;
  uint32_t N_, chunks_;
  int64_t mult_[kMaxSlices * kMaxSlices] = {};
  double code_scale_ = 1;
  double lsb_ = 1;
  int32_t code_min_ = 0, code_max_ = 0;
  std::vector<uint32_t> t_values_;  // distinct T of the layer
  uint8_t t_index_[kMaxSlices * kMaxSlices] = {};  // (slice, wave) -> index into t_values_
  std::vector<mtj_table> tables_;
};

}  // namespace stoxvp::core
