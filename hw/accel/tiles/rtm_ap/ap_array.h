// The associative processor of a racetrack-memory (RTM) AP tile: a CAM of rows, each row a set
// of bit fields, with per-row tags and a key and mask register. Two primitives do all the work:
// a compare tags every row whose masked bits equal the key, a write stores the key's masked bits
// into every tagged row. Arithmetic is bit-serial and row-parallel: each operation below runs
// the pass table of /work/shared/spec/macros.md section 2 (in-place add and subtract 4 passes
// per bit, out-of-place add 5) literally on bit planes, 64 rows per machine word, so the result
// in every row is what the passes compute, and the counts of compares, writes and shifts are
// exact.
//
// Racetrack geometry (a modelling choice, docs/rtm-ap.md): a field of a row is one nanowire
// whose domains are the field's bits, read and written through one access port. All rows'
// tracks of a field shift together, so reaching bit i of a field whose tracks sit at bit j costs
// |i - j| shift steps for every row: a step of one between consecutive bits of a bit-serial
// operation is a bit-step shift, anything else a realignment. The carry/borrow/flag column is
// a one-domain track and never shifts.
#pragma once

#include "hw/core/bit_plane.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace stoxvp::hw::rtm_ap {

struct ap_counters {
  uint64_t compares = 0;          // compare cycles (the whole array at once)
  uint64_t writes = 0;            // write cycles
  uint64_t searched_row_bits = 0; // rows x masked bits over all compares
  uint64_t written_row_bits = 0;  // tagged rows x masked bits over all writes
  uint64_t bit_step_shifts = 0;   // field shift steps of one between consecutive bits
  uint64_t realign_shifts = 0;    // other field shift steps (back to the LSB, jumps)
  uint64_t shifted_tracks = 0;    // track shift steps: field steps x rows
  uint64_t tag_shifts = 0;        // tag register shifted by rows (neighbour access)
  uint64_t loaded_row_bits = 0;   // bits written from outside (activation loads)
  uint64_t read_row_bits = 0;     // bits read out (stores)
  // One pass over 64 rows = 64 row-operations: the benchmark's unit.
  uint64_t row_ops = 0;
  ap_counters& operator+=(const ap_counters& o);
};

class ap_array {
 public:
  // `rows` CAM rows, fields added with add_field.
  explicit ap_array(size_t rows);

  size_t rows() const { return rows_; }
  // A field of `bits` (1..64) bits in every row; returns its id.
  unsigned add_field(unsigned bits, const std::string& name = {});
  unsigned fields() const { return static_cast<unsigned>(fields_.size()); }
  unsigned bits(unsigned field) const;
  const core::plane_field& field(unsigned f) const;
  const core::bit_plane& flag() const { return flag_; }
  const core::bit_plane& tag() const { return tag_; }

  // Values from outside / to outside (two's complement when `is_signed`): the activation
  // movement of the tile, counted as loaded / read row-bits.
  void load(unsigned f, const std::vector<int64_t>& per_row);
  std::vector<int64_t> read(unsigned f, bool is_signed);
  int64_t value(unsigned f, size_t row, bool is_signed) const;
  // Direct access for tests and the loader, not counted.
  void poke(unsigned f, size_t row, int64_t v);

  // ---- operations built from passes ----
  // dst = 0.
  void clear(unsigned dst);
  // dst += src << shift (in place, 4 passes per bit; 2 where src's bit is a constant 0).
  void add(unsigned dst, unsigned src, unsigned shift = 0, bool src_signed = false);
  // dst -= src << shift (in place, borrow, 4 passes per bit).
  void sub(unsigned dst, unsigned src, unsigned shift = 0, bool src_signed = false);
  // dst += constant (the constant folded into the passes: 2 per bit).
  void add_const(unsigned dst, int64_t c);
  // dst = a + b, dst = a - b (out of place, 5 passes per bit after a clearing write).
  void add3(unsigned dst, unsigned a, bool a_signed, unsigned b, bool b_signed);
  void sub3(unsigned dst, unsigned a, bool a_signed, unsigned b, bool b_signed);
  // dst = src (2 passes per bit).
  void copy(unsigned dst, unsigned src, bool src_signed = false);
  // dst (row r) = src (row r + k); rows whose source lies outside keep dst. Tag shift per pass.
  void copy_from_row(unsigned dst, unsigned src, long k);
  // dst = max(0, dst), dst signed: one compare on the sign, a write per bit.
  void relu(unsigned dst);
  // dst = max(dst, src), both unsigned: the borrow of dst - src into the flag (2 passes per
  // bit), then a conditional copy (2 passes per bit).
  void max(unsigned dst, unsigned src);
  // dst (out_bits, unsigned) = clamp(src >> shift, 0, 2^out_bits - 1), src signed.
  void requantise(unsigned dst, unsigned src, unsigned shift);

  const ap_counters& counters() const { return c_; }
  void reset_counters() { c_ = {}; }

  // One pass: compare on `keys`, then write `writes` into the tagged rows. A column is
  // (field, bit); field kFlag is the carry/borrow/flag column.
  static constexpr unsigned kFlag = 0xffffu;
  struct column { unsigned field, bit; };
  struct keyed { column col; bool value; };
  void compare(const keyed* keys, size_t n);
  void write(const keyed* w, size_t n);
  void tag_all();  // a compare with an empty mask: every row matches
  void shift_tag(long k);

 private:
  core::bit_plane& plane(column c);
  void access(column c);  // moves the field's tracks so that bit c.bit is under the port
  struct field_state { core::plane_field planes; unsigned port_bit = 0; std::string name; };
  size_t rows_;
  std::vector<field_state> fields_;
  core::bit_plane flag_, tag_;
  ap_counters c_;
};

}  // namespace stoxvp::hw::rtm_ap
