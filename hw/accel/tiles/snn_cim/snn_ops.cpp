// The snn_cim kind's operations (docs/snn-cim.md): SNN_LOAD_LAYER places a spiking layer on the
// group's macros (its resident operand in the arrays, the other in the W/V buffers),
// SNN_RUN_TIMESTEP runs one timestep layer-first (input spikes scatter their fan-out's weights
// into the potentials, then every potential is compared and fired neurons reset), SNN_READ_STATE
// writes spike counts and potentials back, SNN_RESET_POTENTIALS starts a new sample.
// Loosely timed at row-step granularity: counts, not clock cycles.
#include "snn_group.h"

#include "hw/accel/command_processor.h"
#include "hw/accel/cost/tech_file.h"
#include "hw/accel/layer_common.h"
#include "common/json_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace stoxvp::hw {

component snn_macro_component() { return register_component("snn_cim_macro", power_group::crossbar); }
component snn_wv_buffer_component() { return register_component("snn_cim_wv_buffer", power_group::buffers); }
component snn_spike_buffer_component() { return register_component("snn_cim_spike_buffer", power_group::buffers); }

namespace {

uint32_t param(const group_build_args& a, const char* name, uint32_t dflt, uint32_t lo, uint32_t hi) {
  auto it = a.spec.params.find(name);
  if (it == a.spec.params.end()) return dflt;
  const double v = it->second;
  if (!(v >= lo && v <= hi && std::floor(v) == v))
    throw std::invalid_argument("'" + std::string(name) + "' = " + std::to_string(v) + ", must be an integer " +
                                std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<uint32_t>(v);
}

std::shared_ptr<const tech_section> parse_snn_technology(json_object_reader& section,
                                                         std::map<std::string, std::string>& sources) {
  auto t = std::make_shared<snn_cim_technology>();
  auto macro = section.object("macro");
  t->column_step_energy_pj = read_tech_value(macro, "column_step_energy_pj", sources["macro.column_step_energy_pj"]);
  t->standby_column_step_energy_pj =
      read_tech_value(macro, "standby_column_step_energy_pj", sources["macro.standby_column_step_energy_pj"]);
  t->cycle_ns = read_tech_value(macro, "cycle_ns", sources["macro.cycle_ns"]);
  t->macro_area_um2 = read_tech_value(macro, "area_um2", sources["macro.area_um2"]);
  t->macro_leakage_mw = read_tech_value(macro, "leakage_mw", sources["macro.leakage_mw"]);
  macro.finish();
  auto wv = section.object("wv_buffer");
  t->wv_buffer_energy_pj_per_bit = read_tech_value(wv, "energy_pj_per_bit", sources["wv_buffer.energy_pj_per_bit"]);
  wv.finish();
  auto sp = section.object("spike_buffer");
  t->spike_buffer_energy_pj_per_bit = read_tech_value(sp, "energy_pj_per_bit", sources["spike_buffer.energy_pj_per_bit"]);
  sp.finish();
  if (t->cycle_ns <= 0) macro.fail("cycle_ns", "must be above 0");
  return t;
}

snn_group& group_of(exec_context& ctx) { return ctx.group_of<snn_group>("snn_cim"); }

// The address bits of a spike event naming one of `n` neurons (what the spike buffer stores).
uint32_t address_bits(uint32_t n) {
  uint32_t b = 1;
  while ((uint64_t{1} << b) < n) ++b;
  return b;
}

void exec_load_layer(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  stoxvp_snn_load_layer_args a;
  std::memcpy(&a, d.args.raw, sizeof a);
  snn_group& g = group_of(ctx);
  need(a.layer < STOXVP_SNN_MAX_LAYERS, STOXVP_ERR_BAD_PARAM,
       "SNN_LOAD_LAYER: layer = " + std::to_string(a.layer) + ", slots are 0.." + std::to_string(STOXVP_SNN_MAX_LAYERS - 1));
  need(a.layer == 0 || g.slots[a.layer - 1].has_value(), STOXVP_ERR_BAD_PARAM,
       "SNN_LOAD_LAYER: layer = " + std::to_string(a.layer) + " but slot " + std::to_string(a.layer - 1) + " is not loaded");
  core::snn::layer_config c;
  c.shape.type = core::snn::layer_type(a.type);
  c.shape.in_c = a.in_channels;
  c.shape.in_h = a.in_h;
  c.shape.in_w = a.in_w;
  c.shape.out_c = a.out_channels;
  c.shape.kernel = a.kernel;
  c.shape.stride = a.stride;
  c.shape.pad = a.pad;
  c.w_bits = a.w_bits;
  c.v_bits = a.v_bits;
  c.threshold = a.threshold;
  c.reset = core::snn::reset_mode(a.reset);
  c.policy = core::snn::stationarity(g.policy >= 0 ? uint8_t(g.policy) : a.policy);
  need(a.type <= STOXVP_SNN_LAYER_FC, STOXVP_ERR_BAD_PARAM, "SNN_LOAD_LAYER: type = " + std::to_string(a.type));
  need(a.type != STOXVP_SNN_LAYER_FC || (a.kernel == 1 && a.stride == 1 && a.pad == 0), STOXVP_ERR_BAD_SHAPE,
       "SNN_LOAD_LAYER: an FC layer has kernel 1, stride 1, pad 0 (kernel = " + std::to_string(a.kernel) + ", stride = " +
           std::to_string(a.stride) + ", pad = " + std::to_string(a.pad) + ")");
  const std::string why = core::snn::check_layer(c);
  need(why.empty(), why.find("shape") != std::string::npos || why.find("kernel") != std::string::npos ||
                            why.find("stride") != std::string::npos || why.find("channels") != std::string::npos ||
                            why.find("neurons") != std::string::npos || why.find("pad") != std::string::npos
                        ? STOXVP_ERR_BAD_SHAPE
                        : STOXVP_ERR_BAD_PARAM,
       "SNN_LOAD_LAYER: " + why);
  if (a.layer > 0) {
    const auto& prev = g.slots[a.layer - 1]->layer.config().shape;
    need(prev.outputs() == c.shape.inputs(), STOXVP_ERR_BAD_SHAPE,
         "SNN_LOAD_LAYER: layer " + std::to_string(a.layer) + " has " + std::to_string(c.shape.inputs()) +
             " inputs, slot " + std::to_string(a.layer - 1) + " has " + std::to_string(prev.outputs()) + " outputs");
  }
  // Weights: int8 up to 8 bits, int16 above.
  const uint32_t n = static_cast<uint32_t>(c.shape.weight_count());  // check_layer bounds it at 2^24
  const uint32_t wbytes = a.w_bits <= 8 ? 1 : 2;
  need(a.weight_addr != 0 && a.weight_addr % wbytes == 0, STOXVP_ERR_BAD_ADDRESS,
       "SNN_LOAD_LAYER: weight_addr is 0 or misaligned", a.weight_addr);
  ctx.gb.fetch(a.weight_addr, uint64_t(n) * wbytes, ctx.buf.w, "SNN_LOAD_LAYER weights", local);
  std::vector<int32_t> w(n);
  const int32_t lim = (1 << (a.w_bits - 1)) - 1;
  for (uint32_t i = 0; i < n; ++i) {
    int32_t x;
    if (wbytes == 1) {
      x = static_cast<int8_t>(ctx.buf.w[i]);
    } else {
      int16_t h;
      std::memcpy(&h, &ctx.buf.w[2 * size_t(i)], 2);
      x = h;
    }
    need(x >= -lim && x <= lim, STOXVP_ERR_BAD_WEIGHT,
         "SNN_LOAD_LAYER: weight " + std::to_string(i) + " = " + std::to_string(x) + " is outside +-" + std::to_string(lim),
         a.weight_addr + uint64_t(i) * wbytes);
    w[i] = x;
  }
  snn_slot s{core::snn::snn_layer(c, std::move(w))};
  // Stationarity: the resident operand lives in the macros' arrays, the other streams through
  // the W/V buffers. HS-min keeps the smaller one resident.
  const uint64_t wbits = uint64_t(n) * a.w_bits, vbits = uint64_t(c.shape.outputs()) * a.v_bits;
  s.ws = c.policy == core::snn::stationarity::ws ||
         (c.policy == core::snn::stationarity::hs_min && wbits <= vbits);
  s.resident_bits = s.ws ? wbits : vbits;
  s.streamed_bits = s.ws ? vbits : wbits;
  const uint64_t macro_bits = uint64_t(g.rows) * g.cols;
  s.macros = static_cast<uint32_t>(std::max<uint64_t>(1, (s.resident_bits + macro_bits - 1) / macro_bits));
  s.first_macro = 0;
  for (uint32_t l = 0; l < a.layer; ++l) s.first_macro += g.slots[l]->macros;
  need(uint64_t(s.first_macro) + s.macros <= g.macros.size(), STOXVP_ERR_BAD_SHAPE,
       "SNN_LOAD_LAYER: layer " + std::to_string(a.layer) + " needs macros " + std::to_string(s.first_macro) + ".." +
           std::to_string(s.first_macro + s.macros - 1) + " for its resident " + (s.ws ? "weights" : "potentials") + " (" +
           std::to_string(s.resident_bits) + " bits), the group has " + std::to_string(g.macros.size()));
  // Writing the resident operand: one row step per row of cols bits; the streamed one goes to
  // the buffers (W) or starts at zero there (V, written as the first spikes arrive).
  const snn_cim_technology& t = g.tech();
  const uint64_t row_writes = (s.resident_bits + g.cols - 1) / g.cols;
  const sc_core::sc_time busy = sc_core::sc_time(t.cycle_ns, sc_core::SC_NS) * double((row_writes + s.macros - 1) / s.macros);
  ctx.cost.charge(snn_macro_component(), double(s.resident_bits) * t.column_step_energy_pj, local, local + busy);
  if (!s.ws)
    ctx.cost.charge(snn_wv_buffer_component(), double(std::min(wbits, g.wv_buffer_bits * s.macros)) * t.wv_buffer_energy_pj_per_bit,
                    local, local + busy);
  g.stats.row_steps += row_writes;
  g.stats.active_column_steps += s.resident_bits;
  local += busy;
  for (uint32_t l = a.layer; l < STOXVP_SNN_MAX_LAYERS; ++l) g.slots[l].reset();  // later slots follow this one
  g.slots[a.layer] = std::move(s);
}

void exec_run_timestep(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  stoxvp_snn_run_timestep_args a;
  std::memcpy(&a, d.args.raw, sizeof a);
  snn_group& g = group_of(ctx);
  const uint32_t loaded = g.loaded();
  need(loaded > 0, STOXVP_ERR_BAD_PARAM, "SNN_RUN_TIMESTEP: no layer is loaded");
  const uint32_t layers = a.layers == 0 ? loaded : a.layers;
  need(layers <= loaded, STOXVP_ERR_BAD_PARAM,
       "SNN_RUN_TIMESTEP: layers = " + std::to_string(a.layers) + ", only slots 0.." + std::to_string(loaded - 1) + " are loaded");
  const uint32_t inputs = g.slots[0]->layer.config().shape.inputs();
  need(a.event_count <= inputs, STOXVP_ERR_BAD_SHAPE,
       "SNN_RUN_TIMESTEP: event_count = " + std::to_string(a.event_count) + ", slot 0 has " + std::to_string(inputs) + " inputs");
  std::vector<uint32_t> in(a.event_count), out;
  if (a.event_count > 0) {
    need(a.events_addr != 0 && a.events_addr % 4 == 0, STOXVP_ERR_BAD_ADDRESS, "SNN_RUN_TIMESTEP: events_addr is 0 or misaligned",
         a.events_addr);
    ctx.gb.fetch(a.events_addr, uint64_t(a.event_count) * 4, ctx.buf.in, "SNN_RUN_TIMESTEP events", local);
    std::memcpy(in.data(), ctx.buf.in.data(), in.size() * 4);
    for (uint32_t i = 0; i < in.size(); ++i) {
      if (in[i] >= inputs)
        fail(STOXVP_ERR_BAD_PARAM, a.events_addr + uint64_t(i) * 4,
             "SNN_RUN_TIMESTEP: event " + std::to_string(i) + " = neuron " + std::to_string(in[i]) + ", slot 0 has " +
                 std::to_string(inputs) + " inputs");
      if (i > 0 && in[i] <= in[i - 1])
        fail(STOXVP_ERR_BAD_PARAM, a.events_addr + uint64_t(i) * 4,
             "SNN_RUN_TIMESTEP: event " + std::to_string(i) + " = neuron " + std::to_string(in[i]) +
                 ", not above the previous event's " + std::to_string(in[i - 1]) + " (ascending, distinct)");
    }
  }
  const snn_cim_technology& t = g.tech();
  const sc_core::sc_time cycle(t.cycle_ns, sc_core::SC_NS);
  uint32_t from_node = ctx.noc.global_buffer_node();
  sc_core::sc_time at = local;
  double link_bits = 0, router_bits = 0;
  for (uint32_t l = 0; l < layers; ++l) {
    snn_slot& s = *g.slots[l];
    const core::snn::layer_config& c = s.layer.config();
    // A V operand spans v_bits columns, or the grid's multiple of them on a fixed-grid macro.
    const uint32_t vbits = g.grid_bits ? (c.v_bits + g.grid_bits - 1) / g.grid_bits * g.grid_bits : c.v_bits;
    // The operand's shape: ncols columns by nrows rows, one row step per operand row. A V wider
    // than the macro's row spills onto further rows, as a v_cols operand does (the carry chained
    // row to row): the array has no wider row to put it in, and refusing the layer would turn
    // away what the macro can run. Without the bound a 16-bit V on 8 columns used more
    // column-steps than the steps had, and the standby count wrapped below zero.
    const uint32_t ncols = std::min(g.v_cols && g.v_cols < vbits ? g.v_cols : vbits, g.cols);
    const uint32_t nrows = (vbits + ncols - 1) / ncols;
    const uint32_t vcols = ncols * nrows;  // columns a V occupies over its rows
    const uint32_t per_row = std::max<uint32_t>(1, g.cols / ncols);
    // The layer's input spikes arrive at its first macro as one message of address events.
    const uint32_t node = g.node(s.first_macro);
    const uint32_t abits = address_bits(c.shape.inputs());
    const uint64_t msg_bytes = (uint64_t(in.size()) * abits + 7) / 8;
    if (!in.empty() && node != from_node) {
      const sc_core::sc_time now = sc_core::sc_time_stamp();
      at = ctx.noc.send(from_node, node, msg_bytes, now + at) - now;
      const double hops = ctx.noc.hops(from_node, node);
      link_bits += msg_bytes * 8.0 * hops;
      router_bits += msg_bytes * 8.0 * (hops + 1);
      ++g.stats.noc_messages;
    }
    // Row steps: a spike's targets at one output position are its out_c neurons, per_row of
    // them side by side in one row (an FC layer's whole output row likewise).
    uint64_t steps = 0;
    const uint32_t oc = c.shape.out_c;
    const uint64_t rows_per_position = (oc + per_row - 1) / per_row * nrows;
    for (uint32_t i : in) steps += uint64_t(s.layer.fanout(i) / oc) * rows_per_position;
    core::snn::layer_step_stats st;
    if (c.shape.outputs() <= g.bit_level_max_neurons) {
      // Bit-level mode: the layer's timestep executed as column full-adds on bit planes.
      core::snn::snn_bit_layer bits(s.layer, g.v_cols);
      st = bits.step(in, out);
      std::vector<int64_t> v(c.shape.outputs());
      for (uint32_t o = 0; o < v.size(); ++o) v[o] = bits.potential(o);
      s.layer.commit(v, out);
      g.stats.bit_level_full_adds += bits.full_add_steps();
    } else {
      st = s.layer.step(in, out);
    }
    // Firing phase: every potential is compared (and reset where it fired): one step per V row.
    const uint64_t neurons = c.shape.outputs();
    const uint64_t fire_steps = uint64_t(c.shape.out_h()) * c.shape.out_w() * rows_per_position;
    const uint64_t used = st.sops * vcols + neurons * vcols;
    const uint64_t all_steps = steps + fire_steps;
    // Without standby the unused columns precharge and cost as much as used ones.
    const uint64_t active = g.standby ? used : all_steps * g.cols;
    const uint64_t standby = all_steps * g.cols - active;
    // The streamed operand through the W/V buffers: WS reads and writes V per SOP and per
    // compare; OS reads W per SOP. What the macros' buffers cannot hold streams from DRAM.
    const uint64_t stream_bits = s.ws ? 2 * c.v_bits * (st.sops + neurons) : uint64_t(c.w_bits) * st.sops;
    const uint64_t capacity = g.wv_buffer_bits * s.macros;
    const double dram_share = s.streamed_bits > capacity ? 1.0 - double(capacity) / double(s.streamed_bits) : 0.0;
    const uint64_t dram_bits = static_cast<uint64_t>(std::llround(double(stream_bits) * dram_share));
    const uint64_t spike_bits = 2 * uint64_t(in.size()) * abits;  // written on arrival, read when processed
    const sc_core::sc_time busy = cycle * double((all_steps + s.macros - 1) / s.macros);
    ctx.cost.charge(snn_macro_component(),
                    double(active) * t.column_step_energy_pj + double(standby) * t.standby_column_step_energy_pj, at, at + busy);
    ctx.cost.charge(snn_wv_buffer_component(), double(stream_bits) * t.wv_buffer_energy_pj_per_bit, at, at + busy);
    ctx.cost.charge(snn_spike_buffer_component(), double(spike_bits) * t.spike_buffer_energy_pj_per_bit, at, at + busy);
    if (dram_bits) ctx.cost.charge(component::dram, double(dram_bits) * ctx.tech.dram_energy_pj_per_bit, at, at + busy);
    for (uint32_t m = 0; m < s.macros; ++m) {
      snn_macro& mac = *g.macros[s.first_macro + m];
      mac.sops += st.sops / s.macros + (m < st.sops % s.macros ? 1 : 0);
      mac.busy_time += busy;
    }
    g.stats.input_events += in.size();
    g.stats.sops += st.sops;
    g.stats.sops_by_layer[l] += st.sops;
    g.stats.output_spikes += st.output_spikes;
    g.stats.row_steps += all_steps;
    g.stats.active_column_steps += active;
    g.stats.standby_column_steps += standby;
    g.stats.wv_buffer_bits += stream_bits;
    g.stats.spike_buffer_bits += spike_bits;
    g.stats.dram_stream_bits += dram_bits;
    ctx.stats.macs += st.sops;
    ctx.stats.sops += st.sops;
    at += busy;
    from_node = node;
    in.swap(out);
  }
  ctx.cost.charge(component::link, link_bits * ctx.tech.link_energy_pj_per_bit, local, at);
  ctx.cost.charge(component::router, router_bits * ctx.tech.router_energy_pj_per_bit, local, at);
  ++g.stats.timesteps;
  local = at;
}

void exec_read_state(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  stoxvp_snn_read_state_args a;
  std::memcpy(&a, d.args.raw, sizeof a);
  snn_group& g = group_of(ctx);
  need(a.layer < STOXVP_SNN_MAX_LAYERS && g.slots[a.layer].has_value(), STOXVP_ERR_BAD_PARAM,
       "SNN_READ_STATE: layer = " + std::to_string(a.layer) + " is not loaded");
  const snn_slot& s = *g.slots[a.layer];
  const uint32_t n = s.layer.config().shape.outputs();
  const snn_cim_technology& t = g.tech();
  if (a.counts_addr) {
    need(a.counts_addr % 4 == 0, STOXVP_ERR_BAD_ADDRESS, "SNN_READ_STATE: counts_addr is misaligned", a.counts_addr);
    ctx.gb.store(a.counts_addr, s.layer.spike_counts().data(), uint64_t(n) * 4, local);
  }
  if (a.potentials_addr) {
    need(a.potentials_addr % 4 == 0, STOXVP_ERR_BAD_ADDRESS, "SNN_READ_STATE: potentials_addr is misaligned", a.potentials_addr);
    std::vector<int32_t> v(n);
    for (uint32_t i = 0; i < n; ++i) v[i] = static_cast<int32_t>(s.layer.potentials()[i]);
    // Reading V out of the array (or the buffer): one row step per row of V.
    const uint64_t bits = uint64_t(n) * s.layer.config().v_bits;
    const sc_core::sc_time busy = sc_core::sc_time(t.cycle_ns, sc_core::SC_NS) * double((bits + g.cols - 1) / g.cols);
    ctx.cost.charge(s.ws ? snn_wv_buffer_component() : snn_macro_component(),
                    double(bits) * (s.ws ? t.wv_buffer_energy_pj_per_bit : t.column_step_energy_pj), local, local + busy);
    if (s.ws) {
      g.stats.wv_buffer_bits += bits;
    } else {
      g.stats.active_column_steps += bits;
      g.stats.row_steps += (bits + g.cols - 1) / g.cols;
    }
    local += busy;
    ctx.gb.store(a.potentials_addr, v.data(), uint64_t(n) * 4, local);
  }
}

void exec_reset_potentials(exec_context& ctx, const stoxvp_desc&, sc_core::sc_time& local) {
  snn_group& g = group_of(ctx);
  const snn_cim_technology& t = g.tech();
  // Zeroing V where it lives, as SNN_READ_STATE reads it: a weight-stationary layer's V is in
  // the W/V buffers (bits written there), an output-stationary one's in the macros (one row
  // write per row of potentials).
  uint64_t rows = 0, macro_rows = 0, buffer_bits = 0;
  for (auto& s : g.slots)
    if (s) {
      s->layer.reset_potentials();
      const uint64_t bits = uint64_t(s->layer.config().shape.outputs()) * s->layer.config().v_bits;
      const uint64_t r = (bits + g.cols - 1) / g.cols;
      rows += r;
      if (s->ws)
        buffer_bits += bits;
      else
        macro_rows += r;
    }
  const sc_core::sc_time busy = sc_core::sc_time(t.cycle_ns, sc_core::SC_NS) * double(rows);
  ctx.cost.charge(snn_macro_component(), double(macro_rows * g.cols) * t.column_step_energy_pj, local, local + busy);
  ctx.cost.charge(snn_wv_buffer_component(), double(buffer_bits) * t.wv_buffer_energy_pj_per_bit, local, local + busy);
  g.stats.row_steps += macro_rows;
  g.stats.active_column_steps += macro_rows * g.cols;
  g.stats.wv_buffer_bits += buffer_bits;
  local += busy;
}

}  // namespace

snn_group::snn_group(const group_build_args& a) : tech_(a.tech.section<snn_cim_technology>("snn_cim")), nodes_(a.spec.nodes) {
  rows = param(a, "rows", 512, 2, 65536);
  cols = param(a, "cols", 256, 2, 4096);
  wv_buffer_bits = uint64_t(param(a, "wv_buffer_bytes", 16 * 2048, 0, 1u << 30)) * 8;
  spike_buffer_bits = uint64_t(param(a, "spike_buffer_bytes", 4352, 1, 1u << 30)) * 8;
  bit_level_max_neurons = param(a, "bit_level_max_neurons", 0, 0, 1u << 20);
  standby = param(a, "standby", 1, 0, 1) == 1;
  grid_bits = param(a, "grid_bits", 0, 0, 32);
  v_cols = param(a, "v_cols", 0, 0, 32);
  if (v_cols > cols) throw std::invalid_argument("'v_cols' = " + std::to_string(v_cols) + " exceeds cols = " + std::to_string(cols));
  policy = a.spec.params.count("policy") ? int(param(a, "policy", 0, 0, 2)) : -1;
  if (tech_ == nullptr) throw std::invalid_argument("the technology has no \"tiles\": {\"snn_cim\": ...} section");
  const uint32_t routers = a.cfg.noc.mesh_x * a.cfg.noc.mesh_y;
  if (nodes_.size() != a.count) {
    nodes_.clear();
    for (uint32_t t = a.first_tile; t < a.first_tile + a.count; ++t) nodes_.push_back(routers ? t % routers : 0);
  }
  for (uint32_t t = a.first_tile; t < a.first_tile + a.count; ++t)
    macros.push_back(std::make_unique<snn_macro>(("snn_macro_" + std::to_string(t)).c_str(), t));
}

std::vector<tile_base*> snn_group::tiles() const {
  std::vector<tile_base*> v;
  for (const auto& m : macros) v.push_back(m.get());
  return v;
}

void snn_group::contribute(cost_sheet& s) const {
  const double n = double(macros.size());
  s.add(snn_macro_component(), n * tech_->macro_area_um2, n * tech_->macro_leakage_mw, true);
}

uint32_t snn_group::loaded() const {
  uint32_t n = 0;
  while (n < slots.size() && slots[n].has_value()) ++n;
  return n;
}

void register_snn_cim_kind(operation_registry& r) {
  r.add_kind({"snn_cim", [](const group_build_args& a) { return std::make_unique<snn_group>(a); }, parse_snn_technology});
  r.add_operation({STOXVP_OP_SNN_LOAD_LAYER, "SNN_LOAD_LAYER", "snn_cim", exec_load_layer});
  r.add_operation({STOXVP_OP_SNN_RUN_TIMESTEP, "SNN_RUN_TIMESTEP", "snn_cim", exec_run_timestep});
  r.add_operation({STOXVP_OP_SNN_READ_STATE, "SNN_READ_STATE", "snn_cim", exec_read_state});
  r.add_operation({STOXVP_OP_SNN_RESET_POTENTIALS, "SNN_RESET_POTENTIALS", "snn_cim", exec_reset_potentials});
  snn_macro_component();
  snn_wv_buffer_component();
  snn_spike_buffer_component();
}

}  // namespace stoxvp::hw
