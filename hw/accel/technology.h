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

namespace stoxvp::hw {

// One ADC circuit model: per resolution (index = bits, 1..16) energy and area of one ADC, and
// the time of one conversion.
struct adc_model {
  std::string name;
  std::array<double, 17> energy_pj{};   // per conversion
  std::array<double, 17> area_um2{};    // per ADC
  std::array<double, 17> conversion_ns{};
  std::array<bool, 17> defined{};
  double leakage_mw = 0;                // per ADC
};

// A tile kind's own technology figures: the section "tiles": {"<kind>": {...}} of a technology
// file, parsed by the kind (tile_kind_entry::parse_technology) into its own type.
struct tech_section {
  virtual ~tech_section() = default;
};

struct technology {
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
  // Crossbar arrays (SOT-MRAM cells) and their row drivers.
  double cell_read_energy_fj = 0;     // per active cell (driven row x column) per read
  double cell_area_um2 = 0;
  double read_latency_ns = 0;         // drive one input wave and settle the columns
  double cell_write_energy_pj = 0;    // programming one cell
  double row_write_latency_ns = 0;    // programming one row of an array
  double array_leakage_mw = 0;        // per array
  double row_drive_energy_pj = 0;     // per driven row per input bit
  double row_driver_area_um2 = 0;     // per row
  // Converters.
  adc_model adc;                      // the model the file selects (adc_model)
  double sense_amp_energy_pj = 0, sense_amp_latency_ns = 0, sense_amp_area_um2 = 0, sense_amp_leakage_mw = 0;
  double mtj_write_energy_pj = 0, mtj_write_ns = 0;   // the switching pulse of one sample
  double mtj_read_energy_pj = 0, mtj_read_ns = 0;     // sensing its state
  double mtj_reset_energy_pj = 0, mtj_reset_ns = 0;   // the reset pulse
  double mtj_area_um2 = 0, mtj_leakage_mw = 0;        // per converter (one per column pair)
  // Digital logic.
  double shift_add_energy_pj = 0, shift_add_area_um2 = 0, shift_add_leakage_mw = 0;  // per unit
  double vector_energy_pj_per_op = 0, vector_area_um2 = 0, vector_leakage_mw = 0;
  double digital_mac_energy_pj = 0, digital_mac_area_um2 = 0;  // per 8-bit MAC, per MAC lane
  // Buffers (per bit accessed; area and leakage per KiB of capacity).
  double tile_buffer_energy_pj_per_bit = 0, tile_buffer_latency_ns = 0;
  double tile_buffer_area_um2_per_kib = 0, tile_buffer_leakage_mw_per_kib = 0;
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
