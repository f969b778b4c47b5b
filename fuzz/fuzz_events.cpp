// Fuzz target: the event-file reader (firmware/events/stoxvp_events.c), shared by the spiking
// firmware, the runner and the Python tools. Each input is read as it is and with its CRC-32
// recomputed (so mutations reach the field checks). An accepted file's samples are binned into
// 1, 3 and 8 timesteps: the bins must partition every sample's events in order, and a bin's
// spike map may hold no more spikes than the bin has events.
#include "stoxvp_events.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

void read_and_use(const uint8_t* data, size_t size) {
  stoxvp_events ev;
  char err[256];
  if (stoxvp_events_parse(data, size, "fuzz.sxev", &ev, err, sizeof err) != STOXVP_EVENTS_OK) {
    if (strnlen(err, sizeof err) == sizeof err) std::abort();
    if (std::getenv("STOXVP_FUZZ_VERBOSE")) std::fprintf(stderr, "refused: %s\n", err);
    return;
  }
  std::vector<uint8_t> spikes(2u * ev.header.width * ev.header.height);
  for (uint32_t i = 0; i < ev.header.sample_count && i < 64; ++i) {
    const stoxvp_events_sample s = stoxvp_events_get_sample(&ev, i);
    for (uint32_t T : {1u, 3u, 8u}) {
      uint32_t expect = 0;
      for (uint32_t k = 0; k < T; ++k) {
        uint32_t first = 0, end = 0;
        if (stoxvp_events_bin_range(&ev, &s, T, k, &first, &end) != 0 || first != expect || end < first) std::abort();
        expect = end;
        const int32_t n = stoxvp_events_bin_spikes(&ev, &s, T, k, spikes.data());
        if (n < 0 || uint32_t(n) > end - first) std::abort();
      }
      if (expect != s.event_count) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  read_and_use(data, size);
  constexpr size_t crc_at = offsetof(stoxvp_events_header, crc32);
  if (size >= STOXVP_EVENTS_HEADER_BYTES) {
    std::vector<uint8_t> fixed(data, data + size);
    std::memset(&fixed[crc_at], 0, 4);
    const uint32_t crc = stoxvp_events_crc32(0, fixed.data(), fixed.size());
    std::memcpy(&fixed[crc_at], &crc, 4);
    read_and_use(fixed.data(), fixed.size());
  }
  return 0;
}
