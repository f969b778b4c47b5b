// Fuzz target: the AP program reader (hw/accel/tiles/rtm_ap/ap_program.cpp), which the rtm_ap
// tile runs on every AP_LOAD_PROGRAM. A refused program must be refused with an
// std::invalid_argument naming the file; an accepted one must encode back to the same bytes and,
// when small enough to run quickly, run on the AP model without any other exception.
#include "hw/accel/tiles/rtm_ap/ap_program.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

using namespace stoxvp::hw::rtm_ap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ap_program p;
  try {
    p = parse_ap_program(data, size, "fuzz.sxap");
  } catch (const std::invalid_argument& e) {
    if (std::string(e.what()).rfind("fuzz.sxap: ", 0) != 0) {
      std::fprintf(stderr, "a refusal that does not name the file: %s\n", e.what());
      std::abort();
    }
    return 0;
  }
  if (encode_ap_program(p) != std::vector<uint8_t>(data, data + size)) {
    std::fprintf(stderr, "an accepted program does not encode back to its bytes\n");
    std::abort();
  }
  // Bound the work: the model executes every pass.
  uint64_t bits = 0;
  for (uint8_t b : p.field_bits) bits += b;
  if (p.rows > 256 || p.code.size() > 2048 || bits > 4096 || p.input_count() > (1u << 16)) return 0;
  std::vector<uint8_t> in(p.input_count()), out(p.output_count());
  for (size_t i = 0; i < in.size(); ++i) in[i] = uint8_t((i * 7 + 3) & ((1u << p.act_bits) - 1));
  ap_counters c;
  run_ap_program(p, in.data(), out.data(), c);  // a logic_error here is a reader bug: let it abort
  return 0;
}
