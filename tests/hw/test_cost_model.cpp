// The cost model: the NoC's contention, the energy ledger's bookkeeping, area accounting.
#include "accel_bench.h"
#include "hw/accel/energy.h"
#include "hw/accel/noc.h"

#include <gtest/gtest.h>
#include <tlm_utils/simple_target_socket.h>

using namespace stoxvp;
using namespace stoxvp::hw;
using stoxvp::test::accel_bench;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

TEST(Noc, XyRoutesCountHopsAndChargeLatency) {
  noc_config c;  // 4 x 4, 256-bit links, 1 ns cycle and hop
  noc n(c);
  EXPECT_EQ(n.hops(0, 15), 6u);
  EXPECT_EQ(n.hops(5, 5), 0u);
  n.start_layer();
  // 64 bytes = 2 flits; 0 -> 3 is 3 hops: (3 + 1) routers x 1 ns + 2 cycles.
  EXPECT_EQ(n.transfer(0, 3, 64, sc_time(10, SC_NS)), sc_time(16, SC_NS));
  EXPECT_EQ(n.stats().bit_hops, 64u * 8 * 3);
}

TEST(Noc, TwoFlowsSharingALinkTakeLongerThanOne) {
  noc_config c;
  noc alone(c), shared(c), disjoint(c);
  const uint64_t bytes = 32 * 100;  // 100 flits
  alone.start_layer();
  const sc_time one = alone.transfer(0, 3, bytes, sc_time(0, SC_NS));
  shared.start_layer();
  shared.transfer(0, 3, bytes, sc_time(0, SC_NS));
  const sc_time second = shared.transfer(1, 2, bytes, sc_time(0, SC_NS));  // uses link 1 -> 2 too
  EXPECT_GT(second, one) << "the second flow must wait for the shared link";
  disjoint.start_layer();
  disjoint.transfer(0, 3, bytes, sc_time(0, SC_NS));
  const sc_time parallel = disjoint.transfer(4, 7, bytes, sc_time(0, SC_NS));  // another row
  EXPECT_EQ(parallel, one) << "flows on different links do not interfere";
  shared.start_layer();  // a new layer finds every link free
  EXPECT_EQ(shared.transfer(0, 3, bytes, sc_time(0, SC_NS)), one);
}

TEST(EnergyLedger, ChargesAddUpAcrossComponentsLayersAndPowerBins) {
  energy_ledger l;
  l.enable_trace(sc_time(10, SC_NS));
  l.charge(component::mtj, 30, 1, 2, sc_time(0, SC_NS), sc_time(30, SC_NS));  // spread over 3 bins
  l.charge(component::adc, 5, 2, 2, sc_time(12, SC_NS), sc_time(12, SC_NS));
  l.charge(component::router, 7, 1, 3, sc_time(25, SC_NS), sc_time(35, SC_NS));
  l.set_leakage(component::tile_buffer, 2.0);  // mW
  EXPECT_DOUBLE_EQ(l.dynamic_total(), 42);
  double by_layer = 0;
  for (const auto& [key, cost] : l.layers())
    for (double e : cost.energy) by_layer += e;
  EXPECT_DOUBLE_EQ(by_layer, 42);
  double binned = 0;
  for (const auto& b : l.bins())
    for (double e : b) binned += e;
  EXPECT_DOUBLE_EQ(binned, 42);
  EXPECT_DOUBLE_EQ(l.bins()[0][size_t(power_group::converters)], 10);
  EXPECT_DOUBLE_EQ(l.bins()[1][size_t(power_group::converters)], 15);  // 10 of the MTJ + 5 ADC
  EXPECT_DOUBLE_EQ(l.bins()[3][size_t(power_group::noc)], 3.5);
  const auto total = l.total(sc_time(100, SC_NS));
  EXPECT_DOUBLE_EQ(total[size_t(component::tile_buffer)], 200);  // 2 mW x 100 ns
}

TEST(EnergyLedger, APowerTraceKeepsAtMostItsBinsByMergingNeighbours) {
  energy_ledger l;
  l.enable_trace(sc_time(10, SC_NS), 4);  // 4 bins of 10 ns: up to 40 ns at full resolution
  l.charge(component::mtj, 8, 1, 2, sc_time(5, SC_NS), sc_time(5, SC_NS));    // bin 0
  l.charge(component::mtj, 6, 1, 2, sc_time(15, SC_NS), sc_time(15, SC_NS));  // bin 1
  l.charge(component::router, 4, 1, 2, sc_time(35, SC_NS), sc_time(35, SC_NS));
  ASSERT_EQ(l.bins().size(), 4u);
  EXPECT_EQ(l.interval(), sc_time(10, SC_NS));
  // 75 ns needs bin 7 of 10 ns, then bin 3 of 20 ns: one merge.
  l.charge(component::mtj, 2, 1, 2, sc_time(75, SC_NS), sc_time(75, SC_NS));
  EXPECT_EQ(l.interval(), sc_time(20, SC_NS));
  ASSERT_EQ(l.bins().size(), 4u);
  EXPECT_DOUBLE_EQ(l.bins()[0][size_t(power_group::converters)], 14);  // 8 + 6 merged
  EXPECT_DOUBLE_EQ(l.bins()[1][size_t(power_group::noc)], 4);
  EXPECT_DOUBLE_EQ(l.bins()[3][size_t(power_group::converters)], 2);
  // A leakage-only tail far out coarsens again; nothing is lost.
  l.extend_trace(sc_time(1, sc_core::SC_MS));
  EXPECT_LE(l.bins().size(), 4u);
  EXPECT_GE(l.interval() * static_cast<double>(l.bins().size()), sc_time(1, sc_core::SC_MS));
  double binned = 0;
  for (const auto& b : l.bins())
    for (double e : b) binned += e;
  EXPECT_DOUBLE_EQ(binned, l.dynamic_total());
}

TEST_F(accel_bench, AreaIsTheSumOfItsComponentsAndFollowsTheConverterDesign) {
  hw::accelerator_config cfg;
  cfg.converters = {STOXVP_CONV_MTJ, 8, 1};
  build(cfg);
  const auto mtj = acc->area();
  double sum = 0;
  for (double v : mtj.by_component) sum += v;
  EXPECT_DOUBLE_EQ(sum, mtj.chip_um2);
  EXPECT_EQ(mtj.converters_per_array, 64u);  // one MTJ per column pair
  EXPECT_DOUBLE_EQ(mtj.by_component[size_t(component::mtj)], 128.0 * 64 * tech.mtj_area_um2);
  cfg.converters = {STOXVP_CONV_ADC, 8, 8};  // NeuroSim's 8 columns per ADC
  build(cfg);
  const auto adc = acc->area();
  EXPECT_EQ(adc.converters_per_array, 8u);
  EXPECT_DOUBLE_EQ(adc.by_component[size_t(component::adc)], 128.0 * 8 * tech.adc.area_um2[8]);
  EXPECT_EQ(adc.by_component[size_t(component::mtj)], 0);
}

// A memory that reports its latency either by annotation or by calling wait() (issue 9 item
// 15): the DMA's overlap of outstanding bursts needs the first; the second is not silent.
struct latency_memory : sc_core::sc_module {
  tlm_utils::simple_target_socket<latency_memory> socket{"socket"};
  std::vector<uint8_t> bytes = std::vector<uint8_t>(1 << 20, 0);
  bool waits;
  latency_memory(sc_core::sc_module_name n, bool w) : sc_module(n), waits(w) {
    socket.register_b_transport(this, &latency_memory::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_time& delay) {
    std::memcpy(t.is_read() ? t.get_data_ptr() : &bytes[t.get_address()],
                t.is_read() ? &bytes[t.get_address()] : t.get_data_ptr(), t.get_data_length());
    t.set_response_status(tlm::TLM_OK_RESPONSE);
    if (waits) {
      wait(delay);
      delay = sc_core::SC_ZERO_TIME;
      wait(sc_time(50, SC_NS));
    } else {
      delay += sc_time(50, SC_NS);
    }
  }
};

// Reads 4 KiB by DMA from a memory of either kind; returns how long it took and the warnings.
struct dma_probe : sc_core::sc_module {
  dma_engine dma{"dma", 64, 16};
  sc_time took;
  explicit dma_probe(sc_core::sc_module_name n) : sc_module(n) {
    SC_THREAD(run);
  }
  SC_HAS_PROCESS(dma_probe);
  void run() {
    std::vector<uint8_t> buf(4096);
    const sc_time t0 = sc_core::sc_time_stamp();
    sc_time local = sc_core::SC_ZERO_TIME;
    dma.read(0, buf.data(), buf.size(), local);
    wait(local);
    took = sc_core::sc_time_stamp() - t0;
  }
};

TEST_F(accel_bench, DmaOverlapNeedsAnnotatedLatencyAndSaysSoWhenATargetWaits) {
  sc_time took[2];
  uint64_t blocking[2];
  bool warned[2];
  for (int waits = 0; waits < 2; ++waits) {
    stoxvp::test::fresh_kernel();
    stoxvp::test::log_capture log;
    latency_memory m("memory", waits != 0);
    dma_probe p("probe");
    p.dma.socket.bind(m.socket);
    sc_core::sc_start();
    took[waits] = p.took;
    blocking[waits] = p.dma.blocking_bursts();
    warned[waits] = log.contains({"dma", "inside b_transport", "docs/architecture.md"});
  }
  EXPECT_EQ(took[0], sc_time(64 * 50 / 16, SC_NS)) << "64 bursts of 50 ns, 16 in flight";
  EXPECT_EQ(blocking[0], 0u);
  EXPECT_FALSE(warned[0]);
  EXPECT_EQ(blocking[1], 64u);
  EXPECT_TRUE(warned[1]) << "a memory that waits serialises the bursts: the platform must say so";
}

}  // namespace
