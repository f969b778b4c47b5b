#include "tile_process.h"

#include <stdexcept>
#include <string>

namespace stoxvp::hw {
namespace {

[[noreturn]] void refuse(const std::string& msg) {
  sc_core::sc_report_handler::report(sc_core::SC_ERROR, "stoxvp/noc", msg.c_str(), __FILE__, __LINE__);
  throw std::logic_error(msg);  // when the report handler was told not to throw
}

}  // namespace

void tile_inbox::deliver(noc_message m) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (m.arrival < now)
    refuse("noc: message from node " + std::to_string(m.from) + " to node " + std::to_string(m.to) +
           " delivered at " + now.to_string() + " after its arrival time " + m.arrival.to_string());
  // sc_event keeps only its earliest pending notification, which is the earliest arrival.
  arrived_.notify(m.arrival - now);
  const sc_core::sc_time at = m.arrival;
  pending_.emplace(at, std::move(m));
}

bool tile_inbox::try_receive(noc_message& out) {
  if (pending_.empty() || pending_.begin()->first > sc_core::sc_time_stamp()) return false;
  out = std::move(pending_.begin()->second);
  pending_.erase(pending_.begin());
  return true;
}

noc_message tile_inbox::receive() {
  noc_message m;
  while (!try_receive(m)) {
    if (pending_.empty())
      sc_core::wait(arrived_);
    else  // an earlier message may still be delivered while this one travels
      sc_core::wait(pending_.begin()->first - sc_core::sc_time_stamp(), arrived_);
  }
  // Later arrivals still pending need their own wake-up (the event fired for this one).
  if (!pending_.empty()) arrived_.notify(pending_.begin()->first - sc_core::sc_time_stamp());
  return m;
}

tile_process::tile_process(sc_core::sc_module_name name, uint32_t node, noc& net, directory& peers,
                           std::function<void(tile_process&)> behaviour)
    : sc_module(name), node_(node), net_(net), peers_(peers), behaviour_(std::move(behaviour)) {
  if (node >= net.nodes())
    refuse(std::string(this->name()) + ": node " + std::to_string(node) + " is not in the mesh (" +
           std::to_string(net.nodes()) + " routers)");
  if (!peers_.emplace(node, &inbox_).second)
    refuse(std::string(this->name()) + ": node " + std::to_string(node) + " already has a tile process");
  SC_THREAD(run);
}

sc_core::sc_time tile_process::send(uint32_t to, uint64_t bytes, std::vector<uint8_t> payload,
                                    const sc_core::sc_time& after) {
  const auto peer = peers_.find(to);
  if (peer == peers_.end())
    refuse(std::string(name()) + ": message to node " + std::to_string(to) + ", where no tile process listens");
  noc_message m;
  m.from = node_;
  m.to = to;
  m.bytes = bytes;
  m.payload = std::move(payload);
  m.sent = sc_core::sc_time_stamp() + after;
  m.arrival = net_.send(node_, to, bytes, m.sent);
  peer->second->deliver(m);
  return m.arrival;
}

}  // namespace stoxvp::hw
