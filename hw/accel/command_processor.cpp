#include "command_processor.h"

#include "desc_error.h"
#include "operation.h"
#include "common/log.h"

#include <cstring>
#include <optional>

namespace stoxvp::hw {
uint64_t command_stats::conversions() const {
  uint64_t n = 0;
  for (const auto& c : by_converter) n += c.conversions;
  return n;
}

uint64_t command_stats::samples() const {
  uint64_t n = 0;
  for (const auto& c : by_converter) n += c.samples;
  return n;
}

command_processor::command_processor(sc_core::sc_module_name name,
                                     const accelerator_config& cfg, const technology& tech,
                                     accel_registers& regs, dma_engine& dma, global_buffer& gb,
                                     std::vector<tile_group_base*> groups, vector_unit& vu,
                                     hw::noc& network, cost_sink& cost)
    : sc_module(name),
      busy("busy", false),
      ring_occupancy("ring_occupancy", 0),
      desc_slot("desc_slot", 0),
      desc_opcode("desc_opcode", 0),
      desc_tag("desc_tag", 0),
      active_tiles("active_tiles", 0),
      cfg_(cfg),
      tech_(tech),
      regs_(regs),
      dma_(dma),
      cost_(cost),
      ctx_(*this, cfg, tech, gb, std::move(groups), network, vu, cost, stats_) {
  SC_THREAD(run);
}

command_processor::context::context(command_processor& cp, const accelerator_config& cfg,
                                    const technology& tech, global_buffer& gb,
                                    std::vector<tile_group_base*> groups, hw::noc& network,
                                    vector_unit& vu, cost_sink& cost, command_stats& stats)
    : exec_context(cfg, tech, gb, network, vu, cost, stats), cp_(cp), groups_(std::move(groups)) {
  for (tile_group_base* g : groups_)
    for (tile_base* t : g->tiles()) tiles_.push_back(t);
}

tile_group_base* command_processor::context::group(const std::string& kind) {
  for (tile_group_base* g : groups_)
    if (kind == g->kind()) return g;
  return nullptr;
}

std::vector<tile_group_base*> command_processor::context::groups(const std::string& kind) {
  std::vector<tile_group_base*> v;
  for (tile_group_base* g : groups_)
    if (kind == g->kind()) v.push_back(g);
  return v;
}

void command_processor::context::sync(sc_core::sc_time& local) {
  cp_.qk_.set(local);
  cp_.qk_.sync();
  local = cp_.qk_.get_local_time();
}

const command_stats& command_processor::stats() const {
  const global_buffer_stats& g = ctx_.gb.stats();
  stats_.gb_hit_bytes = g.hit_bytes;
  stats_.stale_reads = g.stale_reads;
  stats_.dram_read_bytes = g.dram_read_bytes;
  stats_.dram_write_bytes = g.dram_write_bytes;
  return stats_;
}

void command_processor::kick(const sc_core::sc_time& delay) { kick_.notify(delay); }

uint32_t command_processor::occupancy() const {
  const uint32_t size = regs_.RING_SIZE.get();
  if (size == 0) return 0;
  return (regs_.RING_TAIL.get() + size - regs_.RING_HEAD.get()) % size;
}

bool command_processor::can_fetch() const {
  return (regs_.CTRL.get() & STOXVP_CTRL_ENABLE) && !(regs_.STATUS.get() & STOXVP_STATUS_HALTED) &&
         regs_.RING_HEAD.get() != regs_.RING_TAIL.get();
}

void command_processor::update_trace() {
  ring_occupancy.write(occupancy());
  const bool empty = regs_.RING_HEAD.get() == regs_.RING_TAIL.get();
  if (empty)
    regs_.STATUS.set_bits(STOXVP_STATUS_RING_EMPTY);
  else
    regs_.STATUS.clear_bits(STOXVP_STATUS_RING_EMPTY);
}

void command_processor::halt(uint32_t code, uint32_t slot, uint64_t addr,
                             const std::string& why) {
  ++stats_.errors;
  if (regs_.ERROR_CODE.get() == STOXVP_ERR_NONE) {
    regs_.ERROR_CODE.set(code);
    regs_.ERROR_SLOT.set(slot);
    regs_.ERROR_ADDR_LO.set(static_cast<uint32_t>(addr));
    regs_.ERROR_ADDR_HI.set(static_cast<uint32_t>(addr >> 32));
  }
  regs_.STATUS.set_bits(STOXVP_STATUS_HALTED);
  regs_.STATUS.clear_bits(STOXVP_STATUS_BUSY);
  regs_.IRQ_STATUS.set_bits(STOXVP_IRQ_STATUS_ERROR);
  log(log_level::warning, msg::command_processor, name(), "halted, error " + std::to_string(code) + " at ring slot " +
                                      std::to_string(slot) + ": " + why);
  if (on_irq_status) on_irq_status();
}

void command_processor::run() {
  for (;;) {
    update_trace();
    while (!can_fetch()) {
      busy.write(false);
      wait(kick_);
      update_trace();
    }
    const uint64_t generation = generation_;
    const uint32_t slot = regs_.RING_HEAD.get();
    const uint32_t ring_size = regs_.RING_SIZE.get();  // locked while executing_ (ring guard)
    const uint64_t base =
        (static_cast<uint64_t>(regs_.RING_BASE_HI.get()) << 32) | regs_.RING_BASE_LO.get();
    const uint64_t desc_addr = base + static_cast<uint64_t>(slot) * STOXVP_DESC_SIZE;

    regs_.STATUS.set_bits(STOXVP_STATUS_BUSY);
    executing_ = true;
    slot_ = slot;
    busy.write(true);
    desc_slot.write(slot);
    qk_.reset();
    sc_core::sc_time local = qk_.get_local_time();
    const sc_core::sc_time start = sc_core::sc_time_stamp() + local;
    const uint64_t macs_at_start = stats_.macs, conversions_at_start = stats_.conversions(),
                   samples_at_start = stats_.samples();
    stoxvp_desc d{};
    std::optional<desc_error> error;
    try {
      const sc_core::sc_time fetch_start = local;
      dma_.read(desc_addr, &d, sizeof d, local);
      cost_.begin(d.hdr.tag, d.hdr.opcode);
      ctx_.gb.begin_descriptor(slot, d.hdr.tag, d.hdr.opcode, d.hdr.flags);
      cost_.charge(component::dram, sizeof d * 8 * tech_.dram_energy_pj_per_bit, fetch_start, local);
      desc_opcode.write(d.hdr.opcode);
      desc_tag.write(d.hdr.tag);
      execute(d, local);
    } catch (const desc_error& e) {
      error = e;
    } catch (const dma_fault& e) {
      error = desc_error{STOXVP_ERR_DMA_FAULT, e.address, e.what()};
    }
    // Descriptor boundary: catch up with simulated time so registers, the interrupt and the
    // trace change when the work really finishes (or fails).
    qk_.set(local);
    qk_.sync();
    active_tiles.write(0);
    executing_ = false;
    if (generation != generation_) {  // soft reset while executing: drop the result
      regs_.STATUS.clear_bits(STOXVP_STATUS_BUSY);
      continue;
    }
    if (error) {
      halt(error->code, slot, error->address, error->why);
      continue;
    }
    stats_.busy_time += sc_core::sc_time_stamp() - start;
    if (activity_log* log = cost_.activity()) {
      const std::string op = opcode_name(d.hdr.opcode);
      log->add("command processor", "layer " + std::to_string(d.hdr.tag) + " " + op, start, sc_core::sc_time_stamp(),
               {{"energy_pj", cost_.charged_pj()}, {"tag", double(d.hdr.tag)}, {"opcode", double(d.hdr.opcode)},
                {"slot", double(slot)}, {"macs", double(stats_.macs - macs_at_start)},
                {"conversions", double(stats_.conversions() - conversions_at_start)},
                {"mtj_samples", double(stats_.samples() - samples_at_start)}});
    }
    cost_.add_latency(sc_core::sc_time_stamp() - start);
    ++stats_.descriptors;
    if (d.hdr.opcode < stats_.by_opcode.size()) ++stats_.by_opcode[d.hdr.opcode];
    regs_.RING_HEAD.set(ring_size != 0 ? (slot + 1) % ring_size : 0);
    regs_.STATUS.clear_bits(STOXVP_STATUS_BUSY);
    if (d.hdr.flags & STOXVP_DESC_F_IRQ) {
      regs_.IRQ_STATUS.set_bits(STOXVP_IRQ_STATUS_DONE);
      if (on_irq_status) on_irq_status();
    }
  }
}

void command_processor::execute(const stoxvp_desc& d, sc_core::sc_time& local) {
  // Decoding a descriptor costs a few cycles of the command processor.
  local += cfg_.clock_period * 4;
  if (d.hdr.version != STOXVP_DESC_VERSION)
    throw desc_error{STOXVP_ERR_BAD_VERSION, 0,
                     "descriptor version " + std::to_string(d.hdr.version) + ", expected " +
                         std::to_string(STOXVP_DESC_VERSION)};
  const operation_entry* op = operation_registry::instance().find(d.hdr.opcode);
  if (op == nullptr || (!op->kind.empty() && ctx_.group(op->kind) == nullptr))
    throw desc_error{STOXVP_ERR_BAD_OPCODE, 0,
                     "opcode " + std::to_string(d.hdr.opcode) + " (" + opcode_name(d.hdr.opcode) + ") is not supported" +
                         (op ? std::string(": the chip has no tiles of kind ") + op->kind : std::string())};
  op->handler(ctx_, d, local);
}

}  // namespace stoxvp::hw
