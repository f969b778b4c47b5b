// The fp_pim kind: its group, its costs and its operations (FP_LOAD .. FP_EW).
#include "fp_pim_group.h"

#include "common/log.h"
#include "hw/accel/command_processor.h"
#include "hw/accel/layer_common.h"
#include "hw/core/bf16_microprogram.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace stoxvp::hw {

component fp_pim_array_component() {
  return register_component("fp_pim_array", power_group::crossbar);
}
component fp_pim_transfer_component() {
  return register_component("fp_pim_transfer", power_group::crossbar);
}

// ---------------------------------------------------------------------------------------------
// The group.

namespace {

uint32_t integer_param(const tile_group& spec, const char* name, double lo, double hi) {
  auto it = spec.params.find(name);
  if (it == spec.params.end()) throw std::invalid_argument(std::string("'") + name + "' is missing");
  const double v = it->second;
  if (!(v >= lo && v <= hi && std::floor(v) == v))
    throw std::invalid_argument(std::string("'") + name + "' = " + std::to_string(v) +
                                ", must be an integer " + std::to_string(uint64_t(lo)) + ".." +
                                std::to_string(uint64_t(hi)));
  return static_cast<uint32_t>(v);
}

// Columns every row keeps beside tensor data: a, b and result fields, and the scratch of the
// larger program.
unsigned reserved_columns() {
  return 3 * 16 + std::max(core::bf16_program_scratch_columns(core::bf16_op::mul),
                           core::bf16_program_scratch_columns(core::bf16_op::add));
}

uint64_t pow2_at_least(uint64_t n) {
  uint64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

fp_pim_group::fp_pim_group(const group_build_args& a) {
  rows_ = integer_param(a.spec, "rows", 1, 65536);
  columns_ = integer_param(a.spec, "columns", 1, 65536);
  blocks_per_tile_ = integer_param(a.spec, "blocks_per_tile", 1, 65536);
  const uint32_t profile = integer_param(a.spec, "profile", 0, 1);
  if (columns_ < reserved_columns() + 16)
    throw std::invalid_argument("'columns' = " + std::to_string(columns_) + " leaves no room for data: a row keeps " +
                                std::to_string(reserved_columns()) +
                                " columns for operands and scratch, and a field takes 16");
  fields_ = (columns_ - reserved_columns()) / 16;
  const auto* tech = a.tech.section<fp_pim_tech_section>("fp_pim");
  if (tech == nullptr)
    throw std::invalid_argument("the technology has no \"tiles\": {\"fp_pim\": ...} section");
  profile_ = profile == 0 ? &tech->sot : &tech->floatpim;
  for (uint32_t t = 0; t < a.count; ++t)
    tiles_.push_back(std::make_unique<fp_pim_tile>(("fp_pim_" + std::to_string(a.first_tile + t)).c_str(),
                                                   a.first_tile + t));
  block_used_.assign(total_blocks(), false);
  costs_ = std::make_unique<core::fp_array_costs>(*profile_, rows_, fields_, total_blocks());
  fp_pim_array_component();
  fp_pim_transfer_component();
}

std::vector<tile_base*> fp_pim_group::tiles() const {
  std::vector<tile_base*> v;
  for (const auto& t : tiles_) v.push_back(t.get());
  return v;
}

void fp_pim_group::contribute(cost_sheet& sheet) const {
  // Array cells only: FloatPIM's arrays are 95% of its area; the rest is not modelled (no
  // leakage: non-volatile cells).
  const double cells = double(total_blocks()) * rows_ * columns_;
  sheet.add(fp_pim_array_component(), cells * profile_->cell_area_um2, 0.0, true);
}

uint32_t fp_pim_group::free_blocks() const {
  return uint32_t(std::count(block_used_.begin(), block_used_.end(), false));
}

uint64_t fp_pim_group::blocks_for(uint32_t m, uint32_t k) const {
  return ((uint64_t(k) + rows_ - 1) / rows_) * ((uint64_t(m) + fields_ - 1) / fields_);
}

bool fp_pim_group::place(fp_tensor& t, uint32_t m, uint32_t k) {
  const uint64_t need = blocks_for(m, k);
  if (need > uint64_t(free_blocks()) + t.blocks.size()) return false;
  for (uint32_t b : t.blocks) block_used_[b] = false;
  t.blocks.clear();
  for (uint32_t b = 0; b < block_used_.size() && t.blocks.size() < need; ++b)
    if (!block_used_[b]) {
      block_used_[b] = true;
      t.blocks.push_back(b);
    }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Arithmetic in the rule's order.

uint16_t fp_tree_sum(std::vector<uint16_t>& t, core::bf16_events* ev) {
  uint64_t n = t.size();
  if (n == 0) return 0;
  while (n > 1) {
    const uint64_t h = pow2_at_least(n) / 2;
    for (uint64_t i = 0; i + h < n; ++i) t[i] = core::bf16_add(t[i], t[i + h], ev);
    n = h;
  }
  return t[0];
}

// ---------------------------------------------------------------------------------------------
// The operations.

namespace {

stoxvp_fp_tensor_args tensor_args(const stoxvp_desc& d) {
  stoxvp_fp_tensor_args a;
  std::memcpy(&a, d.args.raw, sizeof a);
  return a;
}

std::vector<uint16_t> fetch_bf16(exec_context& ctx, uint64_t addr, uint64_t n, const char* what,
                                 sc_core::sc_time& local) {
  ctx.gb.fetch(addr, n * 2, ctx.buf.in, what, local);
  std::vector<uint16_t> v(n);
  std::memcpy(v.data(), ctx.buf.in.data(), n * 2);
  return v;
}

void store_bf16(exec_context& ctx, uint64_t addr, const std::vector<uint16_t>& v, sc_core::sc_time& local) {
  ctx.gb.store(addr, v.data(), v.size() * 2, local);
}

// Advances time by the operation, charges its energy over that interval, and books it to the
// tiles whose blocks took part.
void account(exec_context& ctx, fp_pim_group& g, const fp_op_cost& c, const std::vector<uint32_t>& blocks,
             uint64_t programs, sc_core::sc_time& local) {
  const sc_core::sc_time busy(c.latency_ns, sc_core::SC_NS);
  ctx.cost.charge(fp_pim_array_component(), c.array_pj, local, local + busy);
  ctx.cost.charge(fp_pim_transfer_component(), c.transfer_pj, local, local + busy);
  local += busy;
  std::vector<fp_pim_tile*> seen;
  for (uint32_t b : blocks) {
    fp_pim_tile* t = &g.tile_of_block(b);
    if (std::find(seen.begin(), seen.end(), t) != seen.end()) continue;
    seen.push_back(t);
    ++t->stats.operations;
    t->stats.busy += busy;
  }
  if (!seen.empty()) seen.front()->stats.programs += programs;
  ctx.set_active_tiles(uint32_t(seen.size()));
}

// A loaded tensor in `slot` of the shape the descriptor gives.
fp_tensor& loaded_tensor(fp_pim_group& g, const stoxvp_fp_tensor_args& a, const char* op) {
  need(a.tensor < STOXVP_FP_TENSORS, STOXVP_ERR_BAD_PARAM,
       std::string(op) + " tensor " + std::to_string(a.tensor) + " is not a slot 0.." +
           std::to_string(STOXVP_FP_TENSORS - 1));
  fp_tensor& t = g.tensor(a.tensor);
  need(t.loaded, STOXVP_ERR_NOT_PROGRAMMED,
       std::string(op) + " tensor " + std::to_string(a.tensor) + " was never loaded (FP_LOAD)");
  need(a.rows == t.rows && a.cols == t.cols, STOXVP_ERR_BAD_SHAPE,
       std::string(op) + " gives tensor " + std::to_string(a.tensor) + " as " + std::to_string(a.rows) + " x " +
           std::to_string(a.cols) + ", it was loaded as " + std::to_string(t.rows) + " x " + std::to_string(t.cols));
  return t;
}

void exec_fp_load(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const auto a = tensor_args(d);
  auto& g = ctx.group_of<fp_pim_group>("fp_pim");
  need(a.tensor < STOXVP_FP_TENSORS, STOXVP_ERR_BAD_PARAM,
       "FP_LOAD tensor " + std::to_string(a.tensor) + " is not a slot 0.." + std::to_string(STOXVP_FP_TENSORS - 1));
  need(a.rows > 0 && a.cols > 0, STOXVP_ERR_BAD_SHAPE,
       "FP_LOAD rows " + std::to_string(a.rows) + " x cols " + std::to_string(a.cols) + ": both must be at least 1");
  need(a.addr_b == 0, STOXVP_ERR_BAD_PARAM, "FP_LOAD addr_b is " + hex(a.addr_b) + ", must be 0");
  fp_tensor& t = g.tensor(a.tensor);
  const uint64_t need_blocks = g.blocks_for(a.rows, a.cols);
  need(need_blocks <= uint64_t(g.free_blocks()) + t.blocks.size(), STOXVP_ERR_BAD_SHAPE,
       "FP_LOAD tensor " + std::to_string(a.tensor) + " of " + std::to_string(a.rows) + " x " + std::to_string(a.cols) +
           " needs " + std::to_string(need_blocks) + " blocks, the arrays have " +
           std::to_string(g.free_blocks() + t.blocks.size()) + " free");
  auto w = fetch_bf16(ctx, a.addr_a, uint64_t(a.rows) * a.cols, "FP_LOAD tensor", local);
  // Weights are numbers: a NaN or an infinity is refused where it lies.
  for (size_t i = 0; i < w.size(); ++i)
    need(((w[i] >> 7) & 0xff) != 0xff, STOXVP_ERR_BAD_WEIGHT,
         "FP_LOAD tensor " + std::to_string(a.tensor) + " element " + std::to_string(i) + " is " +
             (w[i] & 0x7f ? "a NaN" : "an infinity") + " (bf16 " + hex(w[i]) + ")",
         a.addr_a + 2 * i);
  g.place(t, a.rows, a.cols);
  t.loaded = true;
  t.rows = a.rows;
  t.cols = a.cols;
  t.w = std::move(w);
  account(ctx, g, g.cost_load(a.rows, a.cols), t.blocks, 0, local);
}

void exec_fp_store(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const auto a = tensor_args(d);
  auto& g = ctx.group_of<fp_pim_group>("fp_pim");
  fp_tensor& t = loaded_tensor(g, a, "FP_STORE");
  need(a.addr_b == 0, STOXVP_ERR_BAD_PARAM, "FP_STORE addr_b is " + hex(a.addr_b) + ", must be 0");
  need(a.addr_a != 0, STOXVP_ERR_BAD_ADDRESS, "FP_STORE addr_a is null");
  account(ctx, g, g.costs().store(t.rows, t.cols), t.blocks, 0, local);
  store_bf16(ctx, a.addr_a, t.w, local);
}

void exec_fp_gemv(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const auto a = tensor_args(d);
  auto& g = ctx.group_of<fp_pim_group>("fp_pim");
  fp_tensor& t = loaded_tensor(g, a, "FP_GEMV");
  need(a.addr_b != 0, STOXVP_ERR_BAD_ADDRESS, "FP_GEMV addr_b (y) is null");
  const auto x = fetch_bf16(ctx, a.addr_a, t.cols, "FP_GEMV x", local);
  std::vector<uint16_t> y(t.rows), terms(t.cols);
  for (uint32_t j = 0; j < t.rows; ++j) {
    const uint16_t* wj = &t.w[uint64_t(j) * t.cols];
    for (uint32_t k = 0; k < t.cols; ++k) terms[k] = core::bf16_mul(wj[k], x[k], &g.events);
    y[j] = fp_tree_sum(terms, &g.events);
  }
  const uint64_t products = uint64_t(t.rows) * t.cols;
  g.bf16_muls += products;
  g.bf16_adds += products - t.rows;
  ctx.stats.macs += products;
  account(ctx, g, g.cost_gemv(t.rows, t.cols), t.blocks, products * 2 - t.rows, local);
  store_bf16(ctx, a.addr_b, y, local);
}

void exec_fp_gemv_t(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const auto a = tensor_args(d);
  auto& g = ctx.group_of<fp_pim_group>("fp_pim");
  fp_tensor& t = loaded_tensor(g, a, "FP_GEMV_T");
  need(a.addr_b != 0, STOXVP_ERR_BAD_ADDRESS, "FP_GEMV_T addr_b (z) is null");
  const auto dv = fetch_bf16(ctx, a.addr_a, t.rows, "FP_GEMV_T d", local);
  std::vector<uint16_t> z(t.cols), terms(t.rows);
  for (uint32_t k = 0; k < t.cols; ++k) {
    for (uint32_t j = 0; j < t.rows; ++j)
      terms[j] = core::bf16_mul(t.w[uint64_t(j) * t.cols + k], dv[j], &g.events);
    z[k] = fp_tree_sum(terms, &g.events);
  }
  const uint64_t products = uint64_t(t.rows) * t.cols;
  g.bf16_muls += products;
  g.bf16_adds += products - t.cols;
  ctx.stats.macs += products;
  account(ctx, g, g.costs().gemv_t(t.rows, t.cols), t.blocks, products * 2 - t.cols, local);
  store_bf16(ctx, a.addr_b, z, local);
}

void exec_fp_update(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const auto a = tensor_args(d);
  auto& g = ctx.group_of<fp_pim_group>("fp_pim");
  fp_tensor& t = loaded_tensor(g, a, "FP_UPDATE");
  const auto gv = fetch_bf16(ctx, a.addr_a, t.rows, "FP_UPDATE g", local);
  const auto x = fetch_bf16(ctx, a.addr_b, t.cols, "FP_UPDATE x", local);
  for (uint32_t j = 0; j < t.rows; ++j) {
    uint16_t* wj = &t.w[uint64_t(j) * t.cols];
    for (uint32_t k = 0; k < t.cols; ++k)
      wj[k] = core::bf16_add(wj[k], core::bf16_mul(gv[j], x[k], &g.events), &g.events);
  }
  const uint64_t products = uint64_t(t.rows) * t.cols;
  g.bf16_muls += products;
  g.bf16_adds += products;
  ctx.stats.macs += products;
  account(ctx, g, g.costs().update(t.rows, t.cols), t.blocks, products * 2, local);
}

constexpr uint32_t kMaxElementwise = 1u << 24;

void exec_fp_ew(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  stoxvp_fp_ew_args a;
  std::memcpy(&a, d.args.raw, sizeof a);
  auto& g = ctx.group_of<fp_pim_group>("fp_pim");
  need(a.count > 0 && a.count <= kMaxElementwise, STOXVP_ERR_BAD_SHAPE,
       "FP_EW count " + std::to_string(a.count) + " is not 1.." + std::to_string(kMaxElementwise));
  need(a.op <= STOXVP_FP_EW_RELU_MASK, STOXVP_ERR_BAD_PARAM,
       "FP_EW op " + std::to_string(a.op) + " is no STOXVP_FP_EW_* (0.." + std::to_string(STOXVP_FP_EW_RELU_MASK) + ")");
  const bool two = a.op != STOXVP_FP_EW_SCALE && a.op != STOXVP_FP_EW_RELU;
  if (!two)
    need(a.input_b == 0, STOXVP_ERR_BAD_PARAM, "FP_EW input_b is " + hex(a.input_b) + ", must be 0 for SCALE and RELU");
  need(a.output_addr != 0, STOXVP_ERR_BAD_ADDRESS, "FP_EW output_addr is null");
  const auto x = fetch_bf16(ctx, a.input_a, a.count, "FP_EW input_a", local);
  std::vector<uint16_t> y2;
  if (two) y2 = fetch_bf16(ctx, a.input_b, a.count, "FP_EW input_b", local);
  std::vector<uint16_t> out(a.count);
  auto positive = [](uint16_t v) { return !(v & 0x8000u) && ((v >> 7) & 0xffu) != 0; };
  for (uint32_t i = 0; i < a.count; ++i) {
    switch (a.op) {
      case STOXVP_FP_EW_ADD: out[i] = core::bf16_add(x[i], y2[i], &g.events); break;
      case STOXVP_FP_EW_SUB: out[i] = core::bf16_sub(x[i], y2[i], &g.events); break;
      case STOXVP_FP_EW_MUL: out[i] = core::bf16_mul(x[i], y2[i], &g.events); break;
      case STOXVP_FP_EW_SCALE: out[i] = core::bf16_mul(x[i], a.scalar, &g.events); break;
      case STOXVP_FP_EW_RELU: out[i] = positive(x[i]) ? x[i] : 0; break;
      default: out[i] = positive(y2[i]) ? x[i] : 0; break;
    }
  }
  if (a.op <= STOXVP_FP_EW_SUB) g.bf16_adds += a.count;
  else if (a.op <= STOXVP_FP_EW_SCALE) g.bf16_muls += a.count;
  std::vector<uint32_t> first_block{0};
  const core::fp_ew_kind kind = a.op <= STOXVP_FP_EW_SUB     ? core::fp_ew_kind::add
                                : a.op <= STOXVP_FP_EW_SCALE ? core::fp_ew_kind::mul
                                : a.op == STOXVP_FP_EW_RELU  ? core::fp_ew_kind::relu
                                                             : core::fp_ew_kind::relu_mask;
  account(ctx, g, g.costs().elementwise(kind, a.count), first_block, a.op <= STOXVP_FP_EW_SCALE ? a.count : 0, local);
  store_bf16(ctx, a.output_addr, out, local);
}

}  // namespace

void register_fp_pim_kind(operation_registry& r) {
  r.add_kind({"fp_pim", [](const group_build_args& a) { return std::make_unique<fp_pim_group>(a); },
              parse_fp_pim_technology});
  r.add_operation({STOXVP_OP_FP_LOAD, "FP_LOAD", "fp_pim", exec_fp_load});
  r.add_operation({STOXVP_OP_FP_STORE, "FP_STORE", "fp_pim", exec_fp_store});
  r.add_operation({STOXVP_OP_FP_GEMV, "FP_GEMV", "fp_pim", exec_fp_gemv});
  r.add_operation({STOXVP_OP_FP_GEMV_T, "FP_GEMV_T", "fp_pim", exec_fp_gemv_t});
  r.add_operation({STOXVP_OP_FP_UPDATE, "FP_UPDATE", "fp_pim", exec_fp_update});
  r.add_operation({STOXVP_OP_FP_EW, "FP_EW", "fp_pim", exec_fp_ew});
  fp_pim_array_component();
  fp_pim_transfer_component();
}

}  // namespace stoxvp::hw
