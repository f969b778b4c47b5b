// Writes the generated seed inputs of the fuzz corpus: IDX files (plain and gzip), a minimal
// RV32 executable, descriptor-ring scripts (fuzz_ring.h) and the model-reader tests' small model
// (the shipped models are 56 KB and more). The JSON seeds are the shipped files copied as they are. Run once when a format changes:
//   build/fuzz/fuzz_make_seeds fuzz/corpus
// and commit what changed; the corpus is small on purpose (each seed a few hundred bytes).
#include "fuzz_ring.h"
#include "model_builder.h"

#include <elf.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace stoxvp::fuzz_ring;
using bytes = std::vector<uint8_t>;

namespace {

std::string out_dir;

void write(const std::string& name, const bytes& b) {
  const std::string path = out_dir + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(b.data(), 1, b.size(), f) != b.size() || std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::exit(1);
  }
}

template <class T> void put(bytes& b, const T& v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  b.insert(b.end(), p, p + sizeof v);
}
void be32(bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

bytes idx_images(uint32_t count, uint32_t rows, uint32_t cols) {
  bytes b;
  be32(b, 0x803);
  be32(b, count);
  be32(b, rows);
  be32(b, cols);
  for (uint32_t i = 0; i < count * rows * cols; ++i) b.push_back(static_cast<uint8_t>(i * 37));
  return b;
}
bytes idx_labels(uint32_t count) {
  bytes b;
  be32(b, 0x801);
  be32(b, count);
  for (uint32_t i = 0; i < count; ++i) b.push_back(static_cast<uint8_t>(i % 10));
  return b;
}
bytes gzip(const bytes& in) {
  z_stream z{};
  bytes out(in.size() + 64);
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::exit(1);
  z.next_in = const_cast<uint8_t*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::exit(1);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
bytes with_mode(uint8_t mode, const bytes& b) {
  bytes r{mode};
  r.insert(r.end(), b.begin(), b.end());
  return r;
}

// ELF header, one PT_LOAD text segment with two functions, and a symbol table naming them.
bytes riscv_elf() {
  constexpr uint32_t base = 0x10000000;
  const uint32_t code[] = {0x00000013, 0x00000013, 0x00100073, 0x00008067};  // nop, nop, ebreak, ret
  const char strtab[] = "\0_start\0helper\0";
  const char shstrtab[] = "\0.text\0.symtab\0.strtab\0.shstrtab\0";
  const uint32_t code_off = sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr);
  const uint32_t sym_off = code_off + sizeof code;
  const uint32_t str_off = sym_off + 3 * sizeof(Elf32_Sym);
  const uint32_t shstr_off = str_off + sizeof strtab;
  const uint32_t sh_off = (shstr_off + sizeof shstrtab + 3) & ~3u;

  bytes b;
  Elf32_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS32;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_RISCV;
  eh.e_version = EV_CURRENT;
  eh.e_entry = base;
  eh.e_phoff = sizeof(Elf32_Ehdr);
  eh.e_shoff = sh_off;
  eh.e_flags = 0x1;  // RVC, soft float
  eh.e_ehsize = sizeof(Elf32_Ehdr);
  eh.e_phentsize = sizeof(Elf32_Phdr);
  eh.e_phnum = 1;
  eh.e_shentsize = sizeof(Elf32_Shdr);
  eh.e_shnum = 5;
  eh.e_shstrndx = 4;
  put(b, eh);
  Elf32_Phdr ph{};
  ph.p_type = PT_LOAD;
  ph.p_offset = code_off;
  ph.p_vaddr = ph.p_paddr = base;
  ph.p_filesz = sizeof code;
  ph.p_memsz = sizeof code + 16;  // a zero-filled tail
  ph.p_flags = PF_R | PF_X;
  ph.p_align = 4;
  put(b, ph);
  put(b, code);
  Elf32_Sym none{}, start{}, helper{};
  start.st_name = 1, start.st_value = base, start.st_size = 8, start.st_info = ELF32_ST_INFO(STB_GLOBAL, STT_FUNC);
  start.st_shndx = 1;
  helper.st_name = 8, helper.st_value = base + 8, helper.st_size = 8, helper.st_info = ELF32_ST_INFO(STB_LOCAL, STT_FUNC);
  helper.st_shndx = 1;
  put(b, none);
  put(b, start);
  put(b, helper);
  b.insert(b.end(), strtab, strtab + sizeof strtab);
  b.insert(b.end(), shstrtab, shstrtab + sizeof shstrtab);
  b.resize(sh_off, 0);
  Elf32_Shdr sh[5]{};
  sh[1] = {1, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, base, code_off, sizeof code, 0, 0, 4, 0};
  sh[2] = {7, SHT_SYMTAB, 0, 0, sym_off, 3 * sizeof(Elf32_Sym), 3, 2, 4, sizeof(Elf32_Sym)};
  sh[3] = {15, SHT_STRTAB, 0, 0, str_off, sizeof strtab, 0, 0, 1, 0};
  sh[4] = {23, SHT_STRTAB, 0, 0, shstr_off, sizeof shstrtab, 0, 0, 1, 0};
  for (const auto& s : sh) put(b, s);
  return b;
}

// Descriptor-ring scripts.
struct ring_script {
  bytes b;
  ring_script& op(op o) { b.push_back(o); return *this; }
  template <class T> ring_script& arg(T v) { put(b, v); return *this; }
  ring_script& start(uint16_t slots) { return op(kOpStartRing).arg(slots); }
  ring_script& desc(uint8_t slot, const stoxvp_desc& d) { return op(kOpPutDesc).arg(slot).arg(d); }
  ring_script& data(uint32_t off, const bytes& v) {
    op(kOpPutData).arg(off).arg(static_cast<uint16_t>(v.size()));
    b.insert(b.end(), v.begin(), v.end());
    return *this;
  }
  ring_script& doorbell(uint16_t tail) { return op(kOpDoorbell).arg(tail); }
  ring_script& wait(uint16_t tens_of_ns) { return op(kOpWait).arg(tens_of_ns); }
  ring_script& ack() { return op(kOpAckIrq); }
  ring_script& reg(uint16_t off, uint32_t v) { return op(kOpWriteReg).arg(off).arg(v); }
};

stoxvp_desc desc(uint16_t opcode, uint32_t flags = STOXVP_DESC_F_IRQ) {
  stoxvp_desc d{};
  d.hdr.opcode = opcode;
  d.hdr.version = STOXVP_DESC_VERSION;
  d.hdr.flags = flags;
  return d;
}
bytes ramp(size_t n, int lo, int hi) {
  bytes v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(static_cast<int8_t>(lo + int(i * 7) % (hi - lo + 1)));
  return v;
}
uint64_t at(uint32_t off) { return kDram + off; }

// A converter parameter block for `n` outputs (scale and bias, drive gain and bias).
bytes params(uint8_t converter, uint16_t n) {
  stoxvp_layer_params h{};
  h.converter = converter;
  h.adc_bits = 4;
  h.adc_range = 64;
  h.cols_per_converter = 1;
  h.curve = STOXVP_CURVE_SIGMOID;
  h.curve_a = STOXVP_CURVE_FINAL_A;
  h.curve_b = STOXVP_CURVE_FINAL_B;
  h.flags = STOXVP_PARAMS_F_OUT_AFFINE | STOXVP_PARAMS_F_DRIVE;
  std::memset(h.samples, 4, sizeof h.samples);
  bytes b;
  put(b, h);
  for (uint16_t i = 0; i < n; ++i) put(b, 0.5f);
  for (uint16_t i = 0; i < n; ++i) put(b, 0.0f);
  for (uint16_t i = 0; i < n; ++i) put(b, 0.05f);
  for (uint16_t i = 0; i < n; ++i) put(b, 0.0f);
  return b;
}

void ring_seeds() {
  const uint32_t x = kDataOffset, w = kDataOffset + 0x1000, y = kDataOffset + 0x2000, p = kDataOffset + 0x3000;
  write("ring_nop", ring_script{}.start(4).desc(0, desc(STOXVP_OP_NOP)).doorbell(1).wait(1000).ack().b);

  stoxvp_desc fc = desc(STOXVP_OP_DIGITAL_CONV);
  fc.args.conv.input_addr = at(x), fc.args.conv.weight_addr = at(w), fc.args.conv.output_addr = at(y);
  fc.args.conv.in_channels = 16, fc.args.conv.in_h = fc.args.conv.in_w = 1, fc.args.conv.out_channels = 4;
  fc.args.conv.kernel_h = fc.args.conv.kernel_w = fc.args.conv.stride = 1;
  fc.args.conv.w_bits = fc.args.conv.a_bits = 8;
  fc.args.conv.out_format = STOXVP_OUT_INT32;
  write("ring_digital_fc",
        ring_script{}.data(x, ramp(16, -100, 100)).data(w, ramp(64, -127, 127)).start(4).desc(0, fc).doorbell(1).wait(5000).ack().b);

  stoxvp_desc pool = desc(STOXVP_OP_POOL);
  pool.args.pool.input_addr = at(x), pool.args.pool.output_addr = at(y);
  pool.args.pool.channels = 2, pool.args.pool.in_h = pool.args.pool.in_w = 4;
  pool.args.pool.kernel = pool.args.pool.stride = 2, pool.args.pool.kind = STOXVP_POOL_MAX;
  stoxvp_desc add = desc(STOXVP_OP_ADD);
  add.args.add.input_a = at(x), add.args.add.input_b = at(x + 32), add.args.add.output_addr = at(y + 64);
  add.args.add.count = 32, add.args.add.scale_a = 0.5f, add.args.add.scale_b = 0.25f;
  add.args.add.activation = STOXVP_ACT_RELU, add.args.add.out_bits = 8;
  write("ring_pool_add", ring_script{}.data(x, ramp(64, -60, 60)).start(8).desc(0, pool).desc(1, add).doorbell(2)
                             .wait(5000).ack().b);

  // Program a 3x3 convolution's weights into the crossbars, then run it under the MTJ converter;
  // then a second ring set-up after a soft reset.
  stoxvp_desc prog = desc(STOXVP_OP_XBAR_PROGRAM, 0);
  prog.args.program.weight_addr = at(w), prog.args.program.k = 2 * 9, prog.args.program.n = 4;
  prog.args.program.w_bits = 4, prog.args.program.w_slice = 1;
  stoxvp_desc conv = desc(STOXVP_OP_XBAR_CONV);
  auto& c = conv.args.conv;
  c.input_addr = at(x), c.output_addr = at(y), c.params_addr = at(p);
  c.in_channels = 2, c.in_h = c.in_w = 5, c.out_channels = 4, c.kernel_h = c.kernel_w = 3, c.stride = 1, c.pad = 1;
  c.w_bits = 4, c.w_slice = 1, c.a_bits = 4, c.a_stream = 1, c.activation = STOXVP_ACT_RELU;
  c.out_format = STOXVP_OUT_INT8, c.out_bits = 4, c.rng_stream = 3;
  stoxvp_desc conv_adc = conv;
  conv_adc.args.conv.params_addr = at(p + 0x400);
  write("ring_xbar_conv", ring_script{}.data(x, ramp(50, -7, 7)).data(w, ramp(72, -7, 7))
                              .data(p, params(STOXVP_CONV_MTJ, 4)).data(p + 0x400, params(STOXVP_CONV_ADC, 4))
                              .start(4).desc(0, prog).desc(1, conv).desc(2, conv_adc).doorbell(3).wait(20000).ack()
                              .reg(STOXVP_REG_CTRL, STOXVP_CTRL_SOFT_RESET).start(2).desc(0, desc(STOXVP_OP_NOP))
                              .doorbell(1).wait(1000).ack().b);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus folder>   (writes <folder>/idx, elf, ring)\n", argv[0]);
    return 2;
  }
  const std::string root = argv[1];
  out_dir = root + "/idx";
  const bytes images = idx_images(2, 4, 4), labels = idx_labels(5);
  write("images_plain", with_mode(0, images));
  write("images_gzip_by_harness", with_mode(1, images));
  write("images_gzip_stream", with_mode(0, gzip(images)));
  write("labels_plain", with_mode(0, labels));
  write("labels_gzip_stream", with_mode(0, gzip(labels)));
  out_dir = root + "/elf";
  write("rv32_two_functions.elf", riscv_elf());
  out_dir = root + "/model";
  write("tiny_xbar_then_digital.sxvm", stoxvp::test::small_model().data);
  out_dir = root + "/ring";
  ring_seeds();
  return 0;
}
