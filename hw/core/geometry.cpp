#include "geometry.h"

#include "stoxvp_regs.h"

#include <algorithm>

namespace stoxvp::core {
namespace {

[[noreturn]] void bad(const std::string& what) { throw layer_error(what); }

uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

}  // namespace

xbar_mapping map_layer(const xbar_layer_shape& s, const xbar_geometry& g) {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) bad(what);
  };
  need(s.K > 0, "K (inputs per output) is 0");
  need(s.N > 0, "N (outputs) is 0");
  need(s.w_bits >= 2 && s.w_bits <= 8, "w_bits = " + std::to_string(s.w_bits) + ", supported 2..8");
  need(s.a_bits >= 2 && s.a_bits <= 8, "a_bits = " + std::to_string(s.a_bits) + ", supported 2..8");
  need(s.w_slice >= 1 && s.w_slice <= s.w_bits - 1,
       "w_slice = " + std::to_string(s.w_slice) + ", must be 1.." + std::to_string(s.w_bits - 1) +
           " (the weight's magnitude bits)");
  need(s.w_slice <= g.cell_bits, "w_slice = " + std::to_string(s.w_slice) +
                                     " exceeds the cell's " + std::to_string(g.cell_bits) + " bits");
  need(s.a_stream >= 1 && s.a_stream <= s.a_bits - 1,
       "a_stream = " + std::to_string(s.a_stream) + ", must be 1.." + std::to_string(s.a_bits - 1) +
           " (the input's magnitude bits)");
  xbar_mapping m{};
  m.w_slice = s.w_slice;
  m.a_stream = s.a_stream;
  m.w_mag_bits = s.w_bits - 1;
  m.a_mag_bits = s.a_bits - 1;
  m.w_slices = ceil_div(m.w_mag_bits, s.w_slice);
  m.a_waves = ceil_div(m.a_mag_bits, s.a_stream);
  m.chunks = ceil_div(s.K, g.rows);
  // The mapping rule is part of the hardware contract: the header's formula, used by firmware.
  m.channels_per_array = stoxvp_xbar_outputs_per_array(g.cols, s.w_bits, s.w_slice);
  need(m.channels_per_array >= 1, "an array of " + std::to_string(g.cols) +
                                      " columns cannot hold one output with " +
                                      std::to_string(m.w_slices) + " differential slice pairs");
  m.groups = ceil_div(s.N, m.channels_per_array);
  const uint64_t arrays = uint64_t(m.chunks) * m.groups;
  need(arrays <= g.arrays, "the layer needs " + std::to_string(arrays) + " arrays (" +
                               std::to_string(m.chunks) + " row chunks x " +
                               std::to_string(m.groups) + " column groups), the chip has " +
                               std::to_string(g.arrays));
  m.arrays = static_cast<uint32_t>(arrays);
  m.max_abs_ps = int64_t(std::min(s.K, g.rows)) * ((1 << s.w_slice) - 1) * ((1 << s.a_stream) - 1);
  return m;
}

}  // namespace stoxvp::core
