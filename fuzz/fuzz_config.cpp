// Fuzz target: the platform configuration (JSON text -> platform_config). A refusal is a
// config_error; anything else escaping (a library exception, a crash) is a finding. An accepted
// configuration must also read back from its own effective form (what the report records).
#include "common/json_reader.h"
#include "tlm/platform/config.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  stoxvp::platform_config cfg;
  try {
    cfg = stoxvp::parse_platform_config(stoxvp::parse_json_text(text, "fuzz.json"), "fuzz.json");
  } catch (const stoxvp::config_error& e) {
    if (std::getenv("STOXVP_FUZZ_VERBOSE")) std::fprintf(stderr, "refused: %s\n", e.what());
    return 0;
  }
  try {
    stoxvp::parse_platform_config(stoxvp::to_json(cfg), "effective configuration");
  } catch (const stoxvp::config_error& e) {
    std::fprintf(stderr, "an accepted configuration does not read back from its effective form: %s\n", e.what());
    std::abort();
  }
  return 0;
}
