#include "sense_amp.h"

#include "conversion_loop.h"

namespace stoxvp::core {
namespace {

class sense_amp_kernel final : public converter_kernel {
 public:
  sense_amp_kernel(const converter_design& d, const converter_config& cfg, const xbar_mapping& m, uint32_t N,
                   uint32_t chunks)
      : converter_kernel(d, cfg, m, N, chunks) {
    check_drive_sizes();
    check_finite_drive();
  }

  void convert(const int32_t* ps, int32_t* codes, uint32_t ch0, uint32_t count, uint32_t, uint32_t,
               uint32_t active_waves, uint64_t, converter_stats& stats) const override {
    const float threshold = static_cast<float>(cfg_.sa_threshold);
    detail::convert_each(ps, codes, count, map_.w_slices, map_.a_waves, cfg_.skip_zero_waves, active_waves, stats,
                         [&](uint32_t c, uint32_t, uint32_t, int32_t v) {
                           const uint32_t n = ch0 + c;
                           const float g = cfg_.gain.empty() ? 1.0f : cfg_.gain[n];
                           const float b = cfg_.bias.empty() ? 0.0f : cfg_.bias[n];
                           ++stats.conversions;
                           return detail::drive(g, b, v) > threshold ? 1 : -1;
                         });
  }
};

}  // namespace

std::unique_ptr<converter_kernel> sense_amp_design::build(const converter_config& cfg, const xbar_mapping& m,
                                                          uint32_t N, uint32_t chunks) const {
  return std::make_unique<sense_amp_kernel>(*this, cfg, m, N, chunks);
}

double sense_amp_design::area_um2(const converter_figures& f, const converter_config&) const {
  return f.sense_amp_area_um2;
}

double sense_amp_design::leakage_mw(const converter_figures& f, const converter_config&) const {
  return f.sense_amp_leakage_mw;
}

double sense_amp_design::wave_ns(const converter_figures& f, const converter_config& c, const xbar_mapping&,
                                 uint32_t) const {
  const double cols = c.cols_per_converter;
  return f.read_latency_ns + f.sense_amp_latency_ns * cols;
}

double sense_amp_design::energy_pj(const converter_figures& f, const converter_config&,
                                   const converter_stats& spent) const {
  return spent.conversions * f.sense_amp_energy_pj;
}

}  // namespace stoxvp::core
