// AP programs: one ternary layer compiled for the associative processor (tools/stoxnet/apc.py
// writes them, docs/ap-program-format.md describes the bytes). The reader checks every field
// before anything is sized from it and refuses a bad program naming the file, the field and its
// value; the executor runs a checked program on an ap_array, instruction by instruction.
#pragma once

#include "ap_array.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace stoxvp::hw::rtm_ap {

constexpr char kApMagic[4] = {'S', 'X', 'A', 'P'};
constexpr uint16_t kApVersion = 1;
constexpr size_t kApHeaderBytes = 64, kApFieldBytes = 4, kApInstrBytes = 12;
constexpr uint32_t kApMaxFields = 4096, kApMaxInstructions = 1u << 22;

enum class ap_op : uint8_t {
  load = 1,      // dst <- input activation (imm: channel [15:0], dy [23:16], dx [31:24])
  clear = 2,     // dst <- 0
  add = 3,       // dst += a << imm
  sub = 4,       // dst -= a << imm
  add_const = 5, // dst += imm
  add3 = 6,      // dst <- a + b
  sub3 = 7,      // dst <- a - b
  copy = 8,      // dst <- a
  copy_row = 9,  // dst (row r) <- a (row r + imm)
  relu = 10,     // dst <- max(0, dst)
  max = 11,      // dst <- max(dst, a), unsigned
  requant = 12,  // dst <- clamp(a >> imm, 0, 2^bits(dst) - 1)
  store = 13,    // output channel imm <- a (the pooled rows when the header asks for pooling)
};
constexpr uint8_t kApOpLast = 13;
const char* ap_op_name(uint8_t op);

constexpr uint8_t kApFlagASigned = 1, kApFlagBSigned = 2;

// What a field holds: the compiler's note, checked only for range.
enum class ap_field_role : uint8_t { scratch = 0, activation = 1, accumulator = 2, output = 3 };

struct ap_instr {
  uint8_t op, flags;
  uint16_t dst, a, b;
  int32_t imm;
};

struct ap_program {
  // The layer: a convolution whose rows are its output positions (out_h x out_w).
  uint16_t in_channels = 0, in_h = 0, in_w = 0;
  uint8_t kernel = 0, stride = 0, pad = 0, act_bits = 0;
  uint8_t out_bits = 0, pool = 0;  // pool: 0 none, 2: 2x2 stride-2 max already in the rows
  uint16_t out_channels = 0, out_h = 0, out_w = 0;
  uint32_t rows = 0, columns = 0;
  std::vector<uint8_t> field_bits, field_role;
  std::vector<ap_instr> code;

  uint32_t stored_h() const { return pool ? out_h / pool : out_h; }
  uint32_t stored_w() const { return pool ? out_w / pool : out_w; }
  size_t input_count() const { return size_t(in_channels) * in_h * in_w; }
  size_t output_count() const { return size_t(out_channels) * stored_h() * stored_w(); }
};

// Throws std::invalid_argument "<name>: <field> = <value>: <why>".
ap_program parse_ap_program(const uint8_t* data, size_t size, const std::string& name);
ap_program read_ap_program_file(const std::string& path);
std::vector<uint8_t> encode_ap_program(const ap_program& p);

// Runs a checked program on an AP array of p.rows rows holding its fields. `input` holds the
// layer's activations CHW (unsigned, act_bits), `output` receives out_channels x stored_h x
// stored_w values CHW. Input values wider than act_bits are refused (std::invalid_argument
// naming the index). The array's counts are added to `counters`.
void run_ap_program(const ap_program& p, const uint8_t* input, uint8_t* output, ap_counters& counters);

}  // namespace stoxvp::hw::rtm_ap
