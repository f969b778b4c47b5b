// Fuzz target: the RV32 ELF loader (tlm/cpu/elf_file). A refusal is a firmware_error; anything
// else escaping is a finding. An accepted image's entry must lie in an executable segment and
// every segment must hold at most its memory size, as the loader promises.
#include "tlm/cpu/elf_file.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  try {
    const stoxvp::elf_file f = stoxvp::parse_riscv_elf(bytes, "fuzz.elf");
    const stoxvp::elf_segment* s = f.segment_at(f.entry);
    if (s == nullptr || !s->executable) std::abort();
    for (const auto& seg : f.segments)
      if (seg.bytes.size() > seg.memory_size) std::abort();
    (void)f.symbolize(f.entry);
  } catch (const stoxvp::firmware_error& e) {
    if (std::getenv("STOXVP_FUZZ_VERBOSE")) std::fprintf(stderr, "refused: %s\n", e.what());
  }
  return 0;
}
