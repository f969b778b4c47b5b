#include "config.h"

#include "hw/core/converter.h"
#include "stoxvp_regs.h"
#include "common/json_reader.h"

#include <algorithm>

namespace stoxvp {
namespace {

constexpr uint64_t kMaxMemory = 4ull << 30;  // per region; the host must back it
constexpr double kMinPowerIntervalNs = 1;     // power_trace.interval_ns (docs/configuration.md)

void read_memory(json_object_reader r, memory_region_config& m) {
  r.get("base", m.base);
  r.get("size", m.size, 4096, kMaxMemory);
  r.get("read_latency_ns", m.read_latency_ns, 0, 1e6);
  r.get("write_latency_ns", m.write_latency_ns, 0, 1e6);
  r.get("bandwidth_gbps", m.bandwidth_gbps, 0, 1e6);
  r.finish();
}

nlohmann::json memory_json(const memory_region_config& m) {
  return {{"base", hex_string(m.base)},
          {"size", hex_string(m.size)},
          {"read_latency_ns", m.read_latency_ns},
          {"write_latency_ns", m.write_latency_ns},
          {"bandwidth_gbps", m.bandwidth_gbps}};
}

// "tile_groups": [{"kind": "xbar", "count": 4, "nodes": [0, 1, 2, 3], "xbar": {...}}, ...].
// Geometry a group leaves out is the built-in default's; nodes may be left out only as a whole,
// for the routers right after the previous group's last one.
void read_tile_groups(json_object_reader& o, const nlohmann::json& list, std::vector<hw::tile_group>& groups) {
  if (!list.is_array()) o.fail("tile_groups", "expected an array of tile groups, got " + list.dump());
  uint32_t next_node = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = o.field("tile_groups") + "[" + std::to_string(i) + "]";
    json_object_reader r(list[i], o.file(), at);
    hw::tile_group g;
    r.get("kind", g.kind);
    if (!hw::tile_kind_known(g.kind)) r.fail("kind", "\"" + g.kind + "\" is not one of " + hw::tile_kind_names());
    if (!r.has("count")) r.fail("count", "missing: how many tiles the group has");
    r.get("count", g.count, 1, 4096);
    if (const nlohmann::json* nodes = r.raw("nodes")) {
      if (!nodes->is_array()) r.fail("nodes", "expected an array of NoC nodes, got " + nodes->dump());
      for (size_t t = 0; t < nodes->size(); ++t) {
        const auto& n = (*nodes)[t];
        if (!n.is_number_unsigned() || n.get<uint64_t>() > UINT32_MAX)
          r.fail(("nodes[" + std::to_string(t) + "]").c_str(), "expected a router index, got " + n.dump());
        g.nodes.push_back(n.get<uint32_t>());
      }
    } else {
      for (uint32_t t = 0; t < g.count; ++t) g.nodes.push_back(next_node + t);
    }
    if (!g.nodes.empty()) next_node = *std::max_element(g.nodes.begin(), g.nodes.end()) + 1;
    if (g.kind == "xbar") {
      auto x = r.object("xbar");
      x.get("array_rows", g.xbar.array_rows);
      x.get("array_cols", g.xbar.array_cols);
      x.get("arrays_per_tile", g.xbar.arrays_per_tile);
      x.get("cell_bits", g.xbar.cell_bits);
      x.finish();
    } else if (const nlohmann::json* section = r.raw(g.kind.c_str())) {
      // A registered kind's own section: numbers by name, checked by the kind's factory.
      if (!section->is_object()) r.fail(g.kind.c_str(), "expected an object of the kind's parameters, got " + section->dump());
      for (const auto& [k, v] : section->items()) {
        if (!v.is_number()) r.fail((g.kind + "." + k).c_str(), "expected a number, got " + v.dump());
        g.params[k] = v.get<double>();
      }
    }
    r.finish();
    groups.push_back(std::move(g));
  }
}

nlohmann::json tile_groups_json(const std::vector<hw::tile_group>& groups) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& g : groups) {
    nlohmann::json j = {{"kind", g.kind}, {"count", g.count}, {"nodes", g.nodes}};
    if (g.kind == "xbar")
      j["xbar"] = {{"array_rows", g.xbar.array_rows},
                   {"array_cols", g.xbar.array_cols},
                   {"arrays_per_tile", g.xbar.arrays_per_tile},
                   {"cell_bits", g.xbar.cell_bits}};
    for (const auto& [k, v] : g.params) j[g.kind][k] = v;
    list.push_back(j);
  }
  return list;
}

sc_core::sc_time ns(double v) { return sc_core::sc_time(v, sc_core::SC_NS); }
double in_ns(const sc_core::sc_time& t) { return static_cast<double>(t.value()) / 1000.0; }

std::string converter_name(uint8_t k) { return core::to_string(static_cast<core::converter_kind>(k)); }

uint8_t converter_kind_of(json_object_reader& r, const std::string& name) {
  core::converter_kind k;
  if (core::converter_kind_named(name, k)) return static_cast<uint8_t>(k);
  r.fail("kind", "\"" + name + "\" is not one of " + core::converter_kind_names());
}

void read_ns(json_object_reader& r, const char* key, sc_core::sc_time& t) {
  double v = in_ns(t);
  r.get(key, v, 0, 1e6);
  t = ns(v);
}

}  // namespace

std::string hex_string(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

platform_config parse_platform_config(const nlohmann::json& j, const std::string& origin) {
  platform_config c;
  c.source = origin;
  json_object_reader r(j, origin, "");
  r.get("seed", c.seed);
  r.get("quantum_ns", c.quantum_ns, 1e-3, 1e9);
  {
    auto b = r.object("bus");
    b.get("latency_ns", c.bus_latency_ns, 0, 1e6);
    b.finish();
  }
  read_memory(r.object("sram"), c.sram);
  read_memory(r.object("dram"), c.dram);
  {
    auto o = r.object("console");
    o.get("base", c.console_base);
    o.get("echo", c.console_echo);
    o.finish();
  }
  {
    auto o = r.object("sim_control");
    o.get("base", c.sim_control_base);
    o.finish();
  }
  {
    auto o = r.object("timer");
    o.get("base", c.timer_base);
    o.get("frequency_hz", c.timer_frequency_hz, 1, 4e9);
    o.finish();
  }
  r.get("device_latency_ns", c.device_latency_ns, 0, 1e6);
  {
    auto o = r.object("accelerator");
    auto& a = c.accelerator;
    o.get("base", c.accelerator_base);
    double clock_ghz = 1e3 / static_cast<double>(a.clock_period.value());
    o.get("clock_ghz", clock_ghz, 1e-3, 100);
    a.clock_period = sc_core::sc_time(1.0 / clock_ghz, sc_core::SC_NS);
    read_ns(o, "register_latency_ns", a.register_latency);
    if (const nlohmann::json* groups = o.raw("tile_groups")) {
      // The one-group fields would be ignored beside tile groups: refuse rather than drop them.
      for (const char* legacy : {"array_rows", "array_cols", "tiles", "arrays_per_tile", "cell_bits"})
        if (o.has(legacy))
          o.fail(legacy, "given together with tile_groups: give the geometry in the crossbar group's \"xbar\" object");
      read_tile_groups(o, *groups, a.tile_groups);
    }
    o.get("array_rows", a.array_rows);
    o.get("array_cols", a.array_cols);
    o.get("tiles", a.tiles);
    o.get("arrays_per_tile", a.arrays_per_tile);
    o.get("cell_bits", a.cell_bits);
    {
      auto d = o.object("converter_design");
      std::string kind = converter_name(a.converters.kind);
      d.get("kind", kind);
      a.converters.kind = converter_kind_of(d, kind);
      uint32_t bits = a.converters.adc_bits;
      d.get("adc_bits", bits, 1, 16);
      a.converters.adc_bits = static_cast<uint8_t>(bits);
      d.get("cols_per_converter", a.converters.cols_per_converter);
      d.finish();
    }
    std::string reset = a.mtj_reset_after_switch ? "after_switch" : "always";
    o.get("mtj_reset", reset);
    if (reset != "always" && reset != "after_switch")
      o.fail("mtj_reset", "\"" + reset + "\" is neither \"always\" nor \"after_switch\"");
    a.mtj_reset_after_switch = reset == "after_switch";
    o.get("dma_burst_bytes", a.dma_burst_bytes);
    o.get("dma_outstanding", a.dma_outstanding);
    o.get("digital_macs_per_cycle", a.digital_macs_per_cycle);
    o.get("vector_lanes", a.vector_lanes);
    {
      auto b = o.object("tile_buffer");
      b.get("kib", a.tile_buffer_kib);
      b.get("banks", a.tile_buffer_banks);
      b.get("width_bits", a.tile_buffer_width_bits);
      b.finish();
    }
    {
      auto b = o.object("global_buffer");
      b.get("kib", a.global_buffer_kib);
      b.get("banks", a.global_buffer_banks);
      b.get("width_bits", a.global_buffer_width_bits);
      b.finish();
    }
    o.get("partial_sum_bits", a.partial_sum_bits);
    {
      auto n = o.object("noc");
      n.get("mesh_x", a.noc.mesh_x);
      n.get("mesh_y", a.noc.mesh_y);
      n.get("global_buffer_node", a.noc.global_buffer_node);
      n.get("link_bits", a.noc.link_bits);
      n.finish();
    }
    o.get("max_operand_bytes", a.max_operand_bytes);
    // Ranges and consistency: one check shared with the accelerator's constructor.
    if (const auto problem = hw::check_accelerator_config(a)) o.fail(problem->field.c_str(), problem->problem);
    o.finish();
  }
  {
    auto t = r.object("technology");
    t.get("file", c.technology_file);
    if (!c.technology_file.empty() && c.technology_file[0] != '/') {
      const auto slash = origin.find_last_of('/');
      if (slash != std::string::npos) c.technology_file = origin.substr(0, slash + 1) + c.technology_file;
    }
    t.get("adc_model", c.adc_model);
    if (!c.adc_model.empty() && c.adc_model != "isaac" && c.adc_model != "neurosim")
      t.fail("adc_model", "\"" + c.adc_model + "\" is neither \"isaac\" nor \"neurosim\"");
    t.finish();
  }
  {
    auto p = r.object("power_trace");
    // A bin is kept per interval of simulated time: below a nanosecond (one cycle of a 1 GHz
    // accelerator) bins resolve nothing the VCD does not, and 1 ps bins filled memory and disk.
    p.get("interval_ns", c.power_interval_ns, kMinPowerIntervalNs, 1e9);
    // However long the run, the trace keeps at most max_bins bins (about 50 bytes of memory and
    // 80 of CSV each): past them neighbouring bins merge and the interval doubles.
    p.get("max_bins", c.power_max_bins, 16, 10000000);
    p.finish();
  }
  {
    auto o = r.object("host_cpu");
    o.get("stack_bytes", c.host_cpu_stack_bytes, 64 << 10, 256ull << 20);
    o.finish();
  }
  {
    auto o = r.object("riscv_cpu");
    auto& rc = c.riscv_cpu;
    double mhz = rc.frequency_hz * 1e-6, watchdog_ms = rc.watchdog_ns * 1e-6;
    o.get("frequency_mhz", mhz, 1e-3, 1e5);
    o.get("cpi", rc.cpi, 0.01, 1000);
    o.get("watchdog_ms", watchdog_ms, 0, 1e9);
    o.get("instruction_limit", rc.instruction_limit);
    rc.frequency_hz = mhz * 1e6;
    rc.watchdog_ns = watchdog_ms * 1e6;
    if (rc.cpi / rc.frequency_hz < 1e-12)
      o.fail("cpi", std::to_string(rc.cpi) + " at " + std::to_string(mhz) +
                        " MHz makes an instruction shorter than the 1 ps time resolution");
    o.finish();
  }
  r.finish();
  return c;
}

platform_config load_platform_config(const std::string& path) {
  return parse_platform_config(parse_json_file(path), path);
}

nlohmann::json to_json(const platform_config& c) {
  const auto& a = c.accelerator;
  nlohmann::json j = {
      {"seed", c.seed},
      {"quantum_ns", c.quantum_ns},
      {"bus", {{"latency_ns", c.bus_latency_ns}}},
      {"sram", memory_json(c.sram)},
      {"dram", memory_json(c.dram)},
      {"console", {{"base", hex_string(c.console_base)}, {"echo", c.console_echo}}},
      {"sim_control", {{"base", hex_string(c.sim_control_base)}}},
      {"timer",
       {{"base", hex_string(c.timer_base)}, {"frequency_hz", c.timer_frequency_hz}}},
      {"device_latency_ns", c.device_latency_ns},
      {"accelerator",
       {{"base", hex_string(c.accelerator_base)},
        {"clock_ghz", 1e3 / static_cast<double>(a.clock_period.value())},
        {"register_latency_ns", in_ns(a.register_latency)},
        {"array_rows", a.array_rows},
        {"array_cols", a.array_cols},
        {"tiles", a.tiles},
        {"arrays_per_tile", a.arrays_per_tile},
        {"cell_bits", a.cell_bits},
        {"converter_design", {{"kind", converter_name(a.converters.kind)},
                              {"adc_bits", a.converters.adc_bits},
                              {"cols_per_converter", a.converters.cols_per_converter}}},
        {"mtj_reset", a.mtj_reset_after_switch ? "after_switch" : "always"},
        {"dma_burst_bytes", a.dma_burst_bytes},
        {"dma_outstanding", a.dma_outstanding},
        {"digital_macs_per_cycle", a.digital_macs_per_cycle},
        {"vector_lanes", a.vector_lanes},
        {"tile_buffer", {{"kib", a.tile_buffer_kib}, {"banks", a.tile_buffer_banks}, {"width_bits", a.tile_buffer_width_bits}}},
        {"global_buffer", {{"kib", a.global_buffer_kib}, {"banks", a.global_buffer_banks}, {"width_bits", a.global_buffer_width_bits}}},
        {"partial_sum_bits", a.partial_sum_bits},
        {"noc", {{"mesh_x", a.noc.mesh_x}, {"mesh_y", a.noc.mesh_y}, {"global_buffer_node", a.noc.global_buffer_node},
                 {"link_bits", a.noc.link_bits}}},
        {"max_operand_bytes", a.max_operand_bytes}}},
      {"technology", {{"file", c.technology_file}, {"adc_model", c.adc_model}}},
      {"power_trace", {{"interval_ns", c.power_interval_ns}, {"max_bins", c.power_max_bins}}},
      {"host_cpu", {{"stack_bytes", c.host_cpu_stack_bytes}}},
      {"riscv_cpu", {{"frequency_mhz", c.riscv_cpu.frequency_hz * 1e-6},
                     {"cpi", c.riscv_cpu.cpi},
                     {"watchdog_ms", c.riscv_cpu.watchdog_ns * 1e-6},
                     {"instruction_limit", c.riscv_cpu.instruction_limit}}},
  };
  if (!a.tile_groups.empty()) {
    // As the file said it: the groups, without the one-group fields they replace.
    auto& acc = j["accelerator"];
    for (const char* legacy : {"array_rows", "array_cols", "tiles", "arrays_per_tile", "cell_bits"}) acc.erase(legacy);
    acc["tile_groups"] = tile_groups_json(a.tile_groups);
  }
  return j;
}

}  // namespace stoxvp
