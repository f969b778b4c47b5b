// Parameters of one accelerator instance: its architecture (sizes, counts, widths, placement).
// What each action costs in energy and time is the technology's (technology.h). Defaults are
// the brief's (NeuroSim V1.4: 128x128 arrays, 1 GHz), so an integrator can instantiate the
// model without a configuration file.
#pragma once

#include "noc.h"
#include "stoxvp_regs.h"

#include <systemc>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stoxvp::hw {

// Geometry of the tiles of one crossbar ("xbar") group.
struct xbar_group_params {
  uint32_t array_rows = 128;
  uint32_t array_cols = 128;
  uint32_t arrays_per_tile = 8;
  uint32_t cell_bits = 4;  // bits one crossbar cell stores (the widest weight slice)
};

// A group of tiles of one kind (a kind registered in operation.h; the register map's
// STOXVP_TILE_KINDS names those software can discover): consecutive tile indices.
struct tile_group {
  std::string kind = "xbar";
  uint32_t count = 0;
  // Router of each tile (count entries; empty: tile t of the chip on router t mod routers).
  // Crossbar tiles and explicitly placed tiles each have a router of their own.
  std::vector<uint32_t> nodes;
  xbar_group_params xbar;       // kind "xbar"
  // Parameters of kinds without a typed section here, by name (the kind's factory reads and
  // checks them).
  std::map<std::string, double> params;
};

// The converter the chip is built with: what its area and leakage count. (Each layer's
// descriptor chooses how its partial sums are converted; the energy follows that choice.)
struct built_converters {
  uint8_t kind = STOXVP_CONV_MTJ;   // STOXVP_CONV_*
  uint8_t adc_bits = 8;
  uint32_t cols_per_converter = 1;  // column pairs sharing one converter
};

struct accelerator_config {
  sc_core::sc_time clock_period{1, sc_core::SC_NS};       // 1 GHz
  sc_core::sc_time register_latency{2, sc_core::SC_NS};   // per register access
  // A chip of one crossbar group (what every configuration before tile groups describes):
  // its geometry, used when tile_groups is empty. Tile t sits on router t.
  uint32_t array_rows = 128;
  uint32_t array_cols = 128;
  uint32_t tiles = 16;
  uint32_t arrays_per_tile = 8;
  uint32_t cell_bits = 4;  // bits one crossbar cell stores (the widest weight slice)
  // A heterogeneous chip: its groups in tile order. Empty: one group of `tiles` crossbar tiles
  // with the geometry above (what every configuration before tile groups describes).
  // Non-empty: the five fields above are not used (the configuration loader refuses a file
  // that gives both).
  std::vector<tile_group> tile_groups;
  built_converters converters;
  bool mtj_reset_after_switch = false;  // reset pulses only after samples that switched
  uint32_t dma_burst_bytes = 64;
  // Bursts the DMA engine keeps in flight: their latencies overlap (AXI-style outstanding
  // transactions), so a long transfer costs about its latency once plus its transfer time.
  uint32_t dma_outstanding = 16;
  // Digital unit: MAC lanes for full-precision layers, vector lanes for output stages, pooling
  // and residual adds.
  uint32_t digital_macs_per_cycle = 256;
  uint32_t vector_lanes = 64;
  // Buffers: capacity, banks, port width (bits per bank per cycle).
  uint32_t tile_buffer_kib = 64, tile_buffer_banks = 4, tile_buffer_width_bits = 256;
  uint32_t global_buffer_kib = 512, global_buffer_banks = 4, global_buffer_width_bits = 256;
  uint32_t partial_sum_bits = 32;  // width of a partial result sent from a tile to the reduction
  noc_config noc;
  // Seed of every stochastic element (converters); outputs depend only on it and the data.
  uint64_t seed = 1;
  // Largest operand one descriptor may move (bytes); larger requests are BAD_SHAPE.
  uint64_t max_operand_bytes = 16ull << 20;
};

// A field of accelerator_config outside what the model supports: the field as the
// configuration file spells it (relative to its "accelerator" object, e.g. "noc.mesh_x") and
// the problem, worded like the JSON loader's own range errors.
struct config_problem {
  std::string field;
  std::string problem;
};

// The first problem of `cfg`, or nothing. The one place the accelerator's configuration is
// checked: the JSON loader (tlm/platform/config.cpp) and the accelerator's constructor both
// call it, so a configuration built in code is refused exactly as a file would be.
std::optional<config_problem> check_accelerator_config(const accelerator_config& cfg);

// The chip's tile groups: cfg.tile_groups, or the one crossbar group the legacy fields describe;
// every group's nodes filled in (a group given without them: tile t on router t mod routers).
std::vector<tile_group> tile_groups_of(const accelerator_config& cfg);

// The configuration the tiles of crossbar group `g` are built with: the chip's, with the
// group's geometry in the legacy fields (tiles = the group's count).
accelerator_config xbar_group_config(const accelerator_config& cfg, const tile_group& g);

// Kind id (STOXVP_TILE_KIND_*) of a configuration name; 0 when the register map lists no such
// kind (a kind registered only in operation.h reads 0 in the discovery table).
uint32_t tile_kind_id(const std::string& name);
// A kind a tile group may name: listed by the register map or registered in operation.h.
bool tile_kind_known(const std::string& name);
// "xbar, ...": the configuration names of every kind (listed or registered), for error messages.
std::string tile_kind_names();

}  // namespace stoxvp::hw
