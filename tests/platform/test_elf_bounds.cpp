// The ELF loader checks every program header before it copies a byte: a small file whose many
// headers load the same bytes at different addresses used to be amplified into one copy per
// header (a 184 KiB file became 1 GB of segments) before anything was refused.
#include "support/files.h"
#include "support/messages.h"
#include "tlm/cpu/elf_file.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

// An RV32 executable: `count` PT_LOAD headers, header i loading the `payload` bytes (all of
// them, at the same file offset when `shared`) at 0x20000000 + i x `stride`.
std::vector<uint8_t> crafted_elf(unsigned count, uint32_t payload, uint32_t stride, bool shared) {
  const uint32_t phoff = sizeof(Elf32_Ehdr), data = phoff + count * sizeof(Elf32_Phdr);
  std::vector<uint8_t> d(data + (shared ? payload : payload * count), 0x13);  // 0x13: addi (nop) bytes
  Elf32_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS32;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_RISCV;
  eh.e_version = EV_CURRENT;
  eh.e_entry = 0x20000000;
  eh.e_phoff = phoff;
  eh.e_ehsize = sizeof(Elf32_Ehdr);
  eh.e_phentsize = sizeof(Elf32_Phdr);
  eh.e_phnum = static_cast<Elf32_Half>(count);
  std::memcpy(d.data(), &eh, sizeof eh);
  for (unsigned i = 0; i < count; ++i) {
    Elf32_Phdr ph{};
    ph.p_type = PT_LOAD;
    ph.p_offset = data + (shared ? 0 : i * payload);
    ph.p_vaddr = ph.p_paddr = 0x20000000u + i * stride;
    ph.p_filesz = ph.p_memsz = payload;
    ph.p_flags = PF_R | PF_X;
    std::memcpy(d.data() + phoff + i * sizeof(Elf32_Phdr), &ph, sizeof ph);
  }
  return d;
}

std::string elf_error(const std::vector<uint8_t>& bytes) {
  return stoxvp::test::message_of<stoxvp::firmware_error>([&] { stoxvp::parse_riscv_elf(bytes, "crafted.elf"); });
}

TEST(ElfBounds, DistinctSegmentsLoad) {
  const auto f = stoxvp::parse_riscv_elf(crafted_elf(3, 4096, 4096, false), "crafted.elf");
  ASSERT_EQ(f.segments.size(), 3u);
  EXPECT_EQ(f.segments[2].address, 0x20002000u);
  EXPECT_EQ(f.segments[2].bytes.size(), 4096u);
}

TEST(ElfBounds, HeadersLoadingTheSameBytesAreRefusedBeforeCopying) {
  // 300 headers x 4 KiB from one 4 KiB payload: 1.2 MB of segments from a 14 KB file.
  const auto elf = crafted_elf(300, 4096, 4096, true);
  stoxvp::test::expect_mentions(elf_error(elf), {"crafted.elf", "segment 1", "load the same file bytes"});
}

TEST(ElfBounds, OverlapIsFoundAmongManyHeaders) {
  // 20000 headers, the last overlapping the first: found in order of address, not pairwise.
  auto elf = crafted_elf(20000, 4, 4, false);
  auto* last = reinterpret_cast<Elf32_Phdr*>(elf.data() + sizeof(Elf32_Ehdr) + 19999 * sizeof(Elf32_Phdr));
  last->p_vaddr = last->p_paddr = 0x20000002;
  stoxvp::test::expect_mentions(elf_error(elf), {"crafted.elf", "segment 19999", "overlaps the segment at 0x20000000"});
}

TEST(ElfBounds, ADirectoryIsNotAnImage) {
  stoxvp::test::expect_mentions(
      stoxvp::test::message_of<stoxvp::firmware_error>([] { stoxvp::read_riscv_elf(stoxvp::test::test_path("")); }),
      {"is a directory"});
}

}  // namespace
