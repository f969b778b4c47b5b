// Technology files (configs/tech/*.json): every per-action energy, latency, area and leakage
// of the accelerator, each value with its source. Chip-level components under "components";
// a tile kind's own figures under "tiles": {"<kind>": {...}}, parsed by that kind. Strict: a missing field, a negative or
// non-numeric value, a value without a source, or an unknown component or field is refused
// with the file, the field and the value.
#pragma once

#include "hw/accel/technology.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace stoxvp {

struct tech_file {
  hw::technology tech;
  std::string origin;                         // file path, or "<built-in default>"
  std::map<std::string, std::string> sources;  // "mtj.write_energy_pj" -> where it comes from
  nlohmann::json document;                     // the file as read, for reports
};

class json_object_reader;

tech_file load_tech_file(const std::string& path);
tech_file parse_tech(const nlohmann::json& j, const std::string& origin);
// configs/tech/default.json, compiled into the accelerator library.
tech_file default_tech();

// For a tile kind's section parser: one technology value {"value": number >= 0, "source": "...",
// "derivation": "..." (optional)}, strict like every other (range by the unit its name carries).
double read_tech_value(json_object_reader& component, const char* name, std::string& source);
// {"per_bits": {"4": number, ...}, "source": "...", "derivation": ...}: a value per resolution.
void read_tech_table(json_object_reader& component, const char* name, std::array<double, 17>& out,
                     std::array<bool, 17>& defined, std::string& source);

}  // namespace stoxvp
