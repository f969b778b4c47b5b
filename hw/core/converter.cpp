#include "converter.h"

#include "converters/adc.h"
#include "converters/ideal.h"
#include "converters/mtj.h"
#include "converters/sense_amp.h"
#include "converters/sparse_adc.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace stoxvp::core {
namespace {

// The register map numbers the kinds 0, 1, 2, ... in STOXVP_CONVERTERS order.
#define STOXVP_X_VALUE(name, val, doc) (val),
constexpr int kKindValues[] = {STOXVP_CONVERTERS(STOXVP_X_VALUE)};
#undef STOXVP_X_VALUE
constexpr bool numbered_in_order() {
  for (size_t k = 0; k < kConverterKinds; ++k)
    if (kKindValues[k] != static_cast<int>(k)) return false;
  return true;
}
static_assert(numbered_in_order(), "STOXVP_CONVERTERS must be numbered 0, 1, 2, ... in order");

const std::array<std::string, kConverterKinds>& kind_names() {
  static const std::array<std::string, kConverterKinds> names = [] {
#define STOXVP_X_NAME(name, val, doc) #name,
    const char* upper[] = {STOXVP_CONVERTERS(STOXVP_X_NAME)};
#undef STOXVP_X_NAME
    std::array<std::string, kConverterKinds> lower;
    for (size_t k = 0; k < kConverterKinds; ++k)
      for (const char* c = upper[k]; *c; ++c) lower[k] += static_cast<char>(std::tolower(static_cast<unsigned char>(*c)));
    return lower;
  }();
  return names;
}

}  // namespace

const char* to_string(converter_kind k) {
  const size_t i = static_cast<size_t>(k);
  return i < kConverterKinds ? kind_names()[i].c_str() : "?";
}

bool converter_kind_named(const std::string& name, converter_kind& k) {
  for (size_t i = 0; i < kConverterKinds; ++i)
    if (name == kind_names()[i]) {
      k = static_cast<converter_kind>(i);
      return true;
    }
  return false;
}

std::string converter_kind_names() {
  std::string s;
  for (const auto& n : kind_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

converter_config::converter_config() { set_samples(4); }

void converter_config::set_samples(uint8_t t) {
  for (auto& row : samples)
    for (auto& v : row) v = t;
}

const converter_design* find_converter_design(converter_kind k) {
  static const ideal_design ideal;
  static const adc_design adc;
  static const sparse_adc_design sparse_adc;
  static const sense_amp_design sense_amp;
  static const mtj_design mtj;
  // In STOXVP_CONVERTERS order: a kind added to the register map needs its design here.
  static const converter_design* const designs[] = {&ideal, &adc, &sparse_adc, &sense_amp, &mtj};
  static_assert(sizeof designs / sizeof designs[0] == kConverterKinds,
                "one converter design per STOXVP_CONVERTERS entry, in its order");
  const size_t i = static_cast<size_t>(k);
  return i < kConverterKinds ? designs[i] : nullptr;
}

const converter_design& converter_design_of(converter_kind k) {
  if (const converter_design* d = find_converter_design(k)) return *d;
  throw std::invalid_argument("converter kind " + std::to_string(static_cast<unsigned>(k)) +
                              " is not a STOXVP_CONV_* value (" + converter_kind_names() + ")");
}

converter_kernel::converter_kernel(const converter_design& d, const converter_config& cfg, const xbar_mapping& m,
                                   uint32_t N, uint32_t chunks)
    : design_(d), cfg_(cfg), map_(m), N_(N), chunks_(chunks) {
  if (map_.w_slices > kMaxSlices || map_.a_waves > kMaxSlices)
    bad("more than " + std::to_string(kMaxSlices) + " weight slices or input waves");
  if (cfg_.cols_per_converter == 0) bad("cols_per_converter is 0");
  // Slice i and wave j sit at bit i*w_slice + j*a_stream of the product.
  for (uint32_t i = 0; i < map_.w_slices; ++i)
    for (uint32_t j = 0; j < map_.a_waves; ++j)
      mult_[i * kMaxSlices + j] = int64_t{1} << (i * map_.w_slice + j * map_.a_stream);
}

void converter_kernel::bad(const std::string& what) { throw layer_error(what); }

void converter_kernel::check_drive_sizes() const {
  if (!cfg_.gain.empty() && (cfg_.gain.size() != N_ || cfg_.bias.size() != N_))
    bad("gain and bias need one value per output (" + std::to_string(N_) + "), got " +
        std::to_string(cfg_.gain.size()) + " and " + std::to_string(cfg_.bias.size()));
  if (cfg_.gain.empty() && !cfg_.bias.empty()) bad("bias given without gain");
}

void converter_kernel::check_finite_drive() const {
  for (size_t n = 0; n < std::max(cfg_.gain.size(), cfg_.bias.size()); ++n)
    if ((n < cfg_.gain.size() && !std::isfinite(cfg_.gain[n])) || (n < cfg_.bias.size() && !std::isfinite(cfg_.bias[n])))
      bad("gain or bias of output " + std::to_string(n) + " is not a finite number");
}

converter_bank::converter_bank(const converter_config& cfg, const xbar_mapping& m, uint32_t N, uint32_t chunks) {
  const converter_design* d = find_converter_design(cfg.kind);
  if (!d)
    throw layer_error("converter = " + std::to_string(static_cast<unsigned>(cfg.kind)) + " is not one of " +
                      converter_kind_names());
  kernel_ = d->build(cfg, m, N, chunks);
}

}  // namespace stoxvp::core
