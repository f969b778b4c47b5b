// What the platform does for every layer of every image, made cheap without changing a result:
// the weight range check, the global buffer's coherence comparison (through a direct memory
// pointer, or debug transport when the target grants none) and the output stage's parameters.
#include "hw/accel/dma_engine.h"
#include "hw/accel/layer_common.h"
#include "hw/core/layer_params.h"
#include "support/kernel.h"

#include <gtest/gtest.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <memory>
#include <random>

using namespace stoxvp;
using namespace stoxvp::test;

namespace {

// The plain definition, written independently of the block scan it checks.
int64_t first_out_of_range_reference(const std::vector<uint8_t>& w, uint32_t bits) {
  const int limit = (1 << (bits - 1)) - 1;
  for (size_t i = 0; i < w.size(); ++i) {
    const int v = static_cast<int8_t>(w[i]);
    if (v > limit || v < -limit) return static_cast<int64_t>(i);
  }
  return -1;
}

TEST(range_check, EveryByteValueAtEveryWidth) {
  for (uint32_t bits = 2; bits <= 8; ++bits)
    for (int v = 0; v < 256; ++v) {
      // Alone, at the end of a full block and in the tail after it.
      for (size_t at : {size_t(0), size_t(63), size_t(64), size_t(100)}) {
        std::vector<uint8_t> w(at + 1, 0);
        w[at] = static_cast<uint8_t>(v);
        EXPECT_EQ(hw::first_out_of_range(w, bits), first_out_of_range_reference(w, bits))
            << "bits " << bits << ", byte " << v << " at " << at;
      }
    }
}

TEST(range_check, FirstBadWeightOfRandomLayersEqualsThePlainScan) {
  std::mt19937 rng(15);
  for (uint32_t bits = 2; bits <= 8; ++bits) {
    const int limit = (1 << (bits - 1)) - 1;
    std::uniform_int_distribution<int> in_range(-limit, limit);
    for (size_t n : {size_t(0), size_t(1), size_t(63), size_t(64), size_t(65), size_t(200), size_t(31360)}) {
      std::vector<uint8_t> w(n);
      for (auto& b : w) b = static_cast<uint8_t>(static_cast<int8_t>(in_range(rng)));
      EXPECT_EQ(hw::first_out_of_range(w, bits), -1) << "bits " << bits << ", " << n << " weights";
      if (n == 0) continue;
      // One or two bad weights anywhere: the first one is named.
      for (int trial = 0; trial < 20; ++trial) {
        std::vector<uint8_t> bad = w;
        std::uniform_int_distribution<size_t> where(0, n - 1);
        const int out = bits == 8 ? -128 : (trial % 2 ? limit + 1 : -limit - 1 - trial % 3);
        bad[where(rng)] = static_cast<uint8_t>(static_cast<int8_t>(out));
        if (trial % 3 == 0) bad[where(rng)] = static_cast<uint8_t>(static_cast<int8_t>(out));
        EXPECT_EQ(hw::first_out_of_range(bad, bits), first_out_of_range_reference(bad, bits))
            << "bits " << bits << ", " << n << " weights, trial " << trial;
      }
    }
  }
}

TEST(output_affine, EqualsTheFullDecodingOfEveryKindOfBlock) {
  std::mt19937 rng(16);
  std::uniform_real_distribution<float> value(-4.0f, 4.0f);
  constexpr uint32_t N = 13;
  std::vector<float> scale{9.0f}, bias{9.0f, 8.0f};  // stale contents must go
  core::decode_output_affine({}, N, scale, bias);
  EXPECT_TRUE(scale.empty() && bias.empty()) << "no block: scale 1 and bias 0";
  for (uint32_t flags = 0; flags < 4; ++flags)
    for (bool table : {false, true}) {
      stoxvp_layer_params h{};
      h.flags = flags;
      h.curve = table ? STOXVP_CURVE_TABLE : 0;
      h.table_len = table ? 5 : 0;
      uint32_t floats = 0;
      if (flags & STOXVP_PARAMS_F_OUT_AFFINE) floats += 2 * N;
      if (flags & STOXVP_PARAMS_F_DRIVE) floats += 2 * N;
      if (table) floats += h.table_len;
      std::vector<uint8_t> raw(sizeof h + floats * 4);
      std::memcpy(raw.data(), &h, sizeof h);
      for (uint32_t i = 0; i < floats; ++i) {
        const float f = value(rng);
        std::memcpy(raw.data() + sizeof h + i * 4, &f, 4);
      }
      const core::layer_params full = core::decode_layer_params(raw, N);
      core::decode_output_affine(raw, N, scale, bias);
      EXPECT_EQ(scale, full.out_scale) << "flags " << flags << ", table " << table;
      EXPECT_EQ(bias, full.out_bias) << "flags " << flags << ", table " << table;
    }
}

// A memory whose direct memory pointer the test grants, refuses or withdraws.
struct test_memory : sc_core::sc_module {
  tlm_utils::simple_target_socket<test_memory> socket;
  std::vector<uint8_t> a, b;  // the storage in use: a, or b after move_storage()
  bool grant_dmi = true, moved = false;
  uint64_t dmi_requests = 0;

  explicit test_memory(sc_core::sc_module_name n) : sc_module(n), socket("socket"), a(4096), b(4096) {
    socket.register_b_transport(this, &test_memory::b_transport);
    socket.register_transport_dbg(this, &test_memory::transport_dbg);
    socket.register_get_direct_mem_ptr(this, &test_memory::get_direct_mem_ptr);
  }
  std::vector<uint8_t>& storage() { return moved ? b : a; }
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time&) { t.set_response_status(tlm::TLM_OK_RESPONSE); }
  unsigned transport_dbg(tlm::tlm_generic_payload& t) {
    const uint64_t at = t.get_address();
    if (at >= storage().size()) return 0;
    const unsigned n = static_cast<unsigned>(std::min<uint64_t>(t.get_data_length(), storage().size() - at));
    if (t.is_read()) std::memcpy(t.get_data_ptr(), storage().data() + at, n);
    return n;
  }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
    ++dmi_requests;
    if (!grant_dmi) return false;
    dmi.allow_read_write();
    dmi.set_dmi_ptr(storage().data());
    dmi.set_start_address(0);
    dmi.set_end_address(storage().size() - 1);
    return true;
  }
  // The storage moves (as a memory remapped): the pointer it granted is withdrawn.
  void move_storage() {
    moved = true;
    socket->invalidate_direct_mem_ptr(0, ~0ull);
  }
};

struct dma_untimed : kernel_test {
  std::unique_ptr<hw::dma_engine> dma;
  std::unique_ptr<test_memory> mem;
  void build(bool grant_dmi) {
    dma = std::make_unique<hw::dma_engine>("dma", 64, 4);
    mem = std::make_unique<test_memory>("mem");
    mem->grant_dmi = grant_dmi;
    dma->socket.bind(mem->socket);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborates: the sockets are bound
  }
  void comparisons_follow_memory() {
    std::vector<uint8_t> held(300);
    for (size_t i = 0; i < held.size(); ++i) held[i] = static_cast<uint8_t>(i * 7 + 1);
    std::memcpy(mem->storage().data() + 1000, held.data(), held.size());
    EXPECT_TRUE(dma->matches_untimed(1000, held.data(), held.size()));
    mem->storage()[1299] ^= 1;  // the last byte changes
    EXPECT_FALSE(dma->matches_untimed(1000, held.data(), held.size()));
    mem->storage()[1299] ^= 1;
    EXPECT_TRUE(dma->matches_untimed(1000, held.data(), held.size()));
    mem->storage()[1000] ^= 0x80;  // the first
    EXPECT_FALSE(dma->matches_untimed(1000, held.data(), held.size()));
    EXPECT_TRUE(dma->matches_untimed(1000, held.data(), 0)) << "an empty range always matches";
    // Past the memory's end: not backed, with or without a pointer.
    EXPECT_THROW(dma->matches_untimed(4000, held.data(), held.size()), hw::dma_fault);
  }
};

TEST_F(dma_untimed, ComparesThroughTheDirectMemoryPointer) {
  build(true);
  comparisons_follow_memory();
  EXPECT_EQ(mem->dmi_requests, 2u) << "one grant serves every comparison within it; the range past the end asks again";
}

TEST_F(dma_untimed, ComparesOverDebugTransportWhenNoPointerIsGranted) {
  build(false);
  comparisons_follow_memory();
}

TEST_F(dma_untimed, AWithdrawnPointerIsNotUsedAgain) {
  build(true);
  std::vector<uint8_t> held(64, 0x5a);
  std::memcpy(mem->a.data() + 128, held.data(), held.size());
  EXPECT_TRUE(dma->matches_untimed(128, held.data(), held.size()));
  mem->move_storage();  // b holds zeros at 128
  EXPECT_FALSE(dma->matches_untimed(128, held.data(), held.size())) << "compared with the old storage";
  std::memcpy(mem->b.data() + 128, held.data(), held.size());
  EXPECT_TRUE(dma->matches_untimed(128, held.data(), held.size()));
  EXPECT_EQ(mem->dmi_requests, 2u);
}

}  // namespace
