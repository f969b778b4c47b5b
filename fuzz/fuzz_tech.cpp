// Fuzz target: the technology file (JSON text -> hw::technology). A refusal is a config_error;
// anything else escaping is a finding.
#include "common/json_reader.h"
#include "hw/accel/cost/tech_file.h"

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    stoxvp::parse_tech(stoxvp::parse_json_text(text, "fuzz-tech.json"), "fuzz-tech.json");
  } catch (const stoxvp::config_error& e) {
    if (std::getenv("STOXVP_FUZZ_VERBOSE")) std::fprintf(stderr, "refused: %s\n", e.what());
  }
  return 0;
}
