#include "hw/core/fp_pim_cost.h"

#include <algorithm>
#include <vector>

namespace stoxvp::core {

fp_array_costs::fp_array_costs(const fp_profile& p, uint32_t rows, uint32_t fields, uint32_t blocks)
    : p_(p), rows_(rows), fields_(fields), blocks_(blocks) {}

namespace {
uint64_t pow2_at_least(uint64_t n) {
  uint64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}
}  // namespace

fp_op_cost fp_array_costs::store(uint32_t m, uint32_t k) const {
  // Read out field by field: a transfer of every field's 16 bits from every block.
  fp_op_cost c;
  const uint32_t f = std::min(fields_, m);
  c.latency_ns = transfer_cost(p_, 16u * f, std::min(rows_, k)).latency_ns;
  c.transfer_pj = transfer_cost(p_, 16, 1).energy_pj * double(m) * k;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Costs. Blocks work in parallel; inside a block the programs run one after another, each on
// all its rows at once.

namespace {

struct coster {
  const fp_profile& p;
  fp_op_cost c;
  double lat = 0;  // the running latency of the path being summed
  void steps(const microop_counts& n, uint64_t rows, uint64_t times = 1) {
    const fp_cost s = steps_cost(p, n, rows);
    lat += s.latency_ns * double(times);
    c.array_pj += s.energy_pj * double(times);
  }
  // Energy only (a block running in parallel with the one on the critical path).
  void steps_energy(const microop_counts& n, uint64_t rows, uint64_t times = 1) {
    c.array_pj += steps_cost(p, n, rows).energy_pj * double(times);
  }
  void transfer(unsigned bits, uint64_t rows) {
    const fp_cost s = transfer_cost(p, bits, rows);
    lat += s.latency_ns;
    c.transfer_pj += s.energy_pj;
  }
};

microop_counts writes(uint64_t n) { return {0, 0, 0, 0, n, 0}; }
const microop_counts& mul_steps() {
  static const microop_counts n = bf16_program_counts(bf16_op::mul);
  return n;
}
const microop_counts& add_steps() {
  static const microop_counts n = bf16_program_counts(bf16_op::add);
  return n;
}

}  // namespace

fp_op_cost fp_array_costs::load(uint32_t m, uint32_t k) const {
  coster cs{p_, {}};
  for (uint32_t c0 = 0; c0 < m; c0 += fields_) {
    const uint32_t f = std::min(fields_, m - c0);
    for (uint32_t r0 = 0; r0 < k; r0 += rows_) {
      const uint32_t kr = std::min(rows_, k - r0);
      if (c0 == 0 && r0 == 0) cs.steps(writes(16ull * f), kr);
      else cs.steps_energy(writes(16ull * f), kr);
    }
  }
  cs.c.latency_ns = cs.lat;
  return cs.c;
}

fp_op_cost fp_array_costs::gemv(uint32_t m, uint32_t k) const {
  fp_op_cost total;
  for (uint32_t c0 = 0; c0 < m; c0 += fields_) {
    const uint32_t f = std::min(fields_, m - c0);
    coster cs{p_, {}};
    // x[k] written into row k of every block of the column group; f products per row.
    for (uint32_t r0 = 0; r0 < k; r0 += rows_) {
      const uint32_t kr = std::min(rows_, k - r0);
      if (r0 == 0) {
        cs.steps(writes(16), kr);
        cs.steps(mul_steps(), kr, f);
      } else {
        cs.steps_energy(writes(16), kr);
        cs.steps_energy(mul_steps(), kr, f);
      }
    }
    // The pairwise tree over k: per level, the upper rows' f fields moved onto the lower rows
    // (within a block or block to block, 2 x 16 cycles per field bit either way), then f adds.
    for (uint64_t n = k; n > 1;) {
      const uint64_t h = pow2_at_least(n) / 2, pairs = n - h;
      cs.transfer(16u * f, pairs);
      cs.steps(add_steps(), pairs, f);
      n = h;
    }
    cs.transfer(16u * f, 1);  // y read out of row 0
    total.latency_ns = std::max(total.latency_ns, cs.lat);
    total.array_pj += cs.c.array_pj;
    total.transfer_pj += cs.c.transfer_pj;
  }
  return total;
}

fp_op_cost fp_array_costs::gemv_t(uint32_t m, uint32_t k) const {
  fp_op_cost total;
  const uint32_t groups = (m + fields_ - 1) / fields_;
  for (uint32_t r0 = 0; r0 < k; r0 += rows_) {
    const uint32_t kr = std::min(rows_, k - r0);
    coster cs{p_, {}};
    // d[j] written into field j of every row, f products per row; column groups in parallel.
    for (uint32_t g = 0; g < groups; ++g) {
      const uint32_t f = std::min(fields_, m - g * fields_);
      if (g == 0) {
        cs.steps(writes(16ull * f), kr);
        cs.steps(mul_steps(), kr, f);
      } else {
        cs.steps_energy(writes(16ull * f), kr);
        cs.steps_energy(mul_steps(), kr, f);
      }
    }
    // The pairwise tree over j: pair (j, j + h) adds in the block of j, after a block-to-block
    // transfer when j + h lies in another column group; the blocks' adds run in parallel.
    std::vector<uint64_t> adds(groups);
    for (uint64_t n = m; n > 1;) {
      const uint64_t h = pow2_at_least(n) / 2, pairs = n - h;
      std::fill(adds.begin(), adds.end(), 0);
      bool cross = false;
      for (uint64_t j = 0; j < pairs; ++j) {
        ++adds[j / fields_];
        if ((j + h) / fields_ != j / fields_) {
          cross = true;
          cs.c.transfer_pj += transfer_cost(p_, 16, kr).energy_pj;
        }
      }
      if (cross) cs.lat += transfer_cost(p_, 16, kr).latency_ns;
      cs.lat += steps_cost(p_, add_steps(), kr).latency_ns *
                double(*std::max_element(adds.begin(), adds.end()));
      cs.steps_energy(add_steps(), kr, pairs);
      n = h;
    }
    cs.transfer(16, kr);  // z read out of field 0 of every row
    total.latency_ns = std::max(total.latency_ns, cs.lat);
    total.array_pj += cs.c.array_pj;
    total.transfer_pj += cs.c.transfer_pj;
  }
  return total;
}

fp_op_cost fp_array_costs::update(uint32_t m, uint32_t k) const {
  coster cs{p_, {}};
  for (uint32_t c0 = 0; c0 < m; c0 += fields_) {
    const uint32_t f = std::min(fields_, m - c0);
    for (uint32_t r0 = 0; r0 < k; r0 += rows_) {
      const uint32_t kr = std::min(rows_, k - r0);
      // x[k] into row k, g[j] into field j of every row; per field a product and a sum in place.
      if (c0 == 0 && r0 == 0) {
        cs.steps(writes(16 + 16ull * f), kr);
        cs.steps(mul_steps(), kr, f);
        cs.steps(add_steps(), kr, f);
      } else {
        cs.steps_energy(writes(16 + 16ull * f), kr);
        cs.steps_energy(mul_steps(), kr, f);
        cs.steps_energy(add_steps(), kr, f);
      }
    }
  }
  cs.c.latency_ns = cs.lat;
  return cs.c;
}

fp_op_cost fp_array_costs::elementwise(fp_ew_kind op, uint32_t n) const {
  // Chunks of `rows` elements, one per block, the blocks in parallel rounds.
  const uint64_t chunks = (uint64_t(n) + rows_ - 1) / rows_;
  const uint64_t rounds = (chunks + blocks_ - 1) / blocks_;
  microop_counts prog;
  unsigned operands = 2;
  switch (op) {
    case fp_ew_kind::add: prog = add_steps(); break;
    case fp_ew_kind::mul: prog = mul_steps(); break;
    default:
      // RELU (on a) and RELU_MASK (on b): search the sign bit, search a zero exponent, OR the
      // two tags (2 NOR), write +0 over the 16 bits of a in the tagged rows.
      prog = {2, 0, 0, 2, 16, 0};
      operands = op == fp_ew_kind::relu ? 1 : 2;
  }
  coster cs{p_, {}};
  for (uint64_t c = 0; c < chunks; ++c) {
    const uint64_t r = std::min<uint64_t>(rows_, n - c * rows_);
    microop_counts all = prog;
    all.write += 16ull * operands;
    if (c == 0) {
      cs.steps(all, r, rounds);
      cs.transfer(16, r);
    } else {
      cs.steps_energy(all, r);
      cs.c.transfer_pj += transfer_cost(p_, 16, r).energy_pj;
    }
  }
  cs.c.latency_ns = cs.lat + (rounds - 1) * transfer_cost(p_, 16, rows_).latency_ns;
  return cs.c;
}

}  // namespace stoxvp::core
