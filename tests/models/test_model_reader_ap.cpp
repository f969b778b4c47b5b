// AP_CONV layers (type 24) in the model reader: the shipped ternary model parses and its tensors
// are the pooled shapes its programs write; an AP_CONV entry whose program does not describe it,
// a bad pool, a non-ternary w_bits, an activation other than ReLU or a blob that is no AP
// program are refused naming the field.
#include "model_builder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

namespace stoxvp::test {
namespace {

model_bytes ternary_model() {
  std::ifstream f(std::string(STOXVP_SOURCE_DIR) + "/models/small_cnn_ternary.sxvm", std::ios::binary);
  model_bytes m;
  m.data.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return m;
}

std::string refused(model_bytes m) {
  m.refresh_crc();
  static stoxvp_model parsed;
  char err[256];
  const int rc = stoxvp_model_parse(m.data.data(), m.data.size(), &parsed, err, sizeof err);
  return rc == STOXVP_MODEL_OK ? std::string("accepted") : std::string(err);
}

TEST(ModelReaderAp, TheShippedTernaryModelParsesWithPooledTensors) {
  model_bytes m = ternary_model();
  ASSERT_GT(m.data.size(), 64u);
  static stoxvp_model parsed;
  char err[256];
  ASSERT_EQ(stoxvp_model_parse(m.data.data(), m.data.size(), &parsed, err, sizeof err), STOXVP_MODEL_OK) << err;
  ASSERT_EQ(parsed.layer_count, 4u);
  EXPECT_EQ(parsed.layers[0].type, STOXVP_LAYER_AP_CONV);
  EXPECT_EQ(parsed.tensors[1].c, 16);
  EXPECT_EQ(parsed.tensors[1].h, 14);
  EXPECT_EQ(parsed.tensors[2].h, 7);
  EXPECT_EQ(parsed.tensors[3].c, 64);
  EXPECT_EQ(parsed.tensors[3].h, 7);
  EXPECT_EQ(parsed.tensors[4].c, 10);
}

TEST(ModelReaderAp, BadApLayersAreRefusedNamingTheField) {
  const model_bytes good = ternary_model();
  model_bytes m = good;
  m.layer(0).reserved[0] = 3;
  EXPECT_NE(refused(m).find("pool (reserved word 0) = 3"), std::string::npos) << refused(m);
  m = good;
  m.layer(1).w_bits = 4;
  EXPECT_NE(refused(m).find("w_bits = 4"), std::string::npos) << refused(m);
  m = good;
  m.layer(1).activation = STOXVP_ACT_NONE;
  EXPECT_NE(refused(m).find("activation = 0"), std::string::npos) << refused(m);
  m = good;
  m.layer(2).a_bits = 5;  // the program says 4
  EXPECT_NE(refused(m).find("is not this entry's"), std::string::npos) << refused(m);
  m = good;
  m.data[m.layer(0).weights_offset] = 'X';
  EXPECT_NE(refused(m).find("not an AP program"), std::string::npos) << refused(m);
  m = good;
  m.layer(0).reserved[1] = 1;
  EXPECT_NE(refused(m).find("reserved word 1 = 1"), std::string::npos) << refused(m);
  m = good;
  m.layer(0).weights_bytes -= 4;
  EXPECT_NE(refused(m).find("total_bytes"), std::string::npos) << refused(m);
}

}  // namespace
}  // namespace stoxvp::test
