#include "noc.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace stoxvp::hw {

noc::noc(const noc_config& cfg)
    : cfg_(cfg),
      link_free_(size_t(cfg.mesh_x) * cfg.mesh_y * 4),
      message_link_free_(link_free_.size()) {}

uint32_t noc::hops(uint32_t from, uint32_t to) const {
  const int dx = int(to % cfg_.mesh_x) - int(from % cfg_.mesh_x);
  const int dy = int(to / cfg_.mesh_x) - int(from / cfg_.mesh_x);
  return static_cast<uint32_t>(std::abs(dx) + std::abs(dy));
}

std::vector<uint32_t> noc::path(uint32_t from, uint32_t to) const {
  std::vector<uint32_t> links;
  uint32_t x = from % cfg_.mesh_x, y = from / cfg_.mesh_x;
  const uint32_t tx = to % cfg_.mesh_x, ty = to / cfg_.mesh_x;
  while (x != tx) {  // X first
    const uint32_t node = y * cfg_.mesh_x + x;
    links.push_back(node * 4 + (tx > x ? 0 : 1));
    x = tx > x ? x + 1 : x - 1;
  }
  while (y != ty) {  // then Y
    const uint32_t node = y * cfg_.mesh_x + x;
    links.push_back(node * 4 + (ty > y ? 2 : 3));
    y = ty > y ? y + 1 : y - 1;
  }
  return links;
}

void noc::start_layer() { std::fill(link_free_.begin(), link_free_.end(), sc_core::SC_ZERO_TIME); }

sc_core::sc_time noc::transfer(uint32_t from, uint32_t to, uint64_t bytes, const sc_core::sc_time& ready) {
  return route(link_free_, from, to, bytes, ready);
}

sc_core::sc_time noc::send(uint32_t from, uint32_t to, uint64_t bytes, const sc_core::sc_time& ready) {
  if (from >= nodes() || to >= nodes()) {
    const std::string msg = "noc: message from node " + std::to_string(from) + " to node " +
                            std::to_string(to) + ": the mesh has nodes 0.." + std::to_string(nodes() - 1);
    sc_core::sc_report_handler::report(sc_core::SC_ERROR, "stoxvp/noc", msg.c_str(), __FILE__, __LINE__);
    throw std::out_of_range(msg);  // when the report handler was told not to throw
  }
  return route(message_link_free_, from, to, bytes, ready);
}

sc_core::sc_time noc::route(std::vector<sc_core::sc_time>& link_free, uint32_t from, uint32_t to,
                            uint64_t bytes, const sc_core::sc_time& ready) {
  const uint64_t bits = bytes * 8;
  const uint64_t flits = (bits + cfg_.link_bits - 1) / cfg_.link_bits;
  const sc_core::sc_time serial = cfg_.cycle * static_cast<double>(flits);
  const auto links = path(from, to);
  ++stats_.transfers;
  stats_.bits += bits;
  stats_.bit_hops += bits * links.size();
  stats_.router_bits += bits * (links.size() + 1);
  if (bytes == 0) return ready;
  sc_core::sc_time start = ready;
  for (uint32_t l : links) start = std::max(start, link_free[l]);
  // Wormhole: the head crosses one router per hop; the links stay busy while the flits stream.
  const sc_core::sc_time end = start + cfg_.hop_latency * static_cast<double>(links.size() + 1) + serial;
  for (uint32_t l : links) link_free[l] = start + serial;
  if (activity_ != nullptr && activity_->enabled()) {
    static const char* const dir[4] = {"+x", "-x", "+y", "-y"};
    // The layer timeline is relative to the layer's start; messages are on absolute time.
    const sc_core::sc_time origin = &link_free == &link_free_ ? layer_origin_ : sc_core::SC_ZERO_TIME;
    for (uint32_t l : links)
      activity_->add("noc link " + std::to_string(l / 4) + dir[l % 4], "packet " + std::to_string(from) + "->" + std::to_string(to),
                     origin + start, origin + start + serial, {{"bytes", double(bytes)}, {"hops", double(links.size())}});
  }
  return end;
}

}  // namespace stoxvp::hw
