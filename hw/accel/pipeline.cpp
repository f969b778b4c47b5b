#include "pipeline.h"

#include "stoxvp_regs.h"

#include <algorithm>
#include <map>

namespace stoxvp::hw {

std::vector<pipeline_stage> pipeline_stages(const energy_ledger& ledger, uint32_t images) {
  std::vector<pipeline_stage> stages;
  if (images == 0) return stages;
  for (const auto& [key, cost] : ledger.layers()) {
    if (key.second == STOXVP_OP_XBAR_PROGRAM) continue;  // weights are programmed once
    pipeline_stage s;
    s.tag = key.first;
    s.opcode = key.second;
    s.ns = static_cast<double>(cost.latency.value()) / 1000.0 / images;
    for (uint32_t t : cost.tiles) s.resources.push_back("tile_" + std::to_string(t));
    if (s.resources.empty()) s.resources.push_back("shared");
    stages.push_back(std::move(s));
  }
  // The ledger orders by (tag, opcode); the firmware tags descriptors by layer index, so this
  // is the order an image passes through them.
  return stages;
}

pipeline_timing pipeline_of(const std::vector<pipeline_stage>& stages, uint32_t images) {
  pipeline_timing t;
  std::map<std::string, double> load;
  for (const auto& s : stages) {
    t.sequential_ns += s.ns;
    for (const auto& r : s.resources) load[r] += s.ns;
  }
  for (const auto& [r, ns] : load)
    if (ns > t.bound_interval_ns) {
      t.bound_interval_ns = ns;
      t.bottleneck = r;
    }
  // Replay: image i enters at i x interval; whenever resources allow, the stage that can start
  // earliest goes next (the older image on a tie), so a tile shared by two layers alternates
  // between images instead of waiting for one image to finish. Starts never decrease, so one
  // "free from" time per resource suffices. A bounded number of images reaches the steady state.
  const uint32_t n = std::min(std::max(images, 1u), kPipelineReplayImages);
  std::map<std::string, double> free_at;
  std::vector<size_t> next(n, 0);
  std::vector<double> ready(n);
  for (uint32_t i = 0; i < n; ++i) ready[i] = i * t.bound_interval_ns;
  for (size_t left = size_t(n) * stages.size(); left > 0; --left) {
    uint32_t pick = n;
    double best = 0;
    for (uint32_t i = 0; i < n; ++i) {
      if (next[i] == stages.size()) continue;
      double start = ready[i];
      for (const auto& r : stages[next[i]].resources) start = std::max(start, free_at[r]);
      if (pick == n || start < best) pick = i, best = start;
    }
    const pipeline_stage& s = stages[next[pick]++];
    ready[pick] = best + s.ns;
    for (const auto& r : s.resources) free_at[r] = ready[pick];
  }
  // The interval achieved over the second half of the replay: the bound when the resources can
  // interleave images (a layer's gaps filled by another image's), longer when they cannot.
  const uint32_t h = n / 2;
  t.interval_ns = n >= 2 ? std::max(t.bound_interval_ns, (ready[n - 1] - ready[h - 1]) / (n - h)) : t.bound_interval_ns;
  t.throughput_images_per_s = t.interval_ns > 0 ? 1e9 / t.interval_ns : 0;
  t.latency_ns = ready[n - 1] - (n - 1) * t.bound_interval_ns;
  return t;
}

}  // namespace stoxvp::hw
