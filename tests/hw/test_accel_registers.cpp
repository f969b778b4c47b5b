// Register semantics of the accelerator: reset values from the header, read-only registers and
// fields, write-1-to-clear, access-size rules, ring configuration guards, counter latching.
#include "accel_bench.h"

#include <gtest/gtest.h>

using namespace stoxvp;
using namespace stoxvp::test;

namespace {

TEST_F(accel_bench, ResetValuesMatchTheHeader) {
  hw::accelerator_config cfg;
  cfg.array_rows = 256;
  cfg.array_cols = 64;
  cfg.tiles = 12;
  cfg.arrays_per_tile = 4;
  build(cfg);
  run([&](stimulus& s) {
#define CHECK_RESET(name, off, acc, rst, doc)                                         \
  if ((off) != STOXVP_REG_HWCFG0 && (off) != STOXVP_REG_HWCFG1 && (off) != STOXVP_REG_HWCFG2) {                     \
    EXPECT_EQ(reg(s, off), static_cast<uint32_t>(rst)) << #name;                       \
  }
    STOXVP_REGISTERS(CHECK_RESET)
#undef CHECK_RESET
    EXPECT_EQ(reg(s, STOXVP_REG_ID), STOXVP_ID_VALUE);
    EXPECT_EQ(reg(s, STOXVP_REG_HWCFG0), (64u << 16) | 256u);
    EXPECT_EQ(reg(s, STOXVP_REG_HWCFG1), (4u << 16) | 12u);
    EXPECT_EQ(reg(s, STOXVP_REG_HWCFG2), 4u);
  });
  // 'S','T','O','X' in memory order.
  uint32_t id = STOXVP_ID_VALUE;
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(&id), 4), "STOX");
}

TEST_F(accel_bench, ReadOnlyRegistersRefuseWrites) {
  build();
  log_capture log;
  run([&](stimulus& s) {
    EXPECT_EQ(set(s, STOXVP_REG_ID, 0), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(reg(s, STOXVP_REG_ID), STOXVP_ID_VALUE);
    EXPECT_EQ(set(s, STOXVP_REG_STATUS, 0xFFFFFFFF), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(reg(s, STOXVP_REG_STATUS), static_cast<uint32_t>(STOXVP_STATUS_RING_EMPTY));
    EXPECT_EQ(set(s, STOXVP_REG_RING_HEAD, 3), tlm::TLM_COMMAND_ERROR_RESPONSE);
  });
  EXPECT_TRUE(log.contains({"accelerator", "ID", "read-only"})) << log.all();
}

TEST_F(accel_bench, ReservedBitsOfFieldRegistersAreReadOnly) {
  build();
  run([&](stimulus& s) {
    EXPECT_EQ(set(s, STOXVP_REG_IRQ_ENABLE, 0xFFFFFFFF), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(reg(s, STOXVP_REG_IRQ_ENABLE),
              static_cast<uint32_t>(STOXVP_IRQ_ENABLE_DONE | STOXVP_IRQ_ENABLE_ERROR));
    // A register without fields is writable in full.
    EXPECT_EQ(set(s, STOXVP_REG_RING_BASE_HI, 0xFFFFFFFF), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(reg(s, STOXVP_REG_RING_BASE_HI), 0xFFFFFFFFu);
  });
}

TEST_F(accel_bench, InterruptStatusIsWriteOneToClearAndDrivesTheLine) {
  build();
  run([&](stimulus& s) {
    // A bad ring sets ERROR; a NOP flagged IRQ sets DONE.
    set(s, STOXVP_REG_RING_SIZE, 1);
    set(s, STOXVP_REG_CTRL, STOXVP_CTRL_ENABLE);
    EXPECT_EQ(reg(s, STOXVP_REG_IRQ_STATUS), static_cast<uint32_t>(STOXVP_IRQ_STATUS_ERROR));
    wait(sc_core::SC_ZERO_TIME);
    wait(sc_core::SC_ZERO_TIME);
    EXPECT_FALSE(irq()) << "line must stay low while the source is disabled";
    set(s, STOXVP_REG_IRQ_ENABLE, STOXVP_IRQ_ENABLE_ERROR);
    wait(sc_core::SC_ZERO_TIME);
    wait(sc_core::SC_ZERO_TIME);
    EXPECT_TRUE(irq());
    set(s, STOXVP_REG_IRQ_STATUS, STOXVP_IRQ_STATUS_DONE);  // writing 1 to a clear bit: no-op
    EXPECT_EQ(reg(s, STOXVP_REG_IRQ_STATUS), static_cast<uint32_t>(STOXVP_IRQ_STATUS_ERROR));
    set(s, STOXVP_REG_IRQ_STATUS, 0);  // writing 0 clears nothing
    EXPECT_EQ(reg(s, STOXVP_REG_IRQ_STATUS), static_cast<uint32_t>(STOXVP_IRQ_STATUS_ERROR));
    set(s, STOXVP_REG_IRQ_STATUS, STOXVP_IRQ_STATUS_ERROR);
    EXPECT_EQ(reg(s, STOXVP_REG_IRQ_STATUS), 0u);
    wait(sc_core::SC_ZERO_TIME);
    wait(sc_core::SC_ZERO_TIME);
    EXPECT_FALSE(irq());
  });
}

TEST_F(accel_bench, IllegalAccessesGetErrorResponses) {
  build();
  log_capture log;
  run([&](stimulus& s) {
    tlm::tlm_response_status st;
    s.read32(kRegs + STOXVP_REG_CTRL + 2, &st);
    EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    uint8_t b = 0;
    EXPECT_EQ(s.access(tlm::TLM_READ_COMMAND, kRegs + STOXVP_REG_CTRL, &b, 1),
              tlm::TLM_BURST_ERROR_RESPONSE);
    uint64_t q = 0;
    EXPECT_EQ(s.access(tlm::TLM_READ_COMMAND, kRegs + STOXVP_REG_CTRL, &q, 8),
              tlm::TLM_BURST_ERROR_RESPONSE);
    s.read32(kRegs + 0xFFC, &st);  // inside the window, no register there
    EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  });
  EXPECT_TRUE(log.contains({"accelerator", "misaligned"})) << log.all();
  EXPECT_TRUE(log.contains({"accelerator", "32-bit accesses only"})) << log.all();
  EXPECT_TRUE(log.contains({"bus", "cpu", "0x0000000040000ffc"})) << log.all();
}

TEST_F(accel_bench, RingIsConfigurableOnlyWhileDisabled) {
  build();
  run([&](stimulus& s) {
    start_ring(s, kDram, 8);
    EXPECT_EQ(set(s, STOXVP_REG_RING_SIZE, 16), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(reg(s, STOXVP_REG_RING_SIZE), 8u);
    EXPECT_EQ(set(s, STOXVP_REG_RING_BASE_LO, 0x1000), tlm::TLM_COMMAND_ERROR_RESPONSE);
    set(s, STOXVP_REG_CTRL, 0);
    EXPECT_EQ(set(s, STOXVP_REG_RING_SIZE, 16), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(reg(s, STOXVP_REG_RING_SIZE), 16u);
  });
}

TEST_F(accel_bench, DebugReadsHaveNoSideEffects) {
  build();
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  tlm::tlm_generic_payload t;
  uint32_t v = 0;
  t.set_command(tlm::TLM_READ_COMMAND);
  t.set_address(kRegs + STOXVP_REG_ID);
  t.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
  t.set_data_length(4);
  EXPECT_EQ(cpu->socket->transport_dbg(t), 4u);
  EXPECT_EQ(v, STOXVP_ID_VALUE);
  t.set_command(tlm::TLM_WRITE_COMMAND);
  t.set_address(kRegs + STOXVP_REG_CTRL);
  v = STOXVP_CTRL_ENABLE;
  EXPECT_EQ(cpu->socket->transport_dbg(t), 0u) << "debug writes to registers are refused";
}

}  // namespace
