#include "config.h"

#include "operation.h"

#include <map>
#include <sstream>

namespace stoxvp::hw {
namespace {

// Collects the first problem; later checks are skipped once one is found.
struct checker {
  std::optional<config_problem> first;

  void range(const char* field, uint64_t v, uint64_t min, uint64_t max) {
    if (first || (v >= min && v <= max)) return;
    first = config_problem{field, "value " + std::to_string(v) + " is outside " + std::to_string(min) +
                                      ".." + std::to_string(max)};
  }
  void range(const std::string& field, uint64_t v, uint64_t min, uint64_t max) { range(field.c_str(), v, min, max); }
  void rule(bool ok, const std::string& field, const std::string& problem) {
    if (!first && !ok) first = config_problem{field, problem};
  }
};

std::string in_ps(const sc_core::sc_time& t) {
  std::ostringstream s;
  s << t.to_seconds() * 1e12 << " ps";
  return s.str();
}

// Crossbar tiles and explicitly placed tiles each on a router of their own (as the one-group
// chip has always been; tiles of other kinds placed by default may share one), every kind known,
// every crossbar array reachable by a descriptor's 16-bit array_base.
void check_tile_groups(checker& c, const std::vector<tile_group>& groups, uint64_t routers) {
  c.range("tile_groups", groups.size(), 0, STOXVP_MAX_TILE_GROUPS);
  std::map<uint32_t, std::string> owner;  // node -> the tile on it
  uint64_t tiles = 0, arrays = 0;
  for (size_t i = 0; i < groups.size() && !c.first; ++i) {
    const tile_group& g = groups[i];
    const std::string at = "tile_groups[" + std::to_string(i) + "]";
    c.rule(tile_kind_known(g.kind), at + ".kind", "\"" + g.kind + "\" is not one of " + tile_kind_names());
    c.range(at + ".count", g.count, 1, 4096);
    const bool placed = !g.nodes.empty();
    c.rule(!placed || g.nodes.size() == g.count, at + ".nodes",
           std::to_string(g.nodes.size()) + " nodes for a count of " + std::to_string(g.count) +
               " tiles (one router per tile)");
    // Without nodes, tile t of the chip sits on router t mod routers: crossbar tiles must not wrap.
    c.rule(placed || g.kind != "xbar" || tiles + g.count <= routers, at + ".count",
           std::to_string(g.count) + " crossbar tiles from tile " + std::to_string(tiles) + " without 'nodes': a mesh of " +
               std::to_string(routers) + " routers has no router of its own for each (give 'nodes' or a larger mesh)");
    for (uint32_t t = 0; t < g.count && !c.first && (placed || g.kind == "xbar"); ++t) {
      const std::string field = at + ".nodes[" + std::to_string(t) + "]";
      const uint32_t n = placed ? g.nodes[t] : uint32_t(tiles + t);
      c.rule(n < routers, field, "node " + std::to_string(n) + " is not in the mesh (" + std::to_string(routers) + " routers)");
      const std::string me = "tile " + std::to_string(t) + " of " + at;
      const auto [it, fresh] = owner.emplace(n, me);
      c.rule(fresh, placed ? field : at + ".count", "node " + std::to_string(n) + " already holds " + it->second);
    }
    if (g.kind == "xbar") {
      c.range(at + ".xbar.array_rows", g.xbar.array_rows, 1, 4096);
      c.range(at + ".xbar.array_cols", g.xbar.array_cols, 2, 4096);
      c.range(at + ".xbar.arrays_per_tile", g.xbar.arrays_per_tile, 1, 4096);
      c.range(at + ".xbar.cell_bits", g.xbar.cell_bits, 1, 7);
      arrays += uint64_t(g.count) * g.xbar.arrays_per_tile;
      c.rule(arrays <= 65536, at + ".count",
             std::to_string(arrays) + " crossbar arrays up to this group: a descriptor's array_base reaches 65536");
    }
    tiles += g.count;
    c.rule(tiles <= 4096, at + ".count", "the groups have " + std::to_string(tiles) + " tiles, more than 4096");
  }
}

}  // namespace

uint32_t tile_kind_id(const std::string& name) {
#define STOXVP_X_TK(kname, id, cfg_name, doc) \
  if (name == cfg_name) return id;
  STOXVP_TILE_KINDS(STOXVP_X_TK)
#undef STOXVP_X_TK
  return 0;
}

bool tile_kind_known(const std::string& name) {
  return tile_kind_id(name) != 0 || operation_registry::instance().find_kind(name) != nullptr;
}

std::string tile_kind_names() {
  std::string s;
#define STOXVP_X_TK(kname, id, cfg_name, doc) s += std::string(s.empty() ? "" : ", ") + cfg_name;
  STOXVP_TILE_KINDS(STOXVP_X_TK)
#undef STOXVP_X_TK
  for (const std::string& k : operation_registry::instance().kinds())
    if (tile_kind_id(k) == 0) s += (s.empty() ? "" : ", ") + k;
  return s;
}

std::vector<tile_group> tile_groups_of(const accelerator_config& cfg) {
  if (!cfg.tile_groups.empty()) {
    std::vector<tile_group> v = cfg.tile_groups;
    const uint32_t routers = cfg.noc.mesh_x * cfg.noc.mesh_y;
    uint32_t first = 0;
    for (tile_group& g : v) {
      if (g.nodes.empty())
        for (uint32_t t = 0; t < g.count; ++t) g.nodes.push_back(routers ? (first + t) % routers : 0);
      first += g.count;
    }
    return v;
  }
  tile_group g;
  g.kind = "xbar";
  g.count = cfg.tiles;
  for (uint32_t t = 0; t < cfg.tiles; ++t) g.nodes.push_back(t);
  g.xbar = {cfg.array_rows, cfg.array_cols, cfg.arrays_per_tile, cfg.cell_bits};
  return {g};
}

accelerator_config xbar_group_config(const accelerator_config& cfg, const tile_group& g) {
  accelerator_config c = cfg;
  c.tile_groups.clear();
  c.array_rows = g.xbar.array_rows;
  c.array_cols = g.xbar.array_cols;
  c.arrays_per_tile = g.xbar.arrays_per_tile;
  c.cell_bits = g.xbar.cell_bits;
  c.tiles = g.count;
  return c;
}

std::optional<config_problem> check_accelerator_config(const accelerator_config& a) {
  checker c;
  // 0.001..100 GHz, as the file's clock_ghz; a zero period would make every cycle count 0/0.
  const sc_core::sc_time fastest(10, sc_core::SC_PS), slowest(1, sc_core::SC_US);
  c.rule(a.clock_period >= fastest && a.clock_period <= slowest, "clock_ghz",
         "a clock period of " + in_ps(a.clock_period) + " is outside 10 ps..1 us (0.001..100 GHz)");
  c.rule(a.register_latency <= sc_core::sc_time(1, sc_core::SC_MS), "register_latency_ns",
         "value " + in_ps(a.register_latency) + " is outside 0..1e6 ns");
  c.range("array_rows", a.array_rows, 1, 4096);
  c.range("array_cols", a.array_cols, 2, 4096);
  c.range("tiles", a.tiles, 1, 4096);
  c.range("arrays_per_tile", a.arrays_per_tile, 1, 4096);
  c.range("cell_bits", a.cell_bits, 1, 7);
  c.range("converter_design.kind", a.converters.kind, 0, 4);
  c.range("converter_design.adc_bits", a.converters.adc_bits, 1, 16);
  c.range("converter_design.cols_per_converter", a.converters.cols_per_converter, 1, 4096);
  c.range("dma_burst_bytes", a.dma_burst_bytes, 4, 1u << 20);
  c.range("dma_outstanding", a.dma_outstanding, 1, 256);
  c.range("digital_macs_per_cycle", a.digital_macs_per_cycle, 1, 1u << 20);
  c.range("vector_lanes", a.vector_lanes, 1, 1u << 16);
  c.range("tile_buffer.kib", a.tile_buffer_kib, 1, 1u << 20);
  c.range("tile_buffer.banks", a.tile_buffer_banks, 1, 1024);
  c.range("tile_buffer.width_bits", a.tile_buffer_width_bits, 8, 1u << 16);
  c.range("global_buffer.kib", a.global_buffer_kib, 1, 1u << 24);
  c.range("global_buffer.banks", a.global_buffer_banks, 1, 1024);
  c.range("global_buffer.width_bits", a.global_buffer_width_bits, 8, 1u << 16);
  c.range("partial_sum_bits", a.partial_sum_bits, 8, 64);
  c.range("noc.mesh_x", a.noc.mesh_x, 1, 1024);
  c.range("noc.mesh_y", a.noc.mesh_y, 1, 1024);
  c.range("noc.global_buffer_node", a.noc.global_buffer_node, 0, 1u << 20);
  c.range("noc.link_bits", a.noc.link_bits, 1, 1u << 16);
  const uint64_t routers = uint64_t(a.noc.mesh_x) * a.noc.mesh_y;
  if (a.tile_groups.empty())
    c.rule(routers >= a.tiles, "noc.mesh_x",
           "a " + std::to_string(a.noc.mesh_x) + " x " + std::to_string(a.noc.mesh_y) +
               " mesh has fewer routers than the " + std::to_string(a.tiles) + " tiles");
  check_tile_groups(c, a.tile_groups, routers);
  c.rule(a.noc.global_buffer_node < routers, "noc.global_buffer_node",
         "node " + std::to_string(a.noc.global_buffer_node) + " is not in the mesh");
  c.range("max_operand_bytes", a.max_operand_bytes, 1, 1ull << 32);
  return c.first;
}

}  // namespace stoxvp::hw
