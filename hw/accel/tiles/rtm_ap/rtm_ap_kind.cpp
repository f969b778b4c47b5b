#include "rtm_ap_kind.h"

#include "hw/accel/command_processor.h"
#include "hw/accel/cost/tech_file.h"
#include "hw/accel/layer_common.h"
#include "common/json_reader.h"
#include "common/log.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace stoxvp::hw {

component rtm_ap_search() { return register_component("rtm_ap_search", power_group::crossbar); }
component rtm_ap_write() { return register_component("rtm_ap_write", power_group::crossbar); }
component rtm_ap_shift() { return register_component("rtm_ap_shift", power_group::crossbar); }
component rtm_ap_activation() { return register_component("rtm_ap_activation", power_group::buffers); }

std::shared_ptr<const tech_section> parse_rtm_ap_section(json_object_reader& section,
                                                         std::map<std::string, std::string>& sources) {
  auto t = std::make_shared<rtm_ap_technology>();
  struct entry {
    const char* component;
    const char* name;
    double rtm_ap_technology::*member;
  };
  static const entry kFields[] = {
      {"search", "energy_pj_per_row_bit", &rtm_ap_technology::search_energy_pj_per_row_bit},
      {"search", "latency_ns", &rtm_ap_technology::search_latency_ns},
      {"write", "energy_pj_per_bit", &rtm_ap_technology::write_energy_pj_per_bit},
      {"write", "latency_ns", &rtm_ap_technology::write_latency_ns},
      {"shift", "energy_pj_per_track_step", &rtm_ap_technology::shift_energy_pj_per_track_step},
      {"shift", "latency_ns", &rtm_ap_technology::shift_latency_ns},
      {"read", "energy_pj_per_bit", &rtm_ap_technology::read_energy_pj_per_bit},
      {"read", "latency_ns", &rtm_ap_technology::read_latency_ns},
      {"cell", "area_um2_per_bit", &rtm_ap_technology::cell_area_um2_per_bit},
      {"cell", "leakage_mw_per_tile", &rtm_ap_technology::cell_leakage_mw_per_tile},
  };
  constexpr size_t n = sizeof kFields / sizeof kFields[0];
  for (size_t i = 0; i < n;) {
    const char* comp = kFields[i].component;
    if (!section.has(comp)) section.fail(comp, "missing component");
    auto c = section.object(comp);
    for (; i < n && std::string(kFields[i].component) == comp; ++i)
      (*t).*(kFields[i].member) = read_tech_value(c, kFields[i].name, sources[std::string(comp) + "." + kFields[i].name]);
    c.finish();
  }
  return t;
}

namespace {

uint32_t param(const group_build_args& a, const char* name, double dflt, double lo, double hi) {
  auto it = a.spec.params.find(name);
  const double v = it == a.spec.params.end() ? dflt : it->second;
  if (!(v >= lo && v <= hi && std::floor(v) == v))
    throw std::invalid_argument(std::string("'") + name + "' = " + std::to_string(v) + ", must be an integer " +
                                std::to_string(uint64_t(lo)) + ".." + std::to_string(uint64_t(hi)));
  return uint32_t(v);
}

// The AP tile a descriptor names, over the chip's rtm_ap groups in order.
struct ap_target {
  rtm_ap_group* group;
  uint32_t t;
  rtm_ap_tile& tile() { return group->tile(t); }
};
ap_target target(exec_context& ctx, const stoxvp_ap_args& a, const char* op) {
  uint32_t left = a.ap_tile, total = 0;
  ap_target found{nullptr, 0};
  for (tile_group_base* g : ctx.groups("rtm_ap")) {
    auto& ag = dynamic_cast<rtm_ap_group&>(*g);
    if (found.group == nullptr && left < ag.tile_count()) found = {&ag, left};
    else if (found.group == nullptr) left -= ag.tile_count();
    total += ag.tile_count();
  }
  need(found.group != nullptr, STOXVP_ERR_BAD_SHAPE,
       std::string(op) + " ap_tile = " + str(a.ap_tile) + ": the chip has " + str(total) + " AP tiles");
  return found;
}

// Activations and programs travel between the global buffer and the tile over the NoC.
sc_core::sc_time move(exec_context& ctx, uint32_t from, uint32_t to, uint64_t bytes, const sc_core::sc_time& local) {
  ctx.noc.start_layer();
  const sc_core::sc_time arrive = ctx.noc.transfer(from, to, bytes, sc_core::SC_ZERO_TIME);
  const double hops = ctx.noc.hops(from, to);
  ctx.cost.charge(component::link, bytes * 8.0 * hops * ctx.tech.link_energy_pj_per_bit, local, local + arrive);
  ctx.cost.charge(component::router, bytes * 8.0 * (hops + 1) * ctx.tech.router_energy_pj_per_bit, local, local + arrive);
  return arrive;
}

void exec_load_program(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const stoxvp_ap_args& a = d.args.ap;
  ap_target tg = target(ctx, a, "AP_LOAD_PROGRAM");
  need(a.bytes >= rtm_ap::kApHeaderBytes && a.bytes <= (64u << 20), STOXVP_ERR_BAD_SHAPE,
       "AP_LOAD_PROGRAM bytes = " + str(a.bytes) + ", must be 64..67108864");
  ctx.gb.fetch(a.addr, a.bytes, ctx.buf.w, "AP_LOAD_PROGRAM program", local);
  rtm_ap::ap_program p;
  try {
    p = rtm_ap::parse_ap_program(ctx.buf.w.data(), a.bytes, "AP_LOAD_PROGRAM program at " + hex(a.addr));
  } catch (const std::invalid_argument& e) {
    fail(STOXVP_ERR_BAD_PARAM, a.addr, e.what());
  }
  const rtm_ap_group& g = *tg.group;
  need(p.rows <= g.rows(), STOXVP_ERR_BAD_SHAPE,
       "AP_LOAD_PROGRAM program rows = " + str(p.rows) + ": the AP tile has " + str(g.rows()) + " rows", a.addr);
  need(p.columns <= g.columns(), STOXVP_ERR_BAD_SHAPE,
       "AP_LOAD_PROGRAM program columns = " + str(p.columns) + ": the AP tile's rows have " + str(g.columns()) + " bits",
       a.addr);
  local += move(ctx, ctx.noc.global_buffer_node(), g.node(tg.t), a.bytes, local);
  rtm_ap_tile& t = tg.tile();
  t.program = std::move(p);
  t.activations.clear();
  t.ran = false;
}

void exec_load_act(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const stoxvp_ap_args& a = d.args.ap;
  ap_target tg = target(ctx, a, "AP_LOAD_ACT");
  rtm_ap_tile& t = tg.tile();
  need(t.program.has_value(), STOXVP_ERR_BAD_PARAM, "AP_LOAD_ACT on AP tile " + str(a.ap_tile) + ", which holds no program");
  need(a.bytes == t.program->input_count(), STOXVP_ERR_BAD_SHAPE,
       "AP_LOAD_ACT bytes = " + str(a.bytes) + ": the tile's program takes " + str(t.program->input_count()));
  // Fetched aside and checked before it replaces the tile's activations: a refused load must
  // not leave bytes the program cannot take for the next AP_RUN.
  std::vector<uint8_t> act;
  ctx.gb.fetch(a.addr, a.bytes, act, "AP_LOAD_ACT activations", local);
  const uint32_t limit = 1u << t.program->act_bits;  // act_bits 8: every byte fits
  for (uint32_t i = 0; i < a.bytes; ++i)
    need(act[i] < limit, STOXVP_ERR_BAD_PARAM,
         "AP_LOAD_ACT activation " + str(i) + " = " + str(act[i]) + " does not fit act_bits " + str(t.program->act_bits),
         a.addr + i);
  local += move(ctx, ctx.noc.global_buffer_node(), tg.group->node(tg.t), a.bytes, local);
  t.activations.swap(act);
  t.ran = false;
}

void exec_run(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const stoxvp_ap_args& a = d.args.ap;
  ap_target tg = target(ctx, a, "AP_RUN");
  rtm_ap_tile& t = tg.tile();
  need(t.program.has_value(), STOXVP_ERR_BAD_PARAM, "AP_RUN on AP tile " + str(a.ap_tile) + ", which holds no program");
  need(!t.activations.empty(), STOXVP_ERR_BAD_PARAM, "AP_RUN on AP tile " + str(a.ap_tile) + " before AP_LOAD_ACT");
  const rtm_ap::ap_program& p = *t.program;
  t.outputs.assign(p.output_count(), 0);
  rtm_ap::ap_counters c;
  t.ran = false;
  // A backstop: the command processor turns only desc_error and dma_fault into an error
  // status, so anything run_ap_program refuses must become one here, not end the simulation.
  try {
    rtm_ap::run_ap_program(p, t.activations.data(), t.outputs.data(), c);
  } catch (const std::invalid_argument& e) {
    fail(STOXVP_ERR_BAD_PARAM, a.addr, "AP_RUN on AP tile " + str(a.ap_tile) + ": " + e.what());
  }
  const rtm_ap_technology& x = tg.group->tech();
  // Rows are 64-row CAM subarrays working in parallel; moving a field in or out of them goes
  // through each subarray's 32-bit port (RTSim's word), all subarrays at once.
  const double subarrays = std::ceil(p.rows / 64.0);
  const double load_ns = std::ceil(c.loaded_row_bits / (32.0 * subarrays)) * x.write_latency_ns;
  const double read_ns = std::ceil(c.read_row_bits / (32.0 * subarrays)) * x.read_latency_ns;
  const double ns = c.compares * x.search_latency_ns + c.writes * x.write_latency_ns +
                    double(c.bit_step_shifts + c.realign_shifts) * x.shift_latency_ns + load_ns + read_ns;
  const sc_core::sc_time busy(ns, sc_core::SC_NS);
  ctx.set_active_tiles(1);
  ctx.cost.charge(rtm_ap_search(), c.searched_row_bits * x.search_energy_pj_per_row_bit, local, local + busy);
  ctx.cost.charge(rtm_ap_write(), c.written_row_bits * x.write_energy_pj_per_bit, local, local + busy);
  ctx.cost.charge(rtm_ap_shift(), c.shifted_tracks * x.shift_energy_pj_per_track_step, local, local + busy);
  ctx.cost.charge(rtm_ap_activation(),
                  c.loaded_row_bits * x.write_energy_pj_per_bit + c.read_row_bits * x.read_energy_pj_per_bit, local,
                  local + busy);
  local += busy;
  t.counters += c;
  t.runs += 1;
  t.busy_time += busy;
  t.ran = true;
  ctx.stats.macs += uint64_t(p.rows) * p.in_channels * p.kernel * p.kernel * p.out_channels;
}

void exec_store(exec_context& ctx, const stoxvp_desc& d, sc_core::sc_time& local) {
  const stoxvp_ap_args& a = d.args.ap;
  ap_target tg = target(ctx, a, "AP_STORE");
  rtm_ap_tile& t = tg.tile();
  need(t.ran, STOXVP_ERR_BAD_PARAM, "AP_STORE on AP tile " + str(a.ap_tile) + " before AP_RUN on its activations");
  need(a.bytes == t.outputs.size(), STOXVP_ERR_BAD_SHAPE,
       "AP_STORE bytes = " + str(a.bytes) + ": the tile's program gives " + str(t.outputs.size()));
  need(a.addr != 0, STOXVP_ERR_BAD_ADDRESS, "AP_STORE addr is null");
  local += move(ctx, tg.group->node(tg.t), ctx.noc.global_buffer_node(), a.bytes, local);
  ctx.gb.store(a.addr, t.outputs.data(), a.bytes, local);
}

}  // namespace

rtm_ap_group::rtm_ap_group(const group_build_args& a)
    : tech_(a.tech.section<rtm_ap_technology>("rtm_ap")), nodes_(a.spec.nodes) {
  rows_ = param(a, "rows", 1024, 1, 1u << 20);
  columns_ = param(a, "columns", 2048, 8, 1u << 16);
  if (tech_ == nullptr) throw std::invalid_argument("the technology has no \"tiles\": {\"rtm_ap\": ...} section");
  const uint32_t routers = a.cfg.noc.mesh_x * a.cfg.noc.mesh_y;
  if (nodes_.size() != a.count) {
    nodes_.clear();
    for (uint32_t t = a.first_tile; t < a.first_tile + a.count; ++t) nodes_.push_back(routers ? t % routers : 0);
  }
  for (uint32_t t = a.first_tile; t < a.first_tile + a.count; ++t)
    tiles_.push_back(std::make_unique<rtm_ap_tile>(("ap_tile_" + std::to_string(t)).c_str(), t));
  rtm_ap_search();
  rtm_ap_write();
  rtm_ap_shift();
  rtm_ap_activation();
}

std::vector<tile_base*> rtm_ap_group::tiles() const {
  std::vector<tile_base*> v;
  for (const auto& t : tiles_) v.push_back(t.get());
  return v;
}

// The CAM's cells carry the tile's area (under the search component: the array that searches,
// writes and shifts is one set of racetracks); non-volatile, so leakage is the periphery's.
void rtm_ap_group::contribute(cost_sheet& s) const {
  const double tiles = double(tiles_.size());
  s.add(rtm_ap_search(), tiles * rows_ * columns_ * tech_->cell_area_um2_per_bit,
        tiles * tech_->cell_leakage_mw_per_tile, true);
}

void rtm_ap_group::soft_reset() {
  for (auto& t : tiles_) {
    t->program.reset();
    t->activations.clear();
    t->outputs.clear();
    t->ran = false;
  }
}

void register_rtm_ap_kind(operation_registry& r) {
  r.add_kind({"rtm_ap", [](const group_build_args& a) { return std::make_unique<rtm_ap_group>(a); },
              parse_rtm_ap_section});
  r.add_operation({STOXVP_OP_AP_LOAD_PROGRAM, "AP_LOAD_PROGRAM", "rtm_ap", exec_load_program});
  r.add_operation({STOXVP_OP_AP_LOAD_ACT, "AP_LOAD_ACT", "rtm_ap", exec_load_act});
  r.add_operation({STOXVP_OP_AP_RUN, "AP_RUN", "rtm_ap", exec_run});
  r.add_operation({STOXVP_OP_AP_STORE, "AP_STORE", "rtm_ap", exec_store});
}

}  // namespace stoxvp::hw
