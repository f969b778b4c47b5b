// The host runner's inputs: IDX image and label files and model files are checked before
// anything reaches the platform, with messages naming the file and what is wrong.
#include "runner.h"
#include "support/files.h"

#include "support/messages.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <functional>

using stoxvp::runner::input_error;

namespace {

std::string be32(uint32_t v) {
  return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

std::string error_of(const std::function<void()>& f) { return stoxvp::test::message_of<input_error>(f); }

TEST(IdxFiles, ReadsTheShippedTestSet) {
  const auto im = stoxvp::runner::read_idx_images("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(im.count, 10000u);
  EXPECT_EQ(im.rows, 28u);
  EXPECT_EQ(im.pixels.size(), 10000u * 784);
  const auto lb = stoxvp::runner::read_idx_labels("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(lb.size(), 10000u);
}

TEST(IdxFiles, EmptyMissingAndMalformedFilesAreRefused) {
  using stoxvp::runner::read_idx_images;
  using stoxvp::runner::read_idx_labels;
  stoxvp::test::expect_mentions(error_of([] { read_idx_images(stoxvp::test::temp_file("empty.idx", "")); }), {"empty.idx", "empty"});
  stoxvp::test::expect_mentions(error_of([] { read_idx_images("/nonexistent/x.idx"); }), {"/nonexistent/x.idx", "cannot open"});
  stoxvp::test::expect_mentions(error_of([] { read_idx_images(stoxvp::test::temp_file("short.idx", "abc")); }), {"short.idx", "3 bytes", "16-byte"});
  stoxvp::test::expect_mentions(error_of([] { read_idx_images(stoxvp::test::temp_file("magic.idx", be32(0x801) + be32(1) + be32(2) + be32(2) + "abcd")); }),
             {"magic.idx", "magic 0x00000801", "0x00000803"});
  stoxvp::test::expect_mentions(error_of([] { read_idx_images(stoxvp::test::temp_file("trunc.idx", be32(0x803) + be32(3) + be32(2) + be32(2) + "abcd")); }),
             {"trunc.idx", "3 images of 2x2 (28 bytes)", "holds 20"});
  stoxvp::test::expect_mentions(error_of([] { read_idx_images(stoxvp::test::temp_file("zero.idx", be32(0x803) + be32(0) + be32(2) + be32(2))); }),
             {"zero.idx", "nothing to read"});
  stoxvp::test::expect_mentions(error_of([] { read_idx_labels(stoxvp::test::temp_file("lab.idx", be32(0x801) + be32(3) + std::string("\x01\x0c\x02", 3))); }),
             {"lab.idx", "label 1 = 12", "0..9"});
  stoxvp::test::expect_mentions(error_of([] { read_idx_labels(stoxvp::test::temp_file("labn.idx", be32(0x801) + be32(5) + "ab")); }),
             {"labn.idx", "says 5 labels", "holds 2"});
  // A gzip file cut in the middle.
  const std::string payload = be32(0x803) + be32(1) + be32(8) + be32(8) + std::string(64, 'x');
  const std::string gzpath = stoxvp::test::test_path("cut.idx.gz");
  gzFile g = gzopen(gzpath.c_str(), "wb");
  gzwrite(g, payload.data(), static_cast<unsigned>(payload.size()));
  gzclose(g);
  std::ifstream in(gzpath, std::ios::binary);
  std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = stoxvp::test::temp_file("cut2.idx.gz", whole.substr(0, whole.size() / 2));
  stoxvp::test::expect_mentions(error_of([&] { read_idx_images(cut); }), {"cut2.idx.gz"});
}

TEST(ModelFiles, ReaderMessagesReachTheUser) {
  stoxvp::test::expect_mentions(error_of([] { stoxvp::runner::read_model("/nonexistent/m.sxvm"); }), {"/nonexistent/m.sxvm", "cannot open"});
  stoxvp::test::expect_mentions(error_of([] { stoxvp::runner::read_model(stoxvp::test::temp_file("bad.sxvm", std::string(100, 'Z'))); }),
             {"bad.sxvm", "bad magic"});
  stoxvp::test::expect_mentions(error_of([] { stoxvp::runner::read_model(stoxvp::test::temp_file("tiny.sxvm", "SXVM")); }), {"tiny.sxvm", "truncated", "4 bytes"});
}

TEST(ConverterOverride, NamesAndSampleListsAreChecked) {
  stoxvp::runner::converter_override c;
  EXPECT_EQ(c.kind_of("mtj"), 4);
  stoxvp::test::expect_mentions(error_of([] { stoxvp::runner::converter_override::kind_of("flash"); }), {"'flash'"});
  c.set_samples("1,2,4");
  EXPECT_EQ(c.samples[0][0], 1);
  EXPECT_EQ(c.samples[1][5], 2);
  EXPECT_EQ(c.samples[7][0], 4);
  stoxvp::test::expect_mentions(error_of([&] { c.set_samples("4,0"); }), {"'4,0'", "1..255"});
  stoxvp::test::expect_mentions(error_of([&] { c.set_samples("x"); }), {"'x'"});
}

}  // namespace
