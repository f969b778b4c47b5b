#include "hw/core/bf16_microprogram.h"

#include "hw/core/bf16.h"

#include <stdexcept>
#include <string>

namespace stoxvp::core {

// ---------------------------------------------------------------------------------------------
// The block and its primitives.

unsigned pim_block::alloc(unsigned n) {
  const unsigned first = columns();
  for (unsigned i = 0; i < n; ++i) cols_.emplace_back(rows_);
  if (columns() > peak_) peak_ = columns();
  return first;
}

void pim_block::release_to(unsigned mark) {
  if (mark > columns()) throw std::logic_error("pim_block: release above the top");
  cols_.resize(mark);
}

void pim_block::store_word(unsigned first_col, unsigned bits, size_t row, uint64_t v) {
  for (unsigned b = 0; b < bits; ++b) cols_.at(first_col + b).set(row, (v >> b) & 1u);
}

uint64_t pim_block::load_word(unsigned first_col, unsigned bits, size_t row) const {
  uint64_t v = 0;
  for (unsigned b = 0; b < bits; ++b) v |= uint64_t{cols_.at(first_col + b).get(row)} << b;
  return v;
}

// A stateful-logic gate writes a cell other than the ones it reads.
void pim_block::distinct(unsigned out, unsigned a, unsigned b) const {
  if (out == a || out == b)
    throw std::logic_error("pim_block: gate output column " + std::to_string(out) +
                           " is one of its inputs");
}

void pim_block::nor(unsigned a, unsigned b, unsigned out) {
  distinct(out, a, b);
  plane_nor(col(a), col(b), col(out));
  ++n_.nor;
}

void pim_block::init(unsigned c, bool v) {
  col(c).fill(v);
  ++n_.init;
}

void pim_block::copy(unsigned src, unsigned dst) {
  distinct(dst, src, src);
  col(dst) = col(src);
  ++n_.copy;
}

void pim_block::search(const std::vector<unsigned>& cols, uint64_t key, uint64_t mask,
                       unsigned out) {
  std::vector<const bit_plane*> planes;
  planes.reserve(cols.size());
  for (unsigned c : cols) {
    distinct(out, c, c);
    planes.push_back(&col(c));
  }
  cam_compare(planes, key, mask, col(out));
  ++n_.search;
}

void pim_block::write_masked(unsigned src, unsigned dst, unsigned enable) {
  distinct(dst, src, enable);
  plane_select(col(enable), col(src), col(dst), col(dst));
  ++n_.write;
}

void pim_block::write_const(unsigned dst, bool v, unsigned enable) {
  distinct(dst, enable, enable);
  cam_write({&col(dst)}, v ? 1u : 0u, 1u, col(enable));
  ++n_.write;
}

void pim_block::full_add(unsigned a, unsigned b, unsigned carry, unsigned sum) {
  // The sum may be written back into an operand column (the operand is not read again); the
  // carry column is its own.
  if (carry == a || carry == b || carry == sum)
    throw std::logic_error("pim_block: full-add carry column shared");
  full_add_step(col(a), col(b), col(carry), col(sum));
  ++n_.full_add;
}

// ---------------------------------------------------------------------------------------------
// The programs. Field layout of a bf16 word: fraction bits 0-6, exponent 7-14, sign 15.

namespace {

constexpr unsigned kFrac = 7, kExp = 8, kWord = 16;

// Gates composed of NOR, with three scratch columns of their own.
struct gates {
  pim_block& m;
  unsigned t1, t2, t3;
  explicit gates(pim_block& blk) : m(blk), t1(blk.alloc(1)), t2(blk.alloc(1)), t3(blk.alloc(1)) {}
  void not_(unsigned a, unsigned o) { m.nor(a, a, o); }
  void or_(unsigned a, unsigned b, unsigned o) {
    m.nor(a, b, t1);
    m.nor(t1, t1, o);
  }
  void and_(unsigned a, unsigned b, unsigned o) {
    m.nor(a, a, t1);
    m.nor(b, b, t2);
    m.nor(t1, t2, o);
  }
  void xor_(unsigned a, unsigned b, unsigned o) {
    m.nor(a, b, t1);
    m.nor(a, t1, t2);
    m.nor(b, t1, t3);
    m.nor(t2, t3, t1);  // XNOR
    m.nor(t1, t1, o);
  }
};

std::vector<unsigned> range(unsigned first, unsigned n) {
  std::vector<unsigned> v(n);
  for (unsigned i = 0; i < n; ++i) v[i] = first + i;
  return v;
}

// Operand checks shared by both programs: zero (exponent 0: zero or a subnormal read as zero),
// infinity, NaN; the significand with its hidden bit (fraction cleared for a zero).
struct operand_cols {
  unsigned zero, hidden, inf, nan, sig;  // sig: 8 columns
};

operand_cols examine(pim_block& m, gates& g, unsigned w) {
  operand_cols o{};
  o.zero = m.alloc(1);
  o.hidden = m.alloc(1);
  o.inf = m.alloc(1);
  o.nan = m.alloc(1);
  o.sig = m.alloc(kFrac + 1);
  const auto exp = range(w + kFrac, kExp);
  m.search(exp, 0, 0xff, o.zero);
  g.not_(o.zero, o.hidden);
  m.search(range(w, kFrac + kExp), 0x7f80, 0x7fff, o.inf);
  // NaN: exponent all ones and fraction not zero.
  m.search(exp, 0xff, 0xff, g.t3);
  m.nor(g.t3, g.t3, g.t2);                      // not all ones
  m.search(range(w, kFrac), 0, 0x7f, g.t3);     // fraction zero
  m.nor(g.t2, g.t3, o.nan);
  for (unsigned i = 0; i < kFrac; ++i) {
    m.copy(w + i, o.sig + i);
    m.write_const(o.sig + i, false, o.zero);
  }
  m.copy(o.hidden, o.sig + kFrac);
  return o;
}

// Result overrides, in this order: flushed (exponent <= 0), overflowed (exponent >= 255), given
// a 10-bit two's-complement exponent `e`; the sign column of the result is left as it is.
void flush_and_saturate(pim_block& m, gates& g, unsigned e, unsigned r) {
  const auto ecols = range(e, 10);
  const unsigned flag = m.alloc(1);
  m.search(ecols, 0x200, 0x200, g.t2);  // negative
  m.search(ecols, 0, 0x3ff, g.t3);      // zero
  g.or_(g.t2, g.t3, flag);
  for (unsigned i = 0; i < kFrac + kExp; ++i) m.write_const(r + i, false, flag);
  m.search(ecols, 0x100, 0x300, g.t2);  // 256..511
  m.search(ecols, 0xff, 0x3ff, g.t3);   // 255
  g.or_(g.t2, g.t3, flag);
  for (unsigned i = 0; i < kFrac + kExp; ++i) m.write_const(r + i, i >= kFrac, flag);
}

void write_nan(pim_block& m, unsigned flag, unsigned r) {
  for (unsigned i = 0; i < kWord; ++i) m.write_const(r + i, (kBf16CanonicalNaN >> i) & 1u, flag);
}

}  // namespace

void run_bf16_mul(pim_block& m, unsigned a, unsigned b, unsigned r) {
  const unsigned mark = m.columns();
  gates g(m);
  const unsigned zero = m.alloc(1), one = m.alloc(1), c = m.alloc(1);
  m.init(zero, false);
  m.init(one, true);
  const operand_cols oa = examine(m, g, a), ob = examine(m, g, b);
  const unsigned sign = m.alloc(1);
  g.xor_(a + 15, b + 15, sign);

  // Exponent: EA + EB - 127, ten bits of two's complement (-127 = 0x381).
  const unsigned e1 = m.alloc(10), e2 = m.alloc(10);
  m.init(c, false);
  for (unsigned i = 0; i < kExp; ++i) m.full_add(a + kFrac + i, b + kFrac + i, c, e1 + i);
  m.copy(c, e1 + 8);
  m.init(e1 + 9, false);
  m.init(c, false);
  for (unsigned i = 0; i < 10; ++i) m.full_add(e1 + i, ((0x381u >> i) & 1u) ? one : zero, c, e2 + i);

  // Significand product by shift and add: for bit i of B, the partial product A AND B_i is added
  // into the product at weight i; the carry lands in the product's next, still empty, bit.
  const unsigned p = m.alloc(16), nsa = m.alloc(8), pp = m.alloc(8);
  for (unsigned i = 0; i < 16; ++i) m.init(p + i, false);
  for (unsigned j = 0; j < 8; ++j) g.not_(oa.sig + j, nsa + j);
  for (unsigned i = 0; i < 8; ++i) {
    g.not_(ob.sig + i, g.t1);
    for (unsigned j = 0; j < 8; ++j) m.nor(nsa + j, g.t1, pp + j);
    m.init(c, false);
    for (unsigned j = 0; j < 8; ++j) m.full_add(p + i + j, pp + j, c, p + i + j);
    m.copy(c, p + i + 8);
  }

  // Normalise: a product in [2, 4) (bit 15) keeps bits 8-15, else bits 7-14; guard and sticky
  // below. Sticky of the low bits by a running OR.
  const unsigned n = m.alloc(8), gd = m.alloc(1), st = m.alloc(1), q = m.alloc(7);
  m.copy(p, q);
  for (unsigned k = 1; k < 7; ++k) g.or_(q + k - 1, p + k, q + k);  // q+k = OR(p0..pk)
  for (unsigned j = 0; j < 8; ++j) m.copy(p + 7 + j, n + j);
  m.copy(p + 6, gd);
  m.copy(q + 5, st);
  const unsigned h = p + 15;
  for (unsigned j = 0; j < 8; ++j) m.write_masked(p + 8 + j, n + j, h);
  m.write_masked(p + 7, gd, h);
  m.write_masked(q + 6, st, h);
  const unsigned e3 = m.alloc(10);
  m.copy(h, c);
  for (unsigned i = 0; i < 10; ++i) m.full_add(e2 + i, zero, c, e3 + i);

  // Round to nearest even: up when guard and (sticky or the last kept bit).
  const unsigned ru = m.alloc(1), rs = m.alloc(1), sig = m.alloc(8), e4 = m.alloc(10);
  g.or_(st, n, rs);
  g.and_(gd, rs, ru);
  m.copy(ru, c);
  for (unsigned j = 0; j < 8; ++j) m.full_add(n + j, zero, c, sig + j);
  for (unsigned i = 0; i < 10; ++i) m.full_add(e3 + i, zero, c, e4 + i);

  for (unsigned i = 0; i < kFrac; ++i) m.copy(sig + i, r + i);
  for (unsigned i = 0; i < kExp; ++i) m.copy(e4 + i, r + kFrac + i);
  m.copy(sign, r + 15);
  flush_and_saturate(m, g, e4, r);

  // Zero operand: a signed zero. Infinity: a signed infinity. NaN operand or 0 x inf: NaN.
  const unsigned flag = m.alloc(1), inv = m.alloc(1);
  g.or_(oa.zero, ob.zero, flag);
  for (unsigned i = 0; i < kFrac + kExp; ++i) m.write_const(r + i, false, flag);
  g.or_(oa.inf, ob.inf, flag);
  for (unsigned i = 0; i < kFrac + kExp; ++i) m.write_const(r + i, i >= kFrac, flag);
  g.and_(oa.inf, ob.zero, inv);
  g.and_(oa.zero, ob.inf, flag);
  g.or_(inv, flag, g.t3);
  g.or_(oa.nan, ob.nan, inv);
  g.or_(inv, g.t3, flag);
  write_nan(m, flag, r);
  m.release_to(mark);
}

void run_bf16_add(pim_block& m, unsigned a, unsigned b, unsigned r) {
  const unsigned mark = m.columns();
  gates g(m);
  const unsigned zero = m.alloc(1), c = m.alloc(1);
  m.init(zero, false);
  const operand_cols oa = examine(m, g, a), ob = examine(m, g, b);

  // Exponent differences both ways; the carry of EA - EB says which operand leads.
  const unsigned nx = m.alloc(8), d1 = m.alloc(8), d2 = m.alloc(8), swap = m.alloc(1);
  for (unsigned i = 0; i < kExp; ++i) g.not_(b + kFrac + i, nx + i);
  m.init(c, true);
  for (unsigned i = 0; i < kExp; ++i) m.full_add(a + kFrac + i, nx + i, c, d1 + i);
  g.not_(c, swap);  // EA < EB
  for (unsigned i = 0; i < kExp; ++i) g.not_(a + kFrac + i, nx + i);
  m.init(c, true);
  for (unsigned i = 0; i < kExp; ++i) m.full_add(b + kFrac + i, nx + i, c, d2 + i);
  for (unsigned i = 0; i < kExp; ++i) m.write_masked(d2 + i, d1 + i, swap);
  const unsigned diff = d1;

  // Leader (larger exponent) and smaller: significand, exponent and sign of the leader.
  const unsigned ls = m.alloc(8), le = m.alloc(8), lsg = m.alloc(1), ss = m.alloc(8),
                 ssg = m.alloc(1);
  for (unsigned i = 0; i < 8; ++i) m.copy(oa.sig + i, ls + i);
  for (unsigned i = 0; i < kExp; ++i) m.copy(a + kFrac + i, le + i);
  m.copy(a + 15, lsg);
  for (unsigned i = 0; i < 8; ++i) m.copy(ob.sig + i, ss + i);
  m.copy(b + 15, ssg);
  for (unsigned i = 0; i < 8; ++i) m.write_masked(ob.sig + i, ls + i, swap);
  for (unsigned i = 0; i < kExp; ++i) m.write_masked(b + kFrac + i, le + i, swap);
  m.write_masked(b + 15, lsg, swap);
  for (unsigned i = 0; i < 8; ++i) m.write_masked(oa.sig + i, ss + i, swap);
  m.write_masked(a + 15, ssg, swap);

  // Alignment by search (FloatPIM's method): the smaller significand X, with three zero bits
  // below (guard, round, sticky), shifted right by each exponent difference d = 0..10 in the
  // rows whose difference is d; the bits shifted out OR into the sticky bit (a running OR
  // computed once). Differences of 11 or more leave only the sticky bit.
  auto x = [&](unsigned k) { return k < 3 ? zero : ss + (k - 3); };
  const unsigned pre = m.alloc(11), y = m.alloc(11), tag = m.alloc(1);
  m.copy(ss, pre + 3);
  for (unsigned k = 4; k <= 10; ++k) g.or_(pre + k - 1, x(k), pre + k);  // pre+k = OR(X0..Xk)
  for (unsigned j = 0; j < 11; ++j) m.init(y + j, false);
  m.copy(ss + 7, y);
  const auto dcols = range(diff, kExp);
  for (unsigned d = 0; d <= 10; ++d) {
    m.search(dcols, d, 0xff, tag);
    for (unsigned j = 1; j + d <= 10; ++j)
      if (j + d >= 3) m.write_masked(x(j + d), y + j, tag);
    if (d < 3) m.write_const(y, false, tag);
    else m.write_masked(pre + d, y, tag);
  }

  // Add, or subtract (a + ~y + 1) when the signs differ; a negative difference (possible only
  // for equal exponents, where y is exact) is negated and flips the sign.
  const unsigned sub = m.alloc(1), ny = m.alloc(11), z = m.alloc(12);
  g.xor_(lsg, ssg, sub);
  for (unsigned j = 0; j < 11; ++j) g.not_(y + j, ny + j);
  for (unsigned j = 0; j < 11; ++j) m.write_masked(ny + j, y + j, sub);
  m.copy(sub, c);
  for (unsigned j = 0; j < 11; ++j) m.full_add(j < 3 ? zero : ls + (j - 3), y + j, c, z + j);
  const unsigned nsub = m.alloc(1), neg = m.alloc(1), rsign = m.alloc(1);
  g.not_(sub, nsub);
  g.and_(c, nsub, z + 11);  // carry out of an addition
  g.not_(c, g.t3);
  g.and_(g.t3, sub, neg);   // borrow of a subtraction
  for (unsigned j = 0; j < 11; ++j) g.not_(z + j, ny + j);
  m.init(c, true);
  for (unsigned j = 0; j < 11; ++j) m.full_add(ny + j, zero, c, ny + j);
  for (unsigned j = 0; j < 11; ++j) m.write_masked(ny + j, z + j, neg);
  g.xor_(lsg, neg, rsign);

  // Normalise by search: the leading one at bit p (11: carry, 10: in place, below: cancellation)
  // moves to bit 10, and the exponent moves by 10 - p, in the rows where it is at p.
  const unsigned nrm = m.alloc(11), adj = m.alloc(10), zs = m.alloc(1), zsum = m.alloc(1);
  const auto zcols = range(z, 12);
  g.or_(z, z + 1, zs);
  for (int p = 11; p >= 0; --p) {
    const uint64_t key = uint64_t{1} << p, mask = 0xfffu & ~(key - 1);
    m.search(zcols, key, mask, tag);
    if (p == 11) {
      for (unsigned j = 1; j <= 10; ++j) m.write_masked(z + j + 1, nrm + j, tag);
      m.write_masked(zs, nrm, tag);
    } else {
      const unsigned s = 10 - static_cast<unsigned>(p);
      for (unsigned j = 0; j <= 10; ++j) {
        if (j >= s) m.write_masked(z + j - s, nrm + j, tag);
        else m.write_const(nrm + j, false, tag);
      }
    }
    const uint32_t adjust = static_cast<uint32_t>(p - 10) & 0x3ffu;
    for (unsigned i = 0; i < 10; ++i) m.write_const(adj + i, (adjust >> i) & 1u, tag);
  }
  m.search(zcols, 0, 0xfff, zsum);
  const unsigned e1 = m.alloc(10);
  m.init(c, false);
  for (unsigned i = 0; i < 10; ++i) m.full_add(i < kExp ? le + i : zero, adj + i, c, e1 + i);

  // Round to nearest even: guard nrm2, round nrm1, sticky nrm0, last kept bit nrm3.
  const unsigned t = m.alloc(1), ru = m.alloc(1), sig = m.alloc(8), e2 = m.alloc(10);
  g.or_(nrm + 1, nrm, t);
  g.or_(t, nrm + 3, ru);
  g.and_(nrm + 2, ru, t);
  m.copy(t, c);
  for (unsigned j = 0; j < 8; ++j) m.full_add(nrm + 3 + j, zero, c, sig + j);
  for (unsigned i = 0; i < 10; ++i) m.full_add(e1 + i, zero, c, e2 + i);

  for (unsigned i = 0; i < kFrac; ++i) m.copy(sig + i, r + i);
  for (unsigned i = 0; i < kExp; ++i) m.copy(e2 + i, r + kFrac + i);
  m.copy(rsign, r + 15);
  flush_and_saturate(m, g, e2, r);

  // An exact zero sum: +0 unless both addends are -0. Infinities, then NaN (inf - inf).
  const unsigned sz = m.alloc(1), flag = m.alloc(1);
  g.and_(a + 15, b + 15, sz);
  for (unsigned i = 0; i < kFrac + kExp; ++i) m.write_const(r + i, false, zsum);
  m.write_masked(sz, r + 15, zsum);
  for (unsigned i = 0; i < kFrac + kExp; ++i) m.write_const(r + i, i >= kFrac, oa.inf);
  m.write_masked(a + 15, r + 15, oa.inf);
  for (unsigned i = 0; i < kFrac + kExp; ++i) m.write_const(r + i, i >= kFrac, ob.inf);
  m.write_masked(b + 15, r + 15, ob.inf);
  g.xor_(a + 15, b + 15, sz);
  g.and_(oa.inf, ob.inf, t);
  g.and_(t, sz, ru);
  g.or_(oa.nan, ob.nan, t);
  g.or_(t, ru, flag);
  write_nan(m, flag, r);
  m.release_to(mark);
}

}  // namespace stoxvp::core

namespace stoxvp::core {

// The programs above, counted section by section (N_m = 7 fraction bits, N_e = 8 exponent bits,
// significand S = 8, exponents in 10-bit two's complement). The tests execute the programs and
// compare their counters with these.
microop_counts bf16_program_counts(bf16_op op) {
  constexpr uint64_t Nm = kFrac, Ne = kExp, S = Nm + 1, E = 10;
  // Per operand: 4 searches (zero, infinity, exponent all ones, fraction zero), 3 NOR, the
  // fraction copied and cleared for a zero, the hidden bit copied.
  const microop_counts examine{3, 0, Nm + 1, 4, Nm, 0};
  // Flush (exponent negative or zero) and saturate (255 or more): 4 searches, 2 OR, 2 x 15 writes.
  const microop_counts flush{4, 0, 0, 4, 2 * (Nm + Ne), 0};
  microop_counts n = examine * 2;
  n += flush;
  n.copy += 16;  // the result word
  if (op == bf16_op::mul) {
    n.init += 2;                                      // constant columns 0 and 1
    n.nor += 5;                                       // sign XOR
    n += {0, 3, 1, 0, 0, Ne + E};                     // EA + EB - 127
    n += {S + S * (1 + S), 3 * S, S, 0, 0, S * S};    // product: clear, NOT A; per bit of B: AND, add
    n += {2 * 6, 0, 1 + S + 2 + 1, 0, S + 2, E};      // normalise: running OR, pick, exponent
    n += {2 + 3, 0, 1, 0, 0, S + E};                  // round to nearest even
    n += {2 + 2 + 3 + 3 + 2 + 2 + 2, 0, 0, 0, 2 * (Nm + Ne) + 16, 0};  // zero, inf, NaN
  } else {
    constexpr uint64_t W = S + 3;                     // significand with guard, round, sticky
    n.init += 1;                                      // constant column 0
    n += {2 * Ne + 1, 2, 0, 0, Ne, 2 * Ne};           // |EA - EB| and which leads
    n += {0, 0, 2 * S + Ne + 2, 0, 2 * S + Ne + 2, 0};  // leader and smaller by swap
    // Alignment: running OR for the sticky bit, one search per difference 0..10; in the rows
    // found, the bits X[j + d] with 3 <= j + d <= 10 and the sticky bit are written.
    uint64_t align_writes = 0;
    for (uint64_t d = 0; d < W; ++d)
      for (uint64_t j = 1; j + d < W; ++j) align_writes += (j + d >= 3);
    n += {2 * (W - 4), W, 2, W, align_writes + W, 0};
    // Add or subtract, carry and borrow, negation of a negative difference, result sign.
    n += {5 + W + 1 + 3 + 1 + 3 + W + 5, 1, 1, 0, 2 * W, 2 * W};
    // Normalise by one search per leading-one position 11..0 (plus the zero sum): W bits and
    // the 10-bit exponent adjustment written in the rows found; exponent + adjustment.
    n += {2, 1, 0, (W + 1) + 1, (W + 1) * (W + E), E};
    n += {2 + 2 + 3, 0, 1, 0, 0, S + E};              // round to nearest even
    n += {3 + 5 + 3 + 3 + 2 + 2, 0, 0, 0, (Nm + Ne + 1) * 3 + 16, 0};  // zero, inf, NaN
  }
  return n;
}

unsigned bf16_program_scratch_columns(bf16_op op) {
  // Gate temporaries 3; per operand zero, hidden, inf, NaN flags and the 8-bit significand.
  const unsigned common = 3 + 2 * (4 + 8) + 1;  // + the flush/saturate flag
  if (op == bf16_op::mul)
    return common + 3 /*0, 1, carry*/ + 1 /*sign*/ + 20 /*exponents*/ + 32 /*product, NOT A, AND*/ +
           17 /*normalised, guard, sticky, running OR*/ + 10 + 20 /*round, exponents*/ + 2;
  return common + 2 /*0, carry*/ + 25 /*differences, swap*/ + 26 /*leader, smaller*/ +
         23 /*running OR, aligned, tag*/ + 24 /*sub, negation, sum*/ + 3 /*borrow, sign*/ +
         23 /*normalise*/ +
         10 + 20 /*exponent, round*/ + 2;
}

}  // namespace stoxvp::core
