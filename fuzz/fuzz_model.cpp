// Fuzz target: the model-file reader (firmware/model/stoxvp_model.c), the one reader the
// firmware, the runner and the Python tools share. Each input is read twice: as it is, and with
// its CRC-32 field recomputed, so mutations get past the checksum into the field checks. An
// accepted model's output sizes are then computed for every layer, as the firmware does, and
// checked against the convolution and pooling formulas.
#include "stoxvp_model.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace {

// An accepted layer's output tensor must have the size its input, kernel, stride and padding
// give (docs/model-format.md), computed without the 16-bit fields' wrap-around.
void check_output_shape(const stoxvp_model& m, uint32_t i) {
  const stoxvp_model_layer& l = m.layers[i];
  const bool conv = l.type == STOXVP_LAYER_XBAR_CONV || l.type == STOXVP_LAYER_DIGITAL_CONV;
  const bool pool = l.type == STOXVP_LAYER_MAX_POOL || l.type == STOXVP_LAYER_AVG_POOL;
  if (!conv && !pool) return;
  const stoxvp_tensor_shape in = m.tensors[l.input], out = m.tensors[i + 1];
  const int64_t pad = conv ? l.pad : 0, kw = conv ? l.kernel_w : l.kernel_h;
  const int64_t h = (int64_t(in.h) + 2 * pad - l.kernel_h) / l.stride + 1;
  const int64_t w = (int64_t(in.w) + 2 * pad - kw) / l.stride + 1;
  if (h != out.h || w != out.w) {
    std::fprintf(stderr, "layer %u: output %lldx%lld recorded as %ux%u\n", i, (long long)h, (long long)w, out.h, out.w);
    std::abort();
  }
}

void read_and_use(const uint8_t* data, size_t size) {
  static auto m = std::make_unique<stoxvp_model>();  // 50 KB: not on the stack, not per input
  char err[256];
  if (stoxvp_model_parse(data, size, m.get(), err, sizeof err) != STOXVP_MODEL_OK) {
    if (strnlen(err, sizeof err) == sizeof err) std::abort();  // the message must be terminated
    if (std::getenv("STOXVP_FUZZ_VERBOSE")) std::fprintf(stderr, "refused: %s\n", err);
    return;
  }
  for (uint32_t i = 0; i < m->layer_count; ++i) {
    (void)stoxvp_model_output_bytes(m.get(), i);
    check_output_shape(*m, i);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  read_and_use(data, size);
  constexpr size_t crc_at = offsetof(stoxvp_model_header, crc32);
  if (size >= STOXVP_MODEL_HEADER_BYTES) {
    std::vector<uint8_t> fixed(data, data + size);
    std::memset(&fixed[crc_at], 0, 4);
    const uint32_t crc = stoxvp_crc32(0, fixed.data(), fixed.size());
    std::memcpy(&fixed[crc_at], &crc, 4);  // little-endian host, as the format
    read_and_use(fixed.data(), fixed.size());
  }
  return 0;
}
