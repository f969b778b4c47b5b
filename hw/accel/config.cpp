#include "config.h"

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
  void rule(bool ok, const char* field, const std::string& problem) {
    if (!first && !ok) first = config_problem{field, problem};
  }
};

std::string in_ps(const sc_core::sc_time& t) {
  std::ostringstream s;
  s << t.to_seconds() * 1e12 << " ps";
  return s.str();
}

}  // namespace

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
  c.rule(routers >= a.tiles, "noc.mesh_x",
         "a " + std::to_string(a.noc.mesh_x) + " x " + std::to_string(a.noc.mesh_y) +
             " mesh has fewer routers than the " + std::to_string(a.tiles) + " tiles");
  c.rule(a.noc.global_buffer_node < routers, "noc.global_buffer_node",
         "node " + std::to_string(a.noc.global_buffer_node) + " is not in the mesh");
  c.range("max_operand_bytes", a.max_operand_bytes, 1, 1ull << 32);
  return c.first;
}

std::vector<tile_group> tile_groups_of(const accelerator_config& cfg) {
  if (!cfg.tile_groups.empty()) return cfg.tile_groups;
  tile_group g;
  g.kind = "xbar";
  g.count = cfg.tiles;
  return {g};
}

}  // namespace stoxvp::hw
