// The model reader refuses every kind of bad file with a precise message: truncated,
// corrupted, wrong version, oversized, and every field out of range or inconsistent.
#include "model_builder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>

using stoxvp::test::model_bytes;
using stoxvp::test::small_model;

namespace {

struct parse_result {
  int rc;
  std::string message;
};

parse_result parse(const std::vector<uint8_t>& d, size_t size) {
  auto m = std::make_unique<stoxvp_model>();
  char err[256];
  const int rc = stoxvp_model_parse(d.data(), size, m.get(), err, sizeof err);
  return {rc, err};
}
parse_result parse(const std::vector<uint8_t>& d) { return parse(d, d.size()); }

// Mutates a valid model, restores its checksum, parses it.
parse_result mutated(const std::function<void(model_bytes&)>& f) {
  model_bytes m = small_model();
  f(m);
  m.refresh_crc();
  return parse(m.data);
}

void expect(const parse_result& r, int rc, std::initializer_list<const char*> parts) {
  EXPECT_EQ(r.rc, rc) << r.message;
  for (const char* p : parts) EXPECT_NE(r.message.find(p), std::string::npos) << "'" << p << "' not in: " << r.message;
}

TEST(ModelReader, AcceptsAValidModelAndDerivesItsTensors) {
  const model_bytes m = small_model();
  auto model = std::make_unique<stoxvp_model>();
  char err[256];
  ASSERT_EQ(stoxvp_model_parse(m.data.data(), m.data.size(), model.get(), err, sizeof err), STOXVP_MODEL_OK) << err;
  EXPECT_EQ(model->layer_count, 2u);
  EXPECT_EQ(model->tensors[1].c, 4);
  EXPECT_EQ(model->tensors[1].h, 4);
  EXPECT_EQ(model->tensors[2].c, 3);
  EXPECT_EQ(model->tensors[2].h, 1);
  EXPECT_EQ(stoxvp_model_output_bytes(model.get(), 0), 64u);
  EXPECT_EQ(stoxvp_model_output_bytes(model.get(), 1), 12u);
  EXPECT_EQ(stoxvp_model_layer_k(&model->layers[1]), 64u);
}

TEST(ModelReader, CrcIsTheStandardOne) {
  EXPECT_EQ(stoxvp_crc32(0, "123456789", 9), 0xCBF43926u);  // the CRC-32 check value
}

TEST(ModelReader, TruncatedFiles) {
  const model_bytes m = small_model();
  expect(parse(m.data, 10), STOXVP_MODEL_TRUNCATED, {"10 bytes", "header"});
  expect(parse(m.data, m.data.size() - 1), STOXVP_MODEL_TRUNCATED,
         {"file_bytes = ", "only", std::to_string(m.data.size() - 1).c_str()});
  expect(parse({}, 0), STOXVP_MODEL_TRUNCATED, {"0 bytes"});
}

TEST(ModelReader, WrongMagicAndVersion) {
  expect(mutated([](model_bytes& m) { m.data[0] = 'X'; }), STOXVP_MODEL_BAD_MAGIC, {"magic", "58"});
  expect(mutated([](model_bytes& m) { m.header().version = 2; }), STOXVP_MODEL_BAD_VERSION,
         {"version 2", "reads version 1"});
}

TEST(ModelReader, OversizedFiles) {
  expect(mutated([](model_bytes& m) { m.header().file_bytes = 100u << 20; }), STOXVP_MODEL_OVERSIZED,
         {"file_bytes = 104857600", "limit"});
  model_bytes m = small_model();
  m.data.push_back(0);  // trailing byte beyond file_bytes
  expect(parse(m.data), STOXVP_MODEL_OVERSIZED, {"trailing"});
}

TEST(ModelReader, CorruptedContentFailsTheChecksum) {
  model_bytes m = small_model();
  m.data[m.layer(0).weights_offset + 3] ^= 0x01;
  expect(parse(m.data), STOXVP_MODEL_BAD_CHECKSUM, {"crc32 = 0x"});
}

TEST(ModelReader, FieldsOutOfRangeAreNamedWithTheirValues) {
  const int F = STOXVP_MODEL_BAD_FIELD;
  expect(mutated([](model_bytes& m) { m.header().layer_count = 0; }), F, {"layer_count = 0"});
  expect(mutated([](model_bytes& m) { m.header().input_bits = 9; }), F, {"input_bits = 9"});
  expect(mutated([](model_bytes& m) { m.layer(0).type = 9; }), F, {"layer 0", "type = 9"});
  expect(mutated([](model_bytes& m) { m.layer(0).w_slice = 4; }), F, {"layer 0 (XBAR_CONV)", "w_slice = 4", "1..3"});
  expect(mutated([](model_bytes& m) { m.layer(0).a_stream = 0; }), F, {"a_stream = 0"});
  expect(mutated([](model_bytes& m) { m.layer(0).in_h = 5; }), F, {"input shape 1x5x4", "tensor 0"});
  expect(mutated([](model_bytes& m) { m.layer(1).input = 2; }), F, {"layer 1", "input = tensor 2"});
  expect(mutated([](model_bytes& m) { m.layer(0).kernel_h = 7; }), F, {"kernel 7x3"});
  expect(mutated([](model_bytes& m) { m.data[m.layer(0).weights_offset] = 8; }), F,
         {"weight 0 = 8", "+-7"});
  expect(mutated([](model_bytes& m) { m.layer(0).weights_bytes = 35; }), F, {"weights_bytes = 35", "36"});
  expect(mutated([](model_bytes& m) { m.layer(1).weights_offset = 1u << 20; }), F, {"outside the file"});
  expect(mutated([](model_bytes& m) { m.params(0).samples[1][0] = 0; }), F, {"T = 0 for weight slice 1"});
  expect(mutated([](model_bytes& m) { m.params(0).converter = 7; }), F, {"converter = 7"});
  expect(mutated([](model_bytes& m) { m.params(0).flags |= 0x8; }), F, {"flags = 0xb", "unknown"});
  expect(mutated([](model_bytes& m) { m.layer(0).params_bytes -= 4; }), F, {"params_bytes = "});
  expect(mutated([](model_bytes& m) {
           float nan = std::nanf("");
           std::memcpy(m.data.data() + m.layer(1).params_offset + sizeof(stoxvp_layer_params), &nan, 4);
         }),
         F, {"array element 0 is not finite"});
  expect(mutated([](model_bytes& m) { m.layer(1).out_format = STOXVP_OUT_INT8; m.layer(1).out_bits = 8; }), F,
         {"layer 1", "out_format = 0", "last layer writes FLOAT32"});
  expect(mutated([](model_bytes& m) { m.header().classes = 4; }), F, {"classes (4)"});
  expect(mutated([](model_bytes& m) { m.layer(0).reserved[2] = 1; }), F, {"reserved word 2"});
}

}  // namespace
