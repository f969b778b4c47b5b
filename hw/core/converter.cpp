#include "converter.h"

#include "rng.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace stoxvp::core {

const char* to_string(converter_kind k) {
  switch (k) {
    case converter_kind::ideal: return "ideal";
    case converter_kind::adc: return "adc";
    case converter_kind::sparse_adc: return "sparse_adc";
    case converter_kind::sense_amp: return "sense_amp";
    case converter_kind::mtj: return "mtj";
  }
  return "?";
}

converter_config::converter_config() { set_samples(4); }

void converter_config::set_samples(uint8_t t) {
  for (auto& row : samples)
    for (auto& v : row) v = t;
}

double switching_probability(const converter_config& c, double x) {
  x = std::clamp(x, -1.0, 1.0);
  if (!c.curve_table.empty()) {
    const size_t n = c.curve_table.size();
    const double pos = (x + 1.0) * 0.5 * static_cast<double>(n - 1);
    const size_t i = std::min(static_cast<size_t>(pos), n - 2);
    const double f = pos - static_cast<double>(i);
    return c.curve_table[i] * (1.0 - f) + c.curve_table[i + 1] * f;
  }
  return 1.0 / (1.0 + std::exp(-(c.curve.a * x + c.curve.b)));
}

namespace {

// Cumulative distribution of Binomial(t, p) as 32-bit thresholds: a uniform 32-bit draw u gives
// k = number of thresholds <= u, so P(k) = (thr[k] - thr[k-1]) / 2^32: the exact binomial
// probabilities rounded to 2^-32. Drawing the count at once is distribution-identical to t
// independent Bernoulli(p) samples because the MTJ is reset after every sample and its drive
// (the column current) is constant during one conversion: the samples are i.i.d.
//
// The probabilities come from the ratio recursion pmf(k+1) = pmf(k) (t-k)/(k+1) p/(1-p), started
// at the end that cannot underflow, using only IEEE arithmetic and pow(): an independent
// implementation in another language (tools/stoxnet/hwref.py) reproduces the thresholds bit for
// bit, and with them every count.
void binomial_thresholds(double p, uint32_t t, uint32_t* thr) {
  double pmf[256];
  if (!(p > 0.0)) {
    for (uint32_t k = 0; k <= t; ++k) pmf[k] = k == 0 ? 1.0 : 0.0;
  } else if (!(p < 1.0)) {
    for (uint32_t k = 0; k <= t; ++k) pmf[k] = k == t ? 1.0 : 0.0;
  } else if (p <= 0.5) {
    const double r = p / (1.0 - p);
    pmf[0] = std::pow(1.0 - p, static_cast<double>(t));
    for (uint32_t k = 0; k < t; ++k) pmf[k + 1] = pmf[k] * (t - k) / (k + 1) * r;
  } else {
    const double r = (1.0 - p) / p;
    pmf[t] = std::pow(p, static_cast<double>(t));
    for (uint32_t k = t; k > 0; --k) pmf[k - 1] = pmf[k] * k / (t - k + 1) * r;
  }
  double cum = 0;
  for (uint32_t k = 0; k < t; ++k) {
    cum += pmf[k];
    const double scaled = std::floor(cum * 4294967296.0 + 0.5);
    thr[k] = scaled >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<uint32_t>(scaled);
  }
}

// The normalised drive of a column pair, in float32 as the trained model computes it.
inline float drive(float gain, float bias, int32_t ps) { return gain * static_cast<float>(ps) + bias; }

inline uint32_t count_from(const uint32_t* thr, uint32_t t, uint32_t u) {
  uint32_t k = 0;
  while (k < t && u >= thr[k]) ++k;
  return k;
}

constexpr size_t kMaxTableEntries = 1u << 14;  // per channel; wider windows are computed per draw

}  // namespace

converter_bank::converter_bank(const converter_config& cfg, const xbar_mapping& m, uint32_t N,
                               uint32_t chunks)
    : cfg_(cfg), map_(m), N_(N), chunks_(chunks) {
  auto bad = [](const std::string& what) { throw layer_error(what); };
  const bool is_adc = cfg_.kind == converter_kind::adc || cfg_.kind == converter_kind::sparse_adc;
  if (cfg_.kind == converter_kind::sparse_adc) cfg_.skip_zero_waves = true;
  if (map_.w_slices > kMaxSlices || map_.a_waves > kMaxSlices)
    bad("more than " + std::to_string(kMaxSlices) + " weight slices or input waves");
  if (cfg_.cols_per_converter == 0) bad("cols_per_converter is 0");
  if (is_adc) {
    if (cfg_.adc_bits < 1 || cfg_.adc_bits > 24)
      bad("adc_bits = " + std::to_string(cfg_.adc_bits) + ", supported 1..24");
    double range = cfg_.adc_range;
    if (range == 0) {
      range = 1;
      while (range < static_cast<double>(map_.max_abs_ps)) range *= 2;
    }
    if (!(range > 0) || !std::isfinite(range)) bad("adc_range = " + std::to_string(cfg_.adc_range) + " must be positive");
    lsb_ = range / std::ldexp(1.0, static_cast<int>(cfg_.adc_bits) - 1);
    code_max_ = static_cast<int32_t>((int64_t{1} << (cfg_.adc_bits - 1)) - 1);
    code_min_ = -code_max_ - 1;
  }
  const bool drives = cfg_.kind == converter_kind::mtj || cfg_.kind == converter_kind::sense_amp;
  if (drives && !cfg_.gain.empty() && (cfg_.gain.size() != N || cfg_.bias.size() != N))
    bad("gain and bias need one value per output (" + std::to_string(N) + "), got " +
        std::to_string(cfg_.gain.size()) + " and " + std::to_string(cfg_.bias.size()));
  if (drives && cfg_.gain.empty() && !cfg_.bias.empty()) bad("bias given without gain");
  for (size_t n = 0; n < cfg_.gain.size(); ++n)
    if (!std::isfinite(cfg_.gain[n]) || !std::isfinite(cfg_.bias[n]))
      bad("gain or bias of output " + std::to_string(n) + " is not a finite number");

  int64_t lcm = 1;
  if (cfg_.kind == converter_kind::mtj) {
    if (!cfg_.curve_table.empty()) {
      if (cfg_.curve_table.size() < 2) bad("the MTJ curve table needs at least 2 points");
      for (double p : cfg_.curve_table)
        if (!(p >= 0 && p <= 1)) bad("MTJ curve table value " + std::to_string(p) + " is not a probability");
    } else if (!std::isfinite(cfg_.curve.a) || !std::isfinite(cfg_.curve.b)) {
      bad("the MTJ curve's a and b must be finite");
    }
    for (uint32_t i = 0; i < map_.w_slices; ++i)
      for (uint32_t j = 0; j < map_.a_waves; ++j) {
        const uint32_t t = cfg_.samples[i][j];
        if (t == 0)
          bad("T = 0 for weight slice " + std::to_string(i) + ", input wave " + std::to_string(j) +
              " (every conversion needs at least one sample)");
        lcm = std::lcm(lcm, int64_t{t});
        auto it = std::find(t_values_.begin(), t_values_.end(), t);
        if (it == t_values_.end()) it = t_values_.insert(t_values_.end(), t);
        t_index_[i * kMaxSlices + j] = static_cast<uint8_t>(it - t_values_.begin());
      }
    code_scale_ = 1.0 / static_cast<double>(lcm);
  } else if (is_adc) {
    code_scale_ = lsb_;
  }
  // Shift-add weights: slice i and wave j sit at bit i*w_slice + j*a_stream of the product; MTJ
  // counts are normalised by their own T (times L, to stay integer).
  for (uint32_t i = 0; i < map_.w_slices; ++i)
    for (uint32_t j = 0; j < map_.a_waves; ++j) {
      int64_t w = int64_t{1} << (i * map_.w_slice + j * map_.a_stream);
      if (cfg_.kind == converter_kind::mtj) w *= lcm / cfg_.samples[i][j];
      mult_[i * kMaxSlices + j] = w;
    }
  if (cfg_.kind == converter_kind::mtj) build_mtj_tables();
}

void converter_bank::build_mtj_tables() {
  tables_.resize(N_);
  const int64_t max_ps = map_.max_abs_ps;
  for (uint32_t n = 0; n < N_; ++n) {
    mtj_table& tb = tables_[n];
    const float g = cfg_.gain.empty() ? 1.0f : cfg_.gain[n];
    const float b = cfg_.bias.empty() ? 0.0f : cfg_.bias[n];
    // PS values whose drive is not clamped (one more on each side, so that float rounding at
    // the edge cannot matter); beyond them the probability is constant.
    double lo = -static_cast<double>(max_ps), hi = static_cast<double>(max_ps);
    if (g > 0) {
      lo = std::max(lo, std::floor((-1.0 - b) / g) - 1);
      hi = std::min(hi, std::ceil((1.0 - b) / g) + 1);
    } else if (g < 0) {
      lo = std::max(lo, std::floor((1.0 - b) / g) - 1);
      hi = std::min(hi, std::ceil((-1.0 - b) / g) + 1);
    } else {
      lo = hi = 0;
    }
    if (lo > hi) lo = hi = std::clamp(0.0, lo, hi);  // the window misses every reachable PS
    tb.lo = static_cast<int32_t>(lo);
    tb.hi = static_cast<int32_t>(std::max(lo, hi));
    const size_t entries = static_cast<size_t>(tb.hi - tb.lo) + 1;
    tb.tabulated = entries <= kMaxTableEntries;
    if (!tb.tabulated) continue;
    tb.thr.resize(t_values_.size());
    for (size_t ti = 0; ti < t_values_.size(); ++ti) {
      const uint32_t t = t_values_[ti];
      tb.thr[ti].resize(entries * t);
      for (size_t e = 0; e < entries; ++e) {
        const int32_t ps = tb.lo + static_cast<int32_t>(e);
        const double p = switching_probability(cfg_, drive(g, b, ps));
        binomial_thresholds(p, t, &tb.thr[ti][e * t]);
      }
    }
  }
}

int32_t converter_bank::mtj_count(uint32_t ch, int32_t ps, uint32_t t, uint32_t ti, uint32_t u) const {
  const mtj_table& tb = tables_[ch];
  if (tb.tabulated) {
    const int32_t e = std::clamp(ps, tb.lo, tb.hi) - tb.lo;
    return static_cast<int32_t>(count_from(&tb.thr[ti][static_cast<size_t>(e) * t], t, u));
  }
  const float g = cfg_.gain.empty() ? 1.0f : cfg_.gain[ch];
  const float b = cfg_.bias.empty() ? 0.0f : cfg_.bias[ch];
  uint32_t thr[256];
  binomial_thresholds(switching_probability(cfg_, drive(g, b, ps)), t, thr);
  return static_cast<int32_t>(count_from(thr, t, u));
}

void converter_bank::convert(const int32_t* ps, int32_t* codes, uint32_t ch0, uint32_t count,
                             uint32_t position, uint32_t chunk, uint32_t active_waves,
                             uint64_t key, converter_stats& stats) const {
  const uint32_t S = map_.w_slices, A = map_.a_waves;
  for (uint32_t c = 0; c < count; ++c) {
    const uint32_t n = ch0 + c;
    const int32_t* in = ps + size_t(c) * S * A;
    int32_t* out = codes + size_t(c) * S * A;
    for (uint32_t i = 0; i < S; ++i) {
      for (uint32_t j = 0; j < A; ++j) {
        const int32_t v = in[i * A + j];
        if (cfg_.skip_zero_waves && !((active_waves >> j) & 1)) {
          out[i * A + j] = 0;
          ++stats.skipped;
          continue;
        }
        switch (cfg_.kind) {
          case converter_kind::ideal:
            out[i * A + j] = v;
            break;
          case converter_kind::adc:
          case converter_kind::sparse_adc: {
            const double code = std::floor(static_cast<double>(v) / lsb_ + 0.5);
            out[i * A + j] = static_cast<int32_t>(
                std::clamp(code, static_cast<double>(code_min_), static_cast<double>(code_max_)));
            ++stats.conversions;
            break;
          }
          case converter_kind::sense_amp: {
            const float g = cfg_.gain.empty() ? 1.0f : cfg_.gain[n];
            const float b = cfg_.bias.empty() ? 0.0f : cfg_.bias[n];
            out[i * A + j] = drive(g, b, v) > static_cast<float>(cfg_.sa_threshold) ? 1 : -1;
            ++stats.conversions;
            break;
          }
          case converter_kind::mtj: {
            const uint32_t t = cfg_.samples[i][j];
            // Names this conversion uniquely within the layer invocation.
            const uint64_t index =
                (((uint64_t(position) * N_ + n) * S + i) * A + j) * chunks_ + chunk;
            const int32_t k = mtj_count(n, v, t, t_index_[i * kMaxSlices + j], uniform32(key, index));
            out[i * A + j] = 2 * k - static_cast<int32_t>(t);
            ++stats.conversions;
            stats.samples += t;
            stats.switches += static_cast<uint64_t>(k);
            break;
          }
        }
      }
    }
  }
}

}  // namespace stoxvp::core
