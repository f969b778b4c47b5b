// Sizes the model reader derives (output heights and widths, tensor bytes, weight counts) are
// checked against the fields that store them: a model whose sizes wrap is refused, naming the
// layer, the field and the value, instead of being accepted with a wrong shape.
#include "model_builder.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

using stoxvp::test::chain_model;
using stoxvp::test::layer_spec;
using stoxvp::test::model_bytes;

namespace {

constexpr uint8_t kConv = STOXVP_LAYER_DIGITAL_CONV, kMax = STOXVP_LAYER_MAX_POOL;

struct parse_result {
  int rc;
  std::string message;
};

parse_result parse(const model_bytes& m) {
  auto model = std::make_unique<stoxvp_model>();
  char err[256];
  const int rc = stoxvp_model_parse(m.data.data(), m.data.size(), model.get(), err, sizeof err);
  return {rc, err};
}

void expect_refused(const parse_result& r, std::initializer_list<const char*> parts) {
  EXPECT_EQ(r.rc, STOXVP_MODEL_BAD_FIELD) << r.message;
  for (const char* p : parts) EXPECT_NE(r.message.find(p), std::string::npos) << "'" << p << "' not in: " << r.message;
}

TEST(ModelSizes, AConsistentChainIsAccepted) {
  const auto r = parse(chain_model(1, 8, 8, 3, {{kConv, 4, 3, 3, 1, 1}, {kMax, 0, 2, 2, 2, 0}, {kConv, 3, 4, 4, 1, 0}}));
  EXPECT_EQ(r.rc, STOXVP_MODEL_OK) << r.message;
}

// The reported case: 1x65535x1 with pad 1 gives 65537 rows, which a 16-bit height stores as 1,
// so the next layer (expecting 1x1x3) matched and the accelerator wrote 196 KB into 3 bytes.
TEST(ModelSizes, AnOutputHeightBeyondSixteenBitsIsRefused) {
  expect_refused(parse(chain_model(1, 65535, 1, 2, {{kConv, 1, 1, 1, 1, 1}, {kConv, 2, 1, 3, 1, 0}})),
                 {"layer 0 (DIGITAL_CONV)", "output height 65537", "in_h 65535", "pad 1", "16-bit", "65535"});
  expect_refused(parse(chain_model(1, 1, 65535, 2, {{kConv, 1, 1, 1, 1, 1}, {kConv, 2, 3, 1, 1, 0}})),
                 {"layer 0 (DIGITAL_CONV)", "output width 65537", "in_w 65535"});
}

TEST(ModelSizes, TensorsLargerThanTheFormatAllowsAreRefused) {
  // 16 x 16384 x 16384 is 2^32 bytes: a 32-bit byte count of 0.
  expect_refused(parse(chain_model(16, 16384, 16384, 2,
                                   {{kMax, 0, 255, 255, 255, 0}, {kMax, 0, 64, 64, 64, 0}, {kConv, 2, 1, 1, 1, 0}})),
                 {"input tensor 16x16384x16384", "4294967296 bytes", "1073741824"});
  // An output of 65535 channels of 518 x 518.
  expect_refused(parse(chain_model(1, 8, 8, 2, {{kConv, 65535, 1, 1, 1, 255}, {kConv, 2, 1, 1, 1, 0}})),
                 {"layer 0 (DIGITAL_CONV)", "output tensor 65535x518x518", "17584613340 bytes"});
}

// K x out_channels = 2^17 x 2^15 = 2^32 is 0 in 32 bits: weights_bytes = 0 used to match it.
TEST(ModelSizes, AWeightCountThatWrapsIsRefused) {
  expect_refused(parse(chain_model(512, 16, 16, 32768, {{kConv, 32768, 16, 16, 1, 0}})),
                 {"layer 0 (DIGITAL_CONV)", "weights_bytes = 0", "4294967296"});
}

}  // namespace
