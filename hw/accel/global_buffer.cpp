#include "global_buffer.h"

#include "command_processor.h"
#include "desc_error.h"
#include "common/log.h"

#include <algorithm>
#include <cstring>

namespace stoxvp::hw {

global_buffer::global_buffer(sc_core::sc_module_name name, const accelerator_config& cfg,
                             const technology& tech, dma_engine& dma, cost_sink& cost)
    : sc_module(name), cfg_(cfg), tech_(tech), dma_(dma), cost_(cost) {}

sc_core::sc_time global_buffer::port_time(uint64_t bytes) const {
  const uint64_t per_cycle = uint64_t(cfg_.global_buffer_banks) * cfg_.global_buffer_width_bits;
  return cfg_.clock_period * static_cast<double>((bytes * 8 + per_cycle - 1) / per_cycle);
}

void global_buffer::fetch(uint64_t addr, uint64_t len, std::vector<uint8_t>& buf, const char* what,
                          sc_core::sc_time& local, bool keep) {
  const uint8_t* at = fetch_view(addr, len, buf, what, local, keep);
  if (at == buf.data()) return;
  buf.resize(len);
  if (len) std::memcpy(buf.data(), at, len);
}

const uint8_t* global_buffer::fetch_view(uint64_t addr, uint64_t len, std::vector<uint8_t>& buf, const char* what,
                                         sc_core::sc_time& local, bool keep, uint64_t* held) {
  if (held) *held = 0;
  if (addr == 0) throw desc_error{STOXVP_ERR_BAD_ADDRESS, 0, std::string(what) + " address is null"};
  if (len > cfg_.max_operand_bytes)
    throw desc_error{STOXVP_ERR_BAD_SHAPE, addr,
                     std::string(what) + " of " + std::to_string(len) + " bytes exceeds the " +
                         std::to_string(cfg_.max_operand_bytes) + "-byte operand limit"};
  const sc_core::sc_time t0 = local;
  if (line* l = find(addr, len)) {
    // Already held: read at its port bandwidth; DRAM is not touched.
    if (!l->dirty) check_coherent(*l, len);
    local += sc_core::sc_time(tech_.global_buffer_latency_ns, sc_core::SC_NS) + port_time(len);
    cost_.charge(component::global_buffer, len * 8.0 * tech_.global_buffer_energy_pj_per_bit, t0, local);
    stats_.hit_bytes += len;
    if (held) *held = l->serial;
    return l->data.data();
  }
  buf.resize(len);
  // Kept outputs overlapping the range must reach DRAM before it is read from there.
  for (auto& l : lines_)
    if (l.dirty && l.addr < addr + len && addr < l.addr + l.data.size()) write_back(l, local);
  const sc_core::sc_time t1 = local;
  dma_.read(addr, buf.data(), len, local);
  // From DRAM into the buffer, and out of it again to the units.
  cost_.charge(component::dram, len * 8 * tech_.dram_energy_pj_per_bit, t1, local);
  cost_.charge(component::global_buffer, 2.0 * len * 8 * tech_.global_buffer_energy_pj_per_bit, t1, local);
  stats_.dram_read_bytes += len;
  if (keep) {
    put(addr, buf.data(), len, false, local);
    if (held && !lines_.empty() && lines_.back().addr == addr && lines_.back().data.size() == len)
      *held = lines_.back().serial;
  }
  return buf.data();
}

void global_buffer::store(uint64_t addr, const void* src, uint64_t len, sc_core::sc_time& local) {
  const sc_core::sc_time t0 = local;
  const auto* bytes = static_cast<const uint8_t*>(src);
  if (flags_ & STOXVP_DESC_F_KEEP_OUTPUT) {
    local += port_time(len);
    cost_.charge(component::global_buffer, len * 8.0 * tech_.global_buffer_energy_pj_per_bit, t0, local);
    put(addr, bytes, len, true, local);
    return;
  }
  // To DRAM through the buffer's staging, not held: software owns this memory now and may
  // rewrite it at any time, which the buffer would not see (it does not snoop the bus). Held
  // ranges it overlaps are superseded; their dirty bytes reach DRAM first so the bytes outside
  // this output survive.
  drop(addr, len, local);
  const sc_core::sc_time t1 = local;
  dma_.write(addr, src, len, local);
  cost_.charge(component::dram, len * 8 * tech_.dram_energy_pj_per_bit, t1, local);
  cost_.charge(component::global_buffer, 2.0 * len * 8 * tech_.global_buffer_energy_pj_per_bit, t1, local);
  stats_.dram_write_bytes += len;
}

void global_buffer::invalidate(uint64_t addr, uint64_t bytes, sc_core::sc_time& local) {
  // The tag lookup: a cycle per held range examined; write-backs cost their transfer.
  local += cfg_.clock_period * static_cast<double>(lines_.size());
  if (bytes == 0)
    drop(0, 0, local);
  else
    drop(addr, bytes, local);
}

void global_buffer::drop(uint64_t addr, uint64_t len, sc_core::sc_time& local) {
  const uint64_t end = len == 0 ? UINT64_MAX : addr + len;  // 0: everything from addr on
  for (auto it = lines_.begin(); it != lines_.end();) {
    if (it->addr < end && addr < it->addr + it->data.size()) {
      if (it->dirty) write_back(*it, local);
      used_ -= it->data.size();
      it = lines_.erase(it);
    } else {
      ++it;
    }
  }
}

void global_buffer::check_coherent(const line& l, uint64_t len) {
  try {
    if (dma_.matches_untimed(l.addr, l.data.data(), len)) return;
  } catch (const dma_fault&) {
    return;  // memory without debug access: nothing to compare with
  }
  ++stats_.stale_reads;
  log(log_level::warning, msg::global_buffer, name(),
      "stale global buffer: " + std::to_string(len) + " bytes at " + hex(l.addr) +
          " differ from memory; the buffer has held them since the " + opcode_name(l.opcode) +
          " descriptor at ring slot " + std::to_string(l.slot) + " (tag " + std::to_string(l.tag) +
          "). Software changed a held range without GB_INVALIDATE; the descriptor at slot " +
          std::to_string(slot_) + " computes on the held copy, as the hardware would");
}

global_buffer::line* global_buffer::find(uint64_t addr, uint64_t len) {
  for (auto& l : lines_)
    if (l.addr == addr && len <= l.data.size()) {
      l.last_use = ++clock_;
      return &l;
    }
  return nullptr;
}

void global_buffer::write_back(line& l, sc_core::sc_time& local) {
  const sc_core::sc_time t0 = local;
  dma_.write(l.addr, l.data.data(), l.data.size(), local);
  cost_.charge(component::dram, l.data.size() * 8.0 * tech_.dram_energy_pj_per_bit, t0, local);
  cost_.charge(component::global_buffer, l.data.size() * 8.0 * tech_.global_buffer_energy_pj_per_bit, t0, local);
  stats_.dram_write_bytes += l.data.size();
  l.dirty = false;
}

void global_buffer::put(uint64_t addr, const uint8_t* src, uint64_t len, bool dirty, sc_core::sc_time& local) {
  const uint64_t capacity = uint64_t(cfg_.global_buffer_kib) * 1024;
  // Whatever overlaps the new range is superseded by the bytes arriving; a dirty line reaching
  // beyond them is written back first so that its other bytes are not lost. The storage of a
  // superseded line carries the new bytes (a layer's output replaces the last image's at the
  // same address: no allocation per image).
  std::vector<uint8_t> storage;
  for (auto it = lines_.begin(); it != lines_.end();) {
    if (it->addr < addr + len && addr < it->addr + it->data.size()) {
      if (it->dirty && (it->addr < addr || it->addr + it->data.size() > addr + len)) write_back(*it, local);
      used_ -= it->data.size();
      if (it->data.capacity() > storage.capacity()) storage = std::move(it->data);
      it = lines_.erase(it);
    } else {
      ++it;
    }
  }
  if (len > capacity) {
    if (dirty) {  // cannot be held: goes to DRAM like any output
      line l{addr, 0, true, std::vector<uint8_t>(src, src + len), slot_, tag_, opcode_, 0};
      write_back(l, local);
    }
    return;
  }
  while (used_ + len > capacity) {
    auto lru = std::min_element(lines_.begin(), lines_.end(),
                                [](const line& a, const line& b) { return a.last_use < b.last_use; });
    if (lru->dirty) write_back(*lru, local);
    used_ -= lru->data.size();
    lines_.erase(lru);
  }
  storage.assign(src, src + len);
  lines_.push_back({addr, ++clock_, dirty, std::move(storage), slot_, tag_, opcode_, ++serial_});
  used_ += len;
}

}  // namespace stoxvp::hw
