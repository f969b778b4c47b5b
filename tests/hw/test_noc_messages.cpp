// The NoC's message timeline and per-tile processes (issue 10, item 6): arrival on an idle mesh,
// serialisation on a shared link, the layer timeline untouched by messages, and two tiles
// playing ping-pong across simulated time from their own SC_THREADs.
#include "hw/accel/noc.h"
#include "hw/accel/tile_process.h"
#include "support/kernel.h"
#include "support/messages.h"

#include <gtest/gtest.h>

using namespace stoxvp;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {

// 4 x 4 mesh, 64-bit links at 1 ns per flit, 2 ns per router: numbers no formula shares by luck.
hw::noc_config mesh() {
  hw::noc_config c;
  c.link_bits = 64;
  c.cycle = sc_time(1, SC_NS);
  c.hop_latency = sc_time(2, SC_NS);
  return c;
}

struct noc_messages : test::kernel_test {};

TEST_F(noc_messages, ArrivalOnAnIdleMeshIsRoutersTimesRouterLatencyPlusSerialisation) {
  hw::noc n(mesh());
  // 0 -> 15: 3 hops in x, 3 in y; the head crosses 7 routers (both ends included, as
  // transfer() counts them); 100 bytes are 13 flits of 64 bits.
  EXPECT_EQ(n.hops(0, 15), 6u);
  EXPECT_EQ(n.send(0, 15, 100, sc_time(10, SC_NS)), sc_time(10 + 7 * 2 + 13, SC_NS));
  // Another path, disjoint links: unaffected by the first message.
  EXPECT_EQ(n.send(4, 5, 8, sc_time(10, SC_NS)), sc_time(10 + 2 * 2 + 1, SC_NS));
  // A message to its own router crosses one router and no link.
  EXPECT_EQ(n.send(6, 6, 64, sc_time(3, SC_NS)), sc_time(3 + 2 + 8, SC_NS));
}

TEST_F(noc_messages, TwoMessagesOnASharedLinkSerialise) {
  hw::noc n(mesh());
  // 0 -> 3 and 1 -> 3 share links 1->2 and 2->3; both ready at 0, 80 bytes = 10 flits each.
  const sc_time first = n.send(0, 3, 80, sc_core::SC_ZERO_TIME);
  EXPECT_EQ(first, sc_time(4 * 2 + 10, SC_NS));
  const sc_time second = n.send(1, 3, 80, sc_core::SC_ZERO_TIME);
  EXPECT_EQ(second, sc_time(10 + 3 * 2 + 10, SC_NS)) << "waits until the first has streamed through";
  // Ready after the links are free again: no wait.
  EXPECT_EQ(n.send(1, 3, 80, sc_time(100, SC_NS)), sc_time(100 + 3 * 2 + 10, SC_NS));
  EXPECT_EQ(n.stats().transfers, 3u);
}

TEST_F(noc_messages, LayerTimelineIsUnchangedByMessages) {
  hw::noc quiet(mesh()), busy(mesh());
  busy.send(0, 3, 1 << 20, sc_core::SC_ZERO_TIME);  // holds 0 -> 3 for a long time
  quiet.start_layer();
  busy.start_layer();
  EXPECT_EQ(busy.transfer(1, 3, 80, sc_core::SC_ZERO_TIME), quiet.transfer(1, 3, 80, sc_core::SC_ZERO_TIME));
  // and a new layer does not free the message timeline's links
  EXPECT_GT(busy.send(1, 3, 8, sc_core::SC_ZERO_TIME), sc_time(1000, SC_NS));
}

TEST_F(noc_messages, OutOfMeshNodeIsRefused) {
  hw::noc n(mesh());
  test::expect_mentions(test::message_of<std::exception>([&] { n.send(0, 16, 8, sc_core::SC_ZERO_TIME); }),
                        {"node 16", "nodes 0..15"});
}

// Tile A on router 0 sends a ping to tile B on router 15; B works 5 ns on each message and
// answers; A works 3 ns on each answer and pings again, three rounds. Every receive happens at
// the message's arrival, as the NoC computed it, in simulated time.
TEST_F(noc_messages, TwoTilesPlayPingPongAcrossSimulatedTime) {
  hw::noc n(mesh());
  hw::tile_process::directory peers;
  std::vector<std::pair<char, sc_time>> seen;
  std::vector<sc_time> arrivals;
  hw::tile_process a("a", 0, n, peers, [&](hw::tile_process& self) {
    for (uint8_t round = 0; round < 3; ++round) {
      arrivals.push_back(self.send(15, 16, {round}));
      const hw::noc_message m = self.receive();
      seen.emplace_back('a', sc_core::sc_time_stamp());
      EXPECT_EQ(m.payload, std::vector<uint8_t>{uint8_t(round + 100)});
      EXPECT_EQ(m.from, 15u);
      sc_core::wait(3, SC_NS);
    }
  });
  hw::tile_process b("b", 15, n, peers, [&](hw::tile_process& self) {
    for (int round = 0; round < 3; ++round) {
      const hw::noc_message m = self.receive();
      seen.emplace_back('b', sc_core::sc_time_stamp());
      sc_core::wait(5, SC_NS);
      arrivals.push_back(self.send(m.from, 8, {uint8_t(m.payload.at(0) + 100)}));
    }
  });
  sc_core::sc_start();
  // Ping: 7 routers x 2 ns + 2 flits; pong: 7 x 2 ns + 1 flit.
  const double ping = 14 + 2, pong = 14 + 1;
  ASSERT_EQ(seen.size(), 6u);
  double t = 0;
  for (int round = 0; round < 3; ++round) {
    t += ping;
    EXPECT_EQ(seen[2 * round].first, 'b');
    EXPECT_EQ(seen[2 * round].second, sc_time(t, SC_NS)) << "round " << round;
    t += 5 + pong;
    EXPECT_EQ(seen[2 * round + 1].first, 'a');
    EXPECT_EQ(seen[2 * round + 1].second, sc_time(t, SC_NS)) << "round " << round;
    t += 3;
  }
  EXPECT_EQ(arrivals.size(), 6u);
  EXPECT_EQ(arrivals.back(), seen.back().second);
}

TEST_F(noc_messages, InboxReleasesMessagesInArrivalOrder) {
  hw::noc n(mesh());
  hw::tile_process::directory peers;
  std::vector<uint8_t> order;
  std::vector<sc_time> when;
  hw::tile_process far("far", 15, n, peers, [&](hw::tile_process& self) { self.send(5, 8, {1}); });
  hw::tile_process near("near", 4, n, peers, [&](hw::tile_process& self) { self.send(5, 8, {2}); });
  hw::tile_process rx("rx", 5, n, peers, [&](hw::tile_process& self) {
    for (int i = 0; i < 2; ++i) {
      const auto m = self.receive();
      order.push_back(m.payload.at(0));
      when.push_back(sc_core::sc_time_stamp());
    }
  });
  sc_core::sc_start();
  EXPECT_EQ(order, (std::vector<uint8_t>{2, 1})) << "the nearer tile's message arrives first";
  ASSERT_EQ(when.size(), 2u);
  EXPECT_EQ(when[0], sc_time(2 * 2 + 1, SC_NS));
  EXPECT_EQ(when[1], sc_time(5 * 2 + 1, SC_NS));  // 15 -> 5: 2 in x, 2 in y
}

}  // namespace
