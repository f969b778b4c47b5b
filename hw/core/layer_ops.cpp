#include "layer_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace stoxvp::core {
namespace {

int8_t quantise(float z, activation act, uint32_t out_bits) {
  const float qmax = static_cast<float>((1 << (out_bits - 1)) - 1);
  const float lo = act == activation::relu ? 0.0f : -qmax;
  const float q = std::floor(z + 0.5f);
  return static_cast<int8_t>(std::clamp(q, lo, qmax));
}

}  // namespace

uint64_t program_layer(const int8_t* w, const xbar_layer_shape& s, const xbar_mapping& m,
                       crossbar_array* const* arrays) {
  uint64_t cells = 0;
  for (uint32_t a = 0; a < m.arrays; ++a) {
    const uint32_t chunk = a / m.groups, group = a % m.groups;
    const uint32_t r0 = chunk * arrays[a]->rows();
    const uint32_t k_rows = std::min(arrays[a]->rows(), s.K - r0);
    const uint32_t ch0 = group * m.channels_per_array;
    const uint32_t channels = std::min(m.channels_per_array, s.N - ch0);
    cells += arrays[a]->program(w + size_t(ch0) * s.K + r0, s.K, k_rows, channels, s.w_bits,
                                s.w_slice);
  }
  return cells;
}

array_slot layer_slot(const crossbar_array* array, uint32_t index, const xbar_mapping& m) {
  return array_slot{array, index / m.groups, (index % m.groups) * m.channels_per_array};
}

void run_arrays(const packed_input& in, const array_slot* slots, size_t n,
                const converter_bank& conv, uint64_t key, uint32_t N, int64_t* acc,
                datapath_stats& stats) {
  const uint32_t a_mag = in.mag_bits();
  const xbar_mapping& m_ = conv.map();
  const uint32_t S = m_.w_slices, A = m_.a_waves;
  std::vector<int32_t> ps, codes;
  int64_t mult[kMaxSlices * kMaxSlices];
  for (uint32_t i = 0; i < S; ++i)
    for (uint32_t j = 0; j < A; ++j) mult[i * A + j] = conv.multiplier(i, j);
  for (size_t s = 0; s < n; ++s) {
    const array_slot& slot = slots[s];
    const uint32_t channels = slot.array->channels();
    ps.resize(size_t(channels) * S * A);
    codes.resize(ps.size());
    for (uint32_t p = 0; p < in.positions(); ++p) {
      const uint32_t waves = in.active_waves(p, slot.chunk);
      stats.bit_macs += slot.array->read(in.planes(p, slot.chunk), a_mag, m_.a_stream, ps.data());
      stats.array_reads += A;
      conv.convert(ps.data(), codes.data(), slot.ch0, channels, p, slot.chunk, waves, key,
                   stats.conv);
      int64_t* row = acc + size_t(p) * N + slot.ch0;
      for (uint32_t c = 0; c < channels; ++c) {
        const int32_t* code = codes.data() + size_t(c) * S * A;
        int64_t sum = 0;
        for (uint32_t k = 0; k < S * A; ++k) sum += int64_t{code[k]} * mult[k];
        row[c] += sum;
      }
    }
    stats.macs += uint64_t(in.positions()) * slot.array->k_rows() * channels;
  }
}

void output_stage(const int64_t* acc, uint32_t positions, uint32_t N, float code_scale,
                  const output_params& p, void* out) {
  output_stage_with(kernels(), acc, positions, N, code_scale, p, out);
}

void output_stage_with(const kernel_table& kern, const int64_t* acc, uint32_t positions, uint32_t N,
                       float code_scale, const output_params& p, void* out) {
  if (p.format == out_format::int8) {
    const float qmax = static_cast<float>((1 << (p.out_bits - 1)) - 1);
    const float lo = p.act == activation::relu ? 0.0f : -qmax;
    for (uint32_t n = 0; n < N; ++n) {
      const float m = (p.scale.empty() ? 1.0f : p.scale[n]) * code_scale;
      const float b = p.bias.empty() ? 0.0f : p.bias[n];
      kern.output_int8(acc + n, positions, N, m, b, lo, qmax, static_cast<int8_t*>(out) + size_t(n) * positions);
    }
    return;
  }
  if (p.format == out_format::int32) {
    auto* o = static_cast<int32_t*>(out);
    for (uint32_t n = 0; n < N; ++n)
      for (uint32_t q = 0; q < positions; ++q)
        o[size_t(n) * positions + q] =
            static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(acc[size_t(q) * N + n])));
    return;
  }
  for (uint32_t n = 0; n < N; ++n) {
    const float m = (p.scale.empty() ? 1.0f : p.scale[n]) * code_scale;
    const float b = p.bias.empty() ? 0.0f : p.bias[n];
    for (uint32_t q = 0; q < positions; ++q) {
      const float z = static_cast<float>(acc[size_t(q) * N + n]) * m + b;
      const size_t o = size_t(n) * positions + q;
      if (p.format == out_format::int8) {
        static_cast<int8_t*>(out)[o] = quantise(z, p.act, p.out_bits);
      } else {
        float v = z;
        if (p.act == activation::relu) v = std::max(v, 0.0f);
        if (p.act == activation::hardtanh) v = std::clamp(v, -1.0f, 1.0f);
        static_cast<float*>(out)[o] = v;
      }
    }
  }
}

void digital_conv(const int8_t* x, const conv_shape& s, const int8_t* w, int64_t* acc) {
  digital_conv_with(kernels(), x, s, w, acc);
}

void digital_conv_with(const kernel_table& kern, const int8_t* x, const conv_shape& s, const int8_t* w,
                       int64_t* acc) {
  const uint32_t K = s.K(), N = s.out_channels;
  std::vector<int8_t> row(K);
  if (K >= (1u << 17)) {  // beyond what 32-bit sums hold exactly (kernels.h): 64-bit sums
    for (uint32_t p = 0; p < s.positions(); ++p) {
      im2col_row(x, s, p, row.data());
      for (uint32_t n = 0; n < N; ++n) {
        const int8_t* wn = w + size_t(n) * K;
        int64_t sum = 0;
        for (uint32_t k = 0; k < K; ++k) sum += int32_t{row[k]} * int32_t{wn[k]};
        acc[size_t(p) * N + n] = sum;
      }
    }
    return;
  }
  // Outputs side by side: the weights transposed to [k][n] once per layer.
  std::vector<int16_t> w_t(size_t(K) * N);
  for (uint32_t n = 0; n < N; ++n)
    for (uint32_t k = 0; k < K; ++k) w_t[size_t(k) * N + n] = w[size_t(n) * K + k];
  for (uint32_t p = 0; p < s.positions(); ++p) {
    im2col_row(x, s, p, row.data());
    kern.digital_dot(row.data(), K, w_t.data(), N, acc + size_t(p) * N);
  }
}

void pool(const int8_t* x, const pool_shape& s, pool_kind kind, int8_t* out) {
  const uint32_t oh = s.out_h(), ow = s.out_w(), n = s.kernel * s.kernel;
  for (uint32_t c = 0; c < s.channels; ++c) {
    const int8_t* plane = x + size_t(c) * s.in_h * s.in_w;
    for (uint32_t y = 0; y < oh; ++y)
      for (uint32_t xo = 0; xo < ow; ++xo) {
        int best = -128, sum = 0;
        for (uint32_t ky = 0; ky < s.kernel; ++ky)
          for (uint32_t kx = 0; kx < s.kernel; ++kx) {
            const int v = plane[size_t(y * s.stride + ky) * s.in_w + xo * s.stride + kx];
            best = std::max(best, v);
            sum += v;
          }
        const int v = kind == pool_kind::max
                          ? best
                          : static_cast<int>(std::floor(static_cast<double>(sum) / n + 0.5));
        out[(size_t(c) * oh + y) * ow + xo] = static_cast<int8_t>(v);
      }
  }
}

void residual_add(const int8_t* a, const int8_t* b, size_t count, float scale_a, float scale_b,
                  activation act, uint32_t out_bits, int8_t* out) {
  for (size_t i = 0; i < count; ++i)
    out[i] = quantise(static_cast<float>(a[i]) * scale_a + static_cast<float>(b[i]) * scale_b,
                      act, out_bits);
}

}  // namespace stoxvp::core
