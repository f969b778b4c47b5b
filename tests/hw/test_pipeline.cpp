// The pipelined timing mode's schedule (hw/accel/pipeline.h) on stages worked out by hand.
#include "hw/accel/pipeline.h"

#include <gtest/gtest.h>

namespace stoxvp::hw {
namespace {

pipeline_stage stage(uint32_t tag, double ns, std::vector<std::string> res) {
  pipeline_stage s;
  s.tag = tag;
  s.ns = ns;
  s.resources = std::move(res);
  return s;
}

TEST(pipeline, LayersOnTheirOwnTilesReachTheBottleneckInterval) {
  // A on tile_0 (10 ns), B on tile_1 (30 ns): image i enters at 30 i, A runs [30i, 30i+10),
  // B [30i+10, 30i+40) once image i-1's B is done at 30i+10: latency 40, interval 30.
  const auto t = pipeline_of({stage(0, 10, {"tile_0"}), stage(1, 30, {"tile_1"})}, 4);
  EXPECT_DOUBLE_EQ(t.sequential_ns, 40);
  EXPECT_DOUBLE_EQ(t.bound_interval_ns, 30);
  EXPECT_DOUBLE_EQ(t.interval_ns, 30);
  EXPECT_DOUBLE_EQ(t.latency_ns, 40);
  EXPECT_DOUBLE_EQ(t.throughput_images_per_s, 1e9 / 30);
  EXPECT_EQ(t.bottleneck, "tile_1");
}

TEST(pipeline, ATileSharedAcrossAGapFallsShortOfTheBound) {
  // A (10) and C (20) share tile_0 with B (5, shared units) between them: the bound is 30, but
  // entering 30 apart the next image's A can only follow this image's C, so tile_0 idles 5 ns
  // per image: A0 [0,10) B0 [10,15) C0 [15,35); A1 [35,45) B1 [45,50) C1 [50,70); A2 [70,80)
  // ... C2 [85,105); A3 [105,115) ... C3 [120,140): latency of image 3 = 140 - 90 = 50, the
  // second half's interval (140 - 70) / 2 = 35.
  const auto t = pipeline_of({stage(0, 10, {"tile_0"}), stage(1, 5, {"shared"}), stage(2, 20, {"tile_0"})}, 4);
  EXPECT_DOUBLE_EQ(t.bound_interval_ns, 30);
  EXPECT_DOUBLE_EQ(t.interval_ns, 35);
  EXPECT_DOUBLE_EQ(t.latency_ns, 50);
  EXPECT_EQ(t.bottleneck, "tile_0");
}

TEST(pipeline, OneImageIsTheSequentialTime) {
  const auto t = pipeline_of({stage(0, 7, {"shared"}), stage(1, 3, {"tile_2", "tile_3"})}, 1);
  EXPECT_DOUBLE_EQ(t.latency_ns, 10);
  EXPECT_DOUBLE_EQ(t.interval_ns, 7);
  EXPECT_EQ(t.bottleneck, "shared");
}

}  // namespace
}  // namespace stoxvp::hw
