// The racetrack-memory associative-processor tile kind ("rtm_ap", docs/rtm-ap.md): tiles whose
// CAM rows run AP programs (one ternary layer each, weights folded into the code). Descriptors
// AP_LOAD_PROGRAM, AP_LOAD_ACT, AP_RUN, AP_STORE; technology section "tiles": {"rtm_ap":
// {search, write, shift, read, cell}}; energy components rtm_ap_search, rtm_ap_write,
// rtm_ap_shift and rtm_ap_activation (activations written into and read out of the CAM rows).
#pragma once

#include "ap_program.h"

#include "hw/accel/operation.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace stoxvp::hw {

struct rtm_ap_technology : tech_section {
  double search_energy_pj_per_row_bit = 0, search_latency_ns = 0;
  double write_energy_pj_per_bit = 0, write_latency_ns = 0;
  double shift_energy_pj_per_track_step = 0, shift_latency_ns = 0;
  double read_energy_pj_per_bit = 0, read_latency_ns = 0;
  double cell_area_um2_per_bit = 0, cell_leakage_mw_per_tile = 0;
};

std::shared_ptr<const tech_section> parse_rtm_ap_section(json_object_reader& section,
                                                         std::map<std::string, std::string>& sources);

component rtm_ap_search();
component rtm_ap_write();
component rtm_ap_shift();
component rtm_ap_activation();

class rtm_ap_tile : public tile_base {
 public:
  rtm_ap_tile(sc_core::sc_module_name n, uint32_t index) : tile_base(n, index) {}
  const char* kind() const override { return "rtm_ap"; }
  uint64_t operations() const override { return runs; }
  sc_core::sc_time busy() const override { return busy_time; }

  std::optional<rtm_ap::ap_program> program;
  std::vector<uint8_t> activations, outputs;  // the tile's input and output buffers
  bool ran = false;                           // outputs belong to the loaded activations
  rtm_ap::ap_counters counters;               // over every run
  uint64_t runs = 0;
  sc_core::sc_time busy_time = sc_core::SC_ZERO_TIME;
};

class rtm_ap_group : public tile_group_base {
 public:
  explicit rtm_ap_group(const group_build_args& a);
  const char* kind() const override { return "rtm_ap"; }
  std::vector<tile_base*> tiles() const override;
  void contribute(cost_sheet& s) const override;
  void soft_reset() override;

  uint32_t rows() const { return rows_; }
  uint32_t columns() const { return columns_; }
  const rtm_ap_technology& tech() const { return *tech_; }
  uint32_t tile_count() const { return uint32_t(tiles_.size()); }
  rtm_ap_tile& tile(uint32_t t) { return *tiles_[t]; }
  uint32_t node(uint32_t t) const { return nodes_[t]; }

 private:
  uint32_t rows_ = 0, columns_ = 0;
  const rtm_ap_technology* tech_;
  std::vector<uint32_t> nodes_;
  std::vector<std::unique_ptr<rtm_ap_tile>> tiles_;
};

void register_rtm_ap_kind(operation_registry& r);

}  // namespace stoxvp::hw
