// Counter-based random numbers: every random draw is a pure function of (key, counter), with
// the counter naming the draw (which conversion of which layer invocation). Results therefore
// depend only on the seed and the data, never on the order in which tiles or threads run.
// The mixer is SplitMix64's output function; key + counter * gamma is SplitMix64's state
// sequence, so draws along one key form a SplitMix64 stream.
#pragma once

#include <cstdint>

namespace stoxvp::core {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Key of one layer invocation: the configured seed and the stream number the descriptor carries.
constexpr uint64_t stream_key(uint64_t seed, uint64_t stream) {
  return mix64(seed ^ mix64(stream * kGolden + 0x632BE59BD9B4E019ull));
}

// A uniform 32-bit draw.
constexpr uint32_t uniform32(uint64_t key, uint64_t counter) {
  return static_cast<uint32_t>(mix64(key + counter * kGolden) >> 32);
}

}  // namespace stoxvp::core
