// The crossbar kind's operations: XBAR_PROGRAM writes a layer's weights into the arrays of
// consecutive tiles, XBAR_CONV runs a layer on the tiles that hold it (loosely timed, the
// layer costs its critical path over the NoC and the tiles).
#include "xbar_group.h"

#include "hw/accel/converter_costs.h"
#include "hw/accel/command_processor.h"
#include "hw/accel/layer_common.h"
#include "hw/core/layer_params.h"
#include "hw/core/rng.h"
#include "common/log.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

namespace stoxvp::hw {
namespace {

// The crossbar group holding array `array_base` (the last group when none does, so the range
// check names the end of the chip), and where its arrays start in the chip-wide numbering.
struct xbar_placement {
  xbar_group* group = nullptr;
  uint32_t first_array = 0;
  uint32_t chip_arrays = 0;
  bool one_group = true;
};
xbar_placement select_xbar_group(exec_context& ctx, const char* op, uint32_t array_base) {
  const std::vector<tile_group_base*> groups = ctx.groups("xbar");
  if (groups.empty()) fail(STOXVP_ERR_BAD_SHAPE, 0, std::string(op) + ": the chip has no crossbar tiles");
  xbar_placement p;
  p.one_group = groups.size() == 1;
  bool found = false;
  for (tile_group_base* g : groups) {
    auto& xg = dynamic_cast<xbar_group&>(*g);
    if (!found) {
      p.group = &xg;
      p.first_array = p.chip_arrays;
      found = array_base >= p.chip_arrays && array_base < p.chip_arrays + xg.total_arrays();
    }
    p.chip_arrays += xg.total_arrays();
  }
  return p;
}

// The arrays a crossbar layer occupies from array_base; BAD_SHAPE when it does not map or
// does not lie within its group (runs past the chip, for a chip of one group).
core::xbar_mapping map_on_chip(const xbar_placement& p, const char* op, const core::xbar_layer_shape& shape,
                               uint32_t array_base) {
  const xbar_group& xg = *p.group;
  const accelerator_config& x = xg.config();
  const core::xbar_geometry geo{x.array_rows, x.array_cols, x.cell_bits, xg.total_arrays()};
  core::xbar_mapping map;
  try {
    map = core::map_layer(shape, geo);
  } catch (const core::layer_error& e) {
    fail(STOXVP_ERR_BAD_SHAPE, 0, std::string(op) + ": " + e.what());
  }
  if (array_base < p.first_array || uint64_t(array_base) + map.arrays > uint64_t(p.first_array) + xg.total_arrays())
    fail(STOXVP_ERR_BAD_SHAPE, 0,
         std::string(op) + " arrays " + str(array_base) + ".." + str(array_base + map.arrays - 1) +
             (p.one_group ? " run past the chip's " + str(p.chip_arrays) + " arrays"
                          : " do not lie within one crossbar group (this one holds arrays " + str(p.first_array) +
                                ".." + str(p.first_array + xg.total_arrays() - 1) + ")"));
  return map;
}
void exec_program(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const stoxvp_xbar_program_args& a = d.args.program;
  const accelerator_config& cfg_ = ctx.cfg;
  need(a.k > 0 && a.n > 0, STOXVP_ERR_BAD_SHAPE,
       "XBAR_PROGRAM k = " + str(a.k) + ", n = " + str(a.n) + ": both must be >= 1");
  need(a.w_bits >= 2 && a.w_bits <= 8, STOXVP_ERR_BAD_PARAM,
       "XBAR_PROGRAM w_bits = " + str(a.w_bits) + ", supported 2..8");
  const xbar_placement place = select_xbar_group(ctx, "XBAR_PROGRAM", a.array_base);
  xbar_group& xg = *place.group;
  const accelerator_config& xcfg = xg.config();  // its cells' bits bound the slice
  need(a.w_slice >= 1 && a.w_slice < a.w_bits && a.w_slice <= xcfg.cell_bits, STOXVP_ERR_BAD_PARAM,
       "XBAR_PROGRAM w_slice = " + str(a.w_slice) + ", must be 1.." +
           str(std::min<uint32_t>(a.w_bits - 1, xcfg.cell_bits)));
  const core::xbar_layer_shape shape{a.k, a.n, a.w_bits, a.w_slice, 2, 1};
  const core::xbar_mapping map = map_on_chip(place, "XBAR_PROGRAM", shape, a.array_base);
  need(uint64_t(a.k) * a.n <= cfg_.max_operand_bytes, STOXVP_ERR_BAD_SHAPE,
       "XBAR_PROGRAM weights of " + str(uint64_t(a.k) * a.n) + " bytes exceed the operand limit");
  ctx.gb.fetch(a.weight_addr, uint64_t(a.k) * a.n, ctx.buf.w, "XBAR_PROGRAM weights", local);
  const int64_t bad = first_out_of_range(ctx.buf.w, a.w_bits);
  need(bad < 0, STOXVP_ERR_BAD_WEIGHT,
       "XBAR_PROGRAM weight " + str(static_cast<uint64_t>(bad)) + " = " +
           std::to_string(bad >= 0 ? static_cast<int8_t>(ctx.buf.w[bad]) : 0) + " is outside +-" +
           str((1u << (a.w_bits - 1)) - 1),
       a.weight_addr + static_cast<uint64_t>(bad < 0 ? 0 : bad));

  std::vector<core::crossbar_array*> arrays(map.arrays);
  for (uint32_t i = 0; i < map.arrays; ++i) {
    const uint32_t g = a.array_base - place.first_array + i;
    arrays[i] = &xg.tile_of(g).array(xg.array_in_tile(g));
  }
  core::program_layer(reinterpret_cast<const int8_t*>(ctx.buf.w.data()), shape, map, arrays.data());
  // Tiles write in parallel; the arrays of one tile share its write drivers.
  std::vector<sc_core::sc_time> per_tile(xg.tile_count(), sc_core::SC_ZERO_TIME);
  const array_owner owner{true, a.k, a.n, a.array_base, a.w_bits, a.w_slice};
  for (uint32_t i = 0; i < map.arrays; ++i) {
    const uint32_t g = a.array_base - place.first_array + i;
    tile& t = xg.tile_of(g);
    const core::crossbar_array& arr = *arrays[i];
    const action_cost c =
        t.program(uint64_t(arr.k_rows()) * arr.channels() * map.w_slices * 2, arr.k_rows(), a.w_slice);
    ctx.cost.charge(c.energy, local + per_tile[t.index() - xg.first_tile()], local + per_tile[t.index() - xg.first_tile()] + c.busy);
    ctx.cost.tile_activity(t.index(), "program", local + per_tile[t.index() - xg.first_tile()],
                           local + per_tile[t.index() - xg.first_tile()] + c.busy, c.energy);
    per_tile[t.index() - xg.first_tile()] += c.busy;
    t.owner(xg.array_in_tile(g)) = owner;
  }
  local += *std::max_element(per_tile.begin(), per_tile.end());
}

// An ADC given no full scale (adc_range 0) takes the worst case the geometry allows, which is
// lossless only with enough bits: with few bits its LSB is so coarse that most partial sums
// convert to 0 (the small CNN at 4 bits falls to chance), and nothing else would say so. Said
// once per layer configuration (when its converter bank is built), not per image.
void warn_geometric_adc_range(const xbar_group& xg, const stoxvp_desc& d, const core::xbar_layer_shape& shape,
                              const core::xbar_mapping& map, const core::converter_bank& bank) {
  const core::converter_config& c = bank.config();
  if ((c.kind != core::converter_kind::adc && c.kind != core::converter_kind::sparse_adc) || c.adc_range != 0) return;
  const double lsb = bank.code_scale();
  if (!(lsb > 1)) return;
  const double full_scale = lsb * std::ldexp(1.0, static_cast<int>(c.adc_bits) - 1);
  const accelerator_config& x = xg.config();
  std::ostringstream m;
  m << "XBAR_CONV layer " << d.hdr.tag << ": " << unsigned(c.adc_bits) << "-bit " << core::to_string(c.kind)
    << " with adc_range 0 takes the geometric worst case |PS| <= min(K " << shape.K << ", rows " << x.array_rows
    << ") x (2^" << unsigned(shape.w_slice) << " - 1) x (2^" << unsigned(shape.a_stream) << " - 1) = " << map.max_abs_ps
    << ": full scale +-" << full_scale << ", LSB " << lsb
    << " partial-sum units, so partial sums below " << lsb / 2
    << " convert to 0; give a full scale (stoxvp --adc-range F) or calibrate one per layer"
       " (python3 -m tools.stoxnet.calibrate; docs/datapath.md)";
  log(log_level::warning, msg::accelerator, xg.xbar_tiles().front()->name(), m.str());
}

// Runs for every crossbar layer of every image: the refusals' texts are built only when refusing.
void exec_xbar_conv(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const stoxvp_conv_args& a = d.args.conv;
  const accelerator_config& cfg_ = ctx.cfg;
  const core::conv_shape s = check_conv(ctx, a, "XBAR_CONV");
  const core::xbar_layer_shape shape{s.K(), s.out_channels, a.w_bits, a.w_slice, a.a_bits, a.a_stream};
  if (a.a_stream < 1 || a.a_stream >= a.a_bits)
    fail(STOXVP_ERR_BAD_PARAM, 0, "XBAR_CONV a_stream = " + str(a.a_stream) + ", must be 1.." + str(a.a_bits - 1u));
  if (a.w_bits < 2 || a.w_bits > 8 || a.w_slice < 1 || a.w_slice >= a.w_bits)
    fail(STOXVP_ERR_BAD_PARAM, 0,
         "XBAR_CONV w_bits = " + str(a.w_bits) + ", w_slice = " + str(a.w_slice) + " are not a programmable pair");
  const xbar_placement place = select_xbar_group(ctx, "XBAR_CONV", a.array_base);
  xbar_group& xg = *place.group;
  const accelerator_config& xcfg = xg.config();
  const core::xbar_mapping map = map_on_chip(place, "XBAR_CONV", shape, a.array_base);
  const array_owner expect{true, shape.K, shape.N, a.array_base, a.w_bits, a.w_slice};
  for (uint32_t i = 0; i < map.arrays; ++i) {
    const uint32_t g = a.array_base - place.first_array + i;
    const array_owner& o = xg.tile_of(g).owner(xg.array_in_tile(g));
    if (!(o == expect))
      fail(STOXVP_ERR_NOT_PROGRAMMED, 0,
           "XBAR_CONV array " + str(a.array_base + i) + " does not hold this layer (K " + str(shape.K) + ", N " +
               str(shape.N) + ", base " + str(a.array_base) + "): " +
               (o.valid ? "it holds K " + str(o.k) + ", N " + str(o.n) + " programmed at base " + str(o.base)
                        : std::string("it was never programmed")));
  }
  read_params(ctx, a.params_addr, shape.N, ctx.buf.params, local);
  bool new_bank = false;
  const auto bank = xg.converter_for(ctx.buf.params, shape, map, &new_bank);
  const auto& conv_cfg = bank->config();
  const std::string missing = bank->design().missing_figures(converter_figures_of(ctx.tech, cfg_), conv_cfg);
  if (!missing.empty()) fail(STOXVP_ERR_BAD_PARAM, 0, "XBAR_CONV: " + missing);
  if (new_bank) warn_geometric_adc_range(xg, d, shape, map, *bank);
  const uint8_t* x =
      ctx.gb.fetch_view(a.input_addr, uint64_t(s.in_channels) * s.in_h * s.in_w, ctx.buf.in, "XBAR_CONV input", local);
  xg.packed.pack(reinterpret_cast<const int8_t*>(x), s, xcfg.array_rows, a.a_bits, a.a_stream);
  ctx.stats.saturated_row_drives += xg.packed.saturated();
  ctx.buf.acc.assign(size_t(s.positions()) * shape.N, 0);

  // One tile operation per tile that holds arrays of the layer. The global buffer sends each
  // tile the input channels its row chunks cover over the NoC; tiles start when their input has
  // arrived and work concurrently; their partial results travel back to the global buffer,
  // where the vector unit reduces them. The layer costs its critical path.
  std::vector<tile_op>& ops = xg.ops;
  std::vector<std::vector<bool>>& channels_needed = xg.channels_needed;
  ops.resize(xg.tile_count());
  channels_needed.resize(xg.tile_count());
  for (uint32_t t = 0; t < xg.tile_count(); ++t) {
    ops[t].slots.clear();
    ops[t].input_bytes = 0;
    channels_needed[t].clear();
  }
  const uint32_t taps = uint32_t(s.kernel_h) * s.kernel_w;
  for (uint32_t i = 0; i < map.arrays; ++i) {
    const uint32_t g = a.array_base - place.first_array + i;
    const uint32_t t = g / xcfg.arrays_per_tile;
    const core::array_slot slot = core::layer_slot(&xg.tile_of(g).array(xg.array_in_tile(g)), i, map);
    ops[t].slots.push_back(slot);
    auto& need_ch = channels_needed[t];
    need_ch.resize(s.in_channels, false);
    const uint32_t k0 = slot.chunk * xcfg.array_rows, k1 = std::min(shape.K, k0 + xcfg.array_rows);
    for (uint32_t c = k0 / taps; c <= (k1 - 1) / taps; ++c) need_ch[c] = true;
  }
  const uint64_t key = core::stream_key(ctx.seed(), a.rng_stream);
  ctx.sync(local);
  uint32_t working = 0;
  for (const auto& op : ops) working += op.slots.empty() ? 0 : 1;
  ctx.set_active_tiles(working);

  ctx.noc.start_layer();
  ctx.noc.set_layer_origin(sc_core::sc_time_stamp() + local);
  const uint32_t gb = ctx.noc.global_buffer_node();
  const uint64_t gb_bits_per_cycle = uint64_t(cfg_.global_buffer_banks) * cfg_.global_buffer_width_bits;
  const uint64_t plane = uint64_t(s.in_h) * s.in_w;
  sc_core::sc_time gb_cursor = sc_core::SC_ZERO_TIME, reduce_ready = sc_core::SC_ZERO_TIME;
  sc_core::sc_time slowest_conversion = sc_core::SC_ZERO_TIME, slowest_arrays = sc_core::SC_ZERO_TIME,
                   slowest_tile = sc_core::SC_ZERO_TIME;
  double noc_bits_hops = 0, router_bits = 0, gb_bits = 0;
  core::converter_stats before, after;
  for (const auto& t : xg.xbar_tiles()) before += t->stats().datapath.conv;
  for (uint32_t t = 0; t < xg.tile_count(); ++t) {
    tile_op& op = ops[t];
    if (op.slots.empty()) continue;
    op.input = &xg.packed;
    op.bank = bank.get();
    op.key = key;
    op.N = shape.N;
    op.acc = ctx.buf.acc.data();
    op.input_bytes = plane * std::count(channels_needed[t].begin(), channels_needed[t].end(), true);
    // The global buffer reads the tile's input at its port bandwidth, the NoC carries it.
    const sc_core::sc_time gb_read = cfg_.clock_period * static_cast<double>((op.input_bytes * 8 + gb_bits_per_cycle - 1) / gb_bits_per_cycle);
    gb_cursor += gb_read;
    const uint32_t node = xg.node(t);
    const sc_core::sc_time arrive = ctx.noc.transfer(gb, node, op.input_bytes, gb_cursor);
    const action_cost c = xg.xbar_tiles()[t]->execute(op);
    ctx.cost.charge(c.energy, local + arrive, local + arrive + c.busy);
    ctx.cost.tile_activity(xg.xbar_tiles()[t]->index(), "conv", local + arrive, local + arrive + c.busy, c.energy);
    slowest_conversion = std::max(slowest_conversion, c.conversion_time);
    slowest_arrays = std::max(slowest_arrays, c.array_time);
    slowest_tile = std::max(slowest_tile, c.busy);
    ctx.cost.use_tile(xg.first_tile() + t);
    uint64_t channels = 0;
    for (const auto& sl : op.slots) channels += sl.array->channels();
    const uint64_t psum_bytes = uint64_t(s.positions()) * channels * cfg_.partial_sum_bits / 8;
    const sc_core::sc_time back = ctx.noc.transfer(node, gb, psum_bytes, arrive + c.busy);
    reduce_ready = std::max(reduce_ready, back);
    const double hops_in = ctx.noc.hops(gb, node);
    noc_bits_hops += (op.input_bytes + psum_bytes) * 8.0 * hops_in;
    router_bits += (op.input_bytes + psum_bytes) * 8.0 * (hops_in + 1);
    gb_bits += 2.0 * psum_bytes * 8;  // written by the NoC, read by the reduction
  }
  for (const auto& t : xg.xbar_tiles()) after += t->stats().datapath.conv;
  ctx.cost.add_level_times(slowest_conversion, slowest_arrays, slowest_tile);
  ctx.cost.charge(component::link, noc_bits_hops * ctx.tech.link_energy_pj_per_bit, local, local + reduce_ready);
  ctx.cost.charge(component::router, router_bits * ctx.tech.router_energy_pj_per_bit, local, local + reduce_ready);
  ctx.cost.charge(component::global_buffer, gb_bits * ctx.tech.global_buffer_energy_pj_per_bit, local, local + reduce_ready);
  auto& by_kind = ctx.stats.by_converter[static_cast<size_t>(bank->kind())];
  by_kind.conversions += after.conversions - before.conversions;
  by_kind.samples += after.samples - before.samples;
  by_kind.skipped += after.skipped - before.skipped;
  by_kind.switches += after.switches - before.switches;
  ctx.stats.macs += uint64_t(s.positions()) * shape.K * shape.N;
  local += reduce_ready;
  conv_output(ctx, a, ctx.buf.params, s.positions(), working, static_cast<float>(bank->code_scale()), local);
}

}  // namespace

std::shared_ptr<const core::converter_bank> xbar_group::converter_for(
    const std::vector<uint8_t>& raw, const core::xbar_layer_shape& shape,
    const core::xbar_mapping& map, bool* built) {
  if (built) *built = false;
  std::string& key = key_;
  key.assign(reinterpret_cast<const char*>(raw.data()), raw.size());
  const uint32_t dims[] = {shape.K, shape.N, shape.w_bits, shape.w_slice, shape.a_bits, shape.a_stream, cfg_.array_rows, cfg_.array_cols};
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
  banks_.emplace(key, bank);
  if (built) *built = true;
  return bank;
}

xbar_group::xbar_group(const group_build_args& a)
    : cfg_(xbar_group_config(a.cfg, a.spec)), tech_(a.tech), first_tile_(a.first_tile), nodes_(a.spec.nodes) {
  // A group given without its routers: tile t of the chip on router t mod routers.
  const uint32_t routers = a.cfg.noc.mesh_x * a.cfg.noc.mesh_y;
  if (nodes_.size() != a.count) {
    nodes_.clear();
    for (uint32_t t = a.first_tile; t < a.first_tile + a.count; ++t) nodes_.push_back(routers ? t % routers : 0);
  }
  for (uint32_t t = a.first_tile; t < a.first_tile + a.count; ++t)
    tiles_.push_back(std::make_unique<tile>(("tile_" + std::to_string(t)).c_str(), t, cfg_, a.tech));
}

std::vector<tile_base*> xbar_group::tiles() const {
  std::vector<tile_base*> v;
  for (const auto& t : tiles_) v.push_back(t.get());
  return v;
}

uint32_t xbar_group::converters_per_array() const {
  const uint32_t pairs = cfg_.array_cols / 2;
  const core::converter_design& design = core::converter_design_of(chip_converter(cfg_).kind);
  return design.has_circuit() ? (pairs + cfg_.converters.cols_per_converter - 1) / cfg_.converters.cols_per_converter : 0;
}

void xbar_group::contribute(cost_sheet& sheet) const {
  const core::converter_config chip = chip_converter(cfg_);
  const core::converter_design& design = core::converter_design_of(chip.kind);
  const double arrays = double(tile_count()) * cfg_.arrays_per_tile;
  const double conv = arrays * converters_per_array();
  const double per_array_cells = double(cfg_.array_rows) * cfg_.array_cols * tech_.cell_area_um2;
  sheet.add(component::crossbar, arrays * per_array_cells, arrays * tech_.array_leakage_mw, true);
  sheet.add(component::row_driver, arrays * cfg_.array_rows * tech_.row_driver_area_um2, 0, true);
  if (design.has_circuit()) {
    const core::converter_figures fig = converter_figures_of(tech_, cfg_);
    sheet.add(converter_component(design), conv * design.area_um2(fig, chip), conv * design.leakage_mw(fig, chip), true);
  }
  sheet.add(component::shift_add, conv * tech_.shift_add_area_um2, conv * tech_.shift_add_leakage_mw, true);
  sheet.add(component::tile_buffer, double(tile_count()) * cfg_.tile_buffer_kib * tech_.tile_buffer_area_um2_per_kib,
            double(tile_count()) * cfg_.tile_buffer_kib * tech_.tile_buffer_leakage_mw_per_kib, true);
}

void register_xbar_kind(operation_registry& r) {
  r.add_kind({"xbar", [](const group_build_args& a) { return std::make_unique<xbar_group>(a); },
              parse_xbar_section});
  r.add_operation({STOXVP_OP_XBAR_PROGRAM, "XBAR_PROGRAM", "xbar", exec_program});
  r.add_operation({STOXVP_OP_XBAR_CONV, "XBAR_CONV", "xbar", exec_xbar_conv});
}

}  // namespace stoxvp::hw
