// The bfloat16 micro-programs of the floating-point PIM arrays, executed step by step.
//
// An array block holds one operand pair per row; a column is one bit of a field in every row (a
// bit plane). A micro-program is a fixed sequence of whole-column steps, the same for every row
// and independent of the data, so its cost per operation is a constant: the fast model
// (bf16.h) computes the result directly and charges these constants (bf16_program_counts),
// while this mode executes every step on packed bit planes and proves, in tests, that the steps
// compute exactly what the fast model says.
//
// The steps (the primitives the arrays have; what each costs is a cost profile's business):
//   NOR      out = NOR(a, b) in every row (MAGIC-style stateful logic; NOT is NOR(a, a));
//   INIT     a column set to 0 or 1 in every row;
//   COPY     a column copied into another;
//   SEARCH   the rows whose fields equal a key under a mask, latched into a column (a CAM search
//            of the complementary cell, or FloatPIM's search-based alignment);
//   WRITE    one column written on the rows a tag column enables (a masked copy or a masked
//            constant write; one per column written);
//   FULL_ADD one full-add step: sum and carry of two columns and a carry column.
// Gates other than NOR are compositions of NOR (OR 2, AND 3, XOR 5), counted as NORs.
#pragma once

#include <cstdint>
#include <vector>

#include "hw/core/bit_plane.h"

namespace stoxvp::core {

struct microop_counts {
  uint64_t nor = 0, init = 0, copy = 0, search = 0, write = 0, full_add = 0;
  microop_counts& operator+=(const microop_counts& o) {
    nor += o.nor;
    init += o.init;
    copy += o.copy;
    search += o.search;
    write += o.write;
    full_add += o.full_add;
    return *this;
  }
  microop_counts operator*(uint64_t n) const {
    return {nor * n, init * n, copy * n, search * n, write * n, full_add * n};
  }
  bool operator==(const microop_counts& o) const {
    return nor == o.nor && init == o.init && copy == o.copy && search == o.search &&
           write == o.write && full_add == o.full_add;
  }
  uint64_t total() const { return nor + init + copy + search + write + full_add; }
};

enum class bf16_op { mul, add };

// Steps of one micro-program and the scratch columns it needs beyond the 3 x 16 columns of its
// operands and result (the analytic counts, checked against execution in the tests).
microop_counts bf16_program_counts(bf16_op op);
unsigned bf16_program_scratch_columns(bf16_op op);

// An array block in micro-operation mode: `rows` rows, columns allocated as the program needs
// them (scratch columns are released in stack order; the peak is recorded).
class pim_block {
 public:
  explicit pim_block(size_t rows) : rows_(rows) {}
  size_t rows() const { return rows_; }

  unsigned alloc(unsigned n);         // first of n new columns, all 0
  void release_to(unsigned mark);     // frees every column from `mark` on
  unsigned columns() const { return static_cast<unsigned>(cols_.size()); }
  unsigned peak_columns() const { return peak_; }
  bit_plane& col(unsigned c) { return cols_.at(c); }
  const bit_plane& col(unsigned c) const { return cols_.at(c); }

  // Operands in and results out, row by row (the load and store of a tensor, not steps).
  void store_word(unsigned first_col, unsigned bits, size_t row, uint64_t v);
  uint64_t load_word(unsigned first_col, unsigned bits, size_t row) const;

  // The primitives; every call is one counted step.
  void nor(unsigned a, unsigned b, unsigned out);
  void init(unsigned c, bool v);
  void copy(unsigned src, unsigned dst);
  // out = rows where, for each bit i of mask, column cols[i] equals bit i of key.
  void search(const std::vector<unsigned>& cols, uint64_t key, uint64_t mask, unsigned out);
  void write_masked(unsigned src, unsigned dst, unsigned enable);  // dst = src where enabled
  void write_const(unsigned dst, bool v, unsigned enable);         // dst = v where enabled
  void full_add(unsigned a, unsigned b, unsigned carry, unsigned sum);

  const microop_counts& counts() const { return n_; }
  void reset_counts() { n_ = {}; }

 private:
  void distinct(unsigned out, unsigned a, unsigned b) const;
  size_t rows_;
  std::vector<bit_plane> cols_;
  unsigned peak_ = 0;
  microop_counts n_;
};

// The programs: the bf16 words of columns a..a+15, b..b+15 (bit 0 first) combined into
// r..r+15 in every row. Scratch columns are allocated above the current top and released.
void run_bf16_mul(pim_block& blk, unsigned a, unsigned b, unsigned r);
void run_bf16_add(pim_block& blk, unsigned a, unsigned b, unsigned r);

}  // namespace stoxvp::core
