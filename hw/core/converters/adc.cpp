#include "adc.h"

#include "conversion_loop.h"

#include <algorithm>
#include <cmath>

namespace stoxvp::core {
namespace {

class adc_kernel final : public converter_kernel {
 public:
  adc_kernel(const converter_design& d, const converter_config& cfg, const xbar_mapping& m, uint32_t N,
             uint32_t chunks)
      : converter_kernel(d, cfg, m, N, chunks) {
    if (cfg_.adc_bits < 1 || cfg_.adc_bits > 24) bad("adc_bits = " + std::to_string(cfg_.adc_bits) + ", supported 1..24");
    double range = cfg_.adc_range;
    if (range == 0) {
      range = 1;
      while (range < static_cast<double>(map_.max_abs_ps)) range *= 2;
    }
    if (!(range > 0) || !std::isfinite(range)) bad("adc_range = " + std::to_string(cfg_.adc_range) + " must be positive");
    lsb_ = range / std::ldexp(1.0, static_cast<int>(cfg_.adc_bits) - 1);
    code_max_ = static_cast<int32_t>((int64_t{1} << (cfg_.adc_bits - 1)) - 1);
    code_min_ = -code_max_ - 1;
    check_finite_drive();
    code_scale_ = lsb_;
  }

  void convert(const int32_t* ps, int32_t* codes, uint32_t, uint32_t count, uint32_t, uint32_t,
               uint32_t active_waves, uint64_t, converter_stats& stats) const override {
    const double lsb = lsb_, lo = code_min_, hi = code_max_;
    detail::convert_each(ps, codes, count, map_.w_slices, map_.a_waves, cfg_.skip_zero_waves, active_waves, stats,
                         [&](uint32_t, uint32_t, uint32_t, int32_t v) {
                           const double code = std::floor(static_cast<double>(v) / lsb + 0.5);
                           ++stats.conversions;
                           return static_cast<int32_t>(std::clamp(code, lo, hi));
                         });
  }

 private:
  double lsb_ = 1;
  int32_t code_min_ = 0, code_max_ = 0;
};

}  // namespace

std::unique_ptr<converter_kernel> adc_design::build(const converter_config& cfg, const xbar_mapping& m,
                                                    uint32_t N, uint32_t chunks) const {
  return std::make_unique<adc_kernel>(*this, cfg, m, N, chunks);
}

std::string adc_design::missing_figures(const converter_figures& f, const converter_config& c) const {
  if (c.adc_bits < f.adc_defined.size() && f.adc_defined[c.adc_bits]) return {};
  return "a " + std::to_string(c.adc_bits) + "-bit ADC has no figures in the technology's " + f.adc_model + " model";
}

double adc_design::area_um2(const converter_figures& f, const converter_config& c) const {
  return f.adc_area_um2[c.adc_bits];
}

double adc_design::leakage_mw(const converter_figures& f, const converter_config&) const { return f.adc_leakage_mw; }

double adc_design::wave_ns(const converter_figures& f, const converter_config& c, const xbar_mapping&,
                           uint32_t) const {
  // One ADC serves cols_per_converter column pairs one after the other.
  const double cols = c.cols_per_converter;
  return f.read_latency_ns + f.adc_conversion_ns[c.adc_bits] * cols;
}

double adc_design::energy_pj(const converter_figures& f, const converter_config& c,
                             const converter_stats& spent) const {
  return spent.conversions * f.adc_energy_pj[c.adc_bits];
}

}  // namespace stoxvp::core
