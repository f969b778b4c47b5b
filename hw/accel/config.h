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
  uint32_t dma_burst_bytes = 64;
  // Bursts the DMA engine keeps in flight: their latencies overlap (AXI-style outstanding
  // transactions), so a long transfer costs about its latency once plus its transfer time.
  uint32_t dma_outstanding = 16;
  // Throughput of the digital MAC unit that executes FC_INT8 (MACs per clock cycle).
  uint32_t digital_macs_per_cycle = 256;
  // Seed of every stochastic element (converters); outputs depend only on it and the data.
  uint64_t seed = 1;
  // Largest operand one descriptor may move (bytes); larger requests are BAD_SHAPE.
  uint64_t max_operand_bytes = 16ull << 20;
};

}  // namespace stoxvp::hw
