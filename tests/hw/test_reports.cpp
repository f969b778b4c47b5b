// Model messages are sc_reports: an integrator who links the accelerator alone (this test links
// stoxvp_hw and nothing of the platform) controls them with SystemC's own report handler, per
// message type and severity. The probe is the DMA's warning about a target that wait()s inside
// b_transport, which defeats the overlap of outstanding bursts.
#include "common/log.h"
#include "common/stats.h"
#include "hw/accel/dma_engine.h"
#include "support/kernel.h"

#include <gtest/gtest.h>
#include <systemc>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <string>
#include <vector>

using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

struct waiting_memory : sc_core::sc_module {
  tlm_utils::simple_target_socket<waiting_memory> socket{"socket"};
  std::vector<uint8_t> bytes = std::vector<uint8_t>(1 << 16, 0);
  explicit waiting_memory(sc_core::sc_module_name n) : sc_module(n) {
    socket.register_b_transport(this, &waiting_memory::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_time& delay) {
    std::memcpy(t.get_data_ptr(), &bytes[t.get_address()], t.get_data_length());
    t.set_response_status(tlm::TLM_OK_RESPONSE);
    wait(delay + sc_time(50, SC_NS));
    delay = sc_core::SC_ZERO_TIME;
  }
};

struct dma_reader : sc_core::sc_module {
  stoxvp::hw::dma_engine dma{"dma", 64, 16};
  explicit dma_reader(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(run); }
  SC_HAS_PROCESS(dma_reader);
  void run() {
    std::vector<uint8_t> buf(1024);
    sc_time local = sc_core::SC_ZERO_TIME;
    dma.read(0, buf.data(), buf.size(), local);
    wait(local);
  }
};

struct seen_report {
  sc_core::sc_severity severity;
  std::string type, msg;
  sc_core::sc_actions actions;
};
std::vector<seen_report>& seen() {
  static std::vector<seen_report> s;
  return s;
}
void integrator_handler(const sc_core::sc_report& r, const sc_core::sc_actions& a) {
  seen().push_back({r.get_severity(), r.get_msg_type(), r.get_msg(), a});
}

class reports : public ::testing::Test {
 protected:
  void SetUp() override {
    stoxvp::test::fresh_kernel();
    seen().clear();
  }
  void TearDown() override {
    sc_core::sc_report_handler::set_handler(nullptr);  // SystemC's default handler again
    sc_core::sc_report_handler::set_actions(stoxvp::msg::dma_engine, sc_core::SC_UNSPECIFIED);
    sc_core::sc_report_handler::set_actions(stoxvp::msg::dma_engine, sc_core::SC_WARNING,
                                            sc_core::SC_UNSPECIFIED);
  }
  // Runs a 1 KiB DMA read from a waiting memory; returns the DMA's count of blocking bursts.
  uint64_t run_dma() {
    waiting_memory m("memory");
    dma_reader r("reader");
    r.dma.socket.bind(m.socket);
    sc_core::sc_start();
    return r.dma.blocking_bursts();
  }
};

TEST_F(reports, IntegratorHandlerReceivesTheDmaWarningWithItsTypeAndSeverity) {
  sc_core::sc_report_handler::set_handler(&integrator_handler);
  EXPECT_EQ(run_dma(), 16u);
  ASSERT_EQ(seen().size(), 1u) << "warned once, not once per burst";
  EXPECT_EQ(seen()[0].severity, sc_core::SC_WARNING);
  EXPECT_EQ(seen()[0].type, "stoxvp/accel/dma_engine");
  EXPECT_EQ(seen()[0].msg.rfind("reader.dma: the target at ", 0), 0u) << seen()[0].msg;
  EXPECT_NE(seen()[0].msg.find("inside b_transport"), std::string::npos) << seen()[0].msg;
  EXPECT_TRUE(seen()[0].actions & sc_core::SC_DISPLAY);
}

TEST_F(reports, IntegratorCanSuppressAUnitsMessagesWithoutChangingTheModel) {
  sc_core::sc_report_handler::set_handler(&integrator_handler);
  sc_core::sc_report_handler::set_actions(stoxvp::msg::dma_engine, sc_core::SC_DO_NOTHING);
  EXPECT_EQ(run_dma(), 16u) << "the bursts are still counted";
  // SystemC still calls the handler, with nothing to do: no display, no log, no stop.
  ASSERT_EQ(seen().size(), 1u);
  EXPECT_EQ(seen()[0].actions, sc_core::SC_DO_NOTHING);
}

TEST_F(reports, IntegratorCanMakeAWarningStopTheSimulation) {
  sc_core::sc_report_handler::set_actions(stoxvp::msg::dma_engine, sc_core::SC_WARNING, sc_core::SC_THROW);
  EXPECT_THROW(run_dma(), sc_core::sc_report);
}

TEST_F(reports, ConsoleHandlerPrintsThePlatformFormatAndHonoursSuppression) {
  stoxvp::test::log_capture log;  // installs the console handler with a sink
  run_dma();
  ASSERT_EQ(log.lines().size(), 1u) << log.all();
  const std::string& l = log.lines()[0];
  EXPECT_EQ(l.rfind("[       0.050 us] warning reader.dma: the target at 0x0000000000000000 spent", 0), 0u) << l;

  stoxvp::test::fresh_kernel();
  stoxvp::test::log_capture quiet;
  sc_core::sc_report_handler::set_actions(stoxvp::msg::dma_engine, sc_core::SC_DO_NOTHING);
  run_dma();
  EXPECT_TRUE(quiet.lines().empty()) << quiet.all();
}

}  // namespace

namespace {

// Statistics are a typed stat group per unit; nothing in the model builds JSON.
TEST_F(reports, DmaFillsItsStatGroupWithTypedCounters) {
  sc_core::sc_report_handler::set_actions(stoxvp::msg::dma_engine, sc_core::SC_DO_NOTHING);
  waiting_memory m("memory");
  dma_reader r("reader");
  r.dma.socket.bind(m.socket);
  sc_core::sc_start();
  stoxvp::stat_group top("soc");
  r.dma.stats(top.group("dma"));
  EXPECT_EQ(top.counter("dma.bytes_read"), 1024u);
  EXPECT_EQ(top.counter("dma.bursts"), 16u);
  EXPECT_EQ(top.counter("dma.blocking_bursts"), 16u);
  EXPECT_EQ(top.counter("dma.no_such_counter"), 0u);
  EXPECT_EQ(&top.group("dma"), &top.groups().front()) << "a group is created once";
  top.group("dma").set("bursts", 3u);
  EXPECT_EQ(top.counter("dma.bursts"), 3u) << "set replaces";
  top.set("ratio", 0.5).set("kind", "lt").set("ok", true);
  EXPECT_TRUE(std::holds_alternative<double>(*top.find("ratio")));
  EXPECT_TRUE(std::holds_alternative<std::string>(*top.find("kind")));
  EXPECT_TRUE(std::holds_alternative<bool>(*top.find("ok")));
}

}  // namespace

namespace {

// The C API and the tests silence SystemC's own infos (SC_INFO: SC_DO_NOTHING); the board's
// handler still shows stoxvp's information messages, and an integrator can still silence them.
TEST_F(reports, ConsoleHandlerShowsStoxvpInformationWhereSystemCInfosAreSilenced) {
  stoxvp::test::log_capture log;
  stoxvp::log(stoxvp::log_level::info, stoxvp::msg::riscv_cpu, "top.cpu", "waiting for gdb on :1234");
  sc_core::sc_report_handler::report(sc_core::SC_INFO, "some/systemc/info", "kernel chatter", "", 0);
  EXPECT_EQ(log.all(), "[       0.000 us] info top.cpu: waiting for gdb on :1234\n");
  sc_core::sc_report_handler::set_actions(stoxvp::msg::riscv_cpu, sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  stoxvp::log(stoxvp::log_level::info, stoxvp::msg::riscv_cpu, "top.cpu", "quiet");
  EXPECT_EQ(log.lines().size(), 1u) << log.all();
  sc_core::sc_report_handler::set_actions(stoxvp::msg::riscv_cpu, sc_core::SC_INFO, sc_core::SC_UNSPECIFIED);
}

}  // namespace
