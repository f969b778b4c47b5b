// Per-action energy, latency, area and leakage of every component of the accelerator. Plain
// data: the platform fills it from a technology file (configs/tech/*.json), where every value
// names its source; an integrator may fill it by hand. Units are in the member names.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "tiles/xbar/xbar_technology.h"

namespace stoxvp::hw {

struct technology : xbar_technology {
  std::string name;
  // Sections of tile kinds, by kind name.
  std::map<std::string, std::shared_ptr<const tech_section>> kind_sections;
  // The section of `kind` as the kind's type; nullptr when the technology has none.
  template <class T>
  const T* section(const std::string& kind) const {
    auto it = kind_sections.find(kind);
    if (it == kind_sections.end()) return nullptr;
    const T* t = dynamic_cast<const T*>(it->second.get());
    if (t == nullptr) throw std::logic_error("technology section '" + kind + "' is not of the kind's type");
    return t;
  }
  // The crossbar kind's figures are the base xbar_technology (tiles/xbar/xbar_technology.h),
  // so tech.mtj_write_energy_pj keeps its spelling; chip-level units' figures follow.
  // Digital logic.
  double vector_energy_pj_per_op = 0, vector_area_um2 = 0, vector_leakage_mw = 0;
  double digital_mac_energy_pj = 0, digital_mac_area_um2 = 0;  // per 8-bit MAC, per MAC lane
  // The global buffer (per bit accessed; area and leakage per KiB of capacity).
  double global_buffer_energy_pj_per_bit = 0, global_buffer_latency_ns = 0;
  double global_buffer_area_um2_per_kib = 0, global_buffer_leakage_mw_per_kib = 0;
  // Network on chip.
  double router_energy_pj_per_bit = 0, router_area_um2 = 0, router_leakage_mw = 0;
  double link_energy_pj_per_bit = 0;  // per bit per hop
  double hop_latency_ns = 0;          // router pipeline per hop
  // Off-chip and system.
  double dram_energy_pj_per_bit = 0;
  double bus_energy_pj_per_bit = 0;
  double cpu_energy_pj_per_instruction = 0;
  double control_area_um2 = 0, control_leakage_mw = 0;  // command processor and DMA engine
};

}  // namespace stoxvp::hw
