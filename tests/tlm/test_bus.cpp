// The system bus: decoding, error responses with initiator and address, DMI and debug access.
#include "support/kernel.h"
#include "support/stimulus.h"
#include "tlm/bus/bus.h"
#include "tlm/memory/memory.h"

#include <gtest/gtest.h>

using namespace stoxvp;
using namespace sc_core;

namespace {

// cpu -> bus -> {ram_a at 0x1000 (4 KiB), ram_b at 0x10000 (64 KiB)}
struct bus_fixture : test::kernel_test {
  std::unique_ptr<bus> b;
  std::unique_ptr<memory> a, m;
  std::unique_ptr<test::stimulus> cpu;
  std::unique_ptr<sc_signal<bool>> irq;

  void build(sc_time bus_latency = sc_time(1, SC_NS)) {
    b = std::make_unique<bus>("bus", bus_latency,
                              std::vector<address_range>{{"ram_a", 0x1000, 0x1000},
                                                         {"ram_b", 0x10000, 0x10000}},
                              std::vector<std::string>{"cpu"});
    a = std::make_unique<memory>("ram_a", 0x1000, memory_timing{sc_time(5, SC_NS), sc_time(7, SC_NS), 0});
    m = std::make_unique<memory>("ram_b", 0x10000, memory_timing{});
    cpu = std::make_unique<test::stimulus>("cpu");
    b->connect_target("ram_a", a->socket);
    b->connect_target("ram_b", m->socket);
    b->connect_initiator("cpu", cpu->socket);
    irq = std::make_unique<sc_signal<bool>>("irq_unused");
    cpu->irq.bind(*irq);
  }
  void run(std::function<void(test::stimulus&)> body) {
    cpu->body = std::move(body);
    sc_start();
    ASSERT_TRUE(cpu->finished);
  }
};

TEST_F(bus_fixture, DecodesWindowsAndTranslatesAddresses) {
  build();
  run([&](test::stimulus& s) {
    EXPECT_EQ(s.write32(0x1000 + 0x10, 0x11223344), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(s.write32(0x10000 + 0xFFFC, 0xAABBCCDD), tlm::TLM_OK_RESPONSE);
  });
  uint32_t v;
  std::memcpy(&v, a->data() + 0x10, 4);
  EXPECT_EQ(v, 0x11223344u);
  std::memcpy(&v, m->data() + 0xFFFC, 4);
  EXPECT_EQ(v, 0xAABBCCDDu);
  EXPECT_EQ(b->decode(0x0FFF), -1);
  EXPECT_EQ(b->decode(0x1000), 0);
  EXPECT_EQ(b->decode(0x1FFF), 0);
  EXPECT_EQ(b->decode(0x2000), -1);
  EXPECT_EQ(b->decode(0x1FFFF), 1);
  EXPECT_EQ(b->decode(0x20000), -1);
}

TEST_F(bus_fixture, AnnotatesBusAndMemoryLatency) {
  build(sc_time(3, SC_NS));
  run([&](test::stimulus& s) {
    const sc_time t0 = sc_time_stamp();
    s.read32(0x1000);
    EXPECT_EQ(sc_time_stamp() - t0, sc_time(8, SC_NS));  // bus 3 + read 5
    const sc_time t1 = sc_time_stamp();
    s.write32(0x1000, 1);
    EXPECT_EQ(sc_time_stamp() - t1, sc_time(10, SC_NS));  // bus 3 + write 7
  });
}

TEST_F(bus_fixture, UnmappedAccessGetsAddressErrorAndNamesInitiator) {
  build();
  test::log_capture log;
  run([&](test::stimulus& s) {
    tlm::tlm_response_status st;
    s.read32(0x5000, &st);
    EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(s.write32(0xFFFFFFF0, 0), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  });
  EXPECT_TRUE(log.contains({"cpu", "read", "0x0000000000005000", "no target"})) << log.all();
  EXPECT_TRUE(log.contains({"cpu", "write", "0x00000000fffffff0"})) << log.all();
  EXPECT_EQ(b->errors(), 2u);
}

TEST_F(bus_fixture, AccessRunningPastWindowGetsBurstError) {
  build();
  test::log_capture log;
  run([&](test::stimulus& s) {
    uint8_t buf[16] = {};
    EXPECT_EQ(s.access(tlm::TLM_READ_COMMAND, 0x1FF8, buf, 16), tlm::TLM_BURST_ERROR_RESPONSE);
  });
  EXPECT_TRUE(log.contains({"cpu", "0x0000000000001ff8", "past the end of 'ram_a'"})) << log.all();
}

TEST_F(bus_fixture, MisalignedWordAccessGetsAddressError) {
  build();
  test::log_capture log;
  run([&](test::stimulus& s) {
    tlm::tlm_response_status st;
    s.read32(0x1002, &st);
    EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    uint8_t buf[3] = {};
    // Byte and odd-sized burst accesses need no alignment.
    EXPECT_EQ(s.access(tlm::TLM_READ_COMMAND, 0x1003, buf, 3), tlm::TLM_OK_RESPONSE);
  });
  EXPECT_TRUE(log.contains({"cpu", "0x0000000000001002", "'ram_a' answered"})) << log.all();
}

TEST_F(bus_fixture, BadAddressMapsAreRejectedWithNames) {
  auto map_error = [](std::vector<address_range> w, std::vector<std::string> i = {"cpu"}) {
    try {
      bus b("b", SC_ZERO_TIME, std::move(w), std::move(i));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string overlap = map_error({{"ram_a", 0x1000, 0x1000}, {"extra", 0x1800, 0x1000}});
  EXPECT_NE(overlap.find("'extra'"), std::string::npos) << overlap;
  EXPECT_NE(overlap.find("'ram_a'"), std::string::npos) << overlap;
  EXPECT_NE(map_error({{"empty", 0x90000, 0}}).find("size 0"), std::string::npos);
  EXPECT_NE(map_error({{"wrap", ~0ull - 10, 0x100}}).find("wraps"), std::string::npos);
  EXPECT_NE(map_error({{"x", 0, 1}, {"x", 8, 1}}).find("two windows"), std::string::npos);
  EXPECT_NE(map_error({{"x", 0, 1}}, {"cpu", "cpu"}).find("two initiators"), std::string::npos);
  EXPECT_EQ(map_error({{"top", ~0ull - 0xFF, 0x100}}), "") << "a window may end at 2^64 - 1";
  build();
  EXPECT_THROW(b->connect_target("rom", m->socket), std::out_of_range);
}

TEST_F(bus_fixture, DmiIsTranslatedToBusAddresses) {
  build();
  sc_start(SC_ZERO_TIME);  // elaborate
  tlm::tlm_generic_payload t;
  tlm::tlm_dmi dmi;
  t.set_address(0x10000 + 0x40);
  ASSERT_TRUE(cpu->socket->get_direct_mem_ptr(t, dmi));
  EXPECT_EQ(dmi.get_start_address(), 0x10000u);
  EXPECT_EQ(dmi.get_end_address(), 0x1FFFFu);
  EXPECT_TRUE(dmi.is_read_write_allowed());
  dmi.get_dmi_ptr()[0x40] = 0x5A;
  EXPECT_EQ(m->data()[0x40], 0x5A);
  // Latency of the DMI region includes the bus.
  t.set_address(0x1000);
  ASSERT_TRUE(cpu->socket->get_direct_mem_ptr(t, dmi));
  EXPECT_EQ(dmi.get_read_latency(), sc_time(6, SC_NS));
  // A gap gets no pointer, and the refusal covers exactly the gap.
  t.set_address(0x5000);
  EXPECT_FALSE(cpu->socket->get_direct_mem_ptr(t, dmi));
  EXPECT_EQ(dmi.get_start_address(), 0x2000u);
  EXPECT_EQ(dmi.get_end_address(), 0xFFFFu);
}

TEST_F(bus_fixture, DebugTransportReadsWritesAndClipsAtWindowEnd) {
  build();
  sc_start(SC_ZERO_TIME);
  uint8_t buf[32];
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(i);
  tlm::tlm_generic_payload t;
  t.set_command(tlm::TLM_WRITE_COMMAND);
  t.set_address(0x1FF0);
  t.set_data_ptr(buf);
  t.set_data_length(32);
  EXPECT_EQ(cpu->socket->transport_dbg(t), 16u);  // clipped at the end of ram_a
  EXPECT_EQ(a->data()[0xFF0], 0);
  EXPECT_EQ(a->data()[0xFFF], 15);
  EXPECT_EQ(sc_time_stamp(), SC_ZERO_TIME);  // debug accesses take no time
  t.set_address(0x3000);
  EXPECT_EQ(cpu->socket->transport_dbg(t), 0u);  // unmapped
  uint8_t back[16] = {};
  t.set_command(tlm::TLM_READ_COMMAND);
  t.set_address(0x1FF0);
  t.set_data_ptr(back);
  t.set_data_length(16);
  EXPECT_EQ(cpu->socket->transport_dbg(t), 16u);
  EXPECT_EQ(back[15], 15);
}

}  // namespace
