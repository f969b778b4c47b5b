// The operations of the chip-level units, on the same registry as the tile kinds': the vector
// unit's (DIGITAL_CONV, POOL, ADD), the global buffer's (GB_INVALIDATE) and NOP.
#include "command_processor.h"
#include "layer_common.h"
#include "tiles/xbar/xbar_group.h"
#include "tiles/snn_cim/snn_group.h"
#include "tiles/fp_pim/fp_pim_group.h"
#include "tiles/rtm_ap/rtm_ap_kind.h"
#include "common/log.h"

#include <algorithm>
#include <cmath>

namespace stoxvp::hw {
namespace {

// The operations below run for layers of every image: their refusals' texts are built only when
// refusing.
void exec_digital_conv(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const stoxvp_conv_args& a = d.args.conv;
  const core::conv_shape s = check_conv(ctx, a, "DIGITAL_CONV");
  if (a.w_bits < 2 || a.w_bits > 8)
    fail(STOXVP_ERR_BAD_PARAM, 0, "DIGITAL_CONV w_bits = " + str(a.w_bits) + ", supported 2..8");
  read_params(ctx, a.params_addr, s.out_channels, ctx.buf.params, local);
  const uint64_t w_bytes = uint64_t(s.out_channels) * s.K();
  if (w_bytes > ctx.cfg.max_operand_bytes)
    fail(STOXVP_ERR_BAD_SHAPE, 0, "DIGITAL_CONV weights of " + str(w_bytes) + " bytes exceed the operand limit");
  // Operands are read where the global buffer holds them (no copy per image); the weights stay
  // valid across the input's fetch, which takes nothing into the buffer.
  uint64_t held = 0;
  const uint8_t* w = ctx.gb.fetch_view(a.weight_addr, w_bytes, ctx.buf.w, "DIGITAL_CONV weights", local, true, &held);
  // A held copy does not change while held: checked once per copy and width, not per image.
  auto& checked = ctx.buf.weights_in_range;
  const std::pair<uint64_t, uint32_t> copy{held, a.w_bits};
  if (held == 0 || std::find(checked.begin(), checked.end(), copy) == checked.end()) {
    const int64_t bad = first_out_of_range(w, w_bytes, a.w_bits);
    if (bad >= 0)
      fail(STOXVP_ERR_BAD_WEIGHT, a.weight_addr + static_cast<uint64_t>(bad),
           "DIGITAL_CONV weight " + str(static_cast<uint64_t>(bad)) + " is outside +-" + str((1u << (a.w_bits - 1)) - 1));
    if (held != 0) {
      if (checked.size() >= 64) checked.clear();  // bounded; checking again is only slower
      checked.push_back(copy);
    }
  }
  const uint64_t in_bytes = uint64_t(s.in_channels) * s.in_h * s.in_w;
  // An input that comes by DMA lands in in_b, so that it never overlaps the unit's copy.
  const uint8_t* x = ctx.gb.fetch_view(a.input_addr, in_bytes, ctx.buf.in_b, "DIGITAL_CONV input", local);
  // The digital unit's input register holds a_bits: larger inputs saturate, as on the crossbars.
  // Without a data-dependent branch: this runs over every input, into the unit's own copy.
  // Clamped with min and max (conditional moves, no data-dependent branch), in blocks of 64 with
  // a fixed trip count, which a vectorising compiler (-O3) turns into vector code.
  const int8_t limit = static_cast<int8_t>((1 << (a.a_bits - 1)) - 1);
  uint64_t saturated = 0;
  ctx.buf.in.resize(in_bytes);
  int8_t* __restrict held_in = reinterpret_cast<int8_t*>(ctx.buf.in.data());
  const int8_t* __restrict xs = reinterpret_cast<const int8_t*>(x);
  auto saturate = [limit](int8_t v) -> int8_t {
    return static_cast<int8_t>(std::max<int>(-limit, std::min<int>(limit, v)));
  };
  uint64_t i = 0;
  for (; i + 64 <= in_bytes; i += 64) {
    uint8_t in_block = 0;
    for (uint32_t j = 0; j < 64; ++j) {
      const int8_t v = xs[i + j], h = saturate(v);
      in_block += h != v;
      held_in[i + j] = h;
    }
    saturated += in_block;
  }
  for (; i < in_bytes; ++i) {
    const int8_t v = xs[i], h = saturate(v);
    saturated += h != v;
    held_in[i] = h;
  }
  ctx.stats.saturated_digital_inputs += saturated;
  ctx.buf.acc.assign(size_t(s.positions()) * s.out_channels, 0);
  const action_cost c = ctx.vu.conv(reinterpret_cast<const int8_t*>(held_in), s, reinterpret_cast<const int8_t*>(w),
                                    ctx.buf.acc.data());
  ctx.cost.charge(c.energy, local, local + c.busy);
  local += c.busy;
  ctx.stats.macs += uint64_t(s.positions()) * s.out_channels * s.K();
  conv_output(ctx, a, ctx.buf.params, s.positions(), 1, 1.0f, local);
}

void exec_pool(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const stoxvp_pool_args& a = d.args.pool;
  if (a.channels == 0 || a.in_h == 0 || a.in_w == 0)
    fail(STOXVP_ERR_BAD_SHAPE, 0,
         "POOL channels x in_h x in_w = " + str(a.channels) + " x " + str(a.in_h) + " x " + str(a.in_w) + ": each must be >= 1");
  if (a.kernel == 0 || a.kernel > a.in_h || a.kernel > a.in_w || a.stride == 0)
    fail(STOXVP_ERR_BAD_SHAPE, 0,
         "POOL kernel = " + str(a.kernel) + ", stride = " + str(a.stride) + ": the window must fit the input and stride be >= 1");
  if (a.kind > STOXVP_POOL_AVG)
    fail(STOXVP_ERR_BAD_PARAM, 0, "POOL kind = " + str(a.kind) + " is not a STOXVP_POOL_* value");
  if (a.output_addr == 0) fail(STOXVP_ERR_BAD_ADDRESS, 0, "POOL output_addr is null");
  const core::pool_shape s{a.channels, a.in_h, a.in_w, a.kernel, a.stride};
  const uint8_t* x = ctx.gb.fetch_view(a.input_addr, uint64_t(s.channels) * s.in_h * s.in_w, ctx.buf.in, "POOL input", local);
  ctx.buf.out.resize(size_t(s.channels) * s.out_h() * s.out_w());
  const action_cost c = ctx.vu.pool(reinterpret_cast<const int8_t*>(x), s,
                                 static_cast<core::pool_kind>(a.kind), reinterpret_cast<int8_t*>(ctx.buf.out.data()));
  ctx.cost.charge(c.energy, local, local + c.busy);
  local += c.busy;
  ctx.gb.store(a.output_addr, ctx.buf.out.data(), ctx.buf.out.size(), local);
}

void exec_add(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const stoxvp_add_args& a = d.args.add;
  if (a.count == 0) fail(STOXVP_ERR_BAD_SHAPE, 0, "ADD count is 0");
  if (a.out_bits < 2 || a.out_bits > 8)
    fail(STOXVP_ERR_BAD_PARAM, 0, "ADD out_bits = " + str(a.out_bits) + ", supported 2..8");
  if (a.activation > STOXVP_ACT_HARDTANH)
    fail(STOXVP_ERR_BAD_PARAM, 0, "ADD activation = " + str(a.activation) + " is not a STOXVP_ACT_* value");
  if (!std::isfinite(a.scale_a) || !std::isfinite(a.scale_b)) fail(STOXVP_ERR_BAD_PARAM, 0, "ADD scales must be finite");
  if (a.output_addr == 0) fail(STOXVP_ERR_BAD_ADDRESS, 0, "ADD output_addr is null");
  // Neither fetch takes anything into the buffer: both operands stay where they are read.
  const uint8_t* xa = ctx.gb.fetch_view(a.input_a, a.count, ctx.buf.in, "ADD input_a", local);
  const uint8_t* xb = ctx.gb.fetch_view(a.input_b, a.count, ctx.buf.in_b, "ADD input_b", local);
  ctx.buf.out.resize(a.count);
  const action_cost c = ctx.vu.add(reinterpret_cast<const int8_t*>(xa),
                                reinterpret_cast<const int8_t*>(xb), a.count, a.scale_a, a.scale_b,
                                static_cast<core::activation>(a.activation), a.out_bits,
                                reinterpret_cast<int8_t*>(ctx.buf.out.data()));
  ctx.cost.charge(c.energy, local, local + c.busy);
  local += c.busy;
  ctx.gb.store(a.output_addr, ctx.buf.out.data(), ctx.buf.out.size(), local);
}

void exec_gb_invalidate(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const stoxvp_gb_invalidate_args& a = d.args.gb_invalidate;
  need(a.bytes == 0 || a.addr + a.bytes - 1 >= a.addr, STOXVP_ERR_BAD_ADDRESS,
       "GB_INVALIDATE range of " + str(a.bytes) + " bytes at " + hex(a.addr) + " wraps around the address space",
       a.addr);
  ctx.gb.invalidate(a.addr, a.bytes, local);
}

void register_vector_operations(operation_registry& r) {
  r.add_operation({STOXVP_OP_NOP, "NOP", "", [](exec_context&, const stoxvp_desc&, sc_core::sc_time&) {}});
  r.add_operation({STOXVP_OP_DIGITAL_CONV, "DIGITAL_CONV", "", exec_digital_conv});
  r.add_operation({STOXVP_OP_POOL, "POOL", "", exec_pool});
  r.add_operation({STOXVP_OP_ADD, "ADD", "", exec_add});
  r.add_operation({STOXVP_OP_GB_INVALIDATE, "GB_INVALIDATE", "", exec_gb_invalidate});
}

}  // namespace

// The one list of the kinds and operations this library builds in.
void register_builtin_kinds() {
  operation_registry& r = operation_registry::instance();
  if (r.find_kind("xbar") != nullptr) return;
  register_xbar_kind(r);
  register_fp_pim_kind(r);
  register_rtm_ap_kind(r);
  register_vector_operations(r);
  register_snn_cim_kind(r);
}

}  // namespace stoxvp::hw
