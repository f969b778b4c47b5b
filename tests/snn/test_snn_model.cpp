// Spiking layers in the model file (SNN_CONV 16, SNN_FC 17): a spiking model is read with its
// W/V resolutions, threshold, reset rule and policy; every rule of the spiking entry is refused
// naming the field and its value; spiking and non-spiking layers do not mix.
#include "stoxvp_model.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

struct snn_model_builder {
  stoxvp_model_header h{};
  std::vector<stoxvp_model_layer> layers;
  std::vector<std::vector<int8_t>> weights;
  snn_model_builder() {
    std::memcpy(h.magic, "SXVM", 4);
    h.version = STOXVP_MODEL_VERSION;
    h.header_bytes = 64;
    h.layer_entry_bytes = 64;
    h.layer_table_offset = 64;
    h.input_channels = 2;
    h.input_h = 8;
    h.input_w = 8;
    h.input_bits = 1;
    h.classes = 3;
    h.input_scale = 1;
    std::memcpy(h.name, "snn_test", 8);
    add(STOXVP_LAYER_SNN_CONV, 2, 8, 8, 4, 3, 2, 1, 8, 16, 100);   // -> 4 x 4 x 4
    add(STOXVP_LAYER_SNN_FC, 4, 4, 4, 3, 1, 1, 0, 6, 12, 30);
  }
  void add(uint8_t type, uint16_t c, uint16_t hh, uint16_t w, uint16_t oc, uint8_t k, uint8_t s, uint8_t p,
           uint8_t wb, uint32_t vb, int32_t thr) {
    stoxvp_model_layer l{};
    l.type = type;
    l.out_format = STOXVP_OUT_INT32;
    l.input = uint16_t(layers.size());
    l.in_channels = c;
    l.in_h = hh;
    l.in_w = w;
    l.out_channels = oc;
    l.kernel_h = l.kernel_w = k;
    l.stride = s;
    l.pad = p;
    l.w_bits = wb;
    l.a_bits = 1;
    l.reserved[0] = vb | (STOXVP_SNN_RESET_SUBTRACT << 8) | (STOXVP_SNN_POLICY_HS_MIN << 16);
    l.reserved[1] = uint32_t(thr);
    layers.push_back(l);
    const uint32_t kk = type == STOXVP_LAYER_SNN_FC ? uint32_t(c) * hh * w : uint32_t(c) * k * k;
    std::vector<int8_t> wt(size_t(kk) * oc);
    for (size_t i = 0; i < wt.size(); ++i) wt[i] = int8_t(int(i % 7) - 3);
    weights.push_back(wt);
  }
  std::vector<uint8_t> bytes(const std::function<void(snn_model_builder&)>& patch = {}) {
    h.layer_count = uint32_t(layers.size());
    uint32_t off = 64 + 64 * h.layer_count;
    for (size_t i = 0; i < layers.size(); ++i) {
      layers[i].weights_offset = off;
      layers[i].weights_bytes = uint32_t(weights[i].size());
      off += (uint32_t(weights[i].size()) + 3) / 4 * 4;
    }
    h.file_bytes = off;
    if (patch) patch(*this);
    std::vector<uint8_t> b(h.file_bytes > off ? h.file_bytes : off, 0);
    h.crc32 = 0;
    std::memcpy(b.data(), &h, 64);
    for (size_t i = 0; i < layers.size(); ++i) std::memcpy(b.data() + 64 + 64 * i, &layers[i], 64);
    for (size_t i = 0; i < layers.size(); ++i)
      if (layers[i].weights_offset + weights[i].size() <= b.size())
        std::memcpy(b.data() + layers[i].weights_offset, weights[i].data(), weights[i].size());
    b.resize(h.file_bytes);
    const uint32_t crc = stoxvp_crc32(0, b.data(), b.size());
    std::memcpy(b.data() + 12, &crc, 4);
    return b;
  }
};

std::string refusal(const std::vector<uint8_t>& b) {
  static stoxvp_model m;
  char err[256];
  const int rc = stoxvp_model_parse(b.data(), b.size(), &m, err, sizeof err);
  EXPECT_EQ(rc, STOXVP_MODEL_BAD_FIELD) << err;
  return err;
}

#define EXPECT_REFUSED(patch, text)                                                  \
  do {                                                                                 \
    const std::string m_ = refusal(snn_model_builder().bytes(patch));                  \
    EXPECT_NE(m_.find(text), std::string::npos) << "message: " << m_;                  \
  } while (0)

TEST(snn_model, ASpikingModelIsReadWithItsResolutionsAndThresholds) {
  auto b = snn_model_builder().bytes();
  static stoxvp_model m;
  char err[256];
  ASSERT_EQ(stoxvp_model_parse(b.data(), b.size(), &m, err, sizeof err), STOXVP_MODEL_OK) << err;
  EXPECT_EQ(m.layer_count, 2u);
  EXPECT_EQ(m.tensors[1].c, 4u);
  EXPECT_EQ(m.tensors[1].h, 4u);
  EXPECT_EQ(m.tensors[2].c, 3u);
  EXPECT_TRUE(stoxvp_model_layer_is_snn(m.layers[0].type));
  EXPECT_EQ(m.layers[1].reserved[0] & 0xFF, 12u);
  EXPECT_EQ(int32_t(m.layers[0].reserved[1]), 100);
}

using B = snn_model_builder;
TEST(snn_model, EveryRuleOfTheSpikingEntryIsRefusedNamingTheField) {
  EXPECT_REFUSED([](B& b) { b.layers[0].reserved[0] = 6 | (1 << 8); }, "v_bits = 6, must be w_bits (8)..32");
  EXPECT_REFUSED([](B& b) { b.layers[0].reserved[0] = 33; }, "v_bits = 33");
  EXPECT_REFUSED([](B& b) { b.layers[0].reserved[0] = 16 | (2 << 8); }, "reset = 2");
  EXPECT_REFUSED([](B& b) { b.layers[0].reserved[0] = 16 | (3 << 16); }, "policy = 3");
  EXPECT_REFUSED([](B& b) { b.layers[0].reserved[0] = 16 | (1u << 24); }, "bits 31..24 must be 0");
  EXPECT_REFUSED([](B& b) { b.layers[0].reserved[1] = 0; }, "threshold = 0, must be 1..32767");
  EXPECT_REFUSED([](B& b) { b.layers[1].reserved[1] = 2048; }, "threshold = 2048, must be 1..2047 (v_bits 12)");
  EXPECT_REFUSED([](B& b) { b.layers[1].reserved[2] = 1; }, "reserved words 2 and 3 must be 0");
  EXPECT_REFUSED([](B& b) { b.layers[0].out_format = STOXVP_OUT_INT8; }, "out_format = 0, a spiking layer has INT32");
  EXPECT_REFUSED([](B& b) { b.layers[0].activation = 1; }, "activation = 1");
  EXPECT_REFUSED([](B& b) { b.layers[0].a_bits = 2; }, "a_bits 2 must be 1");
  EXPECT_REFUSED([](B& b) { b.layers[0].w_bits = 9; }, "w_bits = 9, supported 2..8");
  EXPECT_REFUSED([](B& b) { b.layers[0].pad = 3; }, "kernel 3x3 with pad 3");
  EXPECT_REFUSED([](B& b) { b.layers[0].stride = 0; }, "stride = 0");
  EXPECT_REFUSED([](B& b) { b.layers[1].kernel_h = b.layers[1].kernel_w = 3; }, "an SNN_FC layer has kernel 1x1");
  EXPECT_REFUSED([](B& b) { b.layers[1].weights_bytes -= 1; }, "weights_bytes = 191, out_channels x K = 192");
  EXPECT_REFUSED([](B& b) { b.layers[1].in_w = 5; }, "input shape 4x4x5 differs from tensor 1's 4x4x4");
  EXPECT_REFUSED([](B& b) { b.layers[1].input = 0; }, "a spiking layer reads the previous output");
  EXPECT_REFUSED([](B& b) { b.layers[1].params_offset = 64; }, "no parameter block");
  EXPECT_REFUSED([](B& b) { b.h.classes = 4; }, "the last layer's output 3x1x1 is not classes (4)");
  EXPECT_REFUSED([](B& b) { b.layers[1].w_bits = 2; }, "is outside +-1");
  EXPECT_REFUSED([](B& b) { b.h.input_bits = 4; }, "a spiking layer in a model whose input_bits = 4");
  EXPECT_REFUSED([](B& b) { b.layers[1].type = STOXVP_LAYER_DIGITAL_CONV; }, "layer 1 (DIGITAL_CONV): type = 2");
  EXPECT_REFUSED([](B& b) { b.layers[1].type = 20; }, "type = 20");
}

}  // namespace
