#include "ideal.h"

#include "conversion_loop.h"

namespace stoxvp::core {
namespace {

class ideal_kernel final : public converter_kernel {
 public:
  ideal_kernel(const converter_design& d, const converter_config& cfg, const xbar_mapping& m, uint32_t N,
               uint32_t chunks)
      : converter_kernel(d, cfg, m, N, chunks) {
    check_finite_drive();
  }

  void convert(const int32_t* ps, int32_t* codes, uint32_t, uint32_t count, uint32_t, uint32_t,
               uint32_t active_waves, uint64_t, converter_stats& stats) const override {
    detail::convert_each(ps, codes, count, map_.w_slices, map_.a_waves, cfg_.skip_zero_waves, active_waves, stats,
                         [](uint32_t, uint32_t, uint32_t, int32_t v) { return v; });
  }
};

}  // namespace

std::unique_ptr<converter_kernel> ideal_design::build(const converter_config& cfg, const xbar_mapping& m,
                                                      uint32_t N, uint32_t chunks) const {
  return std::make_unique<ideal_kernel>(*this, cfg, m, N, chunks);
}

double ideal_design::wave_ns(const converter_figures& f, const converter_config&, const xbar_mapping&,
                             uint32_t) const {
  return f.read_latency_ns;
}

}  // namespace stoxvp::core
