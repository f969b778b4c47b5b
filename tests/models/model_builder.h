// Builds small, valid model files in memory for the reader's tests: a crossbar convolution
// (MTJ converter, parameter block with all arrays) followed by a full-precision classifier.
#pragma once

#include "stoxvp_model.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace stoxvp::test {

struct model_bytes {
  std::vector<uint8_t> data;
  stoxvp_model_header& header() { return *reinterpret_cast<stoxvp_model_header*>(data.data()); }
  stoxvp_model_layer& layer(int i) {
    return *reinterpret_cast<stoxvp_model_layer*>(data.data() + 64 + 64 * i);
  }
  stoxvp_layer_params& params(int i) {
    return *reinterpret_cast<stoxvp_layer_params*>(data.data() + layer(i).params_offset);
  }
  void refresh_crc() {
    header().crc32 = 0;
    header().crc32 = stoxvp_crc32(0, data.data(), data.size());
  }
};

// 1x4x4 input -> XBAR_CONV 3x3 pad 1 to 4 channels (int8) -> DIGITAL_CONV 4x4 kernel to 3
// classes (float32).
inline model_bytes small_model() {
  model_bytes m;
  const uint32_t w0 = 4 * 9, w1 = 3 * 4 * 16;
  const uint32_t p0 = sizeof(stoxvp_layer_params) + 4 * 4 * 4, p1 = sizeof(stoxvp_layer_params) + 2 * 3 * 4;
  const uint32_t off_w0 = 64 + 2 * 64, off_p0 = off_w0 + 36, off_w1 = off_p0 + p0, off_p1 = off_w1 + w1;
  m.data.assign(off_p1 + p1, 0);
  auto& h = m.header();
  std::memcpy(h.magic, "SXVM", 4);
  h.version = 1;
  h.header_bytes = 64;
  h.file_bytes = static_cast<uint32_t>(m.data.size());
  h.layer_count = 2;
  h.layer_table_offset = 64;
  h.layer_entry_bytes = 64;
  h.input_channels = 1;
  h.input_h = h.input_w = 4;
  h.input_bits = 8;
  h.classes = 3;
  h.input_scale = 0.5f;
  std::memcpy(h.name, "tiny", 4);
  auto& a = m.layer(0);
  a.type = STOXVP_LAYER_XBAR_CONV;
  a.activation = STOXVP_ACT_HARDTANH;
  a.out_format = STOXVP_OUT_INT8;
  a.out_bits = 4;
  a.in_channels = 1;
  a.in_h = a.in_w = 4;
  a.out_channels = 4;
  a.kernel_h = a.kernel_w = 3;
  a.stride = 1;
  a.pad = 1;
  a.w_bits = 4;
  a.w_slice = 1;
  a.a_bits = 8;
  a.a_stream = 7;
  a.weights_offset = off_w0;
  a.weights_bytes = w0;
  a.params_offset = off_p0;
  a.params_bytes = p0;
  for (uint32_t i = 0; i < w0; ++i) m.data[off_w0 + i] = static_cast<uint8_t>(static_cast<int8_t>(int(i % 15) - 7));
  auto& pa = m.params(0);
  pa.converter = STOXVP_CONV_MTJ;
  pa.cols_per_converter = 1;
  pa.curve_a = 4;
  pa.flags = STOXVP_PARAMS_F_OUT_AFFINE | STOXVP_PARAMS_F_DRIVE;
  std::memset(pa.samples, 4, sizeof pa.samples);
  float* f = reinterpret_cast<float*>(m.data.data() + off_p0 + sizeof(stoxvp_layer_params));
  for (int i = 0; i < 16; ++i) f[i] = 0.5f;
  auto& b = m.layer(1);
  b.type = STOXVP_LAYER_DIGITAL_CONV;
  b.out_format = STOXVP_OUT_FLOAT32;
  b.input = 1;
  b.in_channels = 4;
  b.in_h = b.in_w = 4;
  b.out_channels = 3;
  b.kernel_h = b.kernel_w = 4;
  b.stride = 1;
  b.w_bits = 8;
  b.a_bits = 4;
  b.weights_offset = off_w1;
  b.weights_bytes = w1;
  b.params_offset = off_p1;
  b.params_bytes = p1;
  for (uint32_t i = 0; i < w1; ++i) m.data[off_w1 + i] = static_cast<uint8_t>(static_cast<int8_t>(int(i % 255) - 127));
  auto& pb = m.params(1);
  pb.cols_per_converter = 1;
  pb.flags = STOXVP_PARAMS_F_OUT_AFFINE;
  m.refresh_crc();
  return m;
}

// One layer of chain_model(): each reads the previous tensor.
struct layer_spec {
  uint8_t type;  // STOXVP_LAYER_DIGITAL_CONV, MAX_POOL or AVG_POOL
  uint16_t out_channels;  // convolutions; pooling keeps the channels
  uint8_t kernel_h, kernel_w, stride, pad;
};

// A chain of digital convolutions and pooling layers on a c x h x w input, without parameter
// blocks, all weights 0. Shapes are derived as a 32-bit writer would and stored in the 16-bit
// fields as they come out, so a chain whose sizes do not fit is written exactly as a careless
// tool would write it (for the reader to refuse).
inline model_bytes chain_model(uint16_t c, uint16_t h, uint16_t w, uint16_t classes,
                               const std::vector<layer_spec>& layers) {
  model_bytes m;
  const uint32_t n = static_cast<uint32_t>(layers.size());
  std::vector<uint32_t> woff(n), wbytes(n);
  uint32_t at = 64 + 64 * n;
  {
    uint16_t ci = c, hi = h, wi = w;
    for (uint32_t i = 0; i < n; ++i) {
      const auto& s = layers[i];
      const bool conv = s.type == STOXVP_LAYER_DIGITAL_CONV;
      const uint16_t co = conv ? s.out_channels : ci;
      const uint8_t kw = conv ? s.kernel_w : s.kernel_h;
      wbytes[i] = conv ? uint32_t(ci) * s.kernel_h * kw * co : 0;
      woff[i] = conv ? at : 0;
      at += (wbytes[i] + 3) / 4 * 4;
      hi = static_cast<uint16_t>((uint32_t(hi) + 2u * s.pad - s.kernel_h) / s.stride + 1);
      wi = static_cast<uint16_t>((uint32_t(wi) + 2u * s.pad - kw) / s.stride + 1);
      ci = co;
    }
  }
  m.data.assign(at, 0);
  auto& hd = m.header();
  std::memcpy(hd.magic, "SXVM", 4);
  hd.version = 1;
  hd.header_bytes = 64;
  hd.file_bytes = at;
  hd.layer_count = n;
  hd.layer_table_offset = 64;
  hd.layer_entry_bytes = 64;
  hd.input_channels = c;
  hd.input_h = h;
  hd.input_w = w;
  hd.input_bits = 8;
  hd.classes = classes;
  hd.input_scale = 0.5f;
  std::memcpy(hd.name, "chain", 5);
  uint16_t ci = c, hi = h, wi = w;
  for (uint32_t i = 0; i < n; ++i) {
    const auto& s = layers[i];
    const bool conv = s.type == STOXVP_LAYER_DIGITAL_CONV;
    auto& l = m.layer(static_cast<int>(i));
    l.type = s.type;
    l.out_format = i + 1 == n ? STOXVP_OUT_FLOAT32 : STOXVP_OUT_INT8;
    l.out_bits = i + 1 == n ? 0 : 8;
    l.input = static_cast<uint16_t>(i);
    l.in_channels = ci;
    l.in_h = hi;
    l.in_w = wi;
    l.out_channels = conv ? s.out_channels : ci;
    l.kernel_h = s.kernel_h;
    l.kernel_w = conv ? s.kernel_w : s.kernel_h;
    l.stride = s.stride;
    l.pad = s.pad;
    if (conv) {
      l.w_bits = l.a_bits = 8;
      l.weights_offset = woff[i];
      l.weights_bytes = wbytes[i];
    }
    hi = static_cast<uint16_t>((uint32_t(hi) + 2u * s.pad - l.kernel_h) / s.stride + 1);
    wi = static_cast<uint16_t>((uint32_t(wi) + 2u * s.pad - l.kernel_w) / s.stride + 1);
    ci = l.out_channels;
  }
  m.refresh_crc();
  return m;
}

}  // namespace stoxvp::test
