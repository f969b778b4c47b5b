#include "accelerator.h"

#include "converter_costs.h"

#include "tlm/common/log.h"

namespace stoxvp::hw {
namespace {


noc_config noc_of(const accelerator_config& cfg, const technology& tech) {
  noc_config n = cfg.noc;
  n.cycle = cfg.clock_period;
  n.hop_latency = sc_core::sc_time(tech.hop_latency_ns, sc_core::SC_NS);
  return n;
}

// The configuration, once checked: nothing below may be built from a field out of range.
const accelerator_config& checked(const accelerator_config& cfg, const char* module) {
  if (const auto p = check_accelerator_config(cfg)) {
    const std::string msg = std::string(module) + ": configuration field '" + p->field + "': " + p->problem;
    sc_core::sc_report_handler::report(sc_core::SC_ERROR, "stoxvp/accelerator/config", msg.c_str(),
                                       __FILE__, __LINE__);
    throw std::invalid_argument(msg);  // when the report handler was told not to throw
  }
  return cfg;
}

std::vector<tile*> raw(const std::vector<std::unique_ptr<tile>>& v) {
  std::vector<tile*> r;
  for (const auto& t : v) r.push_back(t.get());
  return r;
}

}  // namespace

// The one place a kind makes its tiles until kinds register their factories.
std::vector<std::unique_ptr<tile>> make_tiles_of_group(const tile_group& group, uint32_t group_index,
                                                       uint32_t first_tile,
                                                       const accelerator_config& group_cfg,
                                                       const technology& tech, const char* module) {
  if (group.kind != "xbar") {
    const std::string msg = std::string(module) + ": configuration field 'tile_groups[" +
                            std::to_string(group_index) + "].kind': \"" + group.kind +
                            "\" has no tile model in this build (supported: xbar)";
    sc_core::sc_report_handler::report(sc_core::SC_ERROR, "stoxvp/accelerator/config", msg.c_str(),
                                       __FILE__, __LINE__);
    throw std::invalid_argument(msg);
  }
  std::vector<std::unique_ptr<tile>> v;
  for (uint32_t t = first_tile; t < first_tile + group.count; ++t)
    v.push_back(std::make_unique<tile>(("tile_" + std::to_string(t)).c_str(), t, group_cfg, tech));
  return v;
}

std::vector<std::unique_ptr<tile>> accelerator::make_tiles() {
  std::vector<std::unique_ptr<tile>> all;
  for (size_t i = 0; i < groups_.size(); ++i) {
    const tile_group& g = groups_[i];
    if (g.kind == "xbar") group_cfgs_.push_back(std::make_unique<accelerator_config>(xbar_group_config(cfg_, g)));
    const accelerator_config& built_with = g.kind == "xbar" ? *group_cfgs_.back() : cfg_;
    auto v = make_tiles_of_group(g, uint32_t(i), uint32_t(all.size()), built_with, tech_, name());
    for (auto& t : v) all.push_back(std::move(t));
  }
  return all;
}

accelerator::accelerator(sc_core::sc_module_name name, const accelerator_config& cfg,
                         const technology& tech)
    : sc_module(name),
      regs("regs"),
      mem("mem"),
      irq("irq"),
      cfg_(checked(cfg, this->name())),
      tech_(tech),
      noc_(noc_of(cfg, tech)),
      r_(this->name()),
      dma_("dma", cfg.dma_burst_bytes, cfg.dma_outstanding),
      groups_(tile_groups_of(cfg_)),
      tiles_(make_tiles()),
      vu_("vector_unit", cfg_, tech_),
      cp_("command_processor", cfg_, tech_, r_, dma_, raw(tiles_), vu_, noc_, ledger_) {
  // Leakage of everything the chip is built with; it accrues over the whole simulated time.
  double arrays = 0, converters = 0, xbar_tiles = 0;
  for (const auto& gc : group_cfgs_) {
    const double group_arrays = double(gc->tiles) * gc->arrays_per_tile;
    arrays += group_arrays;
    converters += group_arrays * converters_per_array(*gc);
    xbar_tiles += gc->tiles;
  }
  ledger_.set_leakage(component::crossbar, arrays * tech_.array_leakage_mw);
  const core::converter_config chip = chip_converter(cfg_);
  const core::converter_design& design = core::converter_design_of(chip.kind);
  if (design.has_circuit())
    ledger_.set_leakage(converter_component(design), converters * design.leakage_mw(converter_figures_of(tech_, cfg_), chip));
  ledger_.set_leakage(component::shift_add, converters * tech_.shift_add_leakage_mw);
  ledger_.set_leakage(component::tile_buffer, xbar_tiles * cfg.tile_buffer_kib * tech_.tile_buffer_leakage_mw_per_kib);
  ledger_.set_leakage(component::global_buffer, double(cfg.global_buffer_kib) * tech_.global_buffer_leakage_mw_per_kib);
  ledger_.set_leakage(component::router, double(noc_.nodes()) * tech_.router_leakage_mw);
  ledger_.set_leakage(component::vector_unit, tech_.vector_leakage_mw);
  ledger_.set_leakage(component::control, tech_.control_leakage_mw);
  dma_.socket.bind(mem);
  regs.register_b_transport(this, &accelerator::b_transport);
  regs.register_transport_dbg(this, &accelerator::transport_dbg);

  describe_tile_groups();
  r_.bank.reset_all();
  {
    std::vector<xbar_group_view> views;
    uint32_t first_tile = 0, first_array = 0;
    size_t xbar = 0;
    for (const tile_group& g : groups_) {
      if (g.kind == "xbar") {
        xbar_group_view v{group_cfgs_[xbar++].get(), {}, g.nodes, first_array};
        for (uint32_t t = 0; t < g.count; ++t) v.tiles.push_back(tiles_[first_tile + t].get());
        first_array += v.arrays();
        views.push_back(std::move(v));
      }
      first_tile += g.count;
    }
    cp_.set_xbar_groups(std::move(views));
  }

  r_.CTRL.on_write = [this](uint32_t before) {
    if (r_.CTRL.get() & STOXVP_CTRL_SOFT_RESET) {
      // ENABLE written together with SOFT_RESET takes effect after the reset, as if written
      // to a disabled accelerator (so the ring is checked again).
      soft_reset();
      r_.CTRL.clear_bits(STOXVP_CTRL_SOFT_RESET);
      before = 0;
    }
    const bool enabling = !(before & STOXVP_CTRL_ENABLE) && (r_.CTRL.get() & STOXVP_CTRL_ENABLE);
    if (enabling) {
      const uint32_t size = r_.RING_SIZE.get();
      if (size < 2 || size > STOXVP_RING_MAX || r_.RING_BASE_LO.get() % STOXVP_DESC_SIZE != 0) {
        r_.ERROR_CODE.set(STOXVP_ERR_BAD_RING);
        r_.STATUS.set_bits(STOXVP_STATUS_HALTED);
        r_.IRQ_STATUS.set_bits(STOXVP_IRQ_STATUS_ERROR);
        log(log_level::warning, this->name(),
            "enabled with RING_SIZE " + std::to_string(size) + " and RING_BASE " +
                hex((uint64_t(r_.RING_BASE_HI.get()) << 32) | r_.RING_BASE_LO.get()) +
                ": size must be 2..65536 and base 128-byte aligned");
        update_irq();
        return;
      }
    }
    cp_.kick(access_delay_);
  };
  // The command processor indexes the ring with these while it runs a descriptor, even one
  // that continues after the ring was disabled: they change only when it is idle and disabled.
  auto ring_guard = [this](uint32_t) -> const char* {
    if (r_.CTRL.get() & STOXVP_CTRL_ENABLE) return "the ring is configured only while CTRL.ENABLE is 0";
    if (cp_.executing()) return "a descriptor is still executing (STATUS.BUSY)";
    return nullptr;
  };
  r_.RING_BASE_LO.write_guard = ring_guard;
  r_.RING_BASE_HI.write_guard = ring_guard;
  r_.RING_SIZE.write_guard = ring_guard;
  r_.RING_TAIL.on_write = [this](uint32_t before) {
    if (r_.RING_TAIL.get() >= r_.RING_SIZE.get()) {
      const uint32_t bad = r_.RING_TAIL.get();
      r_.RING_TAIL.set(before);
      if (r_.ERROR_CODE.get() == STOXVP_ERR_NONE) {
        r_.ERROR_CODE.set(STOXVP_ERR_BAD_DOORBELL);
        r_.ERROR_SLOT.set(bad);
      }
      r_.STATUS.set_bits(STOXVP_STATUS_HALTED);
      r_.IRQ_STATUS.set_bits(STOXVP_IRQ_STATUS_ERROR);
      log(log_level::warning, this->name(),
          "doorbell: RING_TAIL " + std::to_string(bad) + " is not below RING_SIZE " +
              std::to_string(r_.RING_SIZE.get()));
      update_irq();
      return;
    }
    cp_.kick(access_delay_);
  };
  r_.IRQ_STATUS.on_write = [this](uint32_t) { update_irq(); };
  r_.IRQ_ENABLE.on_write = [this](uint32_t) { update_irq(); };
  r_.PERF_CTRL.on_write = [this](uint32_t) {
    if (r_.PERF_CTRL.get() & STOXVP_PERF_CTRL_CLEAR) {
      base_desc_ = cp_.stats().descriptors;
      base_busy_ = busy_cycles();
      base_rd_ = dma_.bytes_read();
      base_wr_ = dma_.bytes_written();
      base_macs_ = cp_.stats().macs;
      base_conv_ = cp_.stats().conversions();
      base_samples_ = cp_.stats().samples();
    }
    r_.PERF_CTRL.set(0);
  };
  r_.PERF_DESC_DONE.on_read = [this](bool) {
    return static_cast<uint32_t>(cp_.stats().descriptors - base_desc_);
  };
  r_.PERF_BUSY_LO.on_read = [this](bool d) { return counter_lo(busy_cycles() - base_busy_, d); };
  r_.PERF_DMA_RD_LO.on_read = [this](bool d) {
    return counter_lo(dma_.bytes_read() - base_rd_, d);
  };
  r_.PERF_DMA_WR_LO.on_read = [this](bool d) {
    return counter_lo(dma_.bytes_written() - base_wr_, d);
  };
  r_.PERF_MACS_LO.on_read = [this](bool d) { return counter_lo(cp_.stats().macs - base_macs_, d); };
  r_.PERF_CONV_LO.on_read = [this](bool d) {
    return counter_lo(cp_.stats().conversions() - base_conv_, d);
  };
  r_.PERF_SAMPLES_LO.on_read = [this](bool d) {
    return counter_lo(cp_.stats().samples() - base_samples_, d);
  };
  auto hi = [this](bool) { return static_cast<uint32_t>(latched_ >> 32); };
  r_.PERF_BUSY_HI.on_read = hi;
  r_.PERF_DMA_RD_HI.on_read = hi;
  r_.PERF_DMA_WR_HI.on_read = hi;
  r_.PERF_MACS_HI.on_read = hi;
  r_.PERF_CONV_HI.on_read = hi;
  r_.PERF_SAMPLES_HI.on_read = hi;

  cp_.on_irq_status = [this] { update_irq(); };
  SC_METHOD(drive_irq);
  sensitive << irq_level_;
}

// Converters one array of a crossbar group's geometry is built with (0: ideal, no circuit).
uint32_t accelerator::converters_per_array(const accelerator_config& group_cfg) const {
  const uint32_t pairs = group_cfg.array_cols / 2;
  const uint32_t share = cfg_.converters.cols_per_converter;
  const core::converter_design& design = core::converter_design_of(chip_converter(cfg_).kind);
  return design.has_circuit() ? (pairs + share - 1) / share : 0;
}

// Fills the discovery table and HWCFG0-2 (the first crossbar group, for drivers of map 2.1).
void accelerator::describe_tile_groups() {
  r_.TILE_GROUPS.set_reset_value(uint32_t(groups_.size()));
  uint32_t first_tile = 0, first_array = 0;
  bool first_xbar = true;
  for (uint32_t i = 0; i < groups_.size(); ++i) {
    const tile_group& g = groups_[i];
    r_.tile_group(i, STOXVP_TG_KIND).set_reset_value(tile_kind_id(g.kind));
    r_.tile_group(i, STOXVP_TG_TILES).set_reset_value(g.count);
    r_.tile_group(i, STOXVP_TG_FIRST_TILE).set_reset_value(first_tile);
    r_.tile_group(i, STOXVP_TG_FIRST_NODE).set_reset_value(g.nodes.empty() ? 0 : g.nodes[0]);
    if (g.kind == "xbar") {
      const xbar_group_params& x = g.xbar;
      const struct {
        uint32_t ROWS, COLS, ARRAYS_PER_TILE, CELL_BITS, FIRST_ARRAY;
      } value{x.array_rows, x.array_cols, x.arrays_per_tile, x.cell_bits, first_array};
      uint32_t words[4] = {};
#define STOXVP_X_XG(word, lsb, width, field, doc) \
  words[(STOXVP_TG_##word - STOXVP_TG_GEOM0) / 4] |= (value.field & uint32_t(STOXVP_XBAR_##field##_MASK)) << (lsb);
      STOXVP_XBAR_GEOMETRY(STOXVP_X_XG)
#undef STOXVP_X_XG
      for (uint32_t w = 0; w < 4; ++w) r_.tile_group(i, STOXVP_TG_GEOM0 + 4 * w).set_reset_value(words[w]);
      if (first_xbar) {
        r_.HWCFG0.set_reset_value((x.array_cols << 16) | (x.array_rows & 0xFFFF));
        r_.HWCFG1.set_reset_value((x.arrays_per_tile << 16) | (g.count & 0xFFFF));
        r_.HWCFG2.set_reset_value(x.cell_bits & 0xFF);
        first_xbar = false;
      }
      first_array += g.count * x.arrays_per_tile;
    }
    first_tile += g.count;
  }
}

accelerator::area_report accelerator::area() const {
  area_report a;
  const core::converter_config chip = chip_converter(cfg_);
  const core::converter_design& design = core::converter_design_of(chip.kind);
  double arrays = 0, rows = 0, cells_um2 = 0, conv = 0, xbar_tiles = 0;
  for (const auto& gc : group_cfgs_) {
    const double per_array_cells = double(gc->array_rows) * gc->array_cols * tech_.cell_area_um2;
    const double group_arrays = double(gc->tiles) * gc->arrays_per_tile;
    const uint32_t per_array = converters_per_array(*gc);
    if (&gc == &group_cfgs_.front()) a.converters_per_array = per_array;  // the first group's
    arrays += group_arrays;
    cells_um2 += group_arrays * per_array_cells;
    rows += group_arrays * gc->array_rows;
    conv += group_arrays * per_array;
    xbar_tiles += gc->tiles;
  }
  auto& v = a.by_component;
  v[size_t(component::crossbar)] = cells_um2;
  v[size_t(component::row_driver)] = rows * tech_.row_driver_area_um2;
  if (design.has_circuit())
    v[size_t(converter_component(design))] = conv * design.area_um2(converter_figures_of(tech_, cfg_), chip);
  v[size_t(component::shift_add)] = conv * tech_.shift_add_area_um2;
  v[size_t(component::tile_buffer)] = xbar_tiles * cfg_.tile_buffer_kib * tech_.tile_buffer_area_um2_per_kib;
  v[size_t(component::global_buffer)] = double(cfg_.global_buffer_kib) * tech_.global_buffer_area_um2_per_kib;
  v[size_t(component::router)] = double(noc_.nodes()) * tech_.router_area_um2;
  v[size_t(component::vector_unit)] = tech_.vector_area_um2;
  v[size_t(component::digital_mac)] = double(cfg_.digital_macs_per_cycle) * tech_.digital_mac_area_um2;
  v[size_t(component::control)] = tech_.control_area_um2;
  const double in_tiles = v[size_t(component::crossbar)] + v[size_t(component::row_driver)] +
                          v[size_t(component::adc)] + v[size_t(component::sense_amp)] +
                          v[size_t(component::mtj)] + v[size_t(component::shift_add)] +
                          v[size_t(component::tile_buffer)] + v[size_t(component::router)];
  a.tile_um2 = in_tiles / double(tiles_.size());
  for (double x : v) a.chip_um2 += x;
  return a;
}

uint64_t accelerator::busy_cycles() const {
  return static_cast<uint64_t>(cp_.stats().busy_time / cfg_.clock_period);
}

uint32_t accelerator::counter_lo(uint64_t value, bool debug) {
  if (!debug) latched_ = value;
  return static_cast<uint32_t>(value);
}

void accelerator::update_irq() {
  irq_level_.write((r_.IRQ_STATUS.get() & r_.IRQ_ENABLE.get()) != 0);
}

void accelerator::drive_irq() { irq.write(irq_level_.read()); }

void accelerator::soft_reset() {
  // What the register map's "Soft reset" rule lists: the ring's progress, status and errors
  // and the global buffer. The ring's configuration, the interrupt enables and the counters
  // stay, so a driver resets and restarts without setting the ring up again.
  cp_.abort_current();
  for (reg32* r : {&r_.STATUS, &r_.IRQ_STATUS, &r_.RING_HEAD, &r_.RING_TAIL, &r_.ERROR_CODE,
                   &r_.ERROR_SLOT, &r_.ERROR_ADDR_LO, &r_.ERROR_ADDR_HI})
    r->reset();
  // A dropped descriptor still finishes its bus transfers; until then the ring stays locked.
  if (cp_.executing()) r_.STATUS.set_bits(STOXVP_STATUS_BUSY);
  update_irq();
}

void accelerator::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  access_delay_ = delay;
  r_.bank.transport(trans);
  delay += cfg_.register_latency;
}

unsigned int accelerator::transport_dbg(tlm::tlm_generic_payload& trans) {
  return r_.bank.transport_dbg(trans);
}

void accelerator::trace(sc_core::sc_trace_file* tf) const {
  const std::string p = std::string(name()) + ".";
  sc_core::sc_trace(tf, cp_.busy, p + "busy");
  sc_core::sc_trace(tf, cp_.ring_occupancy, p + "ring_occupancy");
  sc_core::sc_trace(tf, cp_.desc_slot, p + "desc_slot");
  sc_core::sc_trace(tf, cp_.desc_opcode, p + "desc_opcode");
  sc_core::sc_trace(tf, cp_.desc_tag, p + "desc_tag");
  sc_core::sc_trace(tf, cp_.active_tiles, p + "active_tiles");
  sc_core::sc_trace(tf, irq_level_, p + "irq");
}

}  // namespace stoxvp::hw
