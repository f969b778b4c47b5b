#include "layer_params.h"

#include "stoxvp_regs.h"

#include <algorithm>
#include <cstring>

namespace stoxvp::core {

layer_params decode_layer_params(const std::vector<uint8_t>& raw, uint32_t N) {
  layer_params lp;
  if (raw.empty()) return lp;
  stoxvp_layer_params h;
  std::memcpy(&h, raw.data(), sizeof h);
  const uint8_t* at = raw.data() + sizeof h;
  auto floats = [&at](std::vector<float>& v, size_t n) {
    v.resize(n);
    std::memcpy(v.data(), at, n * 4);
    at += n * 4;
  };
  if (h.flags & STOXVP_PARAMS_F_OUT_AFFINE) {
    floats(lp.out_scale, N);
    floats(lp.out_bias, N);
  }
  converter_config& c = lp.converter;
  if (h.flags & STOXVP_PARAMS_F_DRIVE) {
    floats(c.gain, N);
    floats(c.bias, N);
  }
  if (h.curve == STOXVP_CURVE_TABLE) {
    std::vector<float> t;
    floats(t, h.table_len);
    c.curve_table.assign(t.begin(), t.end());
  }
  c.kind = static_cast<converter_kind>(h.converter);
  c.adc_bits = h.adc_bits;
  c.adc_range = h.adc_range;
  c.cols_per_converter = std::max<uint32_t>(1, h.cols_per_converter);
  c.sa_threshold = h.sa_threshold;
  c.curve = mtj_curve{h.curve_a, h.curve_b};
  std::memcpy(c.samples, h.samples, sizeof c.samples);
  return lp;
}

void decode_output_affine(const std::vector<uint8_t>& raw, uint32_t N, std::vector<float>& scale,
                          std::vector<float>& bias) {
  scale.clear();
  bias.clear();
  if (raw.empty()) return;
  stoxvp_layer_params h;
  std::memcpy(&h, raw.data(), sizeof h);
  if (!(h.flags & STOXVP_PARAMS_F_OUT_AFFINE)) return;
  // The output arrays come first after the header (stoxvp_regs.h), as decode_layer_params reads them.
  const uint8_t* at = raw.data() + sizeof h;
  scale.resize(N);
  bias.resize(N);
  std::memcpy(scale.data(), at, size_t(N) * 4);
  std::memcpy(bias.data(), at + size_t(N) * 4, size_t(N) * 4);
}

}  // namespace stoxvp::core
