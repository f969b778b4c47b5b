// A firmware image as the loader needs it: the loadable segments, the entry point, and the
// function symbols (so a fault report can say "in inference_main+0x3a", not just a PC).
// read_elf() checks everything a malformed or foreign file can get wrong and throws
// firmware_error naming the file, the field and the value; it never reads past the file.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace stoxvp {

struct firmware_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct elf_segment {
  uint64_t address = 0;      // physical (load) address
  uint64_t memory_size = 0;  // bytes it occupies; beyond bytes.size() it is zero-filled
  std::vector<uint8_t> bytes;
  bool executable = false;
  bool writable = false;
};

struct elf_symbol {
  uint64_t address = 0, size = 0;
  std::string name;
};

struct elf_file {
  std::string path;
  uint64_t entry = 0;
  std::vector<elf_segment> segments;
  std::vector<elf_symbol> functions;  // sorted by address

  // "inference_main+0x3a", or "" when no function covers pc.
  std::string symbolize(uint64_t pc) const;
  // The segment holding addr, or nullptr.
  const elf_segment* segment_at(uint64_t addr) const;
};

// Largest firmware image file read_riscv_elf() reads (symbols and debug sections included).
constexpr uint64_t kMaxElfBytes = 256ull << 20;

// Reads a 32-bit little-endian RISC-V executable (what riscv_cpu runs). Every program header is
// checked (bounds, overlap, and loadable segments together taking no more bytes than the file
// holds) before any segment is copied.
elf_file read_riscv_elf(const std::string& path);
// Same, from bytes already in memory; `path` names them in messages.
elf_file parse_riscv_elf(const std::vector<uint8_t>& data, const std::string& path);

}  // namespace stoxvp
