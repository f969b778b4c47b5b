// The spiking macro's arithmetic (hw/core/snn_cim.h): the bit-level mode, which executes the
// column full-adds, the threshold compare and the reset on bit planes, equals the fast integer
// model spike for spike and potential for potential, on random small layers of every shape and
// resolution the macro takes, including potentials that wrap; and the layer checks name the field.
#include "hw/core/snn_cim.h"
#include "hw/core/rng.h"

#include <gtest/gtest.h>

#include <array>
#include <random>

namespace stoxvp::core::snn {
namespace {

snn_layer random_layer(std::mt19937_64& g, layer_type t, unsigned wb, unsigned vb, reset_mode r) {
  layer_config c;
  c.shape.type = t;
  c.shape.in_c = 1 + g() % 3;
  c.shape.in_h = c.shape.in_w = t == layer_type::fc ? 1 + g() % 4 : 4 + g() % 4;
  c.shape.out_c = 1 + g() % 5;
  c.shape.kernel = t == layer_type::fc ? 1 : 1 + g() % 3;
  c.shape.stride = t == layer_type::fc ? 1 : 1 + g() % 2;
  c.shape.pad = c.shape.kernel > 1 ? g() % c.shape.kernel : 0;
  c.w_bits = wb;
  c.v_bits = vb;
  const int64_t vmax = (int64_t{1} << (vb - 1)) - 1;
  c.threshold = 1 + int64_t(g() % uint64_t(std::min<int64_t>(vmax, int64_t(4) << wb)));
  c.reset = r;
  std::vector<int32_t> w(c.shape.weight_count());
  const int lim = (1 << (wb - 1)) - 1;
  for (auto& x : w) x = int32_t(g() % (2 * lim + 1)) - lim;
  return snn_layer(c, w);
}

std::vector<uint32_t> random_spikes(std::mt19937_64& g, uint32_t n, double p) {
  std::vector<uint32_t> s;
  std::bernoulli_distribution b(p);
  for (uint32_t i = 0; i < n; ++i)
    if (b(g)) s.push_back(i);
  return s;
}

TEST(snn_core, BitLevelFullAddsEqualTheIntegerModelOnRandomLayers) {
  std::mt19937_64 g(11);
  int layers = 0;
  uint64_t spikes = 0, wraps = 0;
  for (layer_type t : {layer_type::conv, layer_type::fc})
    for (unsigned wb : {2u, 3u, 5u, 8u})
      for (unsigned vb : {wb, wb + 1, 11u, 16u, 20u})
        for (reset_mode r : {reset_mode::zero, reset_mode::subtract}) {
          if (vb < wb) continue;
          snn_layer fast = random_layer(g, t, wb, vb, r);
          // Operand shapes: one row, or rows of 1, 3 or 4 columns chained by the carry register.
          const unsigned shape = std::array<unsigned, 4>{0, 1, 3, 4}[layers % 4];
          snn_bit_layer bits(fast, shape);
          ++layers;
          for (int step = 0; step < 6; ++step) {
            const auto in = random_spikes(g, fast.config().shape.inputs(), 0.5);
            std::vector<uint32_t> a, b;
            const auto sa = fast.step(in, a);
            const auto sb = bits.step(in, b);
            ASSERT_EQ(a, b) << "layer " << layers << " step " << step;
            ASSERT_EQ(sa.sops, sb.sops);
            spikes += a.size();
            for (uint32_t o = 0; o < fast.potentials().size(); ++o) {
              ASSERT_EQ(fast.potentials()[o], bits.potential(o)) << "layer " << layers << " neuron " << o;
              if (fast.potentials()[o] < 0) ++wraps;
            }
          }
        }
  EXPECT_GT(layers, 50);
  EXPECT_GT(spikes, 100u);  // the compare and both resets were exercised
  EXPECT_GT(wraps, 10u);
}

TEST(snn_core, PotentialsWrapAsTheArraysCarryOutIsDropped) {
  EXPECT_EQ(wrap(6 + 5, 4), -5);
  EXPECT_EQ(wrap(-8 - 1, 4), 7);
  EXPECT_EQ(wrap(int64_t(1) << 31, 32), INT32_MIN);
  // A 4-bit potential at 6 receiving weight 5 wraps to -5 in both models, and does not fire.
  layer_config c;
  c.shape = {layer_type::fc, 1, 1, 1, 1, 1, 1, 0};
  c.w_bits = 4;
  c.v_bits = 4;
  c.threshold = 7;
  snn_layer fast(c, {6});
  std::vector<uint32_t> out;
  fast.step({0}, out);
  EXPECT_EQ(fast.potentials()[0], 6);
  snn_layer five(c, {5});
  five.potentials_mut()[0] = 6;
  snn_bit_layer bits(five);
  std::vector<uint32_t> bout;
  bits.step({0}, bout);
  five.step({0}, out);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(bout.empty());
  EXPECT_EQ(five.potentials()[0], -5);
  EXPECT_EQ(bits.potential(0), -5);
}

TEST(snn_core, ConvolutionFanOutIsTheTransposedKernel) {
  // 1 input channel 3x3, 1 output channel, kernel 3, pad 1, stride 1: the centre input feeds all
  // nine outputs, a corner feeds four.
  layer_config c;
  c.shape = {layer_type::conv, 1, 3, 3, 1, 3, 1, 1};
  std::vector<int32_t> w(9);
  for (int i = 0; i < 9; ++i) w[i] = i - 4;
  snn_layer l(c, w);
  EXPECT_EQ(l.fanout(4), 9u);
  EXPECT_EQ(l.fanout(0), 4u);
  // Output (0,0) receives input (0,0) through kernel tap (1,1) (pad 1): weight w[4] = 0;
  // output (1,1) receives input (0,0) through tap (0,0): w[0] = -4.
  l.for_fanout(0, [&](uint32_t o, int32_t x) {
    if (o == 0) {
      EXPECT_EQ(x, 0);
    }
    if (o == 4) {
      EXPECT_EQ(x, -4);
    }
  });
}

TEST(snn_core, LayerChecksNameTheFieldAndValue) {
  layer_config c;
  c.shape = {layer_type::conv, 2, 8, 8, 4, 3, 1, 1};
  EXPECT_EQ(check_layer(c), "");
  auto bad = [&](auto f, const std::string& text) {
    layer_config d = c;
    f(d);
    const std::string m = check_layer(d);
    EXPECT_NE(m.find(text), std::string::npos) << m;
  };
  bad([](layer_config& d) { d.w_bits = 17; }, "w_bits = 17");
  bad([](layer_config& d) { d.v_bits = 33; }, "v_bits = 33");
  bad([](layer_config& d) { d.v_bits = 4; }, "v_bits = 4 is below w_bits = 8");
  bad([](layer_config& d) { d.threshold = 0; }, "threshold = 0");
  bad([](layer_config& d) { d.threshold = 40000; }, "threshold = 40000, must be 1..32767");
  bad([](layer_config& d) { d.shape.kernel = 11; }, "kernel = 11");
  bad([](layer_config& d) { d.shape.stride = 0; }, "stride = 0");
  bad([](layer_config& d) { d.shape.out_c = 0; }, "out_channels = 0");
  bad([](layer_config& d) { d.shape.in_h = 0; }, "zero dimension");
  bad([](layer_config& d) { d.reset = reset_mode(3); }, "reset = 3");
  bad([](layer_config& d) { d.policy = stationarity(5); }, "stationarity = 5");
  EXPECT_THROW(snn_layer(c, std::vector<int32_t>(5)), std::invalid_argument);
  std::vector<int32_t> w(c.shape.weight_count(), 0);
  w[3] = 128;
  try {
    snn_layer l(c, w);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("weight 3 = 128 is outside +-127"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace stoxvp::core::snn
