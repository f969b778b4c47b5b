// AP programs (docs/ap-program-format.md): a program encoded and read back is the same program
// and runs; every field a bad program can get wrong is refused with the file, the field and
// the value; the executor against a direct integer computation of the same layer.
#include "hw/accel/tiles/rtm_ap/ap_program.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>

using namespace stoxvp::hw::rtm_ap;

namespace {

// A 2-channel 3x3 input, a 2x2 kernel without padding: out = relu-clamp(x00 + x11 - x01) per
// channel 0, and channel 1 = x10 of input channel 1, pooled 2x2 to 1x1.
ap_program small_program() {
  ap_program p;
  p.in_channels = 2; p.in_h = 3; p.in_w = 3; p.kernel = 2; p.stride = 1; p.pad = 0;
  p.act_bits = 4; p.out_bits = 4; p.pool = 0;
  p.out_channels = 2; p.out_h = 2; p.out_w = 2; p.rows = 4;
  p.field_bits = {4, 4, 4, 7, 4};
  p.field_role = {1, 1, 1, 2, 3};
  p.columns = 23;
  auto ins = [&](ap_op op, uint16_t dst, uint16_t a, uint16_t b, int32_t imm, uint8_t flags = 0) {
    p.code.push_back({uint8_t(op), flags, dst, a, b, imm});
  };
  ins(ap_op::load, 0, 0, 0, 0 | (0 << 16) | (0 << 24));
  ins(ap_op::load, 1, 0, 0, 0 | (1 << 16) | (1 << 24));
  ins(ap_op::load, 2, 0, 0, 0 | (0 << 16) | (1 << 24));
  ins(ap_op::clear, 3, 0, 0, 0);
  ins(ap_op::add, 3, 0, 0, 0);
  ins(ap_op::add, 3, 1, 0, 0);
  ins(ap_op::sub, 3, 2, 0, 0);
  ins(ap_op::requant, 4, 3, 0, 0);
  ins(ap_op::store, 0, 4, 0, 0);
  ins(ap_op::load, 0, 0, 0, 1 | (1 << 16) | (0 << 24));
  ins(ap_op::store, 0, 0, 0, 1);
  return p;
}

std::vector<uint8_t> bytes_of(const ap_program& p) { return encode_ap_program(p); }

void expect_refused(std::vector<uint8_t> b, const std::function<void(std::vector<uint8_t>&)>& edit,
                    const std::string& message) {
  edit(b);
  try {
    parse_ap_program(b.data(), b.size(), "bad.sxap");
    FAIL() << "accepted; expected: " << message;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bad.sxap: " + message), std::string::npos) << e.what();
  }
}

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { for (int i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i)); }
void put16(std::vector<uint8_t>& b, size_t at, uint32_t v) { b[at] = uint8_t(v); b[at + 1] = uint8_t(v >> 8); }
constexpr size_t kCode = 64 + 5 * 4;  // first instruction of small_program

}  // namespace

TEST(rtm_ap_program, RoundTripAndRun) {
  const ap_program p = small_program();
  const auto b = bytes_of(p);
  const ap_program q = parse_ap_program(b.data(), b.size(), "ok.sxap");
  EXPECT_EQ(encode_ap_program(q), b);
  uint8_t x[18];
  for (int i = 0; i < 18; ++i) x[i] = uint8_t((i * 7 + 3) % 16);
  uint8_t y[8] = {};
  ap_counters c;
  run_ap_program(q, x, y, c);
  for (int oy = 0; oy < 2; ++oy)
    for (int ox = 0; ox < 2; ++ox) {
      const int v = x[oy * 3 + ox] + x[(oy + 1) * 3 + ox + 1] - x[oy * 3 + ox + 1];
      EXPECT_EQ(y[oy * 2 + ox], std::clamp(v, 0, 15)) << oy << ox;
      EXPECT_EQ(y[4 + oy * 2 + ox], x[9 + (oy + 1) * 3 + ox]);
    }
  EXPECT_EQ(c.loaded_row_bits, 4u * 4u * 4u);
  EXPECT_GT(c.compares, 0u);
  uint8_t wide[18] = {};
  wide[5] = 16;
  EXPECT_THROW(run_ap_program(q, wide, y, c), std::invalid_argument);
}

TEST(rtm_ap_program, BadProgramsAreRefusedNamingTheField) {
  const auto good = bytes_of(small_program());
  expect_refused(good, [](auto& b) { b.resize(10); }, "size = 10");
  expect_refused(good, [](auto& b) { b[0] = 'X'; }, "magic");
  expect_refused(good, [](auto& b) { put16(b, 4, 2); }, "version = 2");
  expect_refused(good, [](auto& b) { put16(b, 6, 32); }, "header_bytes = 32");
  expect_refused(good, [](auto& b) { put32(b, 8, 99); }, "total_bytes = 99");
  expect_refused(good, [](auto& b) { b.push_back(0); }, "size = ");
  expect_refused(good, [](auto& b) { put16(b, 12, 0); }, "field_count = 0");
  expect_refused(good, [](auto& b) { put32(b, 16, 0); }, "instruction_count = 0");
  expect_refused(good, [](auto& b) { put16(b, 20, 0); }, "in_channels = 0");
  expect_refused(good, [](auto& b) { b[26] = 0; }, "kernel = 0");
  expect_refused(good, [](auto& b) { b[27] = 0; }, "stride = 0");
  expect_refused(good, [](auto& b) { b[28] = 2; }, "pad = 2");
  expect_refused(good, [](auto& b) { b[29] = 9; }, "act_bits = 9");
  expect_refused(good, [](auto& b) { b[30] = 0; }, "out_bits = 0");
  expect_refused(good, [](auto& b) { b[31] = 3; }, "pool = 3");
  expect_refused(good, [](auto& b) { put16(b, 34, 3); }, "out_h = 3");
  expect_refused(good, [](auto& b) { put32(b, 40, 5); }, "rows = 5");
  expect_refused(good, [](auto& b) { put32(b, 44, 22); }, "columns = 22");
  expect_refused(good, [](auto& b) { b[50] = 1; }, "reserved[50] = 1");
  expect_refused(good, [](auto& b) { b[64] = 0; }, "field[0].bits = 0");
  expect_refused(good, [](auto& b) { b[64 + 4 + 1] = 4; }, "field[1].role = 4");
  expect_refused(good, [](auto& b) { b[kCode] = 14; }, "instr[0].op = 14");
  expect_refused(good, [](auto& b) { b[kCode + 1] = 4; }, "instr[0].flags = 4");
  expect_refused(good, [](auto& b) { put32(b, kCode + 8, 2); }, "instr[0].imm.channel (LOAD) = 2");
  expect_refused(good, [](auto& b) { put32(b, kCode + 8, 2u << 16); }, "instr[0].imm.dy (LOAD) = 2");
  expect_refused(good, [](auto& b) { put16(b, kCode + 2, 5); }, "instr[0].dst (LOAD) = 5");
  expect_refused(good, [](auto& b) { put16(b, kCode + 4, 1); }, "instr[0].a (LOAD) = 1");
  expect_refused(good, [](auto& b) { put16(b, kCode + 4 * 12 + 4, 3); }, "instr[4].a (ADD) = 3");
  expect_refused(good, [](auto& b) { put32(b, kCode + 4 * 12 + 8, 7); }, "instr[4].imm (ADD) = 7");
  expect_refused(good, [](auto& b) { put32(b, kCode + 3 * 12 + 8, 1); }, "instr[3].imm (CLEAR) = 1");
  expect_refused(good, [](auto& b) { put32(b, kCode + 8 * 12 + 8, 1); }, "instr[10].imm (STORE) = 1: channel stored twice");
  expect_refused(good, [](auto& b) { put32(b, kCode + 8 * 12 + 8, 2); }, "instr[8].imm (STORE) = 2");
  expect_refused(good, [](auto& b) { put16(b, kCode + 8 * 12 + 4, 3); }, "instr[8].a (STORE) = 3");
  expect_refused(good, [](auto& b) { put16(b, kCode + 7 * 12 + 4, 4); }, "instr[7].a (REQUANT) = 4");
  expect_refused(good, [](auto& b) { b[kCode + 10 * 12] = uint8_t(ap_op::clear); put16(b, kCode + 10 * 12 + 4, 0); put32(b, kCode + 10 * 12 + 8, 0); },
                 "out_channels = 2: channel 1 is never stored");
  EXPECT_THROW(read_ap_program_file("/nonexistent/p.sxap"), std::invalid_argument);
}
