// Memories (bounds, byte enables, bandwidth, DMI) and the simple devices (console, timer,
// simulation control), each driven directly by a stimulus module.
#include "support/kernel.h"
#include "support/stimulus.h"
#include "tlm/devices/console.h"
#include "tlm/devices/sim_control.h"
#include "tlm/devices/timer.h"
#include "tlm/memory/memory.h"

#include <gtest/gtest.h>

using namespace stoxvp;
using namespace sc_core;

namespace {

struct device_test : test::kernel_test {
  std::unique_ptr<sc_signal<bool>> irq_sig;
  std::unique_ptr<test::stimulus> s;
  // Created lazily, in the test's own kernel.
  sc_signal<bool>& irq() {
    if (!irq_sig) irq_sig = std::make_unique<sc_signal<bool>>("irq");
    return *irq_sig;
  }
  void drive(tlm::tlm_target_socket<>& target, std::function<void(test::stimulus&)> body) {
    s = std::make_unique<test::stimulus>("stim");
    s->socket.bind(target);
    s->irq.bind(irq());
    s->body = std::move(body);
    sc_start();
    ASSERT_TRUE(s->finished);
  }
};

TEST_F(device_test, MemoryChargesLatencyPlusBandwidthAndChecksBounds) {
  memory m("m", 0x1000, memory_timing{sc_time(50, SC_NS), sc_time(40, SC_NS), 4.0});
  drive(m.socket, [&](test::stimulus& st) {
    uint8_t buf[64] = {};
    sc_time t0 = sc_time_stamp();
    EXPECT_EQ(st.access(tlm::TLM_READ_COMMAND, 0, buf, 64), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(sc_time_stamp() - t0, sc_time(50 + 16, SC_NS));  // 64 B at 4 B/ns
    t0 = sc_time_stamp();
    EXPECT_EQ(st.access(tlm::TLM_WRITE_COMMAND, 0, buf, 64), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(sc_time_stamp() - t0, sc_time(40 + 16, SC_NS));
    EXPECT_EQ(st.access(tlm::TLM_READ_COMMAND, 0xFF0, buf, 32), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(st.access(tlm::TLM_READ_COMMAND, 0x1000, buf, 1), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  });
  EXPECT_EQ(m.bytes_read(), 64u);
  EXPECT_EQ(m.bytes_written(), 64u);
}

TEST_F(device_test, MemoryHonoursByteEnables) {
  memory m("m", 0x100, memory_timing{});
  std::memset(m.data(), 0xEE, 8);
  drive(m.socket, [&](test::stimulus& st) {
    uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t be[2] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED};  // repeats: every other byte
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_WRITE_COMMAND);
    t.set_address(0);
    t.set_data_ptr(data);
    t.set_data_length(8);
    t.set_streaming_width(8);
    t.set_byte_enable_ptr(be);
    t.set_byte_enable_length(2);
    sc_time d;
    st.socket->b_transport(t, d);
    EXPECT_EQ(t.get_response_status(), tlm::TLM_OK_RESPONSE);
  });
  const uint8_t expect[8] = {1, 0xEE, 3, 0xEE, 5, 0xEE, 7, 0xEE};
  EXPECT_EQ(std::memcmp(m.data(), expect, 8), 0);
}

TEST_F(device_test, ConsoleCollectsLinesAndRefusesBadAccesses) {
  console c("console", false, sc_time(10, SC_NS));
  test::log_capture log;
  drive(c.socket, [&](test::stimulus& st) {
    for (char ch : std::string("hi\nthere")) st.write32(STOXVP_CONSOLE_TXDATA, ch);
    EXPECT_EQ(st.read32(STOXVP_CONSOLE_STATUS), 1u);
    EXPECT_EQ(st.write32(STOXVP_CONSOLE_STATUS, 0), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(st.write32(STOXVP_CONSOLE_TXDATA + 2, 'x'), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    uint8_t b = 'y';
    EXPECT_EQ(st.access(tlm::TLM_WRITE_COMMAND, 0, &b, 1), tlm::TLM_BURST_ERROR_RESPONSE);
    EXPECT_EQ(st.write32(0x80, 0), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  });
  c.flush();
  EXPECT_EQ(c.output(), "hi\nthere\n");
  EXPECT_TRUE(log.contains({"console", "STATUS", "read-only"})) << log.all();
  EXPECT_TRUE(log.contains({"console", "misaligned"})) << log.all();
  EXPECT_TRUE(log.contains({"console", "no register"})) << log.all();
}

TEST_F(device_test, TimerCountsAndInterruptsAtCompare) {
  timer t("timer", 10e6, SC_ZERO_TIME);  // 100 ns per tick
  t.irq.bind(irq());
  drive(t.socket, [&](test::stimulus& st) {
    EXPECT_EQ(st.read32(STOXVP_TIMER_FREQ_HZ), 10000000u);
    wait(1, SC_US);
    EXPECT_EQ(st.read32(STOXVP_TIMER_MTIME_LO), 10u);
    EXPECT_EQ(st.read32(STOXVP_TIMER_MTIME_HI), 0u);
    EXPECT_FALSE(irq().read());
    st.write32(STOXVP_TIMER_MTIMECMP_HI, 0);
    st.write32(STOXVP_TIMER_MTIMECMP_LO, 25);  // fires at 2.5 us
    EXPECT_TRUE(st.wait_irq(sc_time(10, SC_US)));
    EXPECT_EQ(sc_time_stamp(), sc_time(2500, SC_NS));
    st.write32(STOXVP_TIMER_MTIMECMP_LO, 1000);
    wait(SC_ZERO_TIME);
    wait(SC_ZERO_TIME);
    EXPECT_FALSE(irq().read());
  });
}

TEST_F(device_test, SimControlReportsExitCode) {
  sim_control sc("sim_control", SC_ZERO_TIME);
  int code = 0;
  sc.on_exit = [&](int c) { code = c; };
  drive(sc.socket, [&](test::stimulus& st) { st.write32(STOXVP_SIM_CONTROL_EXIT, static_cast<uint32_t>(-7)); });
  EXPECT_EQ(code, -7);
}

}  // namespace
