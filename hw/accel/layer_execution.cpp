// Layer execution of the command processor: each opcode's validation, its data movement by DMA
// and its work on the tiles and the vector unit. Every check runs before any buffer is sized
// from a descriptor field, and every refusal names the field and its value.
#include "command_processor.h"
#include "converter_costs.h"
#include "desc_error.h"
#include "hw/core/layer_params.h"
#include "hw/core/rng.h"
#include "tlm/common/log.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace stoxvp::hw {
namespace {

[[noreturn]] void fail(uint32_t code, uint64_t addr, const std::string& why) {
  throw desc_error{code, addr, why};
}

std::string str(uint64_t v) { return std::to_string(v); }

void need(bool ok, uint32_t code, const std::string& why, uint64_t addr = 0) {
  if (!ok) fail(code, addr, why);
}

core::output_params output_params_of(const stoxvp_conv_args& a, const core::layer_params& p) {
  core::output_params o;
  o.act = static_cast<core::activation>(a.activation);
  o.format = static_cast<core::out_format>(a.out_format);
  o.out_bits = a.out_bits;
  o.scale = p.out_scale;
  o.bias = p.out_bias;
  return o;
}

uint32_t out_element_bytes(uint8_t format) { return format == STOXVP_OUT_INT8 ? 1 : 4; }

// First weight outside +-(2^(bits-1) - 1), or -1.
int64_t first_out_of_range(const std::vector<uint8_t>& w, uint32_t bits) {
  const int limit = (1 << (bits - 1)) - 1;
  for (size_t i = 0; i < w.size(); ++i) {
    const int v = static_cast<int8_t>(w[i]);
    if (v > limit || v < -limit) return static_cast<int64_t>(i);
  }
  return -1;
}

}  // namespace

void command_processor::fetch(uint64_t addr, uint64_t len, std::vector<uint8_t>& buf,
                              const char* what, sc_core::sc_time& local, bool keep) {
  need(addr != 0, STOXVP_ERR_BAD_ADDRESS, std::string(what) + " address is null");
  need(len <= cfg_.max_operand_bytes, STOXVP_ERR_BAD_SHAPE,
       std::string(what) + " of " + str(len) + " bytes exceeds the " +
           str(cfg_.max_operand_bytes) + "-byte operand limit",
       addr);
  buf.resize(len);
  const sc_core::sc_time t0 = local;
  const uint64_t per_cycle = uint64_t(cfg_.global_buffer_banks) * cfg_.global_buffer_width_bits;
  if (gb_line* l = gb_find(addr, len)) {
    // Already in the global buffer: read at its port bandwidth; DRAM is not touched.
    if (!l->dirty) gb_check_coherent(*l, len);
    std::memcpy(buf.data(), l->data.data(), len);
    local += sc_core::sc_time(tech_.global_buffer_latency_ns, sc_core::SC_NS) +
             cfg_.clock_period * static_cast<double>((len * 8 + per_cycle - 1) / per_cycle);
    charge(component::global_buffer, len * 8.0 * tech_.global_buffer_energy_pj_per_bit, t0, local);
    stats_.gb_hit_bytes += len;
    return;
  }
  // Kept outputs overlapping the range must reach DRAM before it is read from there.
  for (auto& l : gb_lines_)
    if (l.dirty && l.addr < addr + len && addr < l.addr + l.data.size()) gb_write_back(l, local);
  const sc_core::sc_time t1 = local;
  dma_.read(addr, buf.data(), len, local);
  // From DRAM into the global buffer, and out of it again to the units.
  charge(component::dram, len * 8 * tech_.dram_energy_pj_per_bit, t1, local);
  charge(component::global_buffer, 2.0 * len * 8 * tech_.global_buffer_energy_pj_per_bit, t1, local);
  stats_.dram_read_bytes += len;
  if (keep) gb_put(addr, buf.data(), len, false, local);
}

void command_processor::store(uint64_t addr, const void* src, uint64_t len,
                              sc_core::sc_time& local) {
  const sc_core::sc_time t0 = local;
  const auto* bytes = static_cast<const uint8_t*>(src);
  if (flags_ & STOXVP_DESC_F_KEEP_OUTPUT) {
    const uint64_t per_cycle = uint64_t(cfg_.global_buffer_banks) * cfg_.global_buffer_width_bits;
    local += cfg_.clock_period * static_cast<double>((len * 8 + per_cycle - 1) / per_cycle);
    charge(component::global_buffer, len * 8.0 * tech_.global_buffer_energy_pj_per_bit, t0, local);
    gb_put(addr, bytes, len, true, local);
    return;
  }
  // To DRAM through the global buffer's staging, not held: software owns this memory now and
  // may rewrite it at any time, which the buffer would not see (it does not snoop the bus).
  // Held ranges it overlaps are superseded; their dirty bytes reach DRAM first so the bytes
  // outside this output survive.
  gb_drop(addr, len, local);
  const sc_core::sc_time t1 = local;
  dma_.write(addr, src, len, local);
  charge(component::dram, len * 8 * tech_.dram_energy_pj_per_bit, t1, local);
  charge(component::global_buffer, 2.0 * len * 8 * tech_.global_buffer_energy_pj_per_bit, t1, local);
  stats_.dram_write_bytes += len;
}

void command_processor::gb_drop(uint64_t addr, uint64_t len, sc_core::sc_time& local) {
  const uint64_t end = len == 0 ? UINT64_MAX : addr + len;  // 0: everything from addr on
  for (auto it = gb_lines_.begin(); it != gb_lines_.end();) {
    if (it->addr < end && addr < it->addr + it->data.size()) {
      if (it->dirty) gb_write_back(*it, local);
      gb_used_ -= it->data.size();
      it = gb_lines_.erase(it);
    } else {
      ++it;
    }
  }
}

void command_processor::gb_check_coherent(const gb_line& l, uint64_t len) {
  std::vector<uint8_t> now(len);
  try {
    dma_.read_untimed(l.addr, now.data(), len);
  } catch (const dma_fault&) {
    return;  // memory without debug access: nothing to compare with
  }
  if (std::memcmp(now.data(), l.data.data(), len) == 0) return;
  ++stats_.stale_reads;
  log(log_level::warning, name(),
      "stale global buffer: " + std::to_string(len) + " bytes at " + hex(l.addr) +
          " differ from memory; the buffer has held them since the " + opcode_name(l.opcode) +
          " descriptor at ring slot " + std::to_string(l.slot) + " (tag " + std::to_string(l.tag) +
          "). Software changed a held range without GB_INVALIDATE; the descriptor at slot " +
          std::to_string(slot_) + " computes on the held copy, as the hardware would");
}

command_processor::gb_line* command_processor::gb_find(uint64_t addr, uint64_t len) {
  for (auto& l : gb_lines_)
    if (l.addr == addr && len <= l.data.size()) {
      l.last_use = ++gb_clock_;
      return &l;
    }
  return nullptr;
}

void command_processor::gb_write_back(gb_line& l, sc_core::sc_time& local) {
  const sc_core::sc_time t0 = local;
  dma_.write(l.addr, l.data.data(), l.data.size(), local);
  charge(component::dram, l.data.size() * 8.0 * tech_.dram_energy_pj_per_bit, t0, local);
  charge(component::global_buffer, l.data.size() * 8.0 * tech_.global_buffer_energy_pj_per_bit, t0, local);
  stats_.dram_write_bytes += l.data.size();
  l.dirty = false;
}

void command_processor::gb_put(uint64_t addr, const uint8_t* src, uint64_t len, bool dirty,
                               sc_core::sc_time& local) {
  const uint64_t capacity = uint64_t(cfg_.global_buffer_kib) * 1024;
  // Whatever overlaps the new range is superseded by the bytes arriving; a dirty line
  // reaching beyond them is written back first so that its other bytes are not lost.
  for (auto it = gb_lines_.begin(); it != gb_lines_.end();) {
    if (it->addr < addr + len && addr < it->addr + it->data.size()) {
      if (it->dirty && (it->addr < addr || it->addr + it->data.size() > addr + len)) gb_write_back(*it, local);
      gb_used_ -= it->data.size();
      it = gb_lines_.erase(it);
    } else {
      ++it;
    }
  }
  if (len > capacity) {
    if (dirty) {  // cannot be held: goes to DRAM like any output
      gb_line l{addr, 0, true, std::vector<uint8_t>(src, src + len), slot_, tag_, opcode_};
      gb_write_back(l, local);
    }
    return;
  }
  while (gb_used_ + len > capacity) {
    auto lru = std::min_element(gb_lines_.begin(), gb_lines_.end(),
                                [](const gb_line& a, const gb_line& b) { return a.last_use < b.last_use; });
    if (lru->dirty) gb_write_back(*lru, local);
    gb_used_ -= lru->data.size();
    gb_lines_.erase(lru);
  }
  gb_lines_.push_back({addr, ++gb_clock_, dirty, std::vector<uint8_t>(src, src + len), slot_, tag_, opcode_});
  gb_used_ += len;
}

void command_processor::charge(const energy_vector& e, const sc_core::sc_time& from,
                               const sc_core::sc_time& to) {
  for (size_t c = 0; c < kComponents; ++c) charge(static_cast<component>(c), e[c], from, to);
}

void command_processor::charge(component c, double pj, const sc_core::sc_time& from,
                               const sc_core::sc_time& to) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  ledger_.charge(c, pj, tag_, opcode_, now + from, now + to);
}

void command_processor::read_params(uint64_t addr, uint32_t N, std::vector<uint8_t>& raw,
                                    sc_core::sc_time& local) {
  raw.clear();
  if (addr == 0) return;
  need(addr % 4 == 0, STOXVP_ERR_BAD_ADDRESS, "params_addr " + hex(addr) + " is not 4-byte aligned", addr);
  fetch(addr, sizeof(stoxvp_layer_params), raw, "layer parameter block", local, true);
  stoxvp_layer_params h;
  std::memcpy(&h, raw.data(), sizeof h);
  need(h.converter < core::kConverterKinds, STOXVP_ERR_BAD_PARAM, "converter = " + str(h.converter) + " is not a STOXVP_CONV_* value", addr);
  need(h.curve <= STOXVP_CURVE_TABLE, STOXVP_ERR_BAD_PARAM, "curve = " + str(h.curve) + " is not a STOXVP_CURVE_* value", addr);
  need((h.flags & ~(STOXVP_PARAMS_F_OUT_AFFINE | STOXVP_PARAMS_F_DRIVE)) == 0, STOXVP_ERR_BAD_PARAM,
       "flags = " + hex(h.flags) + " has unknown bits", addr);
  need(h.curve != STOXVP_CURVE_TABLE || (h.table_len >= 2 && h.table_len <= 65536), STOXVP_ERR_BAD_PARAM,
       "table_len = " + str(h.table_len) + ", a TABLE curve needs 2..65536 points", addr);
  uint64_t floats = 0;
  if (h.flags & STOXVP_PARAMS_F_OUT_AFFINE) floats += 2ull * N;
  if (h.flags & STOXVP_PARAMS_F_DRIVE) floats += 2ull * N;
  if (h.curve == STOXVP_CURVE_TABLE) floats += h.table_len;
  if (floats == 0) return;
  std::vector<uint8_t> tail;
  fetch(addr + sizeof h, floats * 4, tail, "layer parameter arrays", local, true);
  for (uint64_t i = 0; i < floats; ++i) {
    float f;
    std::memcpy(&f, tail.data() + i * 4, 4);
    need(std::isfinite(f), STOXVP_ERR_BAD_PARAM,
         "layer parameter array element " + str(i) + " is not a finite number", addr + sizeof h + i * 4);
  }
  raw.insert(raw.end(), tail.begin(), tail.end());
}

std::shared_ptr<const core::converter_bank> command_processor::converter_for(
    const std::vector<uint8_t>& raw, const core::xbar_layer_shape& shape,
    const core::xbar_mapping& map) {
  std::string key(reinterpret_cast<const char*>(raw.data()), raw.size());
  const uint32_t dims[] = {shape.K, shape.N, shape.w_bits, shape.w_slice, shape.a_bits, shape.a_stream, xcfg().array_rows, xcfg().array_cols};
  key.append(reinterpret_cast<const char*>(dims), sizeof dims);
  auto it = banks_.find(key);
  if (it != banks_.end()) return it->second;
  std::shared_ptr<const core::converter_bank> bank;
  try {
    bank = std::make_shared<const core::converter_bank>(core::decode_layer_params(raw, shape.N).converter, map,
                                                        shape.N, map.chunks);
  } catch (const core::layer_error& e) {
    fail(STOXVP_ERR_BAD_PARAM, 0, std::string("converter: ") + e.what());
  }
  if (banks_.size() >= 64) banks_.clear();  // bound the cache; rebuilding is only slower
  banks_.emplace(std::move(key), bank);
  return bank;
}

core::conv_shape command_processor::check_conv(const stoxvp_conv_args& a, bool xbar) {
  const char* op = xbar ? "XBAR_CONV" : "DIGITAL_CONV";
  auto shape_ok = [&](bool ok, const char* field, uint64_t v, const char* rule) {
    need(ok, STOXVP_ERR_BAD_SHAPE, std::string(op) + " " + field + " = " + str(v) + ": " + rule);
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
    need(ok, STOXVP_ERR_BAD_PARAM, std::string(op) + " " + field + " = " + str(v) + ": " + rule);
  };
  param_ok(a.a_bits >= 2 && a.a_bits <= 8, "a_bits", a.a_bits, "supported 2..8");
  param_ok(a.activation <= STOXVP_ACT_HARDTANH, "activation", a.activation, "not a STOXVP_ACT_* value");
  param_ok(a.out_format <= STOXVP_OUT_FLOAT32, "out_format", a.out_format, "not a STOXVP_OUT_* value");
  param_ok(a.out_format != STOXVP_OUT_INT8 || (a.out_bits >= 2 && a.out_bits <= 8), "out_bits",
           a.out_bits, "supported 2..8");
  need(a.input_addr != 0, STOXVP_ERR_BAD_ADDRESS, std::string(op) + " input_addr is null");
  need(a.output_addr != 0 && a.output_addr % out_element_bytes(a.out_format) == 0,
       STOXVP_ERR_BAD_ADDRESS,
       std::string(op) + " output_addr = " + hex(a.output_addr) + " is null or misaligned",
       a.output_addr);
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
  shape_ok(acc_bytes <= cfg_.max_operand_bytes, "outputs", uint64_t(s.positions()) * s.out_channels,
           "the accumulators exceed the operand limit");
  return s;
}

void command_processor::output(const stoxvp_conv_args& a, const std::vector<uint8_t>& raw,
                               uint32_t positions, uint32_t sources, float code_scale,
                               sc_core::sc_time& local) {
  const core::output_params o = output_params_of(a, core::decode_layer_params(raw, a.out_channels));
  out_.resize(size_t(positions) * a.out_channels * out_element_bytes(a.out_format));
  const action_cost c = vu_.output_stage(acc_.data(), positions, a.out_channels, sources, code_scale, o, out_.data());
  charge(c.energy, local, local + c.busy);
  local += c.busy;
  store(a.output_addr, out_.data(), out_.size(), local);
}

// The arrays a crossbar layer occupies from array_base; BAD_SHAPE when it does not map or
// runs past the chip.
core::xbar_mapping command_processor::map_on_chip(const char* op, const core::xbar_layer_shape& shape,
                                                  uint32_t array_base) {
  need(!xbar_groups_.empty(), STOXVP_ERR_BAD_SHAPE, std::string(op) + ": the chip has no crossbar tiles");
  const xbar_group_view& group = select_xbar_group(array_base);
  const core::xbar_geometry geo{xcfg().array_rows, xcfg().array_cols, xcfg().cell_bits, group.arrays()};
  core::xbar_mapping map;
  try {
    map = core::map_layer(shape, geo);
  } catch (const core::layer_error& e) {
    fail(STOXVP_ERR_BAD_SHAPE, 0, std::string(op) + ": " + e.what());
  }
  const bool one_group = xbar_groups_.size() == 1;
  need(array_base >= group.first_array && uint64_t(array_base) + map.arrays <= group.first_array + group.arrays(),
       STOXVP_ERR_BAD_SHAPE,
       std::string(op) + " arrays " + str(array_base) + ".." + str(array_base + map.arrays - 1) +
           (one_group ? " run past the chip's " + str(total_arrays()) + " arrays"
                      : " do not lie within one crossbar group (this one holds arrays " + str(group.first_array) +
                            ".." + str(group.first_array + group.arrays() - 1) + ")"));
  return map;
}

void command_processor::exec_program(const stoxvp_xbar_program_args& a, sc_core::sc_time& local) {
  need(a.k > 0 && a.n > 0, STOXVP_ERR_BAD_SHAPE,
       "XBAR_PROGRAM k = " + str(a.k) + ", n = " + str(a.n) + ": both must be >= 1");
  need(a.w_bits >= 2 && a.w_bits <= 8, STOXVP_ERR_BAD_PARAM,
       "XBAR_PROGRAM w_bits = " + str(a.w_bits) + ", supported 2..8");
  need(!xbar_groups_.empty(), STOXVP_ERR_BAD_SHAPE, "XBAR_PROGRAM: the chip has no crossbar tiles");
  select_xbar_group(a.array_base);  // its cells' bits bound the slice
  need(a.w_slice >= 1 && a.w_slice < a.w_bits && a.w_slice <= xcfg().cell_bits, STOXVP_ERR_BAD_PARAM,
       "XBAR_PROGRAM w_slice = " + str(a.w_slice) + ", must be 1.." +
           str(std::min<uint32_t>(a.w_bits - 1, xcfg().cell_bits)));
  const core::xbar_layer_shape shape{a.k, a.n, a.w_bits, a.w_slice, 2, 1};
  const core::xbar_mapping map = map_on_chip("XBAR_PROGRAM", shape, a.array_base);
  need(uint64_t(a.k) * a.n <= cfg_.max_operand_bytes, STOXVP_ERR_BAD_SHAPE,
       "XBAR_PROGRAM weights of " + str(uint64_t(a.k) * a.n) + " bytes exceed the operand limit");
  fetch(a.weight_addr, uint64_t(a.k) * a.n, w_, "XBAR_PROGRAM weights", local);
  const int64_t bad = first_out_of_range(w_, a.w_bits);
  need(bad < 0, STOXVP_ERR_BAD_WEIGHT,
       "XBAR_PROGRAM weight " + str(static_cast<uint64_t>(bad)) + " = " +
           std::to_string(bad >= 0 ? static_cast<int8_t>(w_[bad]) : 0) + " is outside +-" +
           str((1u << (a.w_bits - 1)) - 1),
       a.weight_addr + static_cast<uint64_t>(bad < 0 ? 0 : bad));

  std::vector<core::crossbar_array*> arrays(map.arrays);
  for (uint32_t i = 0; i < map.arrays; ++i) {
    const uint32_t g = a.array_base + i;
    arrays[i] = &tile_of(g).array(array_in_tile(g));
  }
  core::program_layer(reinterpret_cast<const int8_t*>(w_.data()), shape, map, arrays.data());
  // Tiles write in parallel; the arrays of one tile share its write drivers.
  std::vector<sc_core::sc_time> per_tile(tiles_.size(), sc_core::SC_ZERO_TIME);
  const array_owner owner{true, a.k, a.n, a.array_base, a.w_bits, a.w_slice};
  for (uint32_t i = 0; i < map.arrays; ++i) {
    const uint32_t g = a.array_base + i;
    tile& t = tile_of(g);
    const core::crossbar_array& arr = *arrays[i];
    const action_cost c =
        t.program(uint64_t(arr.k_rows()) * arr.channels() * map.w_slices * 2, arr.k_rows(), a.w_slice);
    charge(c.energy, local + per_tile[t.index()], local + per_tile[t.index()] + c.busy);
    per_tile[t.index()] += c.busy;
    t.owner(array_in_tile(g)) = owner;
  }
  local += *std::max_element(per_tile.begin(), per_tile.end());
}

void command_processor::exec_xbar_conv(const stoxvp_conv_args& a, sc_core::sc_time& local) {
  const core::conv_shape s = check_conv(a, true);
  const core::xbar_layer_shape shape{s.K(), s.out_channels, a.w_bits, a.w_slice, a.a_bits, a.a_stream};
  need(a.a_stream >= 1 && a.a_stream < a.a_bits, STOXVP_ERR_BAD_PARAM,
       "XBAR_CONV a_stream = " + str(a.a_stream) + ", must be 1.." + str(a.a_bits - 1u));
  need(a.w_bits >= 2 && a.w_bits <= 8 && a.w_slice >= 1 && a.w_slice < a.w_bits, STOXVP_ERR_BAD_PARAM,
       "XBAR_CONV w_bits = " + str(a.w_bits) + ", w_slice = " + str(a.w_slice) + " are not a programmable pair");
  const core::xbar_mapping map = map_on_chip("XBAR_CONV", shape, a.array_base);
  const array_owner expect{true, shape.K, shape.N, a.array_base, a.w_bits, a.w_slice};
  for (uint32_t i = 0; i < map.arrays; ++i) {
    const uint32_t g = a.array_base + i;
    const array_owner& o = tile_of(g).owner(array_in_tile(g));
    need(o == expect, STOXVP_ERR_NOT_PROGRAMMED,
         "XBAR_CONV array " + str(g) + " does not hold this layer (K " + str(shape.K) + ", N " +
             str(shape.N) + ", base " + str(a.array_base) + "): " +
             (o.valid ? "it holds K " + str(o.k) + ", N " + str(o.n) + " programmed at base " + str(o.base)
                      : std::string("it was never programmed")));
  }
  read_params(a.params_addr, shape.N, params_, local);
  const auto bank = converter_for(params_, shape, map);
  const auto& conv_cfg = bank->config();
  const std::string missing = bank->design().missing_figures(converter_figures_of(tech_, cfg_), conv_cfg);
  need(missing.empty(), STOXVP_ERR_BAD_PARAM, "XBAR_CONV: " + missing);
  fetch(a.input_addr, uint64_t(s.in_channels) * s.in_h * s.in_w, in_, "XBAR_CONV input", local);
  packed_.pack(reinterpret_cast<const int8_t*>(in_.data()), s, xcfg().array_rows, a.a_bits, a.a_stream);
  stats_.saturated_row_drives += packed_.saturated();
  acc_.assign(size_t(s.positions()) * shape.N, 0);

  // One tile operation per tile that holds arrays of the layer. The global buffer sends each
  // tile the input channels its row chunks cover over the NoC; tiles start when their input has
  // arrived and work concurrently; their partial results travel back to the global buffer,
  // where the vector unit reduces them. The layer costs its critical path.
  const xbar_group_view& group = *xg_;
  std::vector<tile_op> ops(group.tiles.size());
  std::vector<std::vector<bool>> channels_needed(group.tiles.size());
  const uint32_t taps = uint32_t(s.kernel_h) * s.kernel_w;
  for (uint32_t i = 0; i < map.arrays; ++i) {
    const uint32_t g = a.array_base + i;
    const uint32_t t = (g - group.first_array) / xcfg().arrays_per_tile;
    const core::array_slot slot = core::layer_slot(&tile_of(g).array(array_in_tile(g)), i, map);
    ops[t].slots.push_back(slot);
    auto& need_ch = channels_needed[t];
    need_ch.resize(s.in_channels, false);
    const uint32_t k0 = slot.chunk * xcfg().array_rows, k1 = std::min(shape.K, k0 + xcfg().array_rows);
    for (uint32_t c = k0 / taps; c <= (k1 - 1) / taps; ++c) need_ch[c] = true;
  }
  const uint64_t key = core::stream_key(cfg_.seed, a.rng_stream);
  qk_.set(local);
  qk_.sync();
  local = qk_.get_local_time();
  uint32_t working = 0;
  for (const auto& op : ops) working += op.slots.empty() ? 0 : 1;
  active_tiles.write(working);

  noc_.start_layer();
  const uint32_t gb = noc_.global_buffer_node();
  const uint64_t gb_bits_per_cycle = uint64_t(cfg_.global_buffer_banks) * cfg_.global_buffer_width_bits;
  const uint64_t plane = uint64_t(s.in_h) * s.in_w;
  sc_core::sc_time gb_cursor = sc_core::SC_ZERO_TIME, reduce_ready = sc_core::SC_ZERO_TIME;
  double noc_bits_hops = 0, router_bits = 0, gb_bits = 0;
  core::converter_stats before, after;
  for (tile* t : tiles_) before += t->stats().datapath.conv;
  for (uint32_t t = 0; t < group.tiles.size(); ++t) {
    tile_op& op = ops[t];
    if (op.slots.empty()) continue;
    op.input = &packed_;
    op.bank = bank.get();
    op.key = key;
    op.N = shape.N;
    op.acc = acc_.data();
    op.input_bytes = plane * std::count(channels_needed[t].begin(), channels_needed[t].end(), true);
    // The global buffer reads the tile's input at its port bandwidth, the NoC carries it.
    const sc_core::sc_time gb_read = cfg_.clock_period * static_cast<double>((op.input_bytes * 8 + gb_bits_per_cycle - 1) / gb_bits_per_cycle);
    gb_cursor += gb_read;
    const uint32_t node = group.nodes[t];
    const sc_core::sc_time arrive = noc_.transfer(gb, node, op.input_bytes, gb_cursor);
    const action_cost c = group.tiles[t]->execute(op);
    charge(c.energy, local + arrive, local + arrive + c.busy);
    uint64_t channels = 0;
    for (const auto& sl : op.slots) channels += sl.array->channels();
    const uint64_t psum_bytes = uint64_t(s.positions()) * channels * cfg_.partial_sum_bits / 8;
    const sc_core::sc_time back = noc_.transfer(node, gb, psum_bytes, arrive + c.busy);
    reduce_ready = std::max(reduce_ready, back);
    const double hops_in = noc_.hops(gb, node);
    noc_bits_hops += (op.input_bytes + psum_bytes) * 8.0 * hops_in;
    router_bits += (op.input_bytes + psum_bytes) * 8.0 * (hops_in + 1);
    gb_bits += 2.0 * psum_bytes * 8;  // written by the NoC, read by the reduction
  }
  for (tile* t : tiles_) after += t->stats().datapath.conv;
  charge(component::link, noc_bits_hops * tech_.link_energy_pj_per_bit, local, local + reduce_ready);
  charge(component::router, router_bits * tech_.router_energy_pj_per_bit, local, local + reduce_ready);
  charge(component::global_buffer, gb_bits * tech_.global_buffer_energy_pj_per_bit, local, local + reduce_ready);
  auto& by_kind = stats_.by_converter[static_cast<size_t>(bank->kind())];
  by_kind.conversions += after.conversions - before.conversions;
  by_kind.samples += after.samples - before.samples;
  by_kind.skipped += after.skipped - before.skipped;
  by_kind.switches += after.switches - before.switches;
  stats_.macs += uint64_t(s.positions()) * shape.K * shape.N;
  local += reduce_ready;
  output(a, params_, s.positions(), working, static_cast<float>(bank->code_scale()), local);
}

void command_processor::exec_digital_conv(const stoxvp_conv_args& a, sc_core::sc_time& local) {
  const core::conv_shape s = check_conv(a, false);
  need(a.w_bits >= 2 && a.w_bits <= 8, STOXVP_ERR_BAD_PARAM,
       "DIGITAL_CONV w_bits = " + str(a.w_bits) + ", supported 2..8");
  read_params(a.params_addr, s.out_channels, params_, local);
  const uint64_t w_bytes = uint64_t(s.out_channels) * s.K();
  need(w_bytes <= cfg_.max_operand_bytes, STOXVP_ERR_BAD_SHAPE,
       "DIGITAL_CONV weights of " + str(w_bytes) + " bytes exceed the operand limit");
  fetch(a.weight_addr, w_bytes, w_, "DIGITAL_CONV weights", local, true);
  const int64_t bad = first_out_of_range(w_, a.w_bits);
  need(bad < 0, STOXVP_ERR_BAD_WEIGHT,
       "DIGITAL_CONV weight " + str(static_cast<uint64_t>(bad)) + " is outside +-" + str((1u << (a.w_bits - 1)) - 1),
       a.weight_addr + static_cast<uint64_t>(bad < 0 ? 0 : bad));
  fetch(a.input_addr, uint64_t(s.in_channels) * s.in_h * s.in_w, in_, "DIGITAL_CONV input", local);
  // The digital unit's input register holds a_bits: larger inputs saturate, as on the crossbars.
  const int limit = (1 << (a.a_bits - 1)) - 1;
  for (auto& b : in_) {
    const int v = static_cast<int8_t>(b);
    if (v > limit || v < -limit) {
      b = static_cast<uint8_t>(static_cast<int8_t>(v > 0 ? limit : -limit));
      ++stats_.saturated_digital_inputs;
    }
  }
  acc_.assign(size_t(s.positions()) * s.out_channels, 0);
  const action_cost c = vu_.conv(reinterpret_cast<const int8_t*>(in_.data()), s,
                                 reinterpret_cast<const int8_t*>(w_.data()), acc_.data());
  charge(c.energy, local, local + c.busy);
  local += c.busy;
  stats_.macs += uint64_t(s.positions()) * s.out_channels * s.K();
  output(a, params_, s.positions(), 1, 1.0f, local);
}

void command_processor::exec_pool(const stoxvp_pool_args& a, sc_core::sc_time& local) {
  need(a.channels > 0 && a.in_h > 0 && a.in_w > 0, STOXVP_ERR_BAD_SHAPE,
       "POOL channels x in_h x in_w = " + str(a.channels) + " x " + str(a.in_h) + " x " + str(a.in_w) + ": each must be >= 1");
  need(a.kernel > 0 && a.kernel <= a.in_h && a.kernel <= a.in_w && a.stride > 0, STOXVP_ERR_BAD_SHAPE,
       "POOL kernel = " + str(a.kernel) + ", stride = " + str(a.stride) + ": the window must fit the input and stride be >= 1");
  need(a.kind <= STOXVP_POOL_AVG, STOXVP_ERR_BAD_PARAM, "POOL kind = " + str(a.kind) + " is not a STOXVP_POOL_* value");
  need(a.output_addr != 0, STOXVP_ERR_BAD_ADDRESS, "POOL output_addr is null");
  const core::pool_shape s{a.channels, a.in_h, a.in_w, a.kernel, a.stride};
  fetch(a.input_addr, uint64_t(s.channels) * s.in_h * s.in_w, in_, "POOL input", local);
  out_.resize(size_t(s.channels) * s.out_h() * s.out_w());
  const action_cost c = vu_.pool(reinterpret_cast<const int8_t*>(in_.data()), s,
                                 static_cast<core::pool_kind>(a.kind), reinterpret_cast<int8_t*>(out_.data()));
  charge(c.energy, local, local + c.busy);
  local += c.busy;
  store(a.output_addr, out_.data(), out_.size(), local);
}

void command_processor::exec_gb_invalidate(const stoxvp_gb_invalidate_args& a, sc_core::sc_time& local) {
  need(a.bytes == 0 || a.addr + a.bytes - 1 >= a.addr, STOXVP_ERR_BAD_ADDRESS,
       "GB_INVALIDATE range of " + str(a.bytes) + " bytes at " + hex(a.addr) + " wraps around the address space",
       a.addr);
  // The buffer's tag lookup: a cycle per held range examined; write-backs cost their transfer.
  local += cfg_.clock_period * static_cast<double>(gb_lines_.size());
  if (a.bytes == 0)
    gb_drop(0, 0, local);
  else
    gb_drop(a.addr, a.bytes, local);
}

void command_processor::exec_add(const stoxvp_add_args& a, sc_core::sc_time& local) {
  need(a.count > 0, STOXVP_ERR_BAD_SHAPE, "ADD count is 0");
  need(a.out_bits >= 2 && a.out_bits <= 8, STOXVP_ERR_BAD_PARAM, "ADD out_bits = " + str(a.out_bits) + ", supported 2..8");
  need(a.activation <= STOXVP_ACT_HARDTANH, STOXVP_ERR_BAD_PARAM, "ADD activation = " + str(a.activation) + " is not a STOXVP_ACT_* value");
  need(std::isfinite(a.scale_a) && std::isfinite(a.scale_b), STOXVP_ERR_BAD_PARAM, "ADD scales must be finite");
  need(a.output_addr != 0, STOXVP_ERR_BAD_ADDRESS, "ADD output_addr is null");
  fetch(a.input_a, a.count, in_, "ADD input_a", local);
  fetch(a.input_b, a.count, in_b_, "ADD input_b", local);
  out_.resize(a.count);
  const action_cost c = vu_.add(reinterpret_cast<const int8_t*>(in_.data()),
                                reinterpret_cast<const int8_t*>(in_b_.data()), a.count, a.scale_a, a.scale_b,
                                static_cast<core::activation>(a.activation), a.out_bits,
                                reinterpret_cast<int8_t*>(out_.data()));
  charge(c.energy, local, local + c.busy);
  local += c.busy;
  store(a.output_addr, out_.data(), out_.size(), local);
}

}  // namespace stoxvp::hw
