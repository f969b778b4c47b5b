// stoxvp_fp_compare: one training iteration of the MLP 784-128-10 on the fp_pim kind's arrays
// under the two cost profiles (floatpim: ReRAM NOR; sot: the complementary SOT-MRAM cell), from
// the same micro-programs and the same operation costs the accelerator charges
// (hw/core/fp_pim_cost.h), with a sweep over the SOT full-add step, beside the 3.3x energy,
// 1.8x latency and 2.5x area Wang et al. (arXiv 2003.01551) report against FloatPIM.
#include "hw/accel/cost/tech_file.h"
#include "hw/accel/tiles/fp_pim/fp_pim_technology.h"
#include "hw/core/bf16_microprogram.h"
#include "hw/core/fp_pim_cost.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace stoxvp;
using namespace stoxvp::core;

namespace {

struct layout {
  uint32_t rows = 1024, columns = 1024;
  uint32_t fields() const {
    const unsigned reserved = 48 + std::max(bf16_program_scratch_columns(bf16_op::mul),
                                            bf16_program_scratch_columns(bf16_op::add));
    return (columns - reserved) / 16;
  }
  uint32_t blocks(uint32_t m, uint32_t k) const {
    return ((k + rows - 1) / rows) * ((m + fields() - 1) / fields());
  }
};

struct iteration {
  double latency_ns = 0, energy_pj = 0, area_um2 = 0;
  uint64_t blocks = 0;
};

// The descriptors of one iteration in the order the training firmware issues them: per image
// forward (GEMV, bias, ReLU; GEMV, bias), loss gradient and scaling, backward (GEMV_T, ReLU
// mask, scaling), bias updates; then the batch's outer-product updates of both layers.
iteration train_iteration(const fp_profile& p, const layout& l, uint32_t batch) {
  const uint32_t in = 784, hid = 128, out = 10;
  iteration it;
  it.blocks = l.blocks(hid, in) + l.blocks(out, hid) + 1;  // + one block for vector work
  const fp_array_costs c(p, l.rows, l.fields(), uint32_t(it.blocks));
  std::vector<fp_op_cost> ops;
  for (uint32_t b = 0; b < batch; ++b) {
    ops.push_back(c.gemv(hid, in));
    ops.push_back(c.elementwise(fp_ew_kind::add, hid));
    ops.push_back(c.elementwise(fp_ew_kind::relu, hid));
    ops.push_back(c.gemv(out, hid));
    ops.push_back(c.elementwise(fp_ew_kind::add, out));
    ops.push_back(c.elementwise(fp_ew_kind::add, out));   // y - t
    ops.push_back(c.elementwise(fp_ew_kind::mul, out));   // x (-lr)
    ops.push_back(c.gemv_t(out, hid));
    ops.push_back(c.elementwise(fp_ew_kind::relu_mask, hid));
    ops.push_back(c.elementwise(fp_ew_kind::mul, hid));   // x (-lr)
    ops.push_back(c.elementwise(fp_ew_kind::add, out));   // bias updates
    ops.push_back(c.elementwise(fp_ew_kind::add, hid));
  }
  for (uint32_t b = 0; b < batch; ++b) {
    ops.push_back(c.update(out, hid));
    ops.push_back(c.update(hid, in));
  }
  for (const auto& o : ops) {
    it.latency_ns += o.latency_ns;
    it.energy_pj += o.energy_pj();
  }
  it.area_um2 = double(it.blocks) * l.rows * l.columns * p.cell_area_um2;
  return it;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "%s\nusage: stoxvp_fp_compare [--tech FILE] [--batch N (1..4096)] [--rows N] [--columns N]\n",
               why);
  std::exit(2);
}

uint32_t number(const char* opt, const char* v, uint32_t lo, uint32_t hi) {
  char* end = nullptr;
  const unsigned long n = std::strtoul(v, &end, 10);
  if (!*v || *end || n < lo || n > hi) {
    std::fprintf(stderr, "%s: '%s' is not an integer %u..%u\n", opt, v, lo, hi);
    std::exit(2);
  }
  return uint32_t(n);
}

}  // namespace

int main(int argc, char** argv) {
  std::string tech_path;
  uint32_t batch = 32;
  layout l;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("option " + a + " needs a value, or is unknown").c_str());
    if (a == "--tech") tech_path = argv[++i];
    else if (a == "--batch") batch = number("--batch", argv[++i], 1, 4096);
    else if (a == "--rows") l.rows = number("--rows", argv[++i], 1, 65536);
    else if (a == "--columns") l.columns = number("--columns", argv[++i], 250, 65536);
    else usage(("unknown option " + a).c_str());
  }
  tech_file tf;
  try {
    tf = tech_path.empty() ? default_tech() : load_tech_file(tech_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stoxvp_fp_compare: %s\n", e.what());
    return 65;
  }
  const auto* s = tf.tech.section<hw::fp_pim_tech_section>("fp_pim");
  if (s == nullptr) {
    std::fprintf(stderr, "stoxvp_fp_compare: %s has no \"tiles\": {\"fp_pim\": ...} section\n", tf.origin.c_str());
    return 65;
  }
  const microop_counts m = bf16_program_counts(bf16_op::mul), ad = bf16_program_counts(bf16_op::add);
  std::printf("technology: %s\n", tf.origin.c_str());
  std::printf("micro-programs (steps): mul %llu NOR %llu INIT %llu COPY %llu SEARCH %llu WRITE %llu FULL_ADD; "
              "add %llu NOR %llu INIT %llu COPY %llu SEARCH %llu WRITE %llu FULL_ADD\n",
              (unsigned long long)m.nor, (unsigned long long)m.init, (unsigned long long)m.copy,
              (unsigned long long)m.search, (unsigned long long)m.write, (unsigned long long)m.full_add,
              (unsigned long long)ad.nor, (unsigned long long)ad.init, (unsigned long long)ad.copy,
              (unsigned long long)ad.search, (unsigned long long)ad.write, (unsigned long long)ad.full_add);
  for (const fp_profile* p : {&s->floatpim, &s->sot}) {
    const fp_cost cm = steps_cost(*p, m, 1), ca = steps_cost(*p, ad, 1);
    std::printf("  %-8s one bf16 mul: %7.0f ns, %8.3f pJ per row; add: %7.0f ns, %8.3f pJ per row\n",
                p->name.c_str(), cm.latency_ns, cm.energy_pj, ca.latency_ns, ca.energy_pj);
  }
  std::printf("\nOne training iteration, MLP 784-128-10, mini-batch %u, blocks of %u x %u (%u fields a row)\n",
              batch, l.rows, l.columns, l.fields());
  const iteration f = train_iteration(s->floatpim, l, batch), o = train_iteration(s->sot, l, batch);
  std::printf("  %-8s %14s %14s %14s\n", "profile", "latency (us)", "energy (uJ)", "area (mm^2)");
  for (const auto& [name, it] : {std::pair<const char*, iteration>{"floatpim", f}, {"sot", o}})
    std::printf("  %-8s %14.2f %14.3f %14.4f\n", name, it.latency_ns * 1e-3, it.energy_pj * 1e-6,
                it.area_um2 * 1e-6);
  std::printf("\n  floatpim / sot   %14s %14s %14s\n", "latency", "energy", "area");
  std::printf("  this platform    %13.2fx %13.2fx %13.2fx\n", f.latency_ns / o.latency_ns,
              f.energy_pj / o.energy_pj, f.area_um2 / o.area_um2);
  std::printf("  Wang et al.      %13.2fx %13.2fx %13.2fx   (arXiv 2003.01551: 1.8x, 3.3x, 2.5x)\n", 1.8, 3.3, 2.5);

  std::printf("\nSweep over the SOT full-add step (the Rice full adder is not published):\n");
  std::printf("  %-10s %-14s %12s %12s\n", "cycles", "fJ per row", "latency x", "energy x");
  const double pulse_ns = s->sot[fp_step::write].latency_ns, write_fj = s->sot[fp_step::write].energy_fj_per_row;
  for (int cyc : {1, 2, 3, 4, 6, 8, 13}) {
    fp_profile q = s->sot;
    q[fp_step::full_add].latency_ns = cyc * pulse_ns;
    q[fp_step::full_add].energy_fj_per_row = cyc * write_fj;
    const iteration r = train_iteration(q, l, batch);
    std::printf("  %-10d %-14.1f %11.2fx %11.2fx\n", cyc, cyc * write_fj, f.latency_ns / r.latency_ns,
                f.energy_pj / r.energy_pj);
  }
  std::printf("\nWhere ours differ: latency follows the step counts (both profiles run the same programs, so only\n"
              "the full-add step (%.0f vs %.0f ns) and the copy (%.0f vs %.0f ns) differ); energy follows the\n"
              "per-row step energies: %.1f fJ per ReRAM NOR against %.0f fJ per SOT write (the platform's\n"
              "0.16 pJ/bit SOT write), so the SOT design spends more unless its writes cost about %.0f fJ or less;\n"
              "area follows the cells: %.5f um^2 (FloatPIM's 1R crosspoint, 4.3 F^2) against %.4f um^2\n"
              "(2T-2MTJ, 96 F^2). The paper's ratios need a SOT cell and write energy it does not publish.\n",
              s->floatpim[fp_step::full_add].latency_ns, s->sot[fp_step::full_add].latency_ns,
              s->floatpim[fp_step::copy].latency_ns, s->sot[fp_step::copy].latency_ns,
              s->floatpim[fp_step::nor].energy_fj_per_row, s->sot[fp_step::nor].energy_fj_per_row,
              // energy is nearly proportional to the SOT write energy: the write that gives 3.3x
              f.energy_pj / o.energy_pj * s->sot[fp_step::write].energy_fj_per_row / 3.3,
              s->floatpim.cell_area_um2, s->sot.cell_area_um2);
  return 0;
}
