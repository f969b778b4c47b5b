#include "ap_array.h"

#include <algorithm>
#include <stdexcept>

namespace stoxvp::hw::rtm_ap {

ap_counters& ap_counters::operator+=(const ap_counters& o) {
  compares += o.compares;
  writes += o.writes;
  searched_row_bits += o.searched_row_bits;
  written_row_bits += o.written_row_bits;
  bit_step_shifts += o.bit_step_shifts;
  realign_shifts += o.realign_shifts;
  shifted_tracks += o.shifted_tracks;
  tag_shifts += o.tag_shifts;
  loaded_row_bits += o.loaded_row_bits;
  read_row_bits += o.read_row_bits;
  row_ops += o.row_ops;
  return *this;
}

ap_array::ap_array(size_t rows) : rows_(rows), flag_(rows), tag_(rows) {
  if (rows == 0) throw std::invalid_argument("an AP array of 0 rows");
}

unsigned ap_array::add_field(unsigned bits, const std::string& name) {
  if (bits == 0 || bits > 64)
    throw std::invalid_argument("AP field '" + name + "' of " + std::to_string(bits) +
                                " bits (1..64)");
  if (fields_.size() >= kFlag) throw std::invalid_argument("too many AP fields");
  fields_.push_back({core::plane_field(rows_, bits), 0, name});
  return static_cast<unsigned>(fields_.size() - 1);
}

unsigned ap_array::bits(unsigned f) const { return field(f).bits(); }

const core::plane_field& ap_array::field(unsigned f) const {
  if (f >= fields_.size()) throw std::logic_error("AP field " + std::to_string(f) + " does not exist");
  return fields_[f].planes;
}

core::bit_plane& ap_array::plane(column c) {
  if (c.field == kFlag) return flag_;
  if (c.field >= fields_.size() || c.bit >= fields_[c.field].planes.bits())
    throw std::logic_error("AP column " + std::to_string(c.field) + "." + std::to_string(c.bit) +
                           " does not exist");
  return fields_[c.field].planes[c.bit];
}

void ap_array::access(column c) {
  if (c.field == kFlag) return;
  auto& f = fields_[c.field];
  const unsigned from = f.port_bit, to = c.bit;
  if (from == to) return;
  const uint64_t steps = from > to ? from - to : to - from;
  if (steps == 1) c_.bit_step_shifts += 1;
  else c_.realign_shifts += steps;
  c_.shifted_tracks += steps * rows_;
  f.port_bit = to;
}

void ap_array::compare(const keyed* keys, size_t n) {
  // The tag starts all-ones and every masked column narrows it: the match lines of a CAM.
  tag_.fill(true);
  uint64_t* t = tag_.data();
  const size_t words = tag_.words();
  for (size_t k = 0; k < n; ++k) {
    access(keys[k].col);
    const uint64_t* p = plane(keys[k].col).data();
    const uint64_t flip = keys[k].value ? 0 : ~uint64_t{0};
    for (size_t i = 0; i < words; ++i) t[i] &= p[i] ^ flip;
  }
  tag_.clear_tail();
  c_.compares += 1;
  c_.searched_row_bits += n * rows_;
  c_.row_ops += rows_;
}

void ap_array::tag_all() { compare(nullptr, 0); }

void ap_array::write(const keyed* w, size_t n) {
  const uint64_t* t = tag_.data();
  const size_t words = tag_.words();
  const uint64_t tagged = tag_.count();
  for (size_t k = 0; k < n; ++k) {
    access(w[k].col);
    uint64_t* p = plane(w[k].col).data();
    if (w[k].value)
      for (size_t i = 0; i < words; ++i) p[i] |= t[i];
    else
      for (size_t i = 0; i < words; ++i) p[i] &= ~t[i];
  }
  c_.writes += 1;
  c_.written_row_bits += n * tagged;
  c_.row_ops += rows_;
}

void ap_array::shift_tag(long k) {
  core::shift_lanes(tag_, k, tag_);
  c_.tag_shifts += 1;
}

// ---- pass tables ----
namespace {

// An operand's bit in a pass: a column, or a constant (an unsigned operand past its width).
struct operand_bit {
  bool is_const;
  bool value;
  ap_array::column col;
};

// One row of a pass table: the values the inputs must match, the values written (-1: none).
struct pass_entry {
  int8_t match[3];
  int8_t write[2];
};

// In-place add B <- A + B, (Cr, B, A) -> (Cr, B): the spec's order, so that no row matches twice.
constexpr pass_entry kAdd[] = {{{0, 1, 1}, {1, 0}}, {{0, 0, 1}, {0, 1}},
                               {{1, 0, 0}, {0, 1}}, {{1, 1, 0}, {1, 0}}};
// In-place subtract B <- B - A, (Bo, B, A) -> (Bo, B).
constexpr pass_entry kSub[] = {{{1, 1, 0}, {0, 0}}, {{0, 0, 1}, {1, 1}},
                               {{1, 0, 0}, {1, 1}}, {{0, 1, 1}, {0, 0}}};
// Out-of-place add C <- A + B on a cleared C, (Cr, A, B) -> (Cr, C). (1,1,1) goes first because
// (0,1,1) turns into it; (1,0,0) turns into (0,0,0), which no later pass matches.
constexpr pass_entry kAdd3[] = {{{1, 1, 1}, {-1, 1}}, {{0, 1, 1}, {1, -1}}, {{1, 0, 0}, {0, 1}},
                                {{0, 0, 1}, {-1, 1}}, {{0, 1, 0}, {-1, 1}}};
// Out-of-place subtract C <- A - B on a cleared C, (Bo, A, B) -> (Bo, C). (0,1,0) goes before
// (1,1,0), which turns into it.
constexpr pass_entry kSub3[] = {{{0, 1, 0}, {-1, 1}}, {{1, 1, 0}, {0, -1}}, {{0, 0, 1}, {1, 1}},
                                {{1, 0, 0}, {-1, 1}}, {{1, 1, 1}, {-1, 1}}};
// The borrow of D - S alone, (F, D, S) -> F: F ends 1 where D < S (unsigned).
constexpr pass_entry kLess[] = {{{0, 0, 1}, {1, -1}}, {{1, 1, 0}, {0, -1}}};
// Copy, (A) -> (B).
constexpr pass_entry kCopy[] = {{{1, -1, -1}, {1, -1}}, {{0, -1, -1}, {0, -1}}};
// Conditional copy where the flag is set, (F, S) -> D.
constexpr pass_entry kCondCopy[] = {{{1, 1, -1}, {1, -1}}, {{1, 0, -1}, {0, -1}}};

}  // namespace

// Runs a pass table on one bit position: entries whose constant inputs disagree are skipped
// (a compiler folds them away), constant inputs leave the compare key.
static void run_table(ap_array& ap, const pass_entry* table, size_t entries,
                      const operand_bit* in, size_t n_in, const ap_array::column* out,
                      size_t n_out) {
  ap_array::keyed keys[3], writes[2];
  for (size_t e = 0; e < entries; ++e) {
    const pass_entry& p = table[e];
    size_t nk = 0;
    bool possible = true;
    for (size_t i = 0; i < n_in; ++i) {
      if (in[i].is_const) {
        if (bool(p.match[i]) != in[i].value) possible = false;
      } else {
        keys[nk++] = {in[i].col, p.match[i] != 0};
      }
    }
    if (!possible) continue;
    size_t nw = 0;
    for (size_t o = 0; o < n_out; ++o)
      if (p.write[o] >= 0) writes[nw++] = {out[o], p.write[o] != 0};
    ap.compare(keys, nk);
    ap.write(writes, nw);
  }
}

namespace {
operand_bit col(unsigned f, unsigned b) { return {false, false, {f, b}}; }
operand_bit konst(bool v) { return {true, v, {0, 0}}; }
}  // namespace

// Bit i of a field read as a wider number: the sign bit (signed) or 0 past the top.
static operand_bit extended(const ap_array& ap, unsigned f, long i, bool is_signed) {
  const long w = ap.bits(f);
  if (i < 0) return konst(false);
  if (i < w) return col(f, static_cast<unsigned>(i));
  return is_signed ? col(f, static_cast<unsigned>(w - 1)) : konst(false);
}

void ap_array::clear(unsigned dst) {
  tag_all();
  for (unsigned b = 0; b < bits(dst); ++b) {
    keyed w{{dst, b}, false};
    write(&w, 1);
  }
}

void ap_array::add(unsigned dst, unsigned src, unsigned shift, bool src_signed) {
  if (src == dst) throw std::logic_error("AP add of a field into itself");
  tag_all();
  keyed z{{kFlag, 0}, false};
  write(&z, 1);
  for (unsigned i = shift; i < bits(dst); ++i) {
    const operand_bit in[3] = {col(kFlag, 0), col(dst, i), extended(*this, src, long(i) - long(shift), src_signed)};
    const column out[2] = {{kFlag, 0}, {dst, i}};
    run_table(*this, kAdd, 4, in, 3, out, 2);
  }
}

void ap_array::sub(unsigned dst, unsigned src, unsigned shift, bool src_signed) {
  if (src == dst) throw std::logic_error("AP subtract of a field from itself");
  tag_all();
  keyed z{{kFlag, 0}, false};
  write(&z, 1);
  for (unsigned i = shift; i < bits(dst); ++i) {
    const operand_bit in[3] = {col(kFlag, 0), col(dst, i), extended(*this, src, long(i) - long(shift), src_signed)};
    const column out[2] = {{kFlag, 0}, {dst, i}};
    run_table(*this, kSub, 4, in, 3, out, 2);
  }
}

void ap_array::add_const(unsigned dst, int64_t c) {
  tag_all();
  keyed z{{kFlag, 0}, false};
  write(&z, 1);
  const uint64_t u = static_cast<uint64_t>(c);
  for (unsigned i = 0; i < bits(dst); ++i) {
    const operand_bit in[3] = {col(kFlag, 0), col(dst, i), konst((u >> std::min(i, 63u)) & 1u)};
    const column out[2] = {{kFlag, 0}, {dst, i}};
    run_table(*this, kAdd, 4, in, 3, out, 2);
  }
}

void ap_array::add3(unsigned dst, unsigned a, bool a_signed, unsigned b, bool b_signed) {
  if (dst == a || dst == b) throw std::logic_error("AP out-of-place add into an operand");
  clear(dst);
  keyed z{{kFlag, 0}, false};
  write(&z, 1);  // the tag is still all-ones from the clear
  for (unsigned i = 0; i < bits(dst); ++i) {
    const operand_bit in[3] = {col(kFlag, 0), extended(*this, a, i, a_signed), extended(*this, b, i, b_signed)};
    const column out[2] = {{kFlag, 0}, {dst, i}};
    run_table(*this, kAdd3, 5, in, 3, out, 2);
  }
}

void ap_array::sub3(unsigned dst, unsigned a, bool a_signed, unsigned b, bool b_signed) {
  if (dst == a || dst == b) throw std::logic_error("AP out-of-place subtract into an operand");
  clear(dst);
  keyed z{{kFlag, 0}, false};
  write(&z, 1);
  for (unsigned i = 0; i < bits(dst); ++i) {
    const operand_bit in[3] = {col(kFlag, 0), extended(*this, a, i, a_signed), extended(*this, b, i, b_signed)};
    const column out[2] = {{kFlag, 0}, {dst, i}};
    run_table(*this, kSub3, 5, in, 3, out, 2);
  }
}

void ap_array::copy(unsigned dst, unsigned src, bool src_signed) {
  if (src == dst) return;
  for (unsigned i = 0; i < bits(dst); ++i) {
    const operand_bit in[1] = {extended(*this, src, i, src_signed)};
    const column out[1] = {{dst, i}};
    run_table(*this, kCopy, 2, in, 1, out, 1);
  }
}

void ap_array::copy_from_row(unsigned dst, unsigned src, long k) {
  for (unsigned i = 0; i < bits(dst); ++i) {
    const operand_bit s = extended(*this, src, i, false);
    for (int v = 1; v >= 0; --v) {
      if (s.is_const) {
        if (s.value != bool(v)) continue;
        tag_all();
      } else {
        keyed key{s.col, v != 0};
        compare(&key, 1);
      }
      shift_tag(k);
      keyed w{{dst, i}, v != 0};
      write(&w, 1);
    }
  }
}

void ap_array::relu(unsigned dst) {
  const unsigned w = bits(dst);
  keyed sign{{dst, w - 1}, true};
  compare(&sign, 1);
  // The tracks sit at the sign bit: clear downwards, one bit step at a time.
  for (unsigned i = w; i-- > 0;) {
    keyed z{{dst, i}, false};
    write(&z, 1);
  }
}

void ap_array::max(unsigned dst, unsigned src) {
  if (bits(src) > bits(dst)) throw std::logic_error("AP max into a narrower field");
  if (src == dst) return;
  tag_all();
  keyed z{{kFlag, 0}, false};
  write(&z, 1);
  for (unsigned i = 0; i < bits(dst); ++i) {
    const operand_bit in[3] = {col(kFlag, 0), col(dst, i), extended(*this, src, i, false)};
    const column out[1] = {{kFlag, 0}};
    run_table(*this, kLess, 2, in, 3, out, 1);
  }
  for (unsigned i = bits(dst); i-- > 0;) {
    const operand_bit in[2] = {col(kFlag, 0), extended(*this, src, i, false)};
    const column out[1] = {{dst, i}};
    run_table(*this, kCondCopy, 2, in, 2, out, 1);
  }
}

void ap_array::requantise(unsigned dst, unsigned src, unsigned shift) {
  const unsigned b = bits(dst), w = bits(src);
  if (src == dst) throw std::logic_error("AP requantise in place");
  // The window of src that becomes the output, then the two clamps.
  for (unsigned i = 0; i < b; ++i) {
    const operand_bit in[1] = {extended(*this, src, long(shift) + i, true)};
    const column out[1] = {{dst, i}};
    run_table(*this, kCopy, 2, in, 1, out, 1);
  }
  // Saturation flag: a positive value with a bit set above the window.
  if (shift + b + 1 < w) {
    tag_all();
    keyed z{{kFlag, 0}, false};
    write(&z, 1);
    for (unsigned j = shift + b; j + 1 < w; ++j) {
      keyed keys[2] = {{{src, j}, true}, {{src, w - 1}, false}};
      compare(keys, 2);
      keyed f{{kFlag, 0}, true};
      write(&f, 1);
    }
    keyed fk{{kFlag, 0}, true};
    compare(&fk, 1);
    for (unsigned i = b; i-- > 0;) {
      keyed one{{dst, i}, true};
      write(&one, 1);
    }
  }
  keyed sign{{src, w - 1}, true};
  compare(&sign, 1);
  for (unsigned i = b; i-- > 0;) {
    keyed zero{{dst, i}, false};
    write(&zero, 1);
  }
}

// ---- movement in and out ----
void ap_array::poke(unsigned f, size_t row, int64_t v) {
  auto& pf = fields_.at(f).planes;
  pf.store(row, static_cast<uint64_t>(v));
}

void ap_array::load(unsigned f, const std::vector<int64_t>& per_row) {
  if (per_row.size() != rows_)
    throw std::logic_error("AP load of " + std::to_string(per_row.size()) + " values into " +
                           std::to_string(rows_) + " rows");
  auto& pf = fields_.at(f).planes;
  for (size_t r = 0; r < rows_; ++r) pf.store(r, static_cast<uint64_t>(per_row[r]));
  c_.loaded_row_bits += uint64_t(pf.bits()) * rows_;
}

int64_t ap_array::value(unsigned f, size_t row, bool is_signed) const {
  const auto& pf = field(f);
  uint64_t v = pf.value(row);
  const unsigned w = pf.bits();
  if (is_signed && w < 64 && ((v >> (w - 1)) & 1u)) v |= ~uint64_t{0} << w;
  return static_cast<int64_t>(v);
}

std::vector<int64_t> ap_array::read(unsigned f, bool is_signed) {
  std::vector<int64_t> out(rows_);
  for (size_t r = 0; r < rows_; ++r) out[r] = value(f, r, is_signed);
  c_.read_row_bits += uint64_t(bits(f)) * rows_;
  return out;
}

}  // namespace stoxvp::hw::rtm_ap
