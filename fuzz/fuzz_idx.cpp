// Fuzz target: the IDX image and label readers of the runner (tools/runner), which take a path
// and read gzip-compressed or plain files. The first input byte chooses how the rest reaches
// the file: even, written as it is (plain IDX, or a damaged gzip stream); odd, gzip-compressed
// first, so the mutations reach the IDX header behind a valid gzip stream. The rest is read as
// an image file and as a label file. A refusal is an input_error; anything else escaping is a
// finding, and so is an accepted image file whose pixels are not count x rows x cols bytes.
#include "runner.h"

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

// One scratch file per process, rewritten for every input.
const std::string& scratch_path() {
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string p = std::string(tmp && *tmp ? tmp : "/tmp") + "/stoxvp-fuzz-idx-XXXXXX";
    const int fd = mkstemp(p.data());
    if (fd < 0) std::abort();
    close(fd);
    std::atexit([] { std::remove(scratch_path().c_str()); });
    return p;
  }();
  return path;
}

void write_scratch(const uint8_t* data, size_t size, bool compress) {
  if (compress) {
    gzFile g = gzopen(scratch_path().c_str(), "wb");
    if (!g || (size && gzwrite(g, data, static_cast<unsigned>(size)) != static_cast<int>(size)) || gzclose(g) != Z_OK)
      std::abort();
    return;
  }
  FILE* f = std::fopen(scratch_path().c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  write_scratch(data + 1, size - 1, data[0] & 1);
  try {
    const auto im = stoxvp::runner::read_idx_images(scratch_path());
    const unsigned __int128 pixels = static_cast<unsigned __int128>(im.count) * im.rows * im.cols;
    if (pixels != im.pixels.size()) {
      std::fprintf(stderr, "accepted %u images of %ux%u with %zu pixel bytes\n", im.count, im.rows, im.cols,
                   im.pixels.size());
      std::abort();
    }
  } catch (const stoxvp::runner::input_error& e) {
    if (std::getenv("STOXVP_FUZZ_VERBOSE")) std::fprintf(stderr, "refused: %s\n", e.what());
  }
  try {
    (void)stoxvp::runner::read_idx_labels(scratch_path(), 10);
  } catch (const stoxvp::runner::input_error& e) {
    if (std::getenv("STOXVP_FUZZ_VERBOSE")) std::fprintf(stderr, "refused: %s\n", e.what());
  }
  return 0;
}
