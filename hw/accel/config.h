// Parameters of one accelerator instance. Plain data with the defaults of the brief (NeuroSim
// V1.4: 128x128 arrays, 1 GHz), so an integrator can instantiate the model without JSON.
#pragma once

#include <systemc>

#include <cstdint>

namespace stoxvp::hw {

struct accelerator_config {
  sc_core::sc_time clock_period{1, sc_core::SC_NS};       // 1 GHz
  sc_core::sc_time register_latency{2, sc_core::SC_NS};   // per register access
  uint32_t array_rows = 128;
  uint32_t array_cols = 128;
  uint32_t tiles = 16;
  uint32_t arrays_per_tile = 8;
  uint32_t cell_bits = 4;  // bits one crossbar cell stores (the widest weight slice)
  uint32_t dma_burst_bytes = 64;
  // Bursts the DMA engine keeps in flight: their latencies overlap (AXI-style outstanding
  // transactions), so a long transfer costs about its latency once plus its transfer time.
  uint32_t dma_outstanding = 16;
  // Throughput of the digital unit: MACs per cycle for full-precision layers, and elements per
  // cycle of the vector unit (output stage, pooling, residual add).
  uint32_t digital_macs_per_cycle = 256;
  uint32_t vector_lanes = 64;
  // Tile timing. Provisional values until the technology files (docs/configuration.md names
  // their origin): one array read drives an input wave and settles the columns; a conversion
  // takes, per converter kind, the time below for each column the converter serves.
  sc_core::sc_time xbar_read{10, sc_core::SC_NS};      // NeuroSim V1.4 read pulse
  sc_core::sc_time adc_conversion{0.78, sc_core::SC_NS};  // ISAAC 8-bit SAR ADC, 1.28 GS/s
  sc_core::sc_time sense_amp_decision{1, sc_core::SC_NS}; // one decision per 1 GHz cycle
  sc_core::sc_time mtj_sample{5, sc_core::SC_NS};      // write pulse + read + reset, placeholder
  sc_core::sc_time xbar_write_row{10, sc_core::SC_NS}; // SOT-MRAM row write, placeholder
  // Seed of every stochastic element (converters); outputs depend only on it and the data.
  uint64_t seed = 1;
  // Largest operand one descriptor may move (bytes); larger requests are BAD_SHAPE.
  uint64_t max_operand_bytes = 16ull << 20;
};

}  // namespace stoxvp::hw
