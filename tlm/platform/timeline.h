// The timeline of a run as Chrome trace-event JSON (opened by Perfetto and chrome://tracing):
// one track (thread) per unit, slices as begin/end pairs carrying their numbers. Slices of one
// track that overlap in time (a unit with several transfers in flight) go to extra lanes of that
// track ("dma #2"), so that on every track each begin is closed by its end before the next one.
#pragma once

#include "hw/accel/activity.h"

#include <string>
#include <vector>

namespace stoxvp {

class output_file;

// The order tracks are shown in: the CPU, the command processor and its layers, the DMA, the
// tiles, the NoC links, then anything else.
// `counters`: (time in ps, named values) samples of a counter track ("power", in mW per group).
struct counter_sample {
  uint64_t ps = 0;
  std::vector<std::pair<std::string, double>> values;
};
void write_timeline(output_file& out, const std::vector<hw::activity_slice>& slices,
                    const std::vector<counter_sample>& power = {});

// Consecutive descriptor slices of the command processor with the same tag, merged into one
// slice per layer invocation on the track "layers" (energy and counters summed).
std::vector<hw::activity_slice> layer_slices(const std::vector<hw::activity_slice>& slices);

}  // namespace stoxvp
