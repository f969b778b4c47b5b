#include "tech_file.h"

#include "hw/accel/operation.h"

#include "common/json_reader.h"

#include <limits>
#include <sstream>
#include <stdexcept>

namespace stoxvp {

extern const char* const kDefaultTechJson;  // generated from configs/tech/default.json

namespace {

using hw::technology;

struct field {
  const char* component;
  const char* name;
  double technology::*member;
};

// Every scalar of the chip-level units a technology file must give (the crossbar kind reads
// its own: tiles/xbar/xbar_technology.cpp).
const field kFields[] = {
    {"vector_unit", "energy_pj_per_op", &technology::vector_energy_pj_per_op},
    {"vector_unit", "area_um2", &technology::vector_area_um2},
    {"vector_unit", "leakage_mw", &technology::vector_leakage_mw},
    {"digital_mac", "energy_pj", &technology::digital_mac_energy_pj},
    {"digital_mac", "area_um2_per_lane", &technology::digital_mac_area_um2},
    {"global_buffer", "energy_pj_per_bit", &technology::global_buffer_energy_pj_per_bit},
    {"global_buffer", "latency_ns", &technology::global_buffer_latency_ns},
    {"global_buffer", "area_um2_per_kib", &technology::global_buffer_area_um2_per_kib},
    {"global_buffer", "leakage_mw_per_kib", &technology::global_buffer_leakage_mw_per_kib},
    {"router", "energy_pj_per_bit", &technology::router_energy_pj_per_bit},
    {"router", "area_um2", &technology::router_area_um2},
    {"router", "leakage_mw", &technology::router_leakage_mw},
    {"router", "hop_latency_ns", &technology::hop_latency_ns},
    {"link", "energy_pj_per_bit_hop", &technology::link_energy_pj_per_bit},
    {"dram", "energy_pj_per_bit", &technology::dram_energy_pj_per_bit},
    {"bus", "energy_pj_per_bit", &technology::bus_energy_pj_per_bit},
    {"cpu", "energy_pj_per_instruction", &technology::cpu_energy_pj_per_instruction},
    {"control", "area_um2", &technology::control_area_um2},
    {"control", "leakage_mw", &technology::control_leakage_mw},
};

constexpr double kInf = std::numeric_limits<double>::infinity();

// The range a value may take, by the unit its field name carries (docs/technology.md). Each
// upper bound is orders of magnitude beyond any published device or circuit figure, and low
// enough that a value times the largest count a run can reach (about 1e15 actions or cycles)
// stays finite: a value like 1e308 is a typing error, not a technology, and would make every
// energy infinite.
struct unit_range {
  const char* token;  // as it appears in field names: "_pj" in "energy_pj_per_bit"
  const char* unit;
  double max;
};
const unit_range kUnits[] = {
    {"_fj", "fJ", 1e6},     // 1 nJ per cell read
    {"_pj", "pJ", 1e6},     // 1 uJ per action or bit
    {"_ns", "ns", 1e6},     // 1 ms per action
    {"_um2", "um^2", 1e11}, // 1000 cm^2, beyond a 300 mm wafer
    {"_mw", "mW", 1e6},     // 1 kW of leakage
};

const unit_range& unit_of(const std::string& name) {
  const std::string n = "_" + name + "_";
  for (const auto& u : kUnits)
    if (n.find(std::string(u.token) + "_") != std::string::npos) return u;
  throw std::logic_error("technology field '" + name + "' names no unit");
}

void check_range(json_object_reader& r, const char* key, const std::string& unit_field, double v,
                 const std::string& what = "value") {
  const unit_range& u = unit_of(unit_field);
  if (v > u.max) {
    std::ostringstream ss;
    ss << what << " " << v << " " << u.unit << " is beyond the " << u.max << " " << u.unit
       << " any technology value in " << u.unit << " may have (docs/technology.md)";
    r.fail(key, ss.str());
  }
}

// What every technology entry ends with: its source (required, not empty) and, optionally, the
// derivation; nothing else may follow.
void read_source(json_object_reader& entry, std::string& source) {
  if (!entry.has("source")) entry.fail("source", "missing: every technology value names its source");
  entry.get("source", source);
  if (source.empty()) entry.fail("source", "is empty");
  std::string derivation;
  entry.get("derivation", derivation);
  entry.finish();
}

// {"value": number >= 0, "source": "...", "derivation": "..." (optional)}
double read_value(json_object_reader& comp, const char* name, std::string& source) {
  if (!comp.has(name)) comp.fail(name, "missing: every technology value must be given, with its source");
  auto v = comp.object(name);
  if (!v.has("value")) v.fail("value", "missing");
  double d = 0;
  v.get("value", d, 0, kInf);
  check_range(v, "value", name, d);
  read_source(v, source);
  return d;
}

// {"per_bits": {"4": number, ...}, "source": "...", "derivation": ...}
void read_table(json_object_reader& comp, const char* name, std::array<double, 17>& out,
                std::array<bool, 17>& defined, std::string& source) {
  if (!comp.has(name)) comp.fail(name, "missing");
  auto t = comp.object(name);
  const nlohmann::json* bits = t.raw("per_bits");
  if (bits == nullptr || !bits->is_object() || bits->empty())
    t.fail("per_bits", "missing: an object from resolution in bits to value");
  for (auto it = bits->begin(); it != bits->end(); ++it) {
    size_t used = 0;
    int b = -1;
    try {
      b = std::stoi(it.key(), &used);
    } catch (const std::exception&) {
    }
    if (used != it.key().size() || b < 1 || b > 16)
      t.fail("per_bits", "key '" + it.key() + "' is not a resolution of 1..16 bits");
    if (!it.value().is_number() || it.value().get<double>() < 0)
      t.fail("per_bits", "value for " + it.key() + " bits, " + it.value().dump() + ", is not a non-negative number");
    check_range(t, "per_bits", name, it.value().get<double>(), "value for " + it.key() + " bits,");
    out[b] = it.value().get<double>();
    defined[b] = true;
  }
  read_source(t, source);
}

}  // namespace

double read_tech_value(json_object_reader& component, const char* name, std::string& source) {
  return read_value(component, name, source);
}

void read_tech_table(json_object_reader& component, const char* name, std::array<double, 17>& out,
                     std::array<bool, 17>& defined, std::string& source) {
  read_table(component, name, out, defined, source);
}

tech_file parse_tech(const nlohmann::json& j, const std::string& origin) {
  tech_file t;
  t.origin = origin;
  t.document = j;
  json_object_reader root(j, origin, "");
  root.get("name", t.tech.name);
  std::string description;
  root.get("description", description);
  if (!root.has("components")) root.fail("components", "missing");
  auto comps = root.object("components");
  // The crossbar kind's figures: its section "tiles": {"xbar": ...}, or in files written before
  // technology sections, the flat "components" object with the root "adc_model" (the same
  // figures under the same names: such files load unchanged).
  const bool xbar_section = j.is_object() && j.contains("tiles") && j["tiles"].is_object() && j["tiles"].contains("xbar");
  if (!xbar_section) hw::parse_xbar_technology(root, comps, t.tech, t.sources);
  // Scalars, component by component, in the order of kFields.
  for (size_t i = 0; i < sizeof kFields / sizeof kFields[0];) {
    const char* comp_name = kFields[i].component;
    if (!comps.has(comp_name)) comps.fail(comp_name, "missing component");
    auto c = comps.object(comp_name);
    for (; i < sizeof kFields / sizeof kFields[0] && std::string(kFields[i].component) == comp_name; ++i)
      t.tech.*(kFields[i].member) =
          read_value(c, kFields[i].name, t.sources[std::string(comp_name) + "." + kFields[i].name]);
    c.finish();
  }
  comps.finish();
  // Sections of tile kinds, each parsed by its kind.
  if (root.has("tiles")) {
    hw::register_builtin_kinds();
    auto tiles = root.object("tiles");
    const nlohmann::json* raw = root.raw("tiles");
    for (auto it = raw->begin(); it != raw->end(); ++it) {
      const hw::tile_kind_entry* kind = hw::operation_registry::instance().find_kind(it.key());
      if (kind == nullptr || !kind->parse_technology)
        tiles.fail(it.key().c_str(), kind ? "the tile kind has no technology section"
                                          : "is no registered tile kind");
      auto section = tiles.object(it.key().c_str());
      std::map<std::string, std::string> sources;
      auto parsed = kind->parse_technology(section, sources);
      section.finish();
      for (auto& [field, source] : sources) t.sources[it.key() + "." + field] = source;
      // The crossbar's figures stay where code written before sections reads them.
      if (const auto* x = dynamic_cast<const hw::xbar_tech_section*>(parsed.get()))
        static_cast<hw::xbar_technology&>(t.tech) = x->values;
      t.tech.kind_sections[it.key()] = std::move(parsed);
    }
    tiles.finish();
  }
  root.finish();
  return t;
}

tech_file load_tech_file(const std::string& path) { return parse_tech(parse_json_file(path), path); }

tech_file default_tech() {
  return parse_tech(parse_json_text(kDefaultTechJson, "<built-in configs/tech/default.json>"),
                    "<built-in configs/tech/default.json>");
}

}  // namespace stoxvp
