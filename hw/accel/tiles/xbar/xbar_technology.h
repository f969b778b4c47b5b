// The crossbar kind's technology: SOT-MRAM cells and their row drivers, the converters, the
// shift-add units and the tile buffers. Parsed by the kind from its section of a technology file
// ("tiles": {"xbar": {"adc_model": ..., "components": {...}}}) or, for files written before
// technology sections, from the flat "components" object and the root "adc_model".
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>

namespace stoxvp {
class json_object_reader;
}

namespace stoxvp::hw {

// A tile kind's own technology figures: the section "tiles": {"<kind>": {...}} of a technology
// file, parsed by the kind (tile_kind_entry::parse_technology) into its own type.
struct tech_section {
  virtual ~tech_section() = default;
};

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

struct xbar_technology {
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
  double shift_add_energy_pj = 0, shift_add_area_um2 = 0, shift_add_leakage_mw = 0;  // per unit
  // Tile buffers (per bit accessed; area and leakage per KiB of capacity).
  double tile_buffer_energy_pj_per_bit = 0, tile_buffer_latency_ns = 0;
  double tile_buffer_area_um2_per_kib = 0, tile_buffer_leakage_mw_per_kib = 0;
};

// The kind's section as the technology keeps it (technology::section<xbar_tech_section>("xbar")).
struct xbar_tech_section : tech_section {
  xbar_technology values;
};

// Reads the kind's figures: `adc_model` selects the ADC model ("isaac" or "neurosim"; refused
// otherwise, at `adc_model_owner`'s field "adc_model"), `components` holds the kind's components
// (crossbar, row_driver, adc_isaac, adc_neurosim, sense_amp, mtj, shift_add, tile_buffer); each
// value's source is recorded in `sources` under "<component>.<field>". Strict like every
// technology value; the caller finishes `components` (it may hold other units' components).
void parse_xbar_technology(json_object_reader& adc_model_owner, json_object_reader& components,
                           xbar_technology& out, std::map<std::string, std::string>& sources);

// Parses the section "tiles": {"xbar": {"adc_model": "isaac", "components": {...}}}.
std::shared_ptr<const tech_section> parse_xbar_section(json_object_reader& section,
                                                       std::map<std::string, std::string>& sources);

}  // namespace stoxvp::hw
