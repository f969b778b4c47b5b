#include "elf_file.h"

#include <elf.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace stoxvp {
namespace {

std::string hex32(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%08llx", static_cast<unsigned long long>(v));
  return b;
}

const char* machine_name(unsigned m) {
  switch (m) {
    case EM_386: return " (x86)";
    case EM_X86_64: return " (x86-64)";
    case EM_ARM: return " (ARM)";
    case EM_AARCH64: return " (AArch64)";
    case EM_RISCV: return " (RISC-V)";
    default: return "";
  }
}

template <typename T>
T read_at(const std::vector<uint8_t>& d, uint64_t off) {
  T v;
  std::memcpy(&v, d.data() + off, sizeof v);  // the host is little-endian, as the image must be
  return v;
}

}  // namespace

std::string elf_file::symbolize(uint64_t pc) const {
  auto it = std::upper_bound(functions.begin(), functions.end(), pc,
                             [](uint64_t a, const elf_symbol& s) { return a < s.address; });
  if (it == functions.begin()) return "";
  --it;
  if (pc >= it->address + it->size) return "";
  char off[24];
  std::snprintf(off, sizeof off, "+0x%llx", static_cast<unsigned long long>(pc - it->address));
  return it->name + off;
}

const elf_segment* elf_file::segment_at(uint64_t addr) const {
  for (const auto& s : segments)
    if (addr >= s.address && addr - s.address < s.memory_size) return &s;
  return nullptr;
}

elf_file read_riscv_elf(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw firmware_error(path + ": is a directory, not a firmware image");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw firmware_error(path + ": cannot open the firmware image");
  // Read at most one byte past the limit: a larger file (or a device without end) is refused
  // without being read whole.
  std::vector<uint8_t> data;
  while (in && data.size() <= kMaxElfBytes) {
    const size_t at = data.size(), chunk = static_cast<size_t>(std::min<uint64_t>(1u << 20, kMaxElfBytes + 1 - at));
    data.resize(at + chunk);
    in.read(reinterpret_cast<char*>(data.data() + at), static_cast<std::streamsize>(chunk));
    data.resize(at + static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw firmware_error(path + ": read error");
  if (data.size() > kMaxElfBytes)
    throw firmware_error(path + ": larger than the " + std::to_string(kMaxElfBytes) + " bytes a firmware image may have");
  return parse_riscv_elf(data, path);
}

elf_file parse_riscv_elf(const std::vector<uint8_t>& d, const std::string& path) {
  auto fail = [&](const std::string& what) -> firmware_error { return firmware_error(path + ": " + what); };
  const uint64_t size = d.size();
  if (size < 4 || std::memcmp(d.data(), ELFMAG, SELFMAG) != 0)
    throw fail("not an ELF file (the first bytes are not 0x7f 'E' 'L' 'F')");
  if (size < sizeof(Elf32_Ehdr))
    throw fail(std::to_string(size) + " bytes, shorter than the " + std::to_string(sizeof(Elf32_Ehdr)) +
               "-byte ELF header (truncated?)");
  if (d[EI_CLASS] != ELFCLASS32)
    throw fail(std::string("e_ident[EI_CLASS] = ") + std::to_string(d[EI_CLASS]) +
               (d[EI_CLASS] == ELFCLASS64 ? " (64-bit)" : "") + ": the CPU runs 32-bit (RV32) images");
  if (d[EI_DATA] != ELFDATA2LSB)
    throw fail("e_ident[EI_DATA] = " + std::to_string(d[EI_DATA]) + ": RISC-V images are little-endian");
  const auto eh = read_at<Elf32_Ehdr>(d, 0);
  if (eh.e_machine != EM_RISCV)
    throw fail("e_machine = " + std::to_string(eh.e_machine) + machine_name(eh.e_machine) + ", expected " +
               std::to_string(EM_RISCV) + " (RISC-V)");
  if (eh.e_type != ET_EXEC)
    throw fail("e_type = " + std::to_string(eh.e_type) +
               (eh.e_type == ET_REL ? " (relocatable object)" : eh.e_type == ET_DYN ? " (shared object)" : "") +
               ", expected 2 (an executable linked for the platform's memory map)");
  constexpr uint32_t kFloatAbi = 0x6;  // EF_RISCV_FLOAT_ABI
  if (eh.e_flags & kFloatAbi)
    throw fail("e_flags = " + hex32(eh.e_flags) +
               ": built for a hardware floating-point ABI; the CPU is RV32IMAC (ilp32, soft float)");
  if (eh.e_phnum == 0) throw fail("e_phnum = 0: no program headers, nothing to load");
  if (eh.e_phentsize != sizeof(Elf32_Phdr))
    throw fail("e_phentsize = " + std::to_string(eh.e_phentsize) + ", expected " + std::to_string(sizeof(Elf32_Phdr)));
  if (uint64_t(eh.e_phoff) + uint64_t(eh.e_phnum) * sizeof(Elf32_Phdr) > size)
    throw fail("program headers at offset " + std::to_string(eh.e_phoff) + " (" + std::to_string(eh.e_phnum) +
               " entries) run past the end of the " + std::to_string(size) + "-byte file (truncated?)");

  elf_file f;
  f.path = path;
  f.entry = eh.e_entry;
  // Every program header is checked before any byte is copied: a few hundred headers loading
  // the same file bytes at different addresses would otherwise amplify a small file into
  // gigabytes of segments before anything looked at them.
  struct load {
    unsigned index;
    Elf32_Phdr ph;
    std::string name;
  };
  std::vector<load> loads;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const auto ph = read_at<Elf32_Phdr>(d, eh.e_phoff + uint64_t(i) * sizeof(Elf32_Phdr));
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    const std::string seg = "segment " + std::to_string(i) + " [" + hex32(ph.p_paddr) + ", " +
                            hex32(uint64_t(ph.p_paddr) + ph.p_memsz) + ")";
    if (ph.p_filesz > ph.p_memsz)
      throw fail(seg + ": p_filesz = " + std::to_string(ph.p_filesz) + " exceeds p_memsz = " + std::to_string(ph.p_memsz));
    if (uint64_t(ph.p_offset) + ph.p_filesz > size)
      throw fail(seg + ": its " + std::to_string(ph.p_filesz) + " bytes at offset " + std::to_string(ph.p_offset) +
                 " run past the end of the " + std::to_string(size) + "-byte file (truncated?)");
    if (uint64_t(ph.p_paddr) + ph.p_memsz > (1ull << 32))
      throw fail(seg + ": runs past the 32-bit address space");
    if (ph.p_vaddr != ph.p_paddr)  // no MMU: code runs where it is loaded
      throw fail(seg + ": p_vaddr = " + hex32(ph.p_vaddr) + " differs from p_paddr; the CPU has no MMU, an image must run where it is loaded");
    loads.push_back({i, ph, seg});
  }
  // A linker gives each byte of the file to at most one loadable segment, so together they
  // copy no more than the file holds; segments sharing file bytes are refused.
  std::vector<const load*> by_offset;
  for (const auto& l : loads)
    if (l.ph.p_filesz > 0) by_offset.push_back(&l);
  std::sort(by_offset.begin(), by_offset.end(), [](const load* a, const load* b) {
    return a->ph.p_offset != b->ph.p_offset ? a->ph.p_offset < b->ph.p_offset : a->index < b->index;
  });
  for (size_t k = 1; k < by_offset.size(); ++k) {
    const load& prev = *by_offset[k - 1];
    const load& cur = *by_offset[k];
    if (uint64_t(cur.ph.p_offset) < uint64_t(prev.ph.p_offset) + prev.ph.p_filesz) {
      const load& later = cur.index > prev.index ? cur : prev;
      const load& earlier = cur.index > prev.index ? prev : cur;
      throw fail(later.name + ": its file bytes at offset " + std::to_string(later.ph.p_offset) + " are also loaded by segment " +
                 std::to_string(earlier.index) + ": segments load the same file bytes more than once");
    }
  }
  // Overlapping addresses, found in order of address (so thousands of headers stay cheap);
  // since segments may not overlap, together they span at most the 32-bit address space.
  std::vector<const load*> by_address;
  for (const auto& l : loads) by_address.push_back(&l);
  std::sort(by_address.begin(), by_address.end(), [](const load* a, const load* b) {
    return a->ph.p_paddr != b->ph.p_paddr ? a->ph.p_paddr < b->ph.p_paddr : a->index < b->index;
  });
  for (size_t k = 1; k < by_address.size(); ++k) {
    const load& prev = *by_address[k - 1];
    const load& cur = *by_address[k];
    if (uint64_t(cur.ph.p_paddr) < uint64_t(prev.ph.p_paddr) + prev.ph.p_memsz) {
      const load& later = cur.index > prev.index ? cur : prev;
      const load& earlier = cur.index > prev.index ? prev : cur;
      throw fail(later.name + " overlaps the segment at " + hex32(earlier.ph.p_paddr));
    }
  }
  for (const auto& l : loads) {
    elf_segment s;
    s.address = l.ph.p_paddr;
    s.memory_size = l.ph.p_memsz;
    s.bytes.assign(d.begin() + l.ph.p_offset, d.begin() + l.ph.p_offset + l.ph.p_filesz);
    s.executable = (l.ph.p_flags & PF_X) != 0;
    s.writable = (l.ph.p_flags & PF_W) != 0;
    f.segments.push_back(std::move(s));
  }
  if (f.segments.empty()) throw fail("no loadable (PT_LOAD) segment");
  if (f.entry & 1) throw fail("e_entry = " + hex32(f.entry) + " is odd; instructions are 2-byte aligned");
  const elf_segment* at_entry = f.segment_at(f.entry);
  if (at_entry == nullptr || !at_entry->executable)
    throw fail("e_entry = " + hex32(f.entry) + " is not in an executable segment");

  // Function symbols, for fault reports. They are optional: a stripped or odd symbol table
  // leaves the list empty rather than failing the load.
  if (eh.e_shoff != 0 && eh.e_shentsize == sizeof(Elf32_Shdr) &&
      uint64_t(eh.e_shoff) + uint64_t(eh.e_shnum) * sizeof(Elf32_Shdr) <= size) {
    for (unsigned i = 0; i < eh.e_shnum; ++i) {
      const auto sh = read_at<Elf32_Shdr>(d, eh.e_shoff + uint64_t(i) * sizeof(Elf32_Shdr));
      if (sh.sh_type != SHT_SYMTAB || sh.sh_entsize != sizeof(Elf32_Sym) || sh.sh_link >= eh.e_shnum) continue;
      const auto strtab = read_at<Elf32_Shdr>(d, eh.e_shoff + uint64_t(sh.sh_link) * sizeof(Elf32_Shdr));
      if (uint64_t(sh.sh_offset) + sh.sh_size > size || uint64_t(strtab.sh_offset) + strtab.sh_size > size) continue;
      for (uint64_t off = sh.sh_offset; off + sizeof(Elf32_Sym) <= uint64_t(sh.sh_offset) + sh.sh_size;
           off += sizeof(Elf32_Sym)) {
        const auto sym = read_at<Elf32_Sym>(d, off);
        if (ELF32_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_size == 0 || sym.st_name >= strtab.sh_size) continue;
        const char* name = reinterpret_cast<const char*>(d.data() + strtab.sh_offset + sym.st_name);
        const size_t len = strnlen(name, strtab.sh_size - sym.st_name);
        f.functions.push_back({sym.st_value, sym.st_size, std::string(name, len)});
      }
      break;
    }
    std::sort(f.functions.begin(), f.functions.end(),
              [](const elf_symbol& a, const elf_symbol& b) { return a.address < b.address; });
  }
  return f;
}

}  // namespace stoxvp
