// The pipelined timing mode (ISAAC-style): layers of consecutive images overlap, each layer on
// its own tiles. Derived from a layer-at-a-time run: each layer (descriptor tag and opcode,
// weight programming excluded) is a stage whose time per image is its simulated latency over the
// run divided by the images; a crossbar layer occupies the tiles that hold it, every other
// layer the chip's shared units (vector unit, digital MACs, DMA), for its whole stage time.
// Images enter one bound interval (the busiest resource's time per image) apart; whenever a
// resource is free the stage that can start earliest runs (the older image first), each image's
// layers in order; throughput is what that replay achieves over its second half. The simulation itself is unchanged (layer at a time): the mode
// changes the timing the run reports, not what it computes.
#pragma once

#include "energy.h"

#include <cstdint>
#include <string>
#include <vector>

namespace stoxvp::hw {

// Images the latency replay runs (a bounded number, so a run of 10,000 images costs no more).
constexpr uint32_t kPipelineReplayImages = 64;

struct pipeline_stage {
  uint32_t tag = 0;
  uint16_t opcode = 0;
  double ns = 0;                        // time per image
  std::vector<std::string> resources;  // "tile_3", ..., or "shared"
};

struct pipeline_timing {
  double sequential_ns = 0;  // the stages one after the other: layer-at-a-time per image
  double bound_interval_ns = 0;  // the busiest resource's time per image: the fastest possible interval
  double interval_ns = 0;    // the interval the replay achieves (>= the bound): 1 / throughput
  double latency_ns = 0;     // the last replayed image's latency (images entering one bound apart)
  double throughput_images_per_s = 0;
  std::string bottleneck;    // the resource that sets the interval
};

// The stages of a run of `images` images from the ledger (layers in tag order).
std::vector<pipeline_stage> pipeline_stages(const energy_ledger& ledger, uint32_t images);
// The pipeline's timing over `images` images entering one interval apart (images >= 1).
pipeline_timing pipeline_of(const std::vector<pipeline_stage>& stages, uint32_t images);

}  // namespace stoxvp::hw
