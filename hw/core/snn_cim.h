// The FlexSpIM spiking CIM macro's arithmetic (docs/snn-cim.md): integrate-and-fire layers run
// event-driven and layer-first, weights W (B_w bits) and membrane potentials V (B_v bits) in one
// bit-cell array. Plain C++17, no SystemC: the accelerator's snn_cim kind, the benchmarks and
// the tests use it directly.
//
// Arithmetic (the hardware contract the reference tests/snn/snn_reference.py re-implements):
// - V is a B_v-bit two's-complement number; an input spike adds the weight of every target
//   (sign-extended to B_v bits) into its V with the column full-adders; the carry out of the
//   top bit is dropped, so V wraps modulo 2^B_v (as the array does; training keeps V in range);
// - after all of a layer's input spikes of a timestep, every V >= threshold (signed) fires and
//   is reset: to 0, or V - threshold (wrapping likewise);
// - V persists across timesteps until reset_potentials.
// Two implementations: the fast one adds integers directly; the bit-level one (snn_bit_layer)
// executes the column full-adds, the threshold compare and the reset on bit planes
// (hw/core/bit_plane.h), and tests prove them equal.
#pragma once

#include "bit_plane.h"

#include <cstdint>
#include <string>
#include <vector>

namespace stoxvp::core::snn {

enum class layer_type : uint8_t { conv = 0, fc = 1 };
enum class reset_mode : uint8_t { zero = 0, subtract = 1 };
// Which operand stays in the macro: weight-stationary streams V through the W/V buffers,
// output-stationary streams W; HS-min keeps the smaller (per layer).
enum class stationarity : uint8_t { ws = 0, os = 1, hs_min = 2 };

struct layer_shape {
  layer_type type = layer_type::conv;
  uint16_t in_c = 0, in_h = 0, in_w = 0, out_c = 0;
  uint8_t kernel = 1, stride = 1, pad = 0;
  uint16_t out_h() const;
  uint16_t out_w() const;
  uint32_t inputs() const { return uint32_t(in_c) * in_h * in_w; }
  uint32_t outputs() const { return uint32_t(out_c) * out_h() * out_w(); }
  // Weights: conv out_c x in_c x k x k; fc out_c x inputs() (the input flattened c, y, x).
  // 64-bit: an FC of 2^24 inputs and 256 outputs has 2^32 of them (check_layer bounds it).
  uint64_t weight_count() const;
};

struct layer_config {
  layer_shape shape;
  unsigned w_bits = 8, v_bits = 16;  // 2..16 and 2..32
  int64_t threshold = 1;             // > 0, representable in v_bits
  reset_mode reset = reset_mode::zero;
  stationarity policy = stationarity::hs_min;
};

// Most weights a layer may have: 2^24, as for its inputs and outputs (64 MiB held as int32).
constexpr uint64_t max_weights = uint64_t{1} << 24;

// Checks a layer (shape, bits, threshold); returns "" or the sentence naming the field and value.
std::string check_layer(const layer_config& c);

// Wraps x to a two's-complement `bits`-bit value.
inline int64_t wrap(int64_t x, unsigned bits) {
  const uint64_t m = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  uint64_t u = static_cast<uint64_t>(x) & m;
  if (bits < 64 && (u >> (bits - 1)) & 1u) u |= ~m;
  return static_cast<int64_t>(u);
}

// What one layer did in one timestep (the cost model's inputs).
struct layer_step_stats {
  uint64_t input_spikes = 0, sops = 0, output_spikes = 0;
};

// One layer's state: weights, potentials, output spike counts.
class snn_layer {
 public:
  snn_layer() = default;
  // Weights as integers within +-(2^(w_bits-1) - 1); throws std::invalid_argument otherwise.
  snn_layer(const layer_config& c, std::vector<int32_t> weights);

  const layer_config& config() const { return c_; }
  const std::vector<int32_t>& weights() const { return w_; }
  const std::vector<int64_t>& potentials() const { return v_; }
  const std::vector<uint32_t>& spike_counts() const { return counts_; }
  void reset_potentials();

  // Integrates the input spikes (flat input indices, ascending, distinct), then fires: `out`
  // gets the indices of the output neurons that fired, ascending. Returns what it did.
  layer_step_stats step(const std::vector<uint32_t>& in, std::vector<uint32_t>& out);

  // The targets of input i and the weight each receives: calls f(output index, weight).
  template <class F>
  void for_fanout(uint32_t i, F f) const;
  // Fan-out size of input i (the SOPs one spike of it costs).
  uint32_t fanout(uint32_t i) const;

  // Fires and resets after integration (shared with the bit-level model's test).
  void fire(std::vector<uint32_t>& out);
  std::vector<int64_t>& potentials_mut() { return v_; }
  // Takes a timestep computed elsewhere (the bit-level mode): the potentials after it and the
  // neurons that fired, whose counts go up.
  void commit(const std::vector<int64_t>& v, const std::vector<uint32_t>& fired);

 private:
  layer_config c_;
  std::vector<int32_t> w_;
  std::vector<int64_t> v_;
  std::vector<uint32_t> counts_;
};

template <class F>
void snn_layer::for_fanout(uint32_t i, F f) const {
  const layer_shape& s = c_.shape;
  if (s.type == layer_type::fc) {
    const uint32_t n = s.inputs();
    for (uint32_t o = 0; o < s.out_c; ++o) f(o, w_[size_t(o) * n + i]);
    return;
  }
  const uint32_t hw = uint32_t(s.in_h) * s.in_w;
  const int ci = int(i / hw), y = int(i % hw) / s.in_w, x = int(i % hw) % s.in_w;
  const int k = s.kernel, st = s.stride, p = s.pad, oh = s.out_h(), ow = s.out_w();
  // Output (oy, ox) sees input (oy*st - p + ky, ox*st - p + kx): solve for ky, kx.
  for (int ky = 0; ky < k; ++ky) {
    const int ny = y + p - ky;
    if (ny < 0 || ny % st) continue;
    const int oy = ny / st;
    if (oy >= oh) continue;
    for (int kx = 0; kx < k; ++kx) {
      const int nx = x + p - kx;
      if (nx < 0 || nx % st) continue;
      const int ox = nx / st;
      if (ox >= ow) continue;
      for (int co = 0; co < s.out_c; ++co)
        f(uint32_t((co * oh + oy) * ow + ox), w_[((size_t(co) * s.in_c + ci) * k + ky) * k + kx]);
    }
  }
}

// A network: layers in order, layer l's outputs are layer l+1's inputs.
class snn_network {
 public:
  std::vector<snn_layer> layers;
  // One timestep, layer-first: input spikes of layer 0; returns per-layer stats.
  std::vector<layer_step_stats> step(const std::vector<uint32_t>& in);
  void reset_potentials();
 private:
  std::vector<uint32_t> a_, b_;
};

// The bit-level mode: one layer's potentials as a B_v-bit field of bit planes (one lane per
// output neuron), its input spikes executed as column full-adds (sign-extended weight bits
// into V, carry rippling from the least significant column up, carry out dropped), the
// threshold compare as a subtraction whose sign is read, and the reset as a masked write or a
// selected difference. For small arrays: each spike costs B_v full-add steps over all lanes.
class snn_bit_layer {
 public:
  // `operand_cols`: the shape of a V operand, operand_cols columns by ceil(v_bits / operand_cols)
  // rows (0: one row of v_bits columns). Each operand row is one phase of full-adds; the column
  // periphery's carry register holds the carry from one row's top column to the next row's
  // bottom one (the carry-in select of FlexSpIM's columns).
  explicit snn_bit_layer(const snn_layer& functional_twin, unsigned operand_cols = 0);
  uint64_t row_phases() const { return row_phases_; }
  layer_step_stats step(const std::vector<uint32_t>& in, std::vector<uint32_t>& out);
  int64_t potential(uint32_t o) const;
  uint64_t full_add_steps() const { return full_add_steps_; }

 private:
  const snn_layer& f_;  // the weights and the configuration (not its potentials)
  plane_field v_;
  unsigned cols_;
  uint64_t full_add_steps_ = 0, row_phases_ = 0;
};

}  // namespace stoxvp::core::snn
