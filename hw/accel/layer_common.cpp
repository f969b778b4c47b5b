#include "layer_common.h"

#include "hw/core/layer_params.h"
#include "common/log.h"

#include <cmath>
#include <cstring>

namespace stoxvp::hw {

int64_t first_out_of_range(const uint8_t* p, size_t n, uint32_t bits) {
  // Runs on every descriptor that reads weights, held in the global buffer or not (a digital
  // layer's tens of KiB per image), so it scans blocks without an early exit, which the
  // compiler vectorises, and searches element by element only from the block that holds a bad
  // weight. v is within +-limit exactly when the byte v + limit (mod 256) is at most 2 limit.
  const uint8_t limit = static_cast<uint8_t>((1u << (bits - 1)) - 1);
  const uint8_t span = static_cast<uint8_t>(2 * limit);
  constexpr size_t block = 64;
  size_t i = 0;
  for (; i + block <= n; i += block) {
    uint8_t bad = 0;
    for (size_t j = 0; j < block; ++j) bad |= static_cast<uint8_t>(static_cast<uint8_t>(p[i + j] + limit) > span);
    if (bad) break;
  }
  for (; i < n; ++i)
    if (static_cast<uint8_t>(p[i] + limit) > span) return static_cast<int64_t>(i);
  return -1;
}

void read_params(exec_context& ctx, uint64_t addr, uint32_t N, std::vector<uint8_t>& raw,
                 sc_core::sc_time& local) {
  // Runs for every layer of every image: the refusals' texts are built only when refusing.
  raw.clear();
  if (addr == 0) return;
  if (addr % 4 != 0) fail(STOXVP_ERR_BAD_ADDRESS, addr, "params_addr " + hex(addr) + " is not 4-byte aligned");
  ctx.gb.fetch(addr, sizeof(stoxvp_layer_params), raw, "layer parameter block", local, true);
  stoxvp_layer_params h;
  std::memcpy(&h, raw.data(), sizeof h);
  if (h.converter >= core::kConverterKinds)
    fail(STOXVP_ERR_BAD_PARAM, addr, "converter = " + str(h.converter) + " is not a STOXVP_CONV_* value");
  if (h.curve > STOXVP_CURVE_TABLE)
    fail(STOXVP_ERR_BAD_PARAM, addr, "curve = " + str(h.curve) + " is not a STOXVP_CURVE_* value");
  if ((h.flags & ~(STOXVP_PARAMS_F_OUT_AFFINE | STOXVP_PARAMS_F_DRIVE)) != 0)
    fail(STOXVP_ERR_BAD_PARAM, addr, "flags = " + hex(h.flags) + " has unknown bits");
  if (h.curve == STOXVP_CURVE_TABLE && (h.table_len < 2 || h.table_len > 65536))
    fail(STOXVP_ERR_BAD_PARAM, addr, "table_len = " + str(h.table_len) + ", a TABLE curve needs 2..65536 points");
  uint64_t floats = 0;
  if (h.flags & STOXVP_PARAMS_F_OUT_AFFINE) floats += 2ull * N;
  if (h.flags & STOXVP_PARAMS_F_DRIVE) floats += 2ull * N;
  if (h.curve == STOXVP_CURVE_TABLE) floats += h.table_len;
  if (floats == 0) return;
  std::vector<uint8_t>& tail = ctx.buf.params_tail;
  ctx.gb.fetch(addr + sizeof h, floats * 4, tail, "layer parameter arrays", local, true);
  for (uint64_t i = 0; i < floats; ++i) {
    float f;
    std::memcpy(&f, tail.data() + i * 4, 4);
    if (!std::isfinite(f))
      fail(STOXVP_ERR_BAD_PARAM, addr + sizeof h + i * 4,
           "layer parameter array element " + str(i) + " is not a finite number");
  }
  raw.insert(raw.end(), tail.begin(), tail.end());
}

core::conv_shape check_conv(const exec_context& ctx, const stoxvp_conv_args& a, const char* op) {
  // Runs for every layer of every image: the refusals' texts are built only when refusing.
  auto shape_ok = [&](bool ok, const char* field, uint64_t v, const char* rule) {
    if (!ok) fail(STOXVP_ERR_BAD_SHAPE, 0, std::string(op) + " " + field + " = " + str(v) + ": " + rule);
  };
  shape_ok(a.in_channels > 0, "in_channels", a.in_channels, "must be >= 1");
  shape_ok(a.in_h > 0, "in_h", a.in_h, "must be >= 1");
  shape_ok(a.in_w > 0, "in_w", a.in_w, "must be >= 1");
  shape_ok(a.out_channels > 0, "out_channels", a.out_channels, "must be >= 1");
  shape_ok(a.stride > 0, "stride", a.stride, "must be >= 1");
  shape_ok(a.kernel_h > 0 && a.kernel_h <= a.in_h + 2u * a.pad, "kernel_h", a.kernel_h,
           "must be 1..in_h + 2 pad");
  shape_ok(a.kernel_w > 0 && a.kernel_w <= a.in_w + 2u * a.pad, "kernel_w", a.kernel_w,
           "must be 1..in_w + 2 pad");
  auto param_ok = [&](bool ok, const char* field, uint64_t v, const char* rule) {
    if (!ok) fail(STOXVP_ERR_BAD_PARAM, 0, std::string(op) + " " + field + " = " + str(v) + ": " + rule);
  };
  param_ok(a.a_bits >= 2 && a.a_bits <= 8, "a_bits", a.a_bits, "supported 2..8");
  param_ok(a.activation <= STOXVP_ACT_HARDTANH, "activation", a.activation, "not a STOXVP_ACT_* value");
  param_ok(a.out_format <= STOXVP_OUT_FLOAT32, "out_format", a.out_format, "not a STOXVP_OUT_* value");
  param_ok(a.out_format != STOXVP_OUT_INT8 || (a.out_bits >= 2 && a.out_bits <= 8), "out_bits",
           a.out_bits, "supported 2..8");
  if (a.input_addr == 0) fail(STOXVP_ERR_BAD_ADDRESS, 0, std::string(op) + " input_addr is null");
  if (a.output_addr == 0 || a.output_addr % out_element_bytes(a.out_format) != 0)
    fail(STOXVP_ERR_BAD_ADDRESS, a.output_addr,
         std::string(op) + " output_addr = " + hex(a.output_addr) + " is null or misaligned");
  core::conv_shape s;
  s.in_channels = a.in_channels;
  s.in_h = a.in_h;
  s.in_w = a.in_w;
  s.out_channels = a.out_channels;
  s.kernel_h = a.kernel_h;
  s.kernel_w = a.kernel_w;
  s.stride = a.stride;
  s.pad = a.pad;
  // The output is the in_h x in_w of the layer that reads it, a 16-bit field (and positions()
  // is 32-bit): a larger result cannot be described, so it is refused before anything is sized.
  shape_ok(s.out_h() <= UINT16_MAX, "output height", s.out_h(),
           "(in_h + 2 pad - kernel_h) / stride + 1 exceeds 65535");
  shape_ok(s.out_w() <= UINT16_MAX, "output width", s.out_w(),
           "(in_w + 2 pad - kernel_w) / stride + 1 exceeds 65535");
  const uint64_t acc_bytes = uint64_t(s.positions()) * s.out_channels * 8;
  shape_ok(acc_bytes <= ctx.cfg.max_operand_bytes, "outputs", uint64_t(s.positions()) * s.out_channels,
           "the accumulators exceed the operand limit");
  return s;
}

void conv_output(exec_context& ctx, const stoxvp_conv_args& a, const std::vector<uint8_t>& raw,
                 uint32_t positions, uint32_t sources, float code_scale, sc_core::sc_time& local) {
  auto& out_ = ctx.buf.out;
  // Decoded into arrays kept across descriptors: the same layers run for every image.
  core::output_params& o = ctx.buf.output;
  o.act = static_cast<core::activation>(a.activation);
  o.format = static_cast<core::out_format>(a.out_format);
  o.out_bits = a.out_bits;
  core::decode_output_affine(raw, a.out_channels, o.scale, o.bias);
  out_.resize(size_t(positions) * a.out_channels * out_element_bytes(a.out_format));
  const action_cost c = ctx.vu.output_stage(ctx.buf.acc.data(), positions, a.out_channels, sources, code_scale, o, out_.data());
  ctx.cost.charge(c.energy, local, local + c.busy);
  local += c.busy;
  ctx.gb.store(a.output_addr, out_.data(), out_.size(), local);
}

}  // namespace stoxvp::hw
