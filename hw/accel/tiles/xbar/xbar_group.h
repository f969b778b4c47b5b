// The crossbar tiles of one group of an accelerator (kind "xbar") and what their operations keep
// between descriptors: the converter banks by layer configuration and the packed input of a layer.
#pragma once

#include "xbar_tile.h"

#include "hw/accel/operation.h"
#include "hw/core/packed_input.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace stoxvp::hw {

// One group of crossbar tiles: a chip may have several, each with its own geometry (the
// configuration's tile_groups[i].xbar) and routers. Arrays are numbered chip-wide over the
// crossbar groups in order (a descriptor's array_base); inside a group from 0.
class xbar_group : public tile_group_base {
 public:
  explicit xbar_group(const group_build_args& a);

  const char* kind() const override { return "xbar"; }
  std::vector<tile_base*> tiles() const override;
  void contribute(cost_sheet& sheet) const override;

  // What its tiles are built with: the chip's configuration with the group's geometry in the
  // one-group fields (tiles = the group's count).
  const accelerator_config& config() const { return cfg_; }
  const std::vector<std::unique_ptr<tile>>& xbar_tiles() const { return tiles_; }
  uint32_t first_tile() const { return first_tile_; }
  uint32_t tile_count() const { return uint32_t(tiles_.size()); }
  uint32_t arrays_per_tile() const { return cfg_.arrays_per_tile; }
  uint32_t total_arrays() const { return tile_count() * cfg_.arrays_per_tile; }
  // `array` counts from the group's first array.
  tile& tile_of(uint32_t array) { return *tiles_[array / cfg_.arrays_per_tile]; }
  uint32_t array_in_tile(uint32_t array) const { return array % cfg_.arrays_per_tile; }
  // The router of the group's tile `t`.
  uint32_t node(uint32_t t) const { return nodes_[t]; }
  // Converters one array is built with (0 for a design without a converter circuit).
  uint32_t converters_per_array() const;

  // Converter banks by layer parameters: a bank tabulates MTJ switching statistics, work done
  // once per distinct layer configuration rather than per invocation.
  std::shared_ptr<const core::converter_bank> converter_for(const std::vector<uint8_t>& raw,
                                                            const core::xbar_layer_shape& shape,
                                                            const core::xbar_mapping& map,
                                                            bool* built = nullptr);
  core::packed_input packed;
  // A layer's tile operations and the input channels each tile needs: kept across
  // descriptors so that a layer of every image does not allocate them again.
  std::vector<tile_op> ops;
  std::vector<std::vector<bool>> channels_needed;

 private:
  const accelerator_config cfg_;  // before tiles_: they keep a reference to it
  const technology& tech_;
  uint32_t first_tile_;
  std::vector<uint32_t> nodes_;
  std::vector<std::unique_ptr<tile>> tiles_;
  std::unordered_map<std::string, std::shared_ptr<const core::converter_bank>> banks_;
  std::string key_;  // the lookup key, built in place for every invocation
};

// Registers the kind and its operations (XBAR_PROGRAM, XBAR_CONV).
void register_xbar_kind(operation_registry& r);

}  // namespace stoxvp::hw
