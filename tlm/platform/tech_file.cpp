#include "tech_file.h"

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

// Every scalar a technology file must give.
const field kFields[] = {
    {"crossbar", "cell_read_energy_fj", &technology::cell_read_energy_fj},
    {"crossbar", "cell_area_um2", &technology::cell_area_um2},
    {"crossbar", "read_latency_ns", &technology::read_latency_ns},
    {"crossbar", "cell_write_energy_pj", &technology::cell_write_energy_pj},
    {"crossbar", "row_write_latency_ns", &technology::row_write_latency_ns},
    {"crossbar", "leakage_mw_per_array", &technology::array_leakage_mw},
    {"row_driver", "energy_pj_per_bit", &technology::row_drive_energy_pj},
    {"row_driver", "area_um2_per_row", &technology::row_driver_area_um2},
    {"sense_amp", "energy_pj", &technology::sense_amp_energy_pj},
    {"sense_amp", "latency_ns", &technology::sense_amp_latency_ns},
    {"sense_amp", "area_um2", &technology::sense_amp_area_um2},
    {"sense_amp", "leakage_mw", &technology::sense_amp_leakage_mw},
    {"mtj", "write_energy_pj", &technology::mtj_write_energy_pj},
    {"mtj", "write_ns", &technology::mtj_write_ns},
    {"mtj", "read_energy_pj", &technology::mtj_read_energy_pj},
    {"mtj", "read_ns", &technology::mtj_read_ns},
    {"mtj", "reset_energy_pj", &technology::mtj_reset_energy_pj},
    {"mtj", "reset_ns", &technology::mtj_reset_ns},
    {"mtj", "area_um2", &technology::mtj_area_um2},
    {"mtj", "leakage_mw", &technology::mtj_leakage_mw},
    {"shift_add", "energy_pj", &technology::shift_add_energy_pj},
    {"shift_add", "area_um2", &technology::shift_add_area_um2},
    {"shift_add", "leakage_mw", &technology::shift_add_leakage_mw},
    {"vector_unit", "energy_pj_per_op", &technology::vector_energy_pj_per_op},
    {"vector_unit", "area_um2", &technology::vector_area_um2},
    {"vector_unit", "leakage_mw", &technology::vector_leakage_mw},
    {"digital_mac", "energy_pj", &technology::digital_mac_energy_pj},
    {"digital_mac", "area_um2_per_lane", &technology::digital_mac_area_um2},
    {"tile_buffer", "energy_pj_per_bit", &technology::tile_buffer_energy_pj_per_bit},
    {"tile_buffer", "latency_ns", &technology::tile_buffer_latency_ns},
    {"tile_buffer", "area_um2_per_kib", &technology::tile_buffer_area_um2_per_kib},
    {"tile_buffer", "leakage_mw_per_kib", &technology::tile_buffer_leakage_mw_per_kib},
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

hw::adc_model read_adc(json_object_reader& comps, const char* component, std::map<std::string, std::string>& src) {
  if (!comps.has(component)) comps.fail(component, "missing");
  auto c = comps.object(component);
  hw::adc_model m;
  m.name = component;
  std::array<bool, 17> d1{}, d2{}, d3{};
  read_table(c, "energy_pj", m.energy_pj, d1, src[std::string(component) + ".energy_pj"]);
  read_table(c, "area_um2", m.area_um2, d2, src[std::string(component) + ".area_um2"]);
  read_table(c, "conversion_ns", m.conversion_ns, d3, src[std::string(component) + ".conversion_ns"]);
  for (int b = 1; b <= 16; ++b) {
    if (d1[b] != d2[b] || d1[b] != d3[b])
      c.fail("per_bits", "energy_pj, area_um2 and conversion_ns must cover the same resolutions (" +
                             std::to_string(b) + " bits differs)");
    m.defined[b] = d1[b];
  }
  m.leakage_mw = read_value(c, "leakage_mw", src[std::string(component) + ".leakage_mw"]);
  c.finish();
  return m;
}

}  // namespace

tech_file parse_tech(const nlohmann::json& j, const std::string& origin) {
  tech_file t;
  t.origin = origin;
  t.document = j;
  json_object_reader root(j, origin, "");
  root.get("name", t.tech.name);
  std::string adc = "isaac";
  root.get("adc_model", adc);
  if (adc != "isaac" && adc != "neurosim")
    root.fail("adc_model", "\"" + adc + "\" is neither \"isaac\" nor \"neurosim\"");
  std::string description;
  root.get("description", description);
  if (!root.has("components")) root.fail("components", "missing");
  auto comps = root.object("components");
  const hw::adc_model isaac = read_adc(comps, "adc_isaac", t.sources);
  const hw::adc_model neurosim = read_adc(comps, "adc_neurosim", t.sources);
  t.tech.adc = adc == "isaac" ? isaac : neurosim;
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
  root.finish();
  return t;
}

tech_file load_tech_file(const std::string& path) { return parse_tech(parse_json_file(path), path); }

tech_file default_tech() {
  return parse_tech(parse_json_text(kDefaultTechJson, "<built-in configs/tech/default.json>"),
                    "<built-in configs/tech/default.json>");
}

}  // namespace stoxvp
