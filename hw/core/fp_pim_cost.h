// What a bf16 micro-program costs on one array block, by cost profile: the same steps
// (bf16_microprogram.h) priced by the cell technology. `floatpim` is the ReRAM design of FloatPIM
// (ISCA 2019), where every step is stateful NOR logic (a full-add bit about 13 NOR cycles);
// `sot` is the complementary SOT-MRAM cell of Wang et al. (arXiv 2003.01551), with a native XNOR
// search and a full-add step whose cycles and energy are parameters. The figures come from the
// technology section tiles.fp_pim (hw/accel/tiles/fp_pim/fp_pim_technology.h).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "hw/core/bf16_microprogram.h"

namespace stoxvp::core {

enum class fp_step : unsigned { nor, init, copy, search, write, full_add, count };
inline const char* fp_step_name(fp_step s) {
  static const char* const n[] = {"nor", "init", "copy", "search", "write", "full_add"};
  return n[static_cast<unsigned>(s)];
}

struct fp_step_cost {
  double latency_ns = 0;         // one step, all rows at once
  double energy_fj_per_row = 0;  // per row the step acts on
};

struct fp_profile {
  std::string name;
  std::array<fp_step_cost, static_cast<unsigned>(fp_step::count)> step{};
  double transfer_latency_ns_per_bit = 0;      // block to block, all rows at once
  double transfer_energy_fj_per_row_bit = 0;
  double cell_area_um2 = 0;
  const fp_step_cost& operator[](fp_step s) const { return step[static_cast<unsigned>(s)]; }
  fp_step_cost& operator[](fp_step s) { return step[static_cast<unsigned>(s)]; }
};

struct fp_cost {
  double latency_ns = 0, energy_pj = 0;
  fp_cost& operator+=(const fp_cost& o) {
    latency_ns += o.latency_ns;
    energy_pj += o.energy_pj;
    return *this;
  }
};

// `n` steps executed on a block with `rows` rows working: steps are row-parallel, so latency does
// not depend on rows, energy does.
inline fp_cost steps_cost(const fp_profile& p, const microop_counts& n, uint64_t rows) {
  const uint64_t c[] = {n.nor, n.init, n.copy, n.search, n.write, n.full_add};
  fp_cost r;
  for (unsigned s = 0; s < static_cast<unsigned>(fp_step::count); ++s) {
    r.latency_ns += double(c[s]) * p.step[s].latency_ns;
    r.energy_pj += double(c[s]) * p.step[s].energy_fj_per_row * double(rows) * 1e-3;
  }
  return r;
}

// A field of `bits` bits moved between blocks (or between row halves of one block) in `rows`
// rows: FloatPIM's 2 x bitwidth cycles whatever the number of rows.
inline fp_cost transfer_cost(const fp_profile& p, unsigned bits, uint64_t rows) {
  return {bits * p.transfer_latency_ns_per_bit,
          double(bits) * double(rows) * p.transfer_energy_fj_per_row_bit * 1e-3};
}

// What one operation of the fp_pim kind costs on its arrays: latency (blocks work in parallel,
// programs in one block one after another, each on all its rows at once) and energy by
// component. The layout is the kind's (hw/accel/tiles/fp_pim/fp_pim_group.h): W of M outputs x K
// inputs with input k on row k and output j in field j, K over blocks of `rows` rows, M over
// column groups of `fields` fields.
struct fp_op_cost {
  double latency_ns = 0, array_pj = 0, transfer_pj = 0;
  double energy_pj() const { return array_pj + transfer_pj; }
};

enum class fp_ew_kind { add, mul, relu, relu_mask };

class fp_array_costs {
 public:
  fp_array_costs(const fp_profile& p, uint32_t rows, uint32_t fields, uint32_t blocks);
  fp_op_cost load(uint32_t m, uint32_t k) const;
  fp_op_cost store(uint32_t m, uint32_t k) const;
  fp_op_cost gemv(uint32_t m, uint32_t k) const;     // y = W x, pairwise tree over k
  fp_op_cost gemv_t(uint32_t m, uint32_t k) const;   // z = W^T d, pairwise tree over j
  fp_op_cost update(uint32_t m, uint32_t k) const;   // W += g x^T
  fp_op_cost elementwise(fp_ew_kind op, uint32_t n) const;

 private:
  const fp_profile& p_;
  uint32_t rows_, fields_, blocks_;
};

}  // namespace stoxvp::core
