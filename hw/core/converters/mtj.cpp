#include "mtj.h"

#include "conversion_loop.h"
#include "../kernels.h"
#include "../rng.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace stoxvp::core {

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

// The count k: the number of thresholds <= u. The thresholds are a cumulative distribution,
// non-decreasing, so this is the first k with u < thr[k]; counted by comparisons alone, without
// a branch on the random draw.
inline uint32_t count_below(const uint32_t* thr, uint32_t t, uint32_t u) {
  uint32_t k = 0;
  for (uint32_t q = 0; q < t; ++q) k += u >= thr[q] ? 1u : 0u;
  return k;
}

constexpr size_t kMaxTableEntries = 1u << 14;  // per channel; wider windows are computed per draw

// The largest T of input wave `wave` over the layer's weight slices.
uint32_t max_t(const converter_config& c, const xbar_mapping& m, uint32_t wave) {
  uint32_t t = 0;
  for (uint32_t i = 0; i < m.w_slices; ++i) t = std::max<uint32_t>(t, c.samples[i][wave]);
  return t;
}

class mtj_kernel final : public converter_kernel {
 public:
  mtj_kernel(const converter_design& d, const converter_config& cfg, const xbar_mapping& m, uint32_t N,
             uint32_t chunks)
      : converter_kernel(d, cfg, m, N, chunks) {
    check_drive_sizes();
    check_finite_drive();
    if (!cfg_.curve_table.empty()) {
      if (cfg_.curve_table.size() < 2) bad("the MTJ curve table needs at least 2 points");
      for (double p : cfg_.curve_table)
        if (!(p >= 0 && p <= 1)) bad("MTJ curve table value " + std::to_string(p) + " is not a probability");
    } else if (!std::isfinite(cfg_.curve.a) || !std::isfinite(cfg_.curve.b)) {
      bad("the MTJ curve's a and b must be finite");
    }
    int64_t lcm = 1;
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
    // Counts are normalised by their own T (times L, to stay integer).
    for (uint32_t i = 0; i < map_.w_slices; ++i)
      for (uint32_t j = 0; j < map_.a_waves; ++j) mult_[i * kMaxSlices + j] *= lcm / cfg_.samples[i][j];
    build_tables();
  }

  // The draws of one array read are uniform32(key, index) for indices along an arithmetic
  // sequence (the conversions of consecutive channels, slices and waves are consecutive
  // counters times `chunks`), so they are drawn in bulk by the vector kernel, then counted
  // against each channel's thresholds without a data-dependent branch; what a conversion adds
  // to the statistics depends only on its slice and wave, so it is counted per read.
  void convert(const int32_t* ps, int32_t* codes, uint32_t ch0, uint32_t count, uint32_t position,
               uint32_t chunk, uint32_t active_waves, uint64_t key, converter_stats& stats) const override {
    const uint32_t S = map_.w_slices, A = map_.a_waves, SA = S * A;
    uint32_t t_of[kMaxSlices * kMaxSlices], ti_of[kMaxSlices * kMaxSlices];
    bool live[kMaxSlices * kMaxSlices];
    uint64_t live_per_channel = 0, samples_per_channel = 0;
    for (uint32_t i = 0; i < S; ++i)
      for (uint32_t j = 0; j < A; ++j) {
        const uint32_t k = i * A + j;
        t_of[k] = cfg_.samples[i][j];
        ti_of[k] = t_index_[i * kMaxSlices + j];
        live[k] = !(cfg_.skip_zero_waves && !((active_waves >> j) & 1));
        live_per_channel += live[k];
        samples_per_channel += live[k] ? t_of[k] : 0;
      }
    // Names each conversion uniquely within the layer invocation: the counter of (channel n,
    // slice i, wave j) is (((position * N + n) * S + i) * A + j) * chunks + chunk.
    const uint64_t first = (uint64_t(position) * N_ + ch0) * SA * chunks_ + chunk;
    const kernel_table& kern = kernels();
    bool uniform = live_per_channel == SA;  // no skipped wave and one T for the read
    for (uint32_t k = 1; k < SA; ++k) uniform = uniform && t_of[k] == t_of[0];
    if (kern.mtj_counts && vector_ok_ && uniform && uint64_t(count) * SA < (uint64_t{1} << 21)) {
      const uint64_t switches =
          kern.mtj_counts(mtj_count_args{ps, codes, count, SA, t_of[0], lo_.data() + ch0, hi_.data() + ch0,
                                         off_.data() + size_t(ti_of[0]) * N_ + ch0, flat_thr_.data(), key, first,
                                         chunks_});
      stats.conversions += count * live_per_channel;
      stats.samples += count * samples_per_channel;
      stats.switches += switches;
      return;
    }
    constexpr uint32_t kBlock = 1024;
    uint32_t draws[kBlock];
    const uint32_t per_block = SA <= kBlock ? kBlock / SA : 1;
    uint64_t switches = 0;
    for (uint32_t c0 = 0; c0 < count; c0 += per_block) {
      const uint32_t cn = std::min(per_block, count - c0);
      kern.uniform32_run(key, first + uint64_t(c0) * SA * chunks_, chunks_, cn * SA, draws);
      for (uint32_t c = c0; c < c0 + cn; ++c) {
        const uint32_t n = ch0 + c;
        const table& tb = tables_[n];
        const int32_t* in = ps + size_t(c) * SA;
        int32_t* out = codes + size_t(c) * SA;
        const uint32_t* u = draws + size_t(c - c0) * SA;
        for (uint32_t k = 0; k < SA; ++k) {
          if (!live[k]) {
            out[k] = 0;
            continue;
          }
          const uint32_t t = t_of[k];
          uint32_t switched;
          if (tb.tabulated) {
            const uint32_t e = static_cast<uint32_t>(std::clamp(in[k], tb.lo, tb.hi) - tb.lo);
            switched = count_below(&tb.thr[ti_of[k]][size_t(e) * t], t, u[k]);
          } else {
            switched = count_untabulated(n, in[k], t, u[k]);
          }
          switches += switched;
          out[k] = 2 * static_cast<int32_t>(switched) - static_cast<int32_t>(t);
        }
      }
    }
    stats.conversions += count * live_per_channel;
    stats.skipped += count * (SA - live_per_channel);
    stats.samples += count * samples_per_channel;
    stats.switches += switches;
  }

 private:
  // Per channel: CDF thresholds of the count for each PS value of the unclamped window.
  struct table {
    int32_t lo = 0, hi = 0;  // tabulated PS window; PS outside it clamps into it
    bool tabulated = false;  // false: the window is too wide, thresholds computed per draw
    std::vector<std::vector<uint32_t>> thr;  // per distinct T: (hi - lo + 1) x T thresholds
  };

  void build_tables() {
    tables_.resize(N_);
    const int64_t max_ps = map_.max_abs_ps;
    for (uint32_t n = 0; n < N_; ++n) {
      table& tb = tables_[n];
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
          const double p = switching_probability(cfg_, detail::drive(g, b, ps));
          binomial_thresholds(p, t, &tb.thr[ti][e * t]);
        }
      }
    }
    build_vector_tables();
  }

  // The vector kernel's view of the tables: one array with 32-bit offsets per (T, channel),
  // the windows side by side; only when every channel is tabulated and the offsets fit.
  void build_vector_tables() {
    vector_ok_ = false;
    size_t total = 0;
    for (const table& tb : tables_) {
      if (!tb.tabulated) return;
      for (const auto& v : tb.thr) total += v.size();
    }
    if (total >= (size_t{1} << 31)) return;
    flat_thr_.reserve(total);
    off_.resize(t_values_.size() * N_);
    lo_.resize(N_);
    hi_.resize(N_);
    for (size_t ti = 0; ti < t_values_.size(); ++ti)
      for (uint32_t n = 0; n < N_; ++n) {
        off_[ti * N_ + n] = static_cast<uint32_t>(flat_thr_.size());
        flat_thr_.insert(flat_thr_.end(), tables_[n].thr[ti].begin(), tables_[n].thr[ti].end());
      }
    for (uint32_t n = 0; n < N_; ++n) {
      lo_[n] = tables_[n].lo;
      hi_[n] = tables_[n].hi;
    }
    vector_ok_ = true;
  }

  uint32_t count_untabulated(uint32_t ch, int32_t ps, uint32_t t, uint32_t u) const {
    const float g = cfg_.gain.empty() ? 1.0f : cfg_.gain[ch];
    const float b = cfg_.bias.empty() ? 0.0f : cfg_.bias[ch];
    uint32_t thr[256];
    binomial_thresholds(switching_probability(cfg_, detail::drive(g, b, ps)), t, thr);
    return count_below(thr, t, u);
  }

  std::vector<uint32_t> t_values_;                 // distinct T of the layer
  uint8_t t_index_[kMaxSlices * kMaxSlices] = {};  // (slice, wave) -> index into t_values_
  std::vector<table> tables_;
  bool vector_ok_ = false;
  std::vector<uint32_t> flat_thr_, off_;  // off_[ti * N + n]
  std::vector<int32_t> lo_, hi_;
};

}  // namespace

std::unique_ptr<converter_kernel> mtj_design::build(const converter_config& cfg, const xbar_mapping& m,
                                                    uint32_t N, uint32_t chunks) const {
  return std::make_unique<mtj_kernel>(*this, cfg, m, N, chunks);
}

double mtj_design::area_um2(const converter_figures& f, const converter_config&) const { return f.mtj_area_um2; }

double mtj_design::leakage_mw(const converter_figures& f, const converter_config&) const { return f.mtj_leakage_mw; }

double mtj_design::wave_ns(const converter_figures& f, const converter_config& c, const xbar_mapping& m,
                           uint32_t wave) const {
  // Each sample re-drives the columns for its write pulse, then reads and resets the MTJ.
  const double cols = c.cols_per_converter;
  return (f.mtj_write_ns + f.mtj_read_ns + f.mtj_reset_ns) * max_t(c, m, wave) * cols;
}

double mtj_design::array_pulses(const converter_config& c, const xbar_mapping& m, uint32_t wave) const {
  return max_t(c, m, wave);
}

double mtj_design::pulse_scale(const converter_figures& f) const { return f.mtj_write_ns / f.read_latency_ns; }

double mtj_design::energy_pj(const converter_figures& f, const converter_config&, const converter_stats& spent) const {
  const uint64_t resets = f.mtj_reset_after_switch ? spent.switches : spent.samples;
  return spent.samples * (f.mtj_write_energy_pj + f.mtj_read_energy_pj) + resets * f.mtj_reset_energy_pj;
}

}  // namespace stoxvp::core
