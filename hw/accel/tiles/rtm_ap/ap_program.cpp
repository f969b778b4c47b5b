#include "ap_program.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace stoxvp::hw::rtm_ap {

const char* ap_op_name(uint8_t op) {
  switch (op) {
    case 1: return "LOAD";
    case 2: return "CLEAR";
    case 3: return "ADD";
    case 4: return "SUB";
    case 5: return "ADDC";
    case 6: return "ADD3";
    case 7: return "SUB3";
    case 8: return "COPY";
    case 9: return "COPYROW";
    case 10: return "RELU";
    case 11: return "MAX";
    case 12: return "REQUANT";
    case 13: return "STORE";
    default: return "?";
  }
}

namespace {

uint16_t u16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t u32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
void put16(std::vector<uint8_t>& v, size_t at, uint32_t x) {
  v[at] = uint8_t(x);
  v[at + 1] = uint8_t(x >> 8);
}
void put32(std::vector<uint8_t>& v, size_t at, uint32_t x) {
  for (int i = 0; i < 4; ++i) v[at + i] = uint8_t(x >> (8 * i));
}

struct refuse {
  const std::string& name;
  [[noreturn]] void operator()(const std::string& field, long long value, const std::string& why) const {
    throw std::invalid_argument(name + ": " + field + " = " + std::to_string(value) + ": " + why);
  }
};

}  // namespace

ap_program parse_ap_program(const uint8_t* d, size_t size, const std::string& name) {
  const refuse bad{name};
  if (size < kApHeaderBytes) bad("size", (long long)size, "shorter than the 64-byte header");
  if (std::memcmp(d, kApMagic, 4) != 0) bad("magic", u32(d), "not an AP program (expected 'SXAP')");
  if (u16(d + 4) != kApVersion) bad("version", u16(d + 4), "this reader reads version 1");
  if (u16(d + 6) != kApHeaderBytes) bad("header_bytes", u16(d + 6), "must be 64");
  const uint32_t total = u32(d + 8);
  const uint32_t nf = u16(d + 12);
  if (u16(d + 14) != 0) bad("reserved0", u16(d + 14), "must be 0");
  const uint32_t ni = u32(d + 16);
  if (nf == 0 || nf > kApMaxFields) bad("field_count", nf, "must be 1..4096");
  if (ni == 0 || ni > kApMaxInstructions) bad("instruction_count", ni, "must be 1..4194304");
  const uint64_t want = kApHeaderBytes + uint64_t(nf) * kApFieldBytes + uint64_t(ni) * kApInstrBytes;
  if (total != want) bad("total_bytes", total, "header, field table and code take " + std::to_string(want));
  if (size != want) bad("size", (long long)size, "the file must be total_bytes = " + std::to_string(want) + " long");

  ap_program p;
  p.in_channels = u16(d + 20);
  p.in_h = u16(d + 22);
  p.in_w = u16(d + 24);
  p.kernel = d[26];
  p.stride = d[27];
  p.pad = d[28];
  p.act_bits = d[29];
  p.out_bits = d[30];
  p.pool = d[31];
  p.out_channels = u16(d + 32);
  p.out_h = u16(d + 34);
  p.out_w = u16(d + 36);
  if (u16(d + 38) != 0) bad("reserved1", u16(d + 38), "must be 0");
  p.rows = u32(d + 40);
  p.columns = u32(d + 44);
  for (size_t i = 48; i < 64; ++i)
    if (d[i]) bad("reserved[" + std::to_string(i) + "]", d[i], "must be 0");

  if (p.in_channels == 0) bad("in_channels", 0, "must be at least 1");
  if (p.in_h == 0) bad("in_h", 0, "must be at least 1");
  if (p.in_w == 0) bad("in_w", 0, "must be at least 1");
  if (p.kernel == 0) bad("kernel", 0, "must be at least 1");
  if (p.stride == 0) bad("stride", 0, "must be at least 1");
  if (p.pad >= p.kernel) bad("pad", p.pad, "must be less than the kernel " + std::to_string(p.kernel));
  if (p.act_bits == 0 || p.act_bits > 8) bad("act_bits", p.act_bits, "must be 1..8");
  if (p.out_bits == 0 || p.out_bits > 8) bad("out_bits", p.out_bits, "must be 1..8");
  if (p.pool != 0 && p.pool != 2) bad("pool", p.pool, "must be 0 (none) or 2 (2x2 max)");
  if (p.out_channels == 0) bad("out_channels", 0, "must be at least 1");
  if (p.in_h + 2 * p.pad < p.kernel) bad("kernel", p.kernel, "larger than the padded input height");
  if (p.in_w + 2 * p.pad < p.kernel) bad("kernel", p.kernel, "larger than the padded input width");
  const uint32_t oh = (p.in_h + 2 * p.pad - p.kernel) / p.stride + 1;
  const uint32_t ow = (p.in_w + 2 * p.pad - p.kernel) / p.stride + 1;
  if (p.out_h != oh) bad("out_h", p.out_h, "the convolution gives " + std::to_string(oh));
  if (p.out_w != ow) bad("out_w", p.out_w, "the convolution gives " + std::to_string(ow));
  if (p.pool && (p.out_h < 2 || p.out_w < 2)) bad("pool", p.pool, "an output smaller than 2x2 cannot be pooled");
  if (p.rows != oh * ow) bad("rows", p.rows, "one row per output position: " + std::to_string(oh * ow));

  const uint8_t* ft = d + kApHeaderBytes;
  uint64_t columns = 0;
  for (uint32_t f = 0; f < nf; ++f) {
    const std::string at = "field[" + std::to_string(f) + "]";
    const uint8_t bits = ft[4 * f], role = ft[4 * f + 1];
    if (bits == 0 || bits > 64) bad(at + ".bits", bits, "must be 1..64");
    if (role > 3) bad(at + ".role", role, "must be 0..3 (scratch, activation, accumulator, output)");
    if (u16(ft + 4 * f + 2) != 0) bad(at + ".reserved", u16(ft + 4 * f + 2), "must be 0");
    p.field_bits.push_back(bits);
    p.field_role.push_back(role);
    columns += bits;
  }
  if (p.columns != columns) bad("columns", p.columns, "the fields take " + std::to_string(columns));

  const uint8_t* code = ft + size_t(nf) * kApFieldBytes;
  std::vector<uint32_t> stores(p.out_channels, 0);
  for (uint32_t i = 0; i < ni; ++i) {
    const uint8_t* c = code + size_t(i) * kApInstrBytes;
    ap_instr in{c[0], c[1], u16(c + 2), u16(c + 4), u16(c + 6), int32_t(u32(c + 8))};
    const std::string at = "instr[" + std::to_string(i) + "]";
    if (in.op == 0 || in.op > kApOpLast) bad(at + ".op", in.op, "not an AP operation (1..13)");
    const std::string op = std::string(" (") + ap_op_name(in.op) + ")";
    if (in.flags & ~(kApFlagASigned | kApFlagBSigned)) bad(at + ".flags", in.flags, "only bits 0 and 1 are defined");
    const auto op_e = ap_op(in.op);
    const bool uses_a = op_e != ap_op::load && op_e != ap_op::clear && op_e != ap_op::add_const && op_e != ap_op::relu;
    const bool uses_b = op_e == ap_op::add3 || op_e == ap_op::sub3;
    const bool uses_dst = op_e != ap_op::store;
    if (uses_dst && in.dst >= nf) bad(at + ".dst" + op, in.dst, "no such field");
    if (uses_a && in.a >= nf) bad(at + ".a" + op, in.a, "no such field");
    if (uses_b && in.b >= nf) bad(at + ".b" + op, in.b, "no such field");
    if (!uses_dst && in.dst) bad(at + ".dst" + op, in.dst, "unused, must be 0");
    if (!uses_a && in.a) bad(at + ".a" + op, in.a, "unused, must be 0");
    if (!uses_b && in.b) bad(at + ".b" + op, in.b, "unused, must be 0");
    const unsigned wd = uses_dst ? p.field_bits[in.dst] : 0;
    const unsigned wa = uses_a ? p.field_bits[in.a] : 0;
    switch (op_e) {
      case ap_op::load: {
        const uint32_t ch = uint32_t(in.imm) & 0xffff, dy = (uint32_t(in.imm) >> 16) & 0xff,
                       dx = uint32_t(in.imm) >> 24;
        if (ch >= p.in_channels) bad(at + ".imm.channel" + op, ch, "beyond in_channels " + std::to_string(p.in_channels));
        if (dy >= p.kernel) bad(at + ".imm.dy" + op, dy, "beyond the kernel");
        if (dx >= p.kernel) bad(at + ".imm.dx" + op, dx, "beyond the kernel");
        if (wd < p.act_bits) bad(at + ".dst" + op, in.dst, "narrower than act_bits");
        break;
      }
      case ap_op::add:
      case ap_op::sub:
        if (in.dst == in.a) bad(at + ".a" + op, in.a, "the same field as dst");
        if (in.imm < 0 || unsigned(in.imm) >= wd) bad(at + ".imm" + op, in.imm, "a shift must be below the destination's width");
        break;
      case ap_op::add3:
      case ap_op::sub3:
        if (in.dst == in.a || in.dst == in.b) bad(at + ".dst" + op, in.dst, "an out-of-place operation writes a third field");
        break;
      case ap_op::copy_row:
        if (in.imm == 0 || in.imm <= -int32_t(p.rows) || in.imm >= int32_t(p.rows))
          bad(at + ".imm" + op, in.imm, "a row offset must be non-zero and within the rows");
        break;
      case ap_op::max:
        if (wa > wd) bad(at + ".a" + op, in.a, "wider than dst");
        break;
      case ap_op::requant:
        if (in.dst == in.a) bad(at + ".a" + op, in.a, "the same field as dst");
        if (in.imm < 0 || in.imm > 64) bad(at + ".imm" + op, in.imm, "a shift must be 0..64");
        break;
      case ap_op::store:
        if (in.imm < 0 || in.imm >= p.out_channels) bad(at + ".imm" + op, in.imm, "beyond out_channels");
        if (wa > p.out_bits) bad(at + ".a" + op, in.a, "wider than out_bits");
        if (stores[size_t(in.imm)]++) bad(at + ".imm" + op, in.imm, "channel stored twice");
        break;
      default:
        break;
    }
    if (op_e != ap_op::load && op_e != ap_op::add && op_e != ap_op::sub && op_e != ap_op::add_const &&
        op_e != ap_op::copy_row && op_e != ap_op::requant && op_e != ap_op::store && in.imm != 0)
      bad(at + ".imm" + op, in.imm, "unused, must be 0");
    p.code.push_back(in);
  }
  for (uint32_t ch = 0; ch < p.out_channels; ++ch)
    if (!stores[ch]) bad("out_channels", p.out_channels, "channel " + std::to_string(ch) + " is never stored");
  return p;
}

ap_program read_ap_program_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::invalid_argument(path + ": cannot be opened");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return parse_ap_program(bytes.data(), bytes.size(), path);
}

std::vector<uint8_t> encode_ap_program(const ap_program& p) {
  const size_t nf = p.field_bits.size(), ni = p.code.size();
  std::vector<uint8_t> v(kApHeaderBytes + nf * kApFieldBytes + ni * kApInstrBytes, 0);
  std::memcpy(v.data(), kApMagic, 4);
  put16(v, 4, kApVersion);
  put16(v, 6, kApHeaderBytes);
  put32(v, 8, uint32_t(v.size()));
  put16(v, 12, uint32_t(nf));
  put32(v, 16, uint32_t(ni));
  put16(v, 20, p.in_channels);
  put16(v, 22, p.in_h);
  put16(v, 24, p.in_w);
  v[26] = p.kernel; v[27] = p.stride; v[28] = p.pad; v[29] = p.act_bits; v[30] = p.out_bits; v[31] = p.pool;
  put16(v, 32, p.out_channels);
  put16(v, 34, p.out_h);
  put16(v, 36, p.out_w);
  put32(v, 40, p.rows);
  put32(v, 44, p.columns);
  for (size_t f = 0; f < nf; ++f) {
    v[kApHeaderBytes + 4 * f] = p.field_bits[f];
    v[kApHeaderBytes + 4 * f + 1] = p.field_role[f];
  }
  for (size_t i = 0; i < ni; ++i) {
    const size_t at = kApHeaderBytes + nf * kApFieldBytes + i * kApInstrBytes;
    const ap_instr& in = p.code[i];
    v[at] = in.op;
    v[at + 1] = in.flags;
    put16(v, at + 2, in.dst);
    put16(v, at + 4, in.a);
    put16(v, at + 6, in.b);
    put32(v, at + 8, uint32_t(in.imm));
  }
  return v;
}

void run_ap_program(const ap_program& p, const uint8_t* input, uint8_t* output, ap_counters& counters) {
  const size_t n_in = p.input_count();
  for (size_t i = 0; i < n_in; ++i)
    if (input[i] >> p.act_bits)
      throw std::invalid_argument("input[" + std::to_string(i) + "] = " + std::to_string(input[i]) +
                                  ": wider than act_bits " + std::to_string(p.act_bits));
  ap_array ap(p.rows);
  for (size_t f = 0; f < p.field_bits.size(); ++f) ap.add_field(p.field_bits[f]);
  std::vector<int64_t> gathered(p.rows);
  for (const ap_instr& in : p.code) {
    const bool sa = in.flags & kApFlagASigned, sb = in.flags & kApFlagBSigned;
    switch (ap_op(in.op)) {
      case ap_op::load: {
        // The activation movement: each row receives the input under its window.
        const uint32_t ch = uint32_t(in.imm) & 0xffff, dy = (uint32_t(in.imm) >> 16) & 0xff,
                       dx = uint32_t(in.imm) >> 24;
        for (uint32_t oy = 0; oy < p.out_h; ++oy)
          for (uint32_t ox = 0; ox < p.out_w; ++ox) {
            const long y = long(oy) * p.stride + dy - p.pad, x = long(ox) * p.stride + dx - p.pad;
            gathered[size_t(oy) * p.out_w + ox] =
                y >= 0 && y < p.in_h && x >= 0 && x < p.in_w ? input[(size_t(ch) * p.in_h + size_t(y)) * p.in_w + size_t(x)] : 0;
          }
        ap.load(in.dst, gathered);
        break;
      }
      case ap_op::clear: ap.clear(in.dst); break;
      case ap_op::add: ap.add(in.dst, in.a, unsigned(in.imm), sa); break;
      case ap_op::sub: ap.sub(in.dst, in.a, unsigned(in.imm), sa); break;
      case ap_op::add_const: ap.add_const(in.dst, in.imm); break;
      case ap_op::add3: ap.add3(in.dst, in.a, sa, in.b, sb); break;
      case ap_op::sub3: ap.sub3(in.dst, in.a, sa, in.b, sb); break;
      case ap_op::copy: ap.copy(in.dst, in.a, sa); break;
      case ap_op::copy_row: ap.copy_from_row(in.dst, in.a, in.imm); break;
      case ap_op::relu: ap.relu(in.dst); break;
      case ap_op::max: ap.max(in.dst, in.a); break;
      case ap_op::requant: ap.requantise(in.dst, in.a, unsigned(in.imm)); break;
      case ap_op::store: {
        const std::vector<int64_t> v = ap.read(in.a, false);
        const uint32_t sh = p.stored_h(), sw = p.stored_w(), step = p.pool ? p.pool : 1;
        uint8_t* o = output + size_t(in.imm) * sh * sw;
        for (uint32_t y = 0; y < sh; ++y)
          for (uint32_t x = 0; x < sw; ++x) o[size_t(y) * sw + x] = uint8_t(v[size_t(y * step) * p.out_w + x * step]);
        break;
      }
    }
  }
  counters += ap.counters();
}

}  // namespace stoxvp::hw::rtm_ap
