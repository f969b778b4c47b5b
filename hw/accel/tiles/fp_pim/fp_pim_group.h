// The floating-point PIM kind ("fp_pim"): digital PIM arrays that train in bfloat16 inside the
// memory (FloatPIM, ISCA 2019; the SOT-MRAM design of Wang et al., arXiv 2003.01551). A tile is
// a set of array blocks (rows x columns of cells); a tensor (a weight matrix W of M outputs x K
// inputs) is held with input k on row k and output j in a 16-bit field of that row, M split over
// blocks of F fields (F = what a row holds beside the operand and scratch columns of the
// micro-programs), K over blocks of `rows` rows. Every multiply and add runs as the micro-program
// of hw/core/bf16_microprogram.h on all rows of a block at once; the model computes the result
// directly (hw/core/bf16.h) and charges each program's steps at the cost profile's prices.
#pragma once

#include "fp_pim_technology.h"

#include "hw/accel/operation.h"
#include "hw/core/bf16.h"

#include <systemc>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace stoxvp::hw {

struct fp_pim_tile_stats {
  uint64_t operations = 0;       // descriptors the tile took part in
  uint64_t programs = 0;         // bf16 micro-programs run on its blocks (each: all rows)
  sc_core::sc_time busy = sc_core::SC_ZERO_TIME;
};

class fp_pim_tile : public tile_base {
 public:
  fp_pim_tile(sc_core::sc_module_name n, uint32_t index) : tile_base(n, index) {}
  const char* kind() const override { return "fp_pim"; }
  uint64_t operations() const override { return stats.operations; }
  sc_core::sc_time busy() const override { return stats.busy; }
  fp_pim_tile_stats stats;
};

// A tensor held in the arrays.
struct fp_tensor {
  bool loaded = false;
  uint32_t rows = 0, cols = 0;     // M outputs x K inputs
  std::vector<uint16_t> w;         // W[j][k] at j * cols + k
  std::vector<uint32_t> blocks;    // group-wide block indices it occupies
};

using core::fp_op_cost;

class fp_pim_group : public tile_group_base {
 public:
  explicit fp_pim_group(const group_build_args& a);
  const char* kind() const override { return "fp_pim"; }
  std::vector<tile_base*> tiles() const override;
  void contribute(cost_sheet& sheet) const override;
  void soft_reset() override {}  // tensors are non-volatile array contents

  uint32_t rows() const { return rows_; }
  uint32_t columns() const { return columns_; }
  uint32_t blocks_per_tile() const { return blocks_per_tile_; }
  uint32_t total_blocks() const { return blocks_per_tile_ * uint32_t(tiles_.size()); }
  uint32_t free_blocks() const;
  // bf16 fields a block row holds for tensor data: the columns left after the three operand
  // fields and the largest program's scratch columns.
  uint32_t fields_per_row() const { return fields_; }
  const core::fp_profile& profile() const { return *profile_; }
  fp_pim_tile& tile_of_block(uint32_t b) { return *tiles_[b / blocks_per_tile_]; }

  fp_tensor& tensor(uint32_t slot) { return tensors_.at(slot); }
  // Blocks a tensor of M x K needs.
  uint64_t blocks_for(uint32_t m, uint32_t k) const;
  // Gives `t` the blocks an M x K tensor needs (its old ones are released first); false when
  // the arrays do not have that many free.
  bool place(fp_tensor& t, uint32_t m, uint32_t k);

  // Costs of the operations, from the analytic step counts of the programs.
  const core::fp_array_costs& costs() const { return *costs_; }
  fp_op_cost cost_load(uint32_t m, uint32_t k) const { return costs_->load(m, k); }
  fp_op_cost cost_gemv(uint32_t m, uint32_t k) const { return costs_->gemv(m, k); }

  core::bf16_events events;           // flushes, overflows, NaNs met by every operation
  uint64_t bf16_muls = 0, bf16_adds = 0;

 private:
  uint32_t rows_ = 0, columns_ = 0, blocks_per_tile_ = 0, fields_ = 0;
  const core::fp_profile* profile_ = nullptr;
  std::unique_ptr<core::fp_array_costs> costs_;
  std::vector<std::unique_ptr<fp_pim_tile>> tiles_;
  std::vector<bool> block_used_;
  std::array<fp_tensor, STOXVP_FP_TENSORS> tensors_;
};

// The pairwise tree of the FP arithmetic rule (stoxvp_regs.h): sums t[0..n-1] in place, returns
// t[0] (+0 for n = 0).
uint16_t fp_tree_sum(std::vector<uint16_t>& t, core::bf16_events* ev);

void register_fp_pim_kind(operation_registry& r);
component fp_pim_array_component();
component fp_pim_transfer_component();

}  // namespace stoxvp::hw
