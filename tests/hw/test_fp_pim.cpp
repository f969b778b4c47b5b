// The fp_pim kind through the command ring: training operations in bf16 against an independent
// reference (tests/core/bf16_reference.h, doubles rounded to bf16, summed in the register map's
// pairwise tree), refusals of bad descriptors, tensors and configurations, and its costs.
#include "accel_bench.h"

#include "core/bf16_reference.h"
#include "hw/accel/cost/tech_file.h"
#include "hw/accel/tiles/fp_pim/fp_pim_group.h"
#include "runner.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace stoxvp::test {
namespace {

uint16_t random_bf16(std::mt19937& g, int emin, int emax) {
  const int e = emin + int(g() % uint32_t(emax - emin + 1));
  return uint16_t(((g() & 1) << 15) | (e << 7) | (g() & 0x7f));
}

hw::accelerator_config fp_chip(double profile, double rows = 64, double blocks = 16, double columns = 1024) {
  hw::accelerator_config cfg;
  hw::tile_group xbar;
  xbar.kind = "xbar";
  xbar.count = cfg.tiles;
  hw::tile_group fp;
  fp.kind = "fp_pim";
  fp.count = 2;
  fp.params = {{"rows", rows}, {"columns", columns}, {"blocks_per_tile", blocks}, {"profile", profile}};
  cfg.tile_groups = {xbar, fp};
  return cfg;
}

stoxvp_desc tensor_desc(uint16_t op, uint16_t tensor, uint32_t rows, uint32_t cols, uint64_t a, uint64_t b) {
  stoxvp_desc d = make_desc(op);
  d.args.fp_tensor.addr_a = a;
  d.args.fp_tensor.addr_b = b;
  d.args.fp_tensor.rows = rows;
  d.args.fp_tensor.cols = cols;
  d.args.fp_tensor.tensor = tensor;
  return d;
}

struct fp_bench : accel_bench {
  static constexpr uint64_t ring = kDram, W = kDram + 0x10000, X = kDram + 0x80000, D = kDram + 0x90000,
                            Y = kDram + 0xa0000, Z = kDram + 0xb0000, G = kDram + 0xc0000, W2 = kDram + 0x100000;
  void put16(uint64_t addr, const std::vector<uint16_t>& v) { std::memcpy(mem(addr), v.data(), v.size() * 2); }
  std::vector<uint16_t> get16(uint64_t addr, size_t n) {
    std::vector<uint16_t> v(n);
    std::memcpy(v.data(), mem(addr), n * 2);
    return v;
  }
  // Runs the descriptors; returns ERROR_CODE (and ERROR_ADDR in *addr).
  uint32_t run_ring(std::vector<stoxvp_desc> ds, uint64_t* addr = nullptr) {
    ds.back().hdr.flags |= STOXVP_DESC_F_IRQ;
    for (uint32_t i = 0; i < ds.size(); ++i) put_desc(ring, i, ds[i]);
    uint32_t code = ~0u;
    run([&](stimulus& s) {
      start_ring(s, ring, 64);
      set(s, STOXVP_REG_RING_TAIL, uint32_t(ds.size()));
      EXPECT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_SEC)));
      code = reg(s, STOXVP_REG_ERROR_CODE);
      if (addr) *addr = reg(s, STOXVP_REG_ERROR_ADDR_LO) | (uint64_t(reg(s, STOXVP_REG_ERROR_ADDR_HI)) << 32);
    });
    return code;
  }
  hw::fp_pim_group& group() { return dynamic_cast<hw::fp_pim_group&>(*acc->tile_groups().at(1)); }
};

}  // namespace

// A training step on a 60 x 150 layer spread over row blocks (64 rows) and column groups
// (49 fields): forward, backward, update, read back; each result against the reference.
TEST_F(fp_bench, ForwardBackwardAndUpdateEqualTheReference) {
  build(fp_chip(0));
  const uint32_t M = 60, K = 150;
  std::mt19937 g(7);
  std::vector<uint16_t> w(M * K), x(K), d(M), gr(M);
  for (auto& v : w) v = random_bf16(g, 117, 128);
  for (auto& v : x) v = random_bf16(g, 110, 130);
  for (auto& v : d) v = random_bf16(g, 110, 130);
  for (auto& v : gr) v = random_bf16(g, 100, 120);
  put16(W, w);
  put16(X, x);
  put16(D, d);
  put16(G, gr);
  ASSERT_EQ(run_ring({tensor_desc(STOXVP_OP_FP_LOAD, 3, M, K, W, 0), tensor_desc(STOXVP_OP_FP_GEMV, 3, M, K, X, Y),
                      tensor_desc(STOXVP_OP_FP_GEMV_T, 3, M, K, D, Z), tensor_desc(STOXVP_OP_FP_UPDATE, 3, M, K, G, X),
                      tensor_desc(STOXVP_OP_FP_STORE, 3, M, K, W2, 0)}),
            uint32_t(STOXVP_ERR_NONE));
  const auto y = get16(Y, M), z = get16(Z, K), w2 = get16(W2, M * K);
  for (uint32_t j = 0; j < M; ++j) {
    std::vector<uint16_t> t(K);
    for (uint32_t k = 0; k < K; ++k) t[k] = bf16_ref::mul(w[j * K + k], x[k]);
    EXPECT_EQ(y[j], bf16_ref::tree(t)) << "y[" << j << "]";
  }
  for (uint32_t k = 0; k < K; ++k) {
    std::vector<uint16_t> t(M);
    for (uint32_t j = 0; j < M; ++j) t[j] = bf16_ref::mul(w[j * K + k], d[j]);
    EXPECT_EQ(z[k], bf16_ref::tree(t)) << "z[" << k << "]";
  }
  uint64_t bad = 0;
  for (uint32_t j = 0; j < M; ++j)
    for (uint32_t k = 0; k < K; ++k)
      bad += w2[j * K + k] != bf16_ref::add(w[j * K + k], bf16_ref::mul(gr[j], x[k]));
  EXPECT_EQ(bad, 0u);
  // 3 row blocks x 2 column groups.
  EXPECT_EQ(group().tensor(3).blocks.size(), 6u);
  EXPECT_EQ(group().fields_per_row(), 49u);
  EXPECT_EQ(group().bf16_muls, 3u * M * K);
  EXPECT_GT(acc->ledger().dynamic()[hw::fp_pim_array_component().id()], 0.0);
  EXPECT_GT(acc->ledger().dynamic()[hw::fp_pim_transfer_component().id()], 0.0);
}

TEST_F(fp_bench, ElementwiseOperationsEqualTheReference) {
  build(fp_chip(1));
  const uint32_t n = 300;
  std::mt19937 g(9);
  std::vector<uint16_t> a(n), b(n);
  for (auto& v : a) v = random_bf16(g, 0, 254);
  for (auto& v : b) v = random_bf16(g, 0, 254);
  a[0] = 0x8000;
  b[1] = 0x0000;
  b[2] = 0x0001;  // a positive subnormal: zero, so the mask closes
  put16(X, a);
  put16(D, b);
  const uint16_t scalar = 0xbc23;
  for (uint16_t op = STOXVP_FP_EW_ADD; op <= STOXVP_FP_EW_RELU_MASK; ++op) {
    stoxvp_desc d = make_desc(STOXVP_OP_FP_EW);
    d.args.fp_ew = {X, (op == STOXVP_FP_EW_SCALE || op == STOXVP_FP_EW_RELU) ? 0 : D, Y, n, op, scalar};
    build(fp_chip(1));
    put16(X, a);
    put16(D, b);
    ASSERT_EQ(run_ring({d}), uint32_t(STOXVP_ERR_NONE)) << op;
    const auto y = get16(Y, n);
    for (uint32_t i = 0; i < n; ++i) {
      uint16_t want = 0;
      auto pos = [](uint16_t v) { return bf16_ref::to_double(v) > 0 || (!(v & 0x8000) && (v >> 7) == 0xff); };
      switch (op) {
        case STOXVP_FP_EW_ADD: want = bf16_ref::add(a[i], b[i]); break;
        case STOXVP_FP_EW_SUB: want = bf16_ref::add(a[i], uint16_t(b[i] ^ 0x8000)); break;
        case STOXVP_FP_EW_MUL: want = bf16_ref::mul(a[i], b[i]); break;
        case STOXVP_FP_EW_SCALE: want = bf16_ref::mul(a[i], scalar); break;
        case STOXVP_FP_EW_RELU: want = pos(a[i]) ? a[i] : 0; break;
        default: want = pos(b[i]) ? a[i] : 0; break;
      }
      ASSERT_EQ(y[i], want) << "op " << op << " element " << i;
    }
  }
}

TEST_F(fp_bench, BadDescriptorsAndTensorsAreRefused) {
  const uint32_t M = 8, K = 8;
  std::vector<uint16_t> w(M * K, 0x3f80);
  auto expect = [&](std::vector<stoxvp_desc> ds, uint32_t code, uint64_t want_addr = ~0ull) {
    build(fp_chip(0));
    put16(W, w);
    uint64_t addr = 0;
    EXPECT_EQ(run_ring(std::move(ds), &addr), code);
    if (want_addr != ~0ull) {
      EXPECT_EQ(addr, want_addr);
    }
  };
  expect({tensor_desc(STOXVP_OP_FP_GEMV, 0, M, K, X, Y)}, STOXVP_ERR_NOT_PROGRAMMED);
  expect({tensor_desc(STOXVP_OP_FP_LOAD, 16, M, K, W, 0)}, STOXVP_ERR_BAD_PARAM);
  expect({tensor_desc(STOXVP_OP_FP_LOAD, 0, 0, K, W, 0)}, STOXVP_ERR_BAD_SHAPE);
  expect({tensor_desc(STOXVP_OP_FP_LOAD, 0, M, K, 0, 0)}, STOXVP_ERR_BAD_ADDRESS);
  expect({tensor_desc(STOXVP_OP_FP_LOAD, 0, M, K, W, X)}, STOXVP_ERR_BAD_PARAM);
  expect({tensor_desc(STOXVP_OP_FP_LOAD, 0, M, K, W, 0), tensor_desc(STOXVP_OP_FP_GEMV, 0, M, K + 1, X, Y)},
         STOXVP_ERR_BAD_SHAPE);
  expect({tensor_desc(STOXVP_OP_FP_LOAD, 0, M, K, W, 0), tensor_desc(STOXVP_OP_FP_GEMV, 0, M, K, X, 0)},
         STOXVP_ERR_BAD_ADDRESS);
  // 2 tiles x 16 blocks of 64 rows x 49 fields: 49 x 2049 needs 33 blocks.
  expect({tensor_desc(STOXVP_OP_FP_LOAD, 0, 49, 2049, W, 0)}, STOXVP_ERR_BAD_SHAPE);
  // Shapes whose block count overflows 32 bits are refused before anything is fetched.
  expect({tensor_desc(STOXVP_OP_FP_LOAD, 0, 0xffffffffu, 0xffffffffu, W, 0)}, STOXVP_ERR_BAD_SHAPE);
  // A NaN weight, refused with its address.
  w[13] = 0x7fc1;
  expect({tensor_desc(STOXVP_OP_FP_LOAD, 0, M, K, W, 0)}, STOXVP_ERR_BAD_WEIGHT, W + 26);
  w[13] = 0xff80;
  expect({tensor_desc(STOXVP_OP_FP_LOAD, 0, M, K, W, 0)}, STOXVP_ERR_BAD_WEIGHT, W + 26);
  stoxvp_desc e = make_desc(STOXVP_OP_FP_EW);
  e.args.fp_ew = {X, D, Y, 4, 6, 0};
  expect({e}, STOXVP_ERR_BAD_PARAM);
  e.args.fp_ew = {X, D, Y, 0, STOXVP_FP_EW_ADD, 0};
  expect({e}, STOXVP_ERR_BAD_SHAPE);
  e.args.fp_ew = {X, D, Y, 4, STOXVP_FP_EW_RELU, 0};
  expect({e}, STOXVP_ERR_BAD_PARAM);
}

TEST_F(fp_bench, AChipWithoutTheKindRefusesItsOpcodes) {
  build();
  EXPECT_EQ(run_ring({tensor_desc(STOXVP_OP_FP_LOAD, 0, 1, 1, W, 0)}), uint32_t(STOXVP_ERR_BAD_OPCODE));
}

TEST_F(fp_bench, ItsConfigurationIsChecked) {
  auto refused = [&](hw::accelerator_config cfg, const std::string& what) {
    try {
      build(cfg);
      FAIL() << what << " was accepted";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("tile_groups[1]"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  refused(fp_chip(2), "'profile' = 2");
  refused(fp_chip(0, 64, 16, 200), "'columns' = 200");
  refused(fp_chip(0, 0), "'rows' = 0");
  auto cfg = fp_chip(0);
  cfg.tile_groups[1].params.erase("blocks_per_tile");
  refused(cfg, "'blocks_per_tile' is missing");
}

// The same descriptors under both profiles: the same results, different time and energy, each
// what the cost functions of the group give.
TEST_F(fp_bench, BothProfilesComputeTheSameAndCostWhatTheyCharge) {
  const uint32_t M = 10, K = 128;
  std::mt19937 g(3);
  std::vector<uint16_t> w(M * K), x(K);
  for (auto& v : w) v = random_bf16(g, 120, 128);
  for (auto& v : x) v = random_bf16(g, 120, 128);
  std::vector<uint16_t> y[2];
  double energy[2], time_ns[2];
  for (int p = 0; p < 2; ++p) {
    build(fp_chip(p, 1024));
    put16(W, w);
    put16(X, x);
    ASSERT_EQ(run_ring({tensor_desc(STOXVP_OP_FP_LOAD, 0, M, K, W, 0), tensor_desc(STOXVP_OP_FP_GEMV, 0, M, K, X, Y)}),
              uint32_t(STOXVP_ERR_NONE));
    y[p] = get16(Y, M);
    energy[p] = acc->ledger().dynamic()[hw::fp_pim_array_component().id()] +
                acc->ledger().dynamic()[hw::fp_pim_transfer_component().id()];
    const auto c1 = group().cost_load(M, K), c2 = group().cost_gemv(M, K);
    EXPECT_NEAR(energy[p], c1.array_pj + c1.transfer_pj + c2.array_pj + c2.transfer_pj, 1e-6 * energy[p]);
    time_ns[p] = group().tiles().front()->busy().to_seconds() * 1e9;
  }
  EXPECT_EQ(y[0], y[1]);
  EXPECT_NE(energy[0], energy[1]);
  EXPECT_NE(time_ns[0], time_ns[1]);
}

// Training through the ring, as the training firmware will drive it: an MLP 784-128-10 on the
// first Fashion-MNIST training images, mini-batches of 4, squared-error gradient, two iterations.
// Per image: h' = W1 x + b1, h = relu(h'), o = W2 h + b2, e = o - t, g2 = -lr e,
// dh = relu_mask(W2^T e, h'), g1 = -lr dh; then per image in order: W2 += g2 h^T, W1 += g1 x^T,
// b2 += g2, b1 += g1. The weights read back equal, bit for bit, a reference that rounds every
// operation to bf16 in that order (bf16_reference.h, the register map's summation tree).
TEST_F(fp_bench, MiniBatchTrainingOnFashionMnistEqualsTheReference) {
  const std::string images = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
  const std::string labels = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
  if (!std::filesystem::exists(images) || !std::filesystem::exists(labels)) GTEST_SKIP() << images << " missing";
  const auto img = runner::read_idx_images(images);
  const auto lab = runner::read_idx_labels(labels);
  constexpr uint32_t IN = 784, HID = 128, OUT = 10, B = 4, ITER = 2;
  constexpr uint64_t RING = kDram, W1 = kDram + 0x100000, W2 = kDram + 0x140000, B1 = kDram + 0x150000,
                     B2 = kDram + 0x151000, SAMPLE = kDram + 0x200000, W1OUT = kDram + 0x400000,
                     W2OUT = kDram + 0x440000;
  enum : uint64_t { X = 0, T = 0x800, HP = 0x900, H = 0xa00, O = 0xb00, E = 0xb40, G2 = 0xb80, DH = 0xc00,
                    DHM = 0xd00, G1 = 0xe00, STRIDE = 0x1000 };
  auto at = [&](uint32_t it, uint32_t b, uint64_t off) { return SAMPLE + (uint64_t(it) * B + b) * STRIDE + off; };
  const uint16_t lr = bf16_ref::from_double(-0.05);

  std::mt19937 g(11);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<uint16_t> w1(HID * IN), w2(OUT * HID), b1(HID, 0), b2(OUT, 0);
  for (auto& v : w1) v = bf16_ref::from_double(u(g) / std::sqrt(double(IN)));
  for (auto& v : w2) v = bf16_ref::from_double(u(g) / std::sqrt(double(HID)));
  build(fp_chip(0, 1024, 4));
  put16(W1, w1);
  put16(W2, w2);
  put16(B1, b1);
  put16(B2, b2);
  std::vector<std::vector<uint16_t>> xs(ITER * B), ts(ITER * B);
  for (uint32_t i = 0; i < ITER * B; ++i) {
    xs[i].resize(IN);
    for (uint32_t k = 0; k < IN; ++k) xs[i][k] = bf16_ref::from_double(img.pixels[size_t(i) * IN + k] / 255.0);
    ts[i].assign(OUT, 0);
    ts[i][lab[i]] = 0x3f80;
    put16(at(i / B, i % B, X), xs[i]);
    put16(at(i / B, i % B, T), ts[i]);
  }
  auto ew = [](uint16_t op, uint64_t a, uint64_t b, uint64_t out, uint32_t n, uint16_t scalar = 0) {
    stoxvp_desc d = make_desc(STOXVP_OP_FP_EW);
    d.args.fp_ew = {a, b, out, n, op, scalar};
    return d;
  };
  std::vector<stoxvp_desc> ds = {tensor_desc(STOXVP_OP_FP_LOAD, 1, HID, IN, W1, 0),
                                 tensor_desc(STOXVP_OP_FP_LOAD, 2, OUT, HID, W2, 0)};
  for (uint32_t it = 0; it < ITER; ++it) {
    for (uint32_t b = 0; b < B; ++b) {
      ds.push_back(tensor_desc(STOXVP_OP_FP_GEMV, 1, HID, IN, at(it, b, X), at(it, b, HP)));
      ds.push_back(ew(STOXVP_FP_EW_ADD, at(it, b, HP), B1, at(it, b, HP), HID));
      ds.push_back(ew(STOXVP_FP_EW_RELU, at(it, b, HP), 0, at(it, b, H), HID));
      ds.push_back(tensor_desc(STOXVP_OP_FP_GEMV, 2, OUT, HID, at(it, b, H), at(it, b, O)));
      ds.push_back(ew(STOXVP_FP_EW_ADD, at(it, b, O), B2, at(it, b, O), OUT));
      ds.push_back(ew(STOXVP_FP_EW_SUB, at(it, b, O), at(it, b, T), at(it, b, E), OUT));
      ds.push_back(ew(STOXVP_FP_EW_SCALE, at(it, b, E), 0, at(it, b, G2), OUT, lr));
      ds.push_back(tensor_desc(STOXVP_OP_FP_GEMV_T, 2, OUT, HID, at(it, b, E), at(it, b, DH)));
      ds.push_back(ew(STOXVP_FP_EW_RELU_MASK, at(it, b, DH), at(it, b, HP), at(it, b, DHM), HID));
      ds.push_back(ew(STOXVP_FP_EW_SCALE, at(it, b, DHM), 0, at(it, b, G1), HID, lr));
    }
    for (uint32_t b = 0; b < B; ++b) {
      ds.push_back(tensor_desc(STOXVP_OP_FP_UPDATE, 2, OUT, HID, at(it, b, G2), at(it, b, H)));
      ds.push_back(tensor_desc(STOXVP_OP_FP_UPDATE, 1, HID, IN, at(it, b, G1), at(it, b, X)));
      ds.push_back(ew(STOXVP_FP_EW_ADD, B2, at(it, b, G2), B2, OUT));
      ds.push_back(ew(STOXVP_FP_EW_ADD, B1, at(it, b, G1), B1, HID));
    }
  }
  ds.push_back(tensor_desc(STOXVP_OP_FP_STORE, 1, HID, IN, W1OUT, 0));
  ds.push_back(tensor_desc(STOXVP_OP_FP_STORE, 2, OUT, HID, W2OUT, 0));
  ASSERT_LE(ds.size(), 500u);
  ds.back().hdr.flags |= STOXVP_DESC_F_IRQ;
  for (uint32_t i = 0; i < ds.size(); ++i) put_desc(RING, i, ds[i]);
  run([&](stimulus& s) {
    start_ring(s, RING, 512);
    set(s, STOXVP_REG_RING_TAIL, uint32_t(ds.size()));
    ASSERT_TRUE(s.wait_irq(sc_core::sc_time(10, sc_core::SC_SEC)));
    EXPECT_EQ(reg(s, STOXVP_REG_ERROR_CODE), uint32_t(STOXVP_ERR_NONE));
  });

  // The reference (tests/core/bf16_reference.h), from the same starting weights.
  bf16_ref::mlp ref{IN, HID, OUT, w1, b1, w2, b2};
  for (uint32_t it = 0; it < ITER; ++it) {
    const auto first = size_t(it) * B, last = first + B;
    bf16_ref::sgd_iteration(ref, {xs.begin() + first, xs.begin() + last}, {ts.begin() + first, ts.begin() + last}, lr);
  }
  const auto pw1 = get16(W1OUT, HID * IN), pw2 = get16(W2OUT, OUT * HID);
  uint64_t diff1 = 0, changed = 0;
  for (size_t i = 0; i < w1.size(); ++i) {
    diff1 += pw1[i] != ref.w1[i];
    changed += ref.w1[i] != w1[i];
  }
  EXPECT_EQ(diff1, 0u);
  EXPECT_GT(changed, w1.size() / 10);  // training moved the weights
  EXPECT_EQ(pw2, ref.w2);
  EXPECT_EQ(get16(B1, HID), ref.b1);
  EXPECT_EQ(get16(B2, OUT), ref.b2);
}

TEST(FpPimTechnology, TheSectionIsStrictAndSourced) {
  std::ifstream f(std::string(STOXVP_SOURCE_DIR) + "/configs/tech/default.json");
  std::stringstream ss;
  ss << f.rdbuf();
  const auto j = nlohmann::json::parse(ss.str());
  const tech_file t = parse_tech(j, "default.json");
  const auto* s = t.tech.section<hw::fp_pim_tech_section>("fp_pim");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->floatpim[core::fp_step::full_add].latency_ns, 13.0);
  EXPECT_FALSE(t.sources.at("fp_pim.sot.full_add_latency_ns").empty());
  auto k = j;
  k["tiles"]["fp_pim"]["floatpim"]["nor_latency_ns"].erase("source");
  try {
    parse_tech(k, "x.json");
    FAIL() << "a value without a source was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("tiles.fp_pim.floatpim.nor_latency_ns"), std::string::npos) << e.what();
  }
  k = j;
  k["tiles"]["fp_pim"]["sot"]["warp_factor_ns"] = {{"value", 1}, {"source", "x"}};
  EXPECT_THROW(parse_tech(k, "x.json"), std::exception);
  k = j;
  k["tiles"]["fp_pim"].erase("sot");
  EXPECT_THROW(parse_tech(k, "x.json"), std::exception);
}

}  // namespace stoxvp::test
