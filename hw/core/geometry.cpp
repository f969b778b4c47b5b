#include "geometry.h"

#include "stoxvp_regs.h"

#include <algorithm>

namespace stoxvp::core {
namespace {

[[noreturn]] void bad(const std::string& what) { throw layer_error(what); }

uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

}  // namespace

xbar_mapping map_layer(const xbar_layer_shape& s, const xbar_geometry& g) {
  // Runs for every crossbar layer of every image on the platform: the refusals' texts are
  // built only when refusing.
  if (s.K == 0) bad("K (inputs per output) is 0");
  if (s.N == 0) bad("N (outputs) is 0");
  if (s.w_bits < 2 || s.w_bits > 8) bad("w_bits = " + std::to_string(s.w_bits) + ", supported 2..8");
  if (s.a_bits < 2 || s.a_bits > 8) bad("a_bits = " + std::to_string(s.a_bits) + ", supported 2..8");
  if (s.w_slice < 1 || s.w_slice > s.w_bits - 1)
    bad("w_slice = " + std::to_string(s.w_slice) + ", must be 1.." + std::to_string(s.w_bits - 1) +
        " (the weight's magnitude bits)");
  if (s.w_slice > g.cell_bits)
    bad("w_slice = " + std::to_string(s.w_slice) + " exceeds the cell's " + std::to_string(g.cell_bits) + " bits");
  if (s.a_stream < 1 || s.a_stream > s.a_bits - 1)
    bad("a_stream = " + std::to_string(s.a_stream) + ", must be 1.." + std::to_string(s.a_bits - 1) +
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
  if (m.channels_per_array < 1)
    bad("an array of " + std::to_string(g.cols) + " columns cannot hold one output with " +
        std::to_string(m.w_slices) + " differential slice pairs");
  m.groups = ceil_div(s.N, m.channels_per_array);
  const uint64_t arrays = uint64_t(m.chunks) * m.groups;
  if (arrays > g.arrays)
    bad("the layer needs " + std::to_string(arrays) + " arrays (" + std::to_string(m.chunks) + " row chunks x " +
        std::to_string(m.groups) + " column groups), the chip has " + std::to_string(g.arrays));
  m.arrays = static_cast<uint32_t>(arrays);
  m.max_abs_ps = int64_t(std::min(s.K, g.rows)) * ((1 << s.w_slice) - 1) * ((1 << s.a_stream) - 1);
  return m;
}

}  // namespace stoxvp::core
