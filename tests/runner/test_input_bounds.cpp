// The host runner's inputs are bounded before anything is allocated or inflated: IDX files are
// read header first and never past what the header promises, and the DRAM layout of a session
// is computed in 64 bits and checked before the images are shaped on the host.
#include "models/model_builder.h"
#include "runner.h"
#include "support/files.h"
#include "support/messages.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <fstream>
#include <functional>
#include <sstream>

using stoxvp::runner::input_error;
using stoxvp::test::expect_mentions;

namespace {

constexpr uint8_t kConv = STOXVP_LAYER_DIGITAL_CONV, kMax = STOXVP_LAYER_MAX_POOL;

std::string be32(uint32_t v) { return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

std::string error_of(const std::function<void()>& f) { return stoxvp::test::message_of<input_error>(f); }

// A gzip file of `head` followed by `zeros` zero bytes (they compress about 1000:1).
std::string gzip_file(const std::string& name, const std::string& head, size_t zeros) {
  const std::string path = stoxvp::test::test_path(name);
  gzFile g = gzopen(path.c_str(), "wb9");
  gzwrite(g, head.data(), static_cast<unsigned>(head.size()));
  const std::string block(1 << 20, '\0');
  for (size_t left = zeros; left > 0;) {
    const size_t n = std::min(left, block.size());
    gzwrite(g, block.data(), static_cast<unsigned>(n));
    left -= n;
  }
  gzclose(g);
  return path;
}

// A small gzip file whose header promises one 28x28 image but that inflates to 16 MiB: read up
// to what the header promised and one byte more, then refused (it used to inflate whole first).
TEST(IdxBounds, ACompressedFileIsNotInflatedPastWhatItsHeaderPromises) {
  const std::string path = gzip_file("bomb.idx.gz", be32(0x803) + be32(1) + be32(28) + be32(28), 16u << 20);
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  ASSERT_LT(in.tellg(), 100 * 1024) << "the crafted file should be small";
  expect_mentions(error_of([&] { stoxvp::runner::read_idx_images(path); }),
                  {"bomb.idx.gz", "1 images of 28x28 (800 bytes)", "the file holds more"});
  const std::string labels = gzip_file("bomb-labels.idx.gz", be32(0x801) + be32(3) + std::string(3, '\1'), 16u << 20);
  expect_mentions(error_of([&] { stoxvp::runner::read_idx_labels(labels); }),
                  {"bomb-labels.idx.gz", "3 labels", "the file holds more"});
}

TEST(IdxBounds, AHeaderPromisingMoreThanTheLimitIsRefusedBeforeReading) {
  const std::string path = stoxvp::test::temp_file("huge.idx", be32(0x803) + be32(70000) + be32(128) + be32(128) + "abcd");
  expect_mentions(error_of([&] { stoxvp::runner::read_idx_images(path); }),
                  {"huge.idx", "70000 images of 128x128", "1146880016 bytes", "more than the 1073741824 bytes"});
  // Dimensions whose product is beyond 64 bits when multiplied carelessly.
  const std::string wide = stoxvp::test::temp_file("wide.idx", be32(0x803) + be32(0xFFFFFFFF) + be32(0xFFFFFFFF) + be32(0xFFFFFFFF));
  expect_mentions(error_of([&] { stoxvp::runner::read_idx_images(wide); }),
                  {"wide.idx", "4294967295 images of 4294967295x4294967295", "more than the"});
}

TEST(ModelBounds, ADirectoryIsNotAModelFile) {
  const std::string dir = stoxvp::test::test_path("");
  expect_mentions(error_of([&] { stoxvp::runner::read_model(dir); }), {"is a directory"});
}

struct platform_holder {
  stoxvp_platform* p = nullptr;
  platform_holder() { EXPECT_EQ(stoxvp_create(nullptr, &p), STOXVP_OK) << stoxvp_last_error(); }
  ~platform_holder() { stoxvp_destroy(p); }
};

std::string model_file(const std::string& name, const stoxvp::test::model_bytes& m) {
  return stoxvp::test::temp_file(name, std::string(m.data.begin(), m.data.end()));
}

std::string images_file(uint32_t count) {
  return stoxvp::test::temp_file("images.idx", be32(0x803) + be32(count) + be32(28) + be32(28) + std::string(count * 784u, '\x40'));
}

// The reported models: 16x16384x16384 wrapped a 32-bit byte count to 0 (memcpy far out of
// bounds), 1x65534x65534 threw bad_alloc out of the constructor. Both are now refused.
TEST(SessionBounds, InputsWhoseByteCountWrapsAreRefused) {
  platform_holder h;
  stoxvp::runner::request req;
  req.images_path = images_file(1);
  req.labels_path = "";
  req.model_path = model_file("wrap.sxvm", stoxvp::test::chain_model(16, 16384, 16384, 2,
      {{kMax, 0, 255, 255, 255, 0}, {kMax, 0, 64, 64, 64, 0}, {kConv, 2, 1, 1, 1, 0}}));
  expect_mentions(error_of([&] { stoxvp::runner::session s(h.p, req); }),
                  {"wrap.sxvm", "input tensor 16x16384x16384", "4294967296 bytes"});
  req.model_path = model_file("big.sxvm", stoxvp::test::chain_model(1, 65534, 65534, 2,
      {{kMax, 0, 255, 255, 255, 0}, {kMax, 0, 255, 255, 255, 0}, {kConv, 2, 1, 1, 1, 0}}));
  expect_mentions(error_of([&] { stoxvp::runner::session s(h.p, req); }),
                  {"big.sxvm", "input tensor 1x65534x65534"});
}

// Eight 64 MiB images cannot fit the 256 MiB DRAM: refused from the layout before the 512 MiB
// of shaped images are allocated (the address space is limited so that allocating them fails).
TEST(SessionBounds, ImagesBeyondDramAreRefusedBeforeAllocating) {
  platform_holder h;
  stoxvp::runner::request req;
  req.images_path = images_file(8);
  req.labels_path = "";
  req.model_path = model_file("large.sxvm", stoxvp::test::chain_model(4, 4096, 4096, 2,
      {{kMax, 0, 255, 255, 255, 0}, {kMax, 0, 16, 16, 16, 0}, {kConv, 2, 1, 1, 1, 0}}));
  uint64_t vm_kib = 0;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmSize:", 0) == 0) std::istringstream(line.substr(7)) >> vm_kib;
  ASSERT_GT(vm_kib, 0u);
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_AS, &old), 0);
  rlimit tight = old;
  tight.rlim_cur = (vm_kib << 10) + (384ull << 20);
  ASSERT_EQ(setrlimit(RLIMIT_AS, &tight), 0);
  std::string msg;
  try {
    stoxvp::runner::session s(h.p, req);
  } catch (const input_error& e) {
    msg = e.what();
  } catch (const std::bad_alloc&) {
    msg = "bad_alloc escaped";
  }
  setrlimit(RLIMIT_AS, &old);
  expect_mentions(msg, {"DRAM of 256 MiB", "8 images of 4x4096x4096", "536870912 bytes", "large.sxvm"});
}

}  // namespace
