// Per-tile processes for kinds whose tiles live across time steps and talk to each other
// (an event-driven spiking macro keeps its membrane potentials and sends its output events to
// the macros of the next layer). A tile that needs one owns a tile_process: an SC_THREAD that
// runs the kind's behaviour and an inbox of messages stamped with their NoC arrival time.
// Layer-at-a-time kinds (the crossbar) need none: their handlers run from the command
// processor's thread and time their transfers with noc::transfer.
#pragma once

#include "noc.h"

#include <systemc>

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace stoxvp::hw {

struct noc_message {
  uint32_t from = 0, to = 0;  // NoC nodes
  uint64_t bytes = 0;         // what the network carries (sets the serialisation time)
  std::vector<uint8_t> payload;  // what the receiver reads (may be shorter than bytes, or empty)
  sc_core::sc_time sent;      // when it was ready to leave
  sc_core::sc_time arrival;   // when its last bit reaches the receiver's router
};

// Messages delivered to one tile, released in arrival order (ties in delivery order) once
// simulated time has reached their arrival.
class tile_inbox {
 public:
  // Stores `m` and wakes a receiver waiting at m.arrival. An arrival in the past (before the
  // current time) is an error in the sender: the network never delivers early.
  void deliver(noc_message m);
  // From an SC_THREAD: waits until a message has arrived and returns the earliest.
  noc_message receive();
  // A message whose arrival time has been reached, without waiting (for handlers).
  bool try_receive(noc_message& out);
  size_t pending() const { return pending_.size(); }

 private:
  std::multimap<sc_core::sc_time, noc_message> pending_;
  sc_core::sc_event arrived_;
};

// A tile's process: an SC_THREAD running `behaviour`, an inbox on the tile's router, and
// send(), which times the message on the NoC and delivers it to the receiving tile's inbox.
class tile_process : public sc_core::sc_module {
 public:
  // `net` and every peer reachable by send() are shared by the processes of one chip; `peers`
  // maps a NoC node to the inbox of the tile on it (filled as processes are created).
  using directory = std::map<uint32_t, tile_inbox*>;
  tile_process(sc_core::sc_module_name name, uint32_t node, noc& net, directory& peers,
               std::function<void(tile_process&)> behaviour);

  uint32_t node() const { return node_; }
  tile_inbox& inbox() { return inbox_; }
  // Sends `bytes` (with `payload`) to the tile on node `to`, ready now (plus `after`): returns
  // the arrival time. The caller does not wait; the message travels while it continues.
  sc_core::sc_time send(uint32_t to, uint64_t bytes, std::vector<uint8_t> payload = {},
                        const sc_core::sc_time& after = sc_core::SC_ZERO_TIME);
  noc_message receive() { return inbox_.receive(); }

 private:
  SC_HAS_PROCESS(tile_process);
  void run() { behaviour_(*this); }

  uint32_t node_;
  noc& net_;
  directory& peers_;
  std::function<void(tile_process&)> behaviour_;
  tile_inbox inbox_;
};

}  // namespace stoxvp::hw
