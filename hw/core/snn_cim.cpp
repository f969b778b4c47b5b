#include "snn_cim.h"

#include <algorithm>
#include <stdexcept>
#include <tuple>

namespace stoxvp::core::snn {

namespace {
// Output extent of a convolution computed wide: in 16 bits in_h 65535, kernel 2, pad 1 gives
// 65536, which wraps to 0 (a layer of no neurons).
int64_t conv_extent(uint16_t in, uint8_t pad, uint8_t kernel, uint8_t stride) {
  return (int64_t(in) + 2 * int64_t(pad) - kernel) / stride + 1;
}
}  // namespace

uint16_t layer_shape::out_h() const {
  if (type == layer_type::fc) return 1;
  return static_cast<uint16_t>((in_h + 2 * pad - kernel) / stride + 1);
}
uint16_t layer_shape::out_w() const {
  if (type == layer_type::fc) return 1;
  return static_cast<uint16_t>((in_w + 2 * pad - kernel) / stride + 1);
}
uint64_t layer_shape::weight_count() const {
  if (type == layer_type::fc) return uint64_t(out_c) * inputs();
  return uint64_t(out_c) * in_c * kernel * kernel;
}

std::string check_layer(const layer_config& c) {
  const layer_shape& s = c.shape;
  auto n = [](uint64_t v) { return std::to_string(v); };
  if (s.type != layer_type::conv && s.type != layer_type::fc) return "type = " + n(uint8_t(s.type)) + ", must be 0 (conv) or 1 (fc)";
  if (s.in_c == 0 || s.in_h == 0 || s.in_w == 0)
    return "input shape " + n(s.in_c) + "x" + n(s.in_h) + "x" + n(s.in_w) + " has a zero dimension";
  if (s.out_c == 0) return "out_channels = 0";
  if (s.type == layer_type::conv) {
    if (s.stride == 0) return "stride = 0";
    if (s.kernel == 0 || s.kernel > s.in_h + 2 * s.pad || s.kernel > s.in_w + 2 * s.pad)
      return "kernel = " + n(s.kernel) + " does not fit the " + n(s.in_h) + "x" + n(s.in_w) + " input with pad " + n(s.pad);
    if (s.pad >= s.kernel) return "pad = " + n(s.pad) + ", must be below kernel " + n(s.kernel);
    const int64_t oh = conv_extent(s.in_h, s.pad, s.kernel, s.stride), ow = conv_extent(s.in_w, s.pad, s.kernel, s.stride);
    for (auto [in, out, what] : {std::tuple{s.in_h, oh, "h"}, std::tuple{s.in_w, ow, "w"}})
      if (out < 1 || out > 65535)
        return std::string("in_") + what + " = " + n(in) + " with kernel " + n(s.kernel) + ", stride " + n(s.stride) +
               ", pad " + n(s.pad) + " gives out_" + what + " = " + std::to_string(out) + ", must be 1..65535";
  }
  if (uint64_t(s.out_c) * s.out_h() * s.out_w() > (1u << 24)) return "more than 2^24 output neurons";
  if (uint64_t(s.inputs()) > (1u << 24)) return "more than 2^24 input neurons";
  if (s.weight_count() > max_weights)
    return "out_channels = " + n(s.out_c) + " x " +
           (s.type == layer_type::fc ? "inputs " + n(s.in_c) + "x" + n(s.in_h) + "x" + n(s.in_w)
                                     : "in_channels = " + n(s.in_c) + " x kernel = " + n(s.kernel) + "^2") +
           " gives " + n(s.weight_count()) + " weights, more than 2^24";
  if (c.w_bits < 2 || c.w_bits > 16) return "w_bits = " + n(c.w_bits) + ", supported 2..16";
  if (c.v_bits < 2 || c.v_bits > 32) return "v_bits = " + n(c.v_bits) + ", supported 2..32";
  if (c.v_bits < c.w_bits) return "v_bits = " + n(c.v_bits) + " is below w_bits = " + n(c.w_bits);
  const int64_t vmax = (int64_t{1} << (c.v_bits - 1)) - 1;
  if (c.threshold < 1 || c.threshold > vmax)
    return "threshold = " + std::to_string(c.threshold) + ", must be 1.." + std::to_string(vmax) + " (v_bits " + n(c.v_bits) + ")";
  if (uint8_t(c.reset) > 1) return "reset = " + n(uint8_t(c.reset)) + ", must be 0 (to zero) or 1 (subtract threshold)";
  if (uint8_t(c.policy) > 2) return "stationarity = " + n(uint8_t(c.policy)) + ", must be 0 (WS), 1 (OS) or 2 (HS-min)";
  return "";
}

snn_layer::snn_layer(const layer_config& c, std::vector<int32_t> weights) : c_(c), w_(std::move(weights)) {
  const std::string why = check_layer(c);
  if (!why.empty()) throw std::invalid_argument(why);
  if (w_.size() != c.shape.weight_count())
    throw std::invalid_argument("weights: " + std::to_string(w_.size()) + " given, the layer has " +
                                std::to_string(c.shape.weight_count()));
  const int32_t lim = (1 << (c.w_bits - 1)) - 1;
  for (size_t i = 0; i < w_.size(); ++i)
    if (w_[i] > lim || w_[i] < -lim)
      throw std::invalid_argument("weight " + std::to_string(i) + " = " + std::to_string(w_[i]) + " is outside +-" +
                                  std::to_string(lim) + " (w_bits " + std::to_string(c.w_bits) + ")");
  v_.assign(c.shape.outputs(), 0);
  counts_.assign(c.shape.outputs(), 0);
}

void snn_layer::reset_potentials() {
  std::fill(v_.begin(), v_.end(), 0);
  std::fill(counts_.begin(), counts_.end(), 0);
}

uint32_t snn_layer::fanout(uint32_t i) const {
  uint32_t n = 0;
  for_fanout(i, [&](uint32_t, int32_t) { ++n; });
  return n;
}

void snn_layer::fire(std::vector<uint32_t>& out) {
  out.clear();
  for (uint32_t o = 0; o < v_.size(); ++o) {
    if (v_[o] < c_.threshold) continue;
    out.push_back(o);
    ++counts_[o];
    v_[o] = c_.reset == reset_mode::zero ? 0 : wrap(v_[o] - c_.threshold, c_.v_bits);
  }
}

void snn_layer::commit(const std::vector<int64_t>& v, const std::vector<uint32_t>& fired) {
  if (v.size() != v_.size()) throw std::logic_error("snn_layer::commit: potentials of another layer");
  v_ = v;
  for (uint32_t o : fired) ++counts_.at(o);
}

layer_step_stats snn_layer::step(const std::vector<uint32_t>& in, std::vector<uint32_t>& out) {
  layer_step_stats s;
  s.input_spikes = in.size();
  const unsigned vb = c_.v_bits;
  for (uint32_t i : in)
    for_fanout(i, [&](uint32_t o, int32_t w) {
      v_[o] = wrap(v_[o] + w, vb);
      ++s.sops;
    });
  fire(out);
  s.output_spikes = out.size();
  return s;
}

std::vector<layer_step_stats> snn_network::step(const std::vector<uint32_t>& in) {
  std::vector<layer_step_stats> st;
  st.reserve(layers.size());
  const std::vector<uint32_t>* src = &in;
  for (auto& l : layers) {
    std::vector<uint32_t>& dst = src == &a_ ? b_ : a_;
    st.push_back(l.step(*src, dst));
    src = &dst;
  }
  return st;
}

void snn_network::reset_potentials() {
  for (auto& l : layers) l.reset_potentials();
}

snn_bit_layer::snn_bit_layer(const snn_layer& twin, unsigned operand_cols)
    : f_(twin), v_(twin.potentials().size(), twin.config().v_bits),
      cols_(operand_cols == 0 || operand_cols > twin.config().v_bits ? twin.config().v_bits : operand_cols) {
  for (uint32_t o = 0; o < twin.potentials().size(); ++o) v_.store(o, static_cast<uint64_t>(twin.potentials()[o]));
}

int64_t snn_bit_layer::potential(uint32_t o) const {
  return wrap(static_cast<int64_t>(v_.value(o)), f_.config().v_bits);
}

layer_step_stats snn_bit_layer::step(const std::vector<uint32_t>& in, std::vector<uint32_t>& out) {
  const layer_config& c = f_.config();
  const size_t lanes = v_.lanes();
  const unsigned vb = c.v_bits, wb = c.w_bits;
  layer_step_stats s;
  s.input_spikes = in.size();
  // One spike: its weights enter the W rows of their targets (other lanes hold 0, as standby
  // columns add nothing), then B_v full-add steps from the least significant column; above
  // the weight's top bit the periphery repeats its sign bit (sign extension).
  plane_field w(lanes, wb);
  bit_plane carry(lanes);
  for (uint32_t i : in) {
    for (unsigned b = 0; b < wb; ++b) w[b].fill(false);
    f_.for_fanout(i, [&](uint32_t o, int32_t x) {
      w.store(o, static_cast<uint64_t>(x));
      ++s.sops;
    });
    carry.fill(false);
    // Row by row of the operand's shape; `carry` is the carry register between rows.
    for (unsigned row = 0; row * cols_ < vb; ++row) {
      ++row_phases_;
      for (unsigned c = 0; c < cols_ && row * cols_ + c < vb; ++c) {
        const unsigned b = row * cols_ + c;
        full_add_step(v_[b], w[std::min(b, wb - 1)], carry, v_[b]);
        ++full_add_steps_;
      }
    }
  }
  // Threshold compare: D = V - threshold = V + ~threshold + 1 on B_v + 1 bits (V sign-extended
  // by one column), so D's top bit is the sign of the exact difference: fired = not negative.
  bit_plane ones(lanes, true), zeros(lanes, false);
  plane_field d(lanes, vb + 1);
  carry.fill(true);
  const uint64_t th = static_cast<uint64_t>(c.threshold);
  for (unsigned b = 0; b <= vb; ++b) {
    const bit_plane& vbit = v_[std::min(b, vb - 1)];
    const bool tbit = b < 64 ? (th >> b) & 1u : false;
    full_add_step(vbit, tbit ? zeros : ones, carry, d[b]);  // ~threshold's bit
    ++full_add_steps_;
  }
  bit_plane fired(lanes);
  plane_xor(d[vb], ones, fired);
  // Reset: the fired lanes take 0, or the difference's low B_v bits (V - threshold, wrapped).
  for (unsigned b = 0; b < vb; ++b)
    plane_select(fired, c.reset == reset_mode::zero ? zeros : d[b], v_[b], v_[b]);
  out.clear();
  for (size_t o = 0; o < lanes; ++o)
    if (fired.get(o)) out.push_back(static_cast<uint32_t>(o));
  s.output_spikes = out.size();
  return s;
}

}  // namespace stoxvp::core::snn
