// The network on chip: a 2D mesh of routers, one per tile, XY routing, a per-hop router
// latency, links of a configured width, and contention: a link carries one packet at a time,
// so flows that share a link serialise on it. Two timelines use it:
//  - layers (transfer): scheduled relative to the start of the layer that issues them, every
//    link freed when a layer starts (layer-at-a-time kinds: layers do not overlap);
//  - messages (send): on absolute simulated time, links busy until their last message passed,
//    never reset, for kinds whose tiles exchange events across time steps.
// The two keep separate link occupancy: a chip interleaving both on the same links at the same
// instant is not modelled (a layer's timeline has no absolute origin here).
#pragma once

#include "activity.h"
#include "common/stats.h"

#include <systemc>

#include <cstdint>
#include <vector>

namespace stoxvp::hw {

struct noc_config {
  uint32_t mesh_x = 4, mesh_y = 4;
  uint32_t global_buffer_node = 5;  // the router the global buffer hangs off
  uint32_t link_bits = 256;         // per cycle
  sc_core::sc_time cycle{1, sc_core::SC_NS};        // the accelerator's clock
  sc_core::sc_time hop_latency{1, sc_core::SC_NS};  // the technology's router latency
};

struct noc_stats {
  uint64_t transfers = 0;
  uint64_t bits = 0;
  uint64_t bit_hops = 0;  // bits x links traversed
  uint64_t router_bits = 0;  // bits x routers traversed
};

class noc {
 public:
  explicit noc(const noc_config& cfg);

  uint32_t nodes() const { return cfg_.mesh_x * cfg_.mesh_y; }
  uint32_t node_of_tile(uint32_t tile) const { return tile % nodes(); }
  uint32_t global_buffer_node() const { return cfg_.global_buffer_node; }
  uint32_t hops(uint32_t from, uint32_t to) const;

  // Frees every link (a new layer starts).
  void start_layer();
  // Moves `bytes` from node `from` to node `to`, ready at `ready` on the layer's timeline;
  // returns when the last bit arrives. Reserves every link of the XY path for the transfer's
  // serialisation time, after it is free.
  sc_core::sc_time transfer(uint32_t from, uint32_t to, uint64_t bytes, const sc_core::sc_time& ready);

  // A message of `bytes` from node `from` to node `to`, ready to leave at absolute time
  // `ready`: returns when its last bit arrives. It waits for every link of its XY path to be
  // free (messages sent earlier over a shared link go first), then holds them for its
  // serialisation time. Callable from a handler or a process; it does not wait itself.
  sc_core::sc_time send(uint32_t from, uint32_t to, uint64_t bytes, const sc_core::sc_time& ready);

  const noc_stats& stats() const { return stats_; }
  // Timeline: where the layer timeline of transfer() starts in absolute simulated time, and
  // the log each link's busy interval goes to.
  void set_layer_origin(const sc_core::sc_time& t) { layer_origin_ = t; }
  void set_activity(activity_log* log) { activity_ = log; }
  void stats(stat_group& g) const {
    g.set("transfers", stats_.transfers).set("bits", stats_.bits).set("bit_hops", stats_.bit_hops)
        .set("router_bits", stats_.router_bits);
  }

 private:
  std::vector<uint32_t> path(uint32_t from, uint32_t to) const;  // directed link indices
  // Schedules one packet on the links of `link_free` (one of the two timelines).
  sc_core::sc_time route(std::vector<sc_core::sc_time>& link_free, uint32_t from, uint32_t to,
                         uint64_t bytes, const sc_core::sc_time& ready);
  noc_config cfg_;
  std::vector<sc_core::sc_time> link_free_;  // 4 directed links per node: +x, -x, +y, -y
  std::vector<sc_core::sc_time> message_link_free_;  // the same links, on absolute time
  noc_stats stats_;
  sc_core::sc_time layer_origin_ = sc_core::SC_ZERO_TIME;
  activity_log* activity_ = nullptr;
};

}  // namespace stoxvp::hw
