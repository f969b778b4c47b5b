// The command processor: ring wrap-around, interrupts, performance counters, and every kind of
// malformed descriptor or ring setup, which must set the error code and interrupt, not crash.
#include "accel_bench.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

using namespace stoxvp;
using namespace stoxvp::test;

namespace {

constexpr uint64_t kRing = kDram;            // ring at the start of DRAM
constexpr uint64_t kData = kDram + 0x10000;  // operands after it

// Naive reference, written independently of hw/core.
std::vector<int32_t> fc_reference(const std::vector<int8_t>& x, const std::vector<int8_t>& w, int K, int N) {
  std::vector<int32_t> y(N);
  for (int n = 0; n < N; ++n) {
    int64_t acc = 0;
    for (int k = 0; k < K; ++k) acc += int64_t(x[k]) * w[size_t(n) * K + k];
    y[n] = static_cast<int32_t>(acc);
  }
  return y;
}

// An exact fully-connected layer in the digital unit: raw int32 accumulators out.
stoxvp_desc digital_fc(uint64_t x, uint64_t w, uint64_t y, uint16_t K, uint16_t N, uint32_t flags = 0) {
  stoxvp_desc d = make_desc(STOXVP_OP_DIGITAL_CONV, flags);
  auto& a = d.args.conv;
  a.input_addr = x;
  a.weight_addr = w;
  a.output_addr = y;
  a.in_channels = K;
  a.in_h = a.in_w = 1;
  a.out_channels = N;
  a.kernel_h = a.kernel_w = a.stride = 1;
  a.w_bits = 8;
  a.a_bits = 8;
  a.out_format = STOXVP_OUT_INT32;
  return d;
}

TEST_F(accel_bench, RingWrapsAroundAndEveryResultIsExact) {
  build();
  constexpr uint32_t kSlots = 4;
  constexpr int K = 100, N = 7, kJobs = 11;  // 11 jobs through 4 slots: wraps three times
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> i8(-127, 127);
  std::vector<std::vector<int8_t>> xs(kJobs, std::vector<int8_t>(K)), ws(kJobs, std::vector<int8_t>(K * N));
  const uint64_t stride = 0x1000;
  for (int j = 0; j < kJobs; ++j) {
    for (auto& v : xs[j]) v = static_cast<int8_t>(i8(rng));
    for (auto& v : ws[j]) v = static_cast<int8_t>(i8(rng));
    const uint64_t base = kData + j * stride;
    std::memcpy(mem(base), xs[j].data(), K);
    std::memcpy(mem(base + 0x100), ws[j].data(), K * N);
  }
  run([&](stimulus& s) {
    start_ring(s, kRing, kSlots);
    uint32_t tail = 0;
    for (int j = 0; j < kJobs; ++j) {
      const uint32_t next = (tail + 1) % kSlots;
      while (reg(s, STOXVP_REG_RING_HEAD) == next) wait(100, sc_core::SC_NS);  // full
      const uint64_t base = kData + j * stride;
      put_desc(kRing, tail, digital_fc(base, base + 0x100, base + 0xC00, K, N,
                                       j == kJobs - 1 ? STOXVP_DESC_F_IRQ : 0));
      tail = next;
      set(s, STOXVP_REG_RING_TAIL, tail);
    }
    ASSERT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_MS)));
    EXPECT_EQ(reg(s, STOXVP_REG_IRQ_STATUS), static_cast<uint32_t>(STOXVP_IRQ_STATUS_DONE));
    EXPECT_EQ(reg(s, STOXVP_REG_RING_HEAD), tail);
    EXPECT_EQ(reg(s, STOXVP_REG_ERROR_CODE), 0u);
    EXPECT_EQ(reg(s, STOXVP_REG_STATUS), static_cast<uint32_t>(STOXVP_STATUS_RING_EMPTY));
    EXPECT_EQ(reg(s, STOXVP_REG_PERF_DESC_DONE), static_cast<uint32_t>(kJobs));
    const uint64_t macs = reg(s, STOXVP_REG_PERF_MACS_LO) |
                          (uint64_t(reg(s, STOXVP_REG_PERF_MACS_HI)) << 32);
    EXPECT_EQ(macs, uint64_t(kJobs) * K * N);
    const uint32_t rd = reg(s, STOXVP_REG_PERF_DMA_RD_LO);
    EXPECT_EQ(rd, kJobs * (STOXVP_DESC_SIZE + K + K * N));
    EXPECT_EQ(reg(s, STOXVP_REG_PERF_DMA_WR_LO), static_cast<uint32_t>(kJobs * N * 4));
    EXPECT_GT(reg(s, STOXVP_REG_PERF_BUSY_LO), 0u);
    set(s, STOXVP_REG_PERF_CTRL, STOXVP_PERF_CTRL_CLEAR);
    EXPECT_EQ(reg(s, STOXVP_REG_PERF_DESC_DONE), 0u);
    EXPECT_EQ(reg(s, STOXVP_REG_PERF_MACS_LO), 0u);
  });
  for (int j = 0; j < kJobs; ++j) {
    const auto expect = fc_reference(xs[j], ws[j], K, N);
    std::vector<int32_t> got(N);
    std::memcpy(got.data(), mem(kData + j * stride + 0xC00), N * 4);
    EXPECT_EQ(got, expect) << "job " << j;
  }
  EXPECT_EQ(acc->stats().descriptors, uint64_t(kJobs));
}

// Runs one descriptor in slot 0 and returns what the hardware reported.
struct outcome {
  uint32_t code, slot, status;
  uint64_t addr;
  bool irq;
};

struct bad_descriptor : accel_bench {
  outcome run_one(const stoxvp_desc& d) {
    build();
    put_desc(kRing, 0, d);
    outcome o{};
    run([&](stimulus& s) {
      start_ring(s, kRing, 4);
      set(s, STOXVP_REG_RING_TAIL, 1);
      o.irq = s.wait_irq(sc_core::sc_time(1, sc_core::SC_MS));
      o.code = reg(s, STOXVP_REG_ERROR_CODE);
      o.slot = reg(s, STOXVP_REG_ERROR_SLOT);
      o.status = reg(s, STOXVP_REG_STATUS);
      o.addr = reg(s, STOXVP_REG_ERROR_ADDR_LO) | (uint64_t(reg(s, STOXVP_REG_ERROR_ADDR_HI)) << 32);
      EXPECT_EQ(reg(s, STOXVP_REG_RING_HEAD), 0u) << "a failed descriptor is not consumed";
    });
    return o;
  }
  static stoxvp_desc fc(uint32_t K, uint32_t N) {
    return digital_fc(kData, kData + 0x1000, kData + 0x20000, static_cast<uint16_t>(K), static_cast<uint16_t>(N));
  }
};

TEST_F(bad_descriptor, UnknownOpcode) {
  log_capture log;
  const outcome o = run_one(make_desc(0x77));
  EXPECT_TRUE(o.irq);
  EXPECT_EQ(o.code, static_cast<uint32_t>(STOXVP_ERR_BAD_OPCODE));
  EXPECT_EQ(o.slot, 0u);
  EXPECT_TRUE(o.status & STOXVP_STATUS_HALTED);
  EXPECT_TRUE(log.contains({"command_processor", "opcode 119"})) << log.all();
}

TEST_F(bad_descriptor, WrongVersion) {
  stoxvp_desc d = make_desc(STOXVP_OP_NOP);
  d.hdr.version = 9;
  const outcome o = run_one(d);
  EXPECT_TRUE(o.irq);
  EXPECT_EQ(o.code, static_cast<uint32_t>(STOXVP_ERR_BAD_VERSION));
}

TEST_F(bad_descriptor, ZeroOrHugeShapes) {
  EXPECT_EQ(run_one(fc(0, 4)).code, static_cast<uint32_t>(STOXVP_ERR_BAD_SHAPE));
  EXPECT_EQ(run_one(fc(4, 0)).code, static_cast<uint32_t>(STOXVP_ERR_BAD_SHAPE));
  // Each size legal, but the weights exceed the operand limit: rejected before any DMA.
  log_capture log;
  EXPECT_EQ(run_one(fc(65535, 65535)).code, static_cast<uint32_t>(STOXVP_ERR_BAD_SHAPE));
  EXPECT_TRUE(log.contains({"DIGITAL_CONV weights of 4294836225 bytes exceed"})) << log.all();
}

TEST_F(bad_descriptor, NullOrMisalignedOperand) {
  stoxvp_desc d = fc(4, 4);
  d.args.conv.output_addr = kData + 2;
  outcome o = run_one(d);
  EXPECT_EQ(o.code, static_cast<uint32_t>(STOXVP_ERR_BAD_ADDRESS));
  EXPECT_EQ(o.addr, kData + 2);
  d = fc(4, 4);
  d.args.conv.input_addr = 0;
  EXPECT_EQ(run_one(d).code, static_cast<uint32_t>(STOXVP_ERR_BAD_ADDRESS));
}

TEST_F(bad_descriptor, UnmappedOperandIsADmaFaultWithTheAddress) {
  log_capture log;
  stoxvp_desc d = fc(16, 4);
  d.args.conv.weight_addr = 0x50000000;
  const outcome o = run_one(d);
  EXPECT_TRUE(o.irq);
  EXPECT_EQ(o.code, static_cast<uint32_t>(STOXVP_ERR_DMA_FAULT));
  EXPECT_EQ(o.addr, 0x50000000u);
  EXPECT_TRUE(log.contains({"bus", "accelerator.dma", "0x0000000050000000"})) << log.all();
}

TEST_F(bad_descriptor, OperandRunningOffTheEndOfDram) {
  stoxvp_desc d = fc(64, 1);
  d.args.conv.input_addr = kDram + kDramSize - 32;
  const outcome o = run_one(d);
  EXPECT_EQ(o.code, static_cast<uint32_t>(STOXVP_ERR_DMA_FAULT));
  // The first 32 bytes fit; the burst after them is the one that fails.
  EXPECT_EQ(o.addr, kDram + kDramSize);
}

TEST_F(accel_bench, DoorbellBeyondRingSizeHalts) {
  build();
  run([&](stimulus& s) {
    start_ring(s, kRing, 4);
    set(s, STOXVP_REG_RING_TAIL, 4);
    EXPECT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_US)));
    EXPECT_EQ(reg(s, STOXVP_REG_ERROR_CODE), static_cast<uint32_t>(STOXVP_ERR_BAD_DOORBELL));
    EXPECT_EQ(reg(s, STOXVP_REG_RING_TAIL), 0u);
  });
}

TEST_F(accel_bench, EnablingABadRingHalts) {
  build();
  run([&](stimulus& s) {
    set(s, STOXVP_REG_RING_BASE_LO, static_cast<uint32_t>(kRing + 64));  // not 128-aligned
    set(s, STOXVP_REG_RING_SIZE, 8);
    set(s, STOXVP_REG_IRQ_ENABLE, STOXVP_IRQ_ENABLE_ERROR);
    set(s, STOXVP_REG_CTRL, STOXVP_CTRL_ENABLE);
    EXPECT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_US)));
    EXPECT_EQ(reg(s, STOXVP_REG_ERROR_CODE), static_cast<uint32_t>(STOXVP_ERR_BAD_RING));
  });
}

TEST_F(accel_bench, SoftResetRecoversFromAHalt) {
  build();
  put_desc(kRing, 0, make_desc(0x55));
  put_desc(kRing, 0x10, make_desc(STOXVP_OP_NOP, STOXVP_DESC_F_IRQ));  // slot 0 of the new ring
  run([&](stimulus& s) {
    start_ring(s, kRing, 4);
    set(s, STOXVP_REG_RING_TAIL, 1);
    ASSERT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_MS)));
    ASSERT_EQ(reg(s, STOXVP_REG_ERROR_CODE), static_cast<uint32_t>(STOXVP_ERR_BAD_OPCODE));
    set(s, STOXVP_REG_CTRL, STOXVP_CTRL_SOFT_RESET);
    EXPECT_EQ(reg(s, STOXVP_REG_ERROR_CODE), 0u);
    EXPECT_EQ(reg(s, STOXVP_REG_STATUS), static_cast<uint32_t>(STOXVP_STATUS_RING_EMPTY));
    EXPECT_EQ(reg(s, STOXVP_REG_CTRL), 0u) << "SOFT_RESET is self-clearing";
    start_ring(s, kRing + 0x10 * STOXVP_DESC_SIZE, 4);
    set(s, STOXVP_REG_RING_TAIL, 1);
    ASSERT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_MS)));
    EXPECT_EQ(reg(s, STOXVP_REG_IRQ_STATUS), static_cast<uint32_t>(STOXVP_IRQ_STATUS_DONE));
    EXPECT_EQ(reg(s, STOXVP_REG_RING_HEAD), 1u);
  });
}

TEST_F(accel_bench, CountersLatchTheirHighHalfOnLowRead) {
  build();
  run([&](stimulus& s) {
    start_ring(s, kRing, 4);
    put_desc(kRing, 0, digital_fc(kData, kData + 0x1000, kData + 0x20000, 64, 64, STOXVP_DESC_F_IRQ));
    set(s, STOXVP_REG_RING_TAIL, 1);
    ASSERT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_MS)));
    EXPECT_EQ(reg(s, STOXVP_REG_PERF_MACS_LO), 64u * 64u);
    EXPECT_EQ(reg(s, STOXVP_REG_PERF_MACS_HI), 0u);
  });
}

// Item 4 of issue 9: a conv whose output height does not fit the 16-bit field it becomes the
// next layer's in_h (1 x 65535 x 1 with padding 1 gives 65537 rows) is refused, not computed.
TEST_F(bad_descriptor, ConvOutputTooTallForItsFieldIsABadShape) {
  stoxvp_desc d = fc(1, 1);
  d.args.conv.in_h = 65535;
  d.args.conv.pad = 1;
  log_capture log;
  const outcome o = run_one(d);
  EXPECT_EQ(o.code, static_cast<uint32_t>(STOXVP_ERR_BAD_SHAPE));
  EXPECT_TRUE(log.contains({"DIGITAL_CONV output height = 65537", "exceeds 65535"})) << log.all();
  d = fc(1, 1);
  d.args.conv.in_w = 65535;
  d.args.conv.pad = 1;
  EXPECT_EQ(run_one(d).code, static_cast<uint32_t>(STOXVP_ERR_BAD_SHAPE));
}

// Global-buffer coherence (docs/registers.md): submits descriptors one at a time and waits.
struct coherence : accel_bench {
  uint32_t tail = 0;
  static constexpr uint32_t kSlots = 8;
  void submit(stimulus& s, stoxvp_desc d) {
    d.hdr.flags |= STOXVP_DESC_F_IRQ;
    put_desc(kRing, tail, d);
    tail = (tail + 1) % kSlots;
    set(s, STOXVP_REG_RING_TAIL, tail);
    ASSERT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_MS)));
    ASSERT_EQ(reg(s, STOXVP_REG_ERROR_CODE), 0u);
    set(s, STOXVP_REG_IRQ_STATUS, STOXVP_IRQ_STATUS_DONE);
  }
  static stoxvp_desc invalidate(uint64_t addr, uint64_t bytes) {
    stoxvp_desc d = make_desc(STOXVP_OP_GB_INVALIDATE);
    d.args.gb_invalidate.addr = addr;
    d.args.gb_invalidate.bytes = bytes;
    return d;
  }
  std::vector<int8_t> random_bytes(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> i8(-127, 127);
    std::vector<int8_t> v(n);
    for (auto& x : v) x = static_cast<int8_t>(i8(rng));
    return v;
  }
};

// The scenario: layer A writes buffer B without the keep flag, the CPU writes new bytes
// into B over the bus, layer C reads B: C must compute on the CPU's bytes, not A's output.
TEST_F(coherence, OutputWithoutKeepIsNotServedAfterTheCpuRewroteIt) {
  build();
  constexpr int K = 64, N = 16;
  const uint64_t x = kData, wa = kData + 0x1000, b = kData + 0x2000, wc = kData + 0x3000, y = kData + 0x4000;
  const auto xs = random_bytes(K, 1), was = random_bytes(K * N, 2), wcs = random_bytes(K * N, 3);
  const auto fresh = random_bytes(K, 4);  // B as the CPU rewrites it: K int8 inputs of C
  std::memcpy(mem(x), xs.data(), K);
  std::memcpy(mem(wa), was.data(), was.size());
  std::memcpy(mem(wc), wcs.data(), wcs.size());
  log_capture log;
  run([&](stimulus& s) {
    start_ring(s, kRing, kSlots);
    submit(s, digital_fc(x, wa, b, K, N));  // A: N int32 = K bytes at B
    std::vector<int8_t> bytes = fresh;
    ASSERT_EQ(s.access(tlm::TLM_WRITE_COMMAND, b, bytes.data(), K), tlm::TLM_OK_RESPONSE);
    submit(s, digital_fc(b, wc, y, K, N));  // C reads B
  });
  std::vector<int32_t> got(N);
  std::memcpy(got.data(), mem(y), N * 4);
  EXPECT_EQ(got, fc_reference(fresh, wcs, K, N));
  EXPECT_EQ(acc->stats().stale_reads, 0u);
  EXPECT_FALSE(log.contains({"stale global buffer"})) << log.all();
}

// A parameter block the buffer holds, rewritten in place by the CPU: with GB_INVALIDATE before
// the next use the layer sees the new block; without it the layer computes on the held copy
// (as the hardware would) and the platform warns and counts the stale read.
struct params_rewrite : coherence {
  static constexpr int K = 32, N = 4;
  const uint64_t x = kData, w = kData + 0x1000, params = kData + 0x2000, y1 = kData + 0x3000, y2 = kData + 0x3100;
  const uint64_t scales = params + sizeof(stoxvp_layer_params);

  void write_params(float scale) {
    stoxvp_layer_params h{};
    h.flags = STOXVP_PARAMS_F_OUT_AFFINE;
    std::memcpy(mem(params), &h, sizeof h);
    for (int n = 0; n < N; ++n) {
      const float zero = 0;
      std::memcpy(mem(scales + n * 4), &scale, 4);
      std::memcpy(mem(scales + (N + n) * 4), &zero, 4);
    }
  }
  stoxvp_desc layer(uint64_t y) {
    stoxvp_desc d = digital_fc(x, w, y, K, N);
    d.args.conv.params_addr = params;
    d.args.conv.out_format = STOXVP_OUT_FLOAT32;
    return d;
  }
  // Runs the layer, doubles the scale in memory, optionally invalidates, runs it again; returns
  // the ratio of the second result to the first per output.
  std::vector<float> ratios(bool invalidate_first) {
    build();
    const auto xs = random_bytes(K, 5), ws = random_bytes(K * N, 6);
    std::memcpy(mem(x), xs.data(), K);
    std::memcpy(mem(w), ws.data(), ws.size());
    write_params(1.0f);
    run([&](stimulus& s) {
      start_ring(s, kRing, kSlots);
      submit(s, layer(y1));
      const float two = 2.0f;
      for (int n = 0; n < N; ++n) {
        float v = two;
        ASSERT_EQ(s.access(tlm::TLM_WRITE_COMMAND, scales + n * 4, &v, 4), tlm::TLM_OK_RESPONSE);
      }
      if (invalidate_first) submit(s, invalidate(params, sizeof(stoxvp_layer_params) + 2 * N * 4));
      submit(s, layer(y2));
    });
    std::vector<float> r(N);
    for (int n = 0; n < N; ++n) {
      float a, b;
      std::memcpy(&a, mem(y1 + n * 4), 4);
      std::memcpy(&b, mem(y2 + n * 4), 4);
      EXPECT_NE(a, 0.0f);
      r[n] = b / a;
    }
    return r;
  }
};

TEST_F(params_rewrite, InvalidatedBlockIsReadFresh) {
  log_capture log;
  EXPECT_EQ(ratios(true), std::vector<float>(N, 2.0f));
  EXPECT_EQ(acc->stats().stale_reads, 0u);
  EXPECT_FALSE(log.contains({"stale global buffer"})) << log.all();
}

TEST_F(params_rewrite, BlockRewrittenWithoutInvalidateIsReportedStale) {
  log_capture log;
  EXPECT_EQ(ratios(false), std::vector<float>(N, 1.0f)) << "the held copy is what the hardware computes on";
  EXPECT_EQ(acc->stats().stale_reads, 1u);
  EXPECT_TRUE(log.contains({"stale global buffer", std::to_string(2 * N * 4) + " bytes at " + hex(scales),
                            "DIGITAL_CONV descriptor at ring slot 0", "GB_INVALIDATE"}))
      << log.all();
}

// A kept output lives only in the global buffer until GB_INVALIDATE writes it back.
TEST_F(coherence, InvalidateWritesKeptOutputsBack) {
  build();
  constexpr int K = 16, N = 8;
  const uint64_t x = kData, w = kData + 0x1000, y = kData + 0x2000;
  const auto xs = random_bytes(K, 7), ws = random_bytes(K * N, 8);
  std::memcpy(mem(x), xs.data(), K);
  std::memcpy(mem(w), ws.data(), ws.size());
  std::vector<int32_t> before(N), after(N);
  run([&](stimulus& s) {
    start_ring(s, kRing, kSlots);
    submit(s, digital_fc(x, w, y, K, N, STOXVP_DESC_F_KEEP_OUTPUT));
    std::memcpy(before.data(), mem(y), N * 4);
    submit(s, invalidate(y, N * 4));
    std::memcpy(after.data(), mem(y), N * 4);
  });
  EXPECT_EQ(before, std::vector<int32_t>(N, 0)) << "a kept output is not written to DRAM";
  EXPECT_EQ(after, fc_reference(xs, ws, K, N));
  EXPECT_EQ(acc->stats().by_opcode[STOXVP_OP_GB_INVALIDATE], 1u);
}

// The digital unit checks a held copy of weights once per copy and width, not per use: a copy
// fetched again after GB_INVALIDATE is checked again, and so is the same copy at a narrower width.
struct held_weights : coherence {
  static constexpr int K = 16, N = 4;
  const uint64_t x = kData, w = kData + 0x1000, y = kData + 0x2000;
  // Submits `d` and returns the error code it leaves (0: done).
  uint32_t error_of(stimulus& s, stoxvp_desc d) {
    d.hdr.flags |= STOXVP_DESC_F_IRQ;
    put_desc(kRing, tail, d);
    tail = (tail + 1) % kSlots;
    set(s, STOXVP_REG_RING_TAIL, tail);
    EXPECT_TRUE(s.wait_irq(sc_core::sc_time(1, sc_core::SC_MS)));
    set(s, STOXVP_REG_IRQ_STATUS, STOXVP_IRQ_STATUS_DONE);
    return reg(s, STOXVP_REG_ERROR_CODE);
  }
  uint64_t error_addr(stimulus& s) {
    return reg(s, STOXVP_REG_ERROR_ADDR_LO) | (uint64_t(reg(s, STOXVP_REG_ERROR_ADDR_HI)) << 32);
  }
  stoxvp_desc layer(uint8_t w_bits) {
    stoxvp_desc d = digital_fc(x, w, y, K, N);
    d.args.conv.w_bits = w_bits;
    return d;
  }
  void load() {
    build();
    auto ws = random_bytes(K * N, 9);
    for (auto& v : ws) v = static_cast<int8_t>(std::clamp<int>(v, -3, 3));
    ws[5] = 7;  // within 4 bits, beyond 3
    std::memcpy(mem(x), random_bytes(K, 10).data(), K);
    std::memcpy(mem(w), ws.data(), ws.size());
  }
};

TEST_F(held_weights, TheSameCopyAtANarrowerWidthIsCheckedAgain) {
  load();
  run([&](stimulus& s) {
    start_ring(s, kRing, kSlots);
    EXPECT_EQ(error_of(s, layer(4)), 0u);
    EXPECT_EQ(error_of(s, layer(4)), 0u) << "the held copy, within 4 bits";
    EXPECT_EQ(error_of(s, layer(3)), static_cast<uint32_t>(STOXVP_ERR_BAD_WEIGHT));
    EXPECT_EQ(error_addr(s), w + 5);
  });
  EXPECT_GT(acc->stats().gb_hit_bytes, 0u) << "the weights were held";
}

TEST_F(held_weights, ACopyFetchedAgainAfterInvalidateIsCheckedAgain) {
  load();
  run([&](stimulus& s) {
    start_ring(s, kRing, kSlots);
    EXPECT_EQ(error_of(s, layer(4)), 0u);
    EXPECT_EQ(error_of(s, layer(4)), 0u);
    int8_t beyond = 9;
    ASSERT_EQ(s.access(tlm::TLM_WRITE_COMMAND, w + 10, &beyond, 1), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(error_of(s, invalidate(w, K * N)), 0u);
    EXPECT_EQ(error_of(s, layer(4)), static_cast<uint32_t>(STOXVP_ERR_BAD_WEIGHT));
    EXPECT_EQ(error_addr(s), w + 10);
  });
}

}  // namespace
