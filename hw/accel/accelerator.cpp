#include "accelerator.h"

#include "converter_costs.h"

#include "common/log.h"

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

std::vector<tile_group_base*> raw(const std::vector<std::unique_ptr<tile_group_base>>& v) {
  std::vector<tile_group_base*> r;
  for (const auto& g : v) r.push_back(g.get());
  return r;
}

[[noreturn]] void refuse(const std::string& msg) {
  sc_core::sc_report_handler::report(sc_core::SC_ERROR, "stoxvp/accelerator/config", msg.c_str(),
                                     __FILE__, __LINE__);
  throw std::invalid_argument(msg);  // when the report handler was told not to throw
}

}  // namespace

std::unique_ptr<tile_group_base> make_tiles_of_group(const tile_group& group, uint32_t group_index,
                                                     uint32_t first_tile, const accelerator_config& cfg,
                                                     const technology& tech, const char* module) {
  register_builtin_kinds();
  const std::string field = std::string(module) + ": configuration field 'tile_groups[" + std::to_string(group_index) + "]";
  const tile_kind_entry* kind = operation_registry::instance().find_kind(group.kind);
  if (kind == nullptr) {
    std::string known;
    for (const auto& k : operation_registry::instance().kinds()) known += (known.empty() ? "" : ", ") + k;
    refuse(field + ".kind': \"" + group.kind + "\" has no tile model in this build (registered: " + known + ")");
  }
  if (group.count == 0) refuse(field + ".count': 0, a group has at least one tile");
  try {
    return kind->make_group(group_build_args{cfg, tech, first_tile, group.count, group});
  } catch (const std::invalid_argument& e) {
    refuse(field + "': " + e.what());
  }
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
      specs_(tile_groups_of(cfg_)),
      groups_(make_groups()),
      vu_("vector_unit", cfg_, tech_),
      cost_(ledger_),
      gb_("global_buffer", cfg_, tech_, dma_, cost_),
      cp_("command_processor", cfg_, tech_, r_, dma_, gb_, raw(groups_), vu_, noc_, cost_) {
  // Leakage of everything the chip is built with; it accrues over the whole simulated time.
  for (const auto& g : groups_)
    if (auto* x = dynamic_cast<xbar_group*>(g.get())) {
      if (xbar_ == nullptr) xbar_ = x;
      for (const auto& t : x->xbar_tiles()) xbar_tiles_.push_back(t.get());
    }
  const cost_sheet sheet = costs();
  for (size_t c = 0; c < component_count(); ++c)
    if (sheet.leakage_mw[c] != 0) ledger_.set_leakage(component(c), sheet.leakage_mw[c]);
  dma_.socket.bind(mem);
  cost_.set_activity(&activity_);
  dma_.set_activity(&activity_);
  noc_.set_activity(&activity_);
  regs.register_b_transport(this, &accelerator::b_transport);
  regs.register_transport_dbg(this, &accelerator::transport_dbg);

  describe_tile_groups();
  r_.bank.reset_all();

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
        log(log_level::warning, msg::accelerator, this->name(),
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
      log(log_level::warning, msg::accelerator, this->name(),
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

std::vector<std::unique_ptr<tile_group_base>> accelerator::make_groups() {
  std::vector<std::unique_ptr<tile_group_base>> groups;
  uint32_t first = 0;
  for (size_t i = 0; i < specs_.size(); ++i) {
    groups.push_back(make_tiles_of_group(specs_[i], uint32_t(i), first, cfg_, tech_, name()));
    first += specs_[i].count;
  }
  return groups;
}

// Fills the discovery table and HWCFG0-2 (the first crossbar group, for drivers of map 2.1).
// A kind the register map does not list (registered by an integrator) reads kind id 0.
void accelerator::describe_tile_groups() {
  r_.TILE_GROUPS.set_reset_value(uint32_t(specs_.size()));
  uint32_t first_tile = 0, first_array = 0;
  bool first_xbar = true;
  for (uint32_t i = 0; i < specs_.size(); ++i) {
    const tile_group& g = specs_[i];
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

// What every unit of the chip contributes: the tile groups, the global buffer, the NoC's
// routers, the vector unit and the control (command processor and DMA engine).
cost_sheet accelerator::costs() const {
  cost_sheet sheet;
  for (const auto& g : groups_) g->contribute(sheet);
  gb_.contribute(sheet);
  sheet.add(component::router, double(noc_.nodes()) * tech_.router_area_um2, double(noc_.nodes()) * tech_.router_leakage_mw, true);
  vu_.contribute(sheet);
  sheet.add(component::control, tech_.control_area_um2, tech_.control_leakage_mw);
  return sheet;
}

accelerator::area_report accelerator::area() const {
  area_report a;
  const cost_sheet sheet = costs();
  a.by_component = sheet.area_um2;
  a.converters_per_array = xbar_ ? xbar_->converters_per_array() : 0;
  double in_tiles = 0;
  for (size_t c = 0; c < component_count(); ++c)
    if (sheet.in_tile[c]) in_tiles += a.by_component[c];
  uint32_t tiles = 0;
  for (const auto& g : groups_) tiles += uint32_t(g->tiles().size());
  a.tile_um2 = tiles ? in_tiles / tiles : 0;
  for (double x : a.by_component) a.chip_um2 += x;
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
