// The converter designs as strategies: one design per kind of the register map, found by one
// factory, named as the register map names it; and each design's cost hooks against figures
// worked out by hand.
#include "hw/core/converter.h"
#include "hw/core/geometry.h"
#include "stoxvp_regs.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

using namespace stoxvp::core;

namespace {

// The register map's name of every kind, in lower case, in order.
std::vector<std::string> register_map_names() {
  std::vector<std::string> v;
#define STOXVP_X_NAME(name, val, doc) v.push_back(#name);
  STOXVP_CONVERTERS(STOXVP_X_NAME)
#undef STOXVP_X_NAME
  for (auto& s : v)
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v;
}

converter_figures figures() {
  converter_figures f;
  f.read_latency_ns = 2;
  f.adc_model = "test_adc";
  f.adc_defined[4] = true;
  f.adc_conversion_ns[4] = 0.5;
  f.adc_energy_pj[4] = 3;
  f.adc_area_um2[4] = 7;
  f.adc_leakage_mw = 0.25;
  f.sense_amp_latency_ns = 0.125;
  f.sense_amp_energy_pj = 0.5;
  f.sense_amp_area_um2 = 11;
  f.sense_amp_leakage_mw = 0.5;
  f.mtj_write_ns = 1;
  f.mtj_read_ns = 0.5;
  f.mtj_reset_ns = 0.25;
  f.mtj_write_energy_pj = 2;
  f.mtj_read_energy_pj = 1;
  f.mtj_reset_energy_pj = 4;
  f.mtj_area_um2 = 13;
  f.mtj_leakage_mw = 0.125;
  return f;
}

}  // namespace

TEST(Converters, OneDesignPerRegisterMapKindNamedAsTheMapNamesIt) {
  const auto names = register_map_names();
  ASSERT_EQ(names.size(), kConverterKinds);
  ASSERT_EQ(size_t(STOXVP_CONVERTER_KINDS), kConverterKinds);
  std::string all;
  for (size_t k = 0; k < kConverterKinds; ++k) {
    const auto kind = static_cast<converter_kind>(k);
    const converter_design* d = find_converter_design(kind);
    ASSERT_NE(d, nullptr) << k;
    EXPECT_EQ(d->kind(), kind) << k;
    EXPECT_EQ(d->name(), names[k]);
    EXPECT_EQ(&converter_design_of(kind), d);
    converter_kind back = converter_kind::ideal;
    EXPECT_TRUE(converter_kind_named(names[k], back)) << names[k];
    EXPECT_EQ(back, kind);
    all += (all.empty() ? "" : ", ") + names[k];
  }
  EXPECT_EQ(converter_kind_names(), all);
  EXPECT_EQ(converter_kind_names(), "ideal, adc, sparse_adc, sense_amp, mtj");
  // Only the ideal readout has no converter circuit.
  for (size_t k = 0; k < kConverterKinds; ++k)
    EXPECT_EQ(converter_design_of(static_cast<converter_kind>(k)).has_circuit(), k != STOXVP_CONV_IDEAL) << k;
}

TEST(Converters, AKindOutsideTheRegisterMapHasNoDesign) {
  const auto none = static_cast<converter_kind>(kConverterKinds);
  EXPECT_EQ(find_converter_design(none), nullptr);
  EXPECT_STREQ(to_string(none), "?");
  converter_kind k;
  EXPECT_FALSE(converter_kind_named("flash_adc", k));
  EXPECT_THROW(converter_design_of(none), std::invalid_argument);
  converter_config c;
  c.kind = none;
  const xbar_mapping m = map_layer({16, 4, 4, 3, 4, 3}, xbar_geometry{16, 16, 4, 16});
  try {
    converter_bank bank(c, m, 4, 1);
    FAIL() << "a converter of kind " << kConverterKinds << " was built";
  } catch (const layer_error& e) {
    EXPECT_NE(std::string(e.what()).find("converter = " + std::to_string(kConverterKinds)), std::string::npos)
        << e.what();
  }
}

TEST(Converters, SparseAdcSkipsWhateverItsConfigurationSays) {
  const xbar_mapping m = map_layer({16, 4, 4, 3, 4, 3}, xbar_geometry{16, 16, 4, 16});
  converter_config c;
  c.kind = converter_kind::sparse_adc;
  c.skip_zero_waves = false;
  const converter_bank sparse(c, m, 4, 1);
  EXPECT_TRUE(sparse.config().skip_zero_waves);
  EXPECT_EQ(sparse.kind(), converter_kind::sparse_adc);
  c.kind = converter_kind::adc;
  const converter_bank adc(c, m, 4, 1);
  EXPECT_FALSE(adc.config().skip_zero_waves);
  EXPECT_EQ(&adc.design(), &converter_design_of(converter_kind::adc));
}

TEST(Converters, EachDesignPricesItsOwnWork) {
  const converter_figures f = figures();
  // Two weight slices, two input waves; T per (slice, wave): {1, 4}, {3, 2}.
  const xbar_mapping m = map_layer({16, 4, 5, 2, 5, 2}, xbar_geometry{16, 16, 4, 16});
  ASSERT_EQ(m.w_slices, 2u);
  ASSERT_EQ(m.a_waves, 2u);
  converter_config c;
  c.adc_bits = 4;
  c.cols_per_converter = 3;
  c.samples[0][0] = 1;
  c.samples[0][1] = 4;
  c.samples[1][0] = 3;
  c.samples[1][1] = 2;
  converter_stats spent;
  spent.conversions = 10;
  spent.samples = 30;
  spent.switches = 12;

  const converter_design& ideal = converter_design_of(converter_kind::ideal);
  EXPECT_EQ(ideal.component(), nullptr);
  EXPECT_DOUBLE_EQ(ideal.wave_ns(f, c, m, 0), 2);
  EXPECT_DOUBLE_EQ(ideal.energy_pj(f, c, spent), 0);
  EXPECT_DOUBLE_EQ(ideal.area_um2(f, c), 0);

  for (auto kind : {converter_kind::adc, converter_kind::sparse_adc}) {
    const converter_design& adc = converter_design_of(kind);
    EXPECT_STREQ(adc.component(), "adc");
    EXPECT_DOUBLE_EQ(adc.wave_ns(f, c, m, 1), 2 + 0.5 * 3);  // three column pairs in turn
    EXPECT_DOUBLE_EQ(adc.energy_pj(f, c, spent), 10 * 3);
    EXPECT_DOUBLE_EQ(adc.area_um2(f, c), 7);
    EXPECT_DOUBLE_EQ(adc.leakage_mw(f, c), 0.25);
    EXPECT_DOUBLE_EQ(adc.array_pulses(c, m, 0), 1);
    EXPECT_DOUBLE_EQ(adc.pulse_scale(f), 1);
    EXPECT_EQ(adc.missing_figures(f, c), "");
    converter_config other = c;
    other.adc_bits = 6;
    EXPECT_EQ(adc.missing_figures(f, other), "a 6-bit ADC has no figures in the technology's test_adc model");
    other.adc_bits = 20;  // beyond every table
    EXPECT_EQ(adc.missing_figures(f, other), "a 20-bit ADC has no figures in the technology's test_adc model");
  }

  const converter_design& sa = converter_design_of(converter_kind::sense_amp);
  EXPECT_STREQ(sa.component(), "sense_amp");
  EXPECT_DOUBLE_EQ(sa.wave_ns(f, c, m, 0), 2 + 0.125 * 3);
  EXPECT_DOUBLE_EQ(sa.energy_pj(f, c, spent), 10 * 0.5);
  EXPECT_DOUBLE_EQ(sa.area_um2(f, c), 11);
  EXPECT_DOUBLE_EQ(sa.leakage_mw(f, c), 0.5);

  const converter_design& mtj = converter_design_of(converter_kind::mtj);
  EXPECT_STREQ(mtj.component(), "mtj");
  // A wave takes its largest T over the slices: wave 0 max(1, 3), wave 1 max(4, 2).
  EXPECT_DOUBLE_EQ(mtj.wave_ns(f, c, m, 0), 1.75 * 3 * 3);
  EXPECT_DOUBLE_EQ(mtj.wave_ns(f, c, m, 1), 1.75 * 4 * 3);
  EXPECT_DOUBLE_EQ(mtj.array_pulses(c, m, 0), 3);
  EXPECT_DOUBLE_EQ(mtj.array_pulses(c, m, 1), 4);
  EXPECT_DOUBLE_EQ(mtj.pulse_scale(f), 0.5);
  EXPECT_DOUBLE_EQ(mtj.energy_pj(f, c, spent), 30 * 3 + 30 * 4);  // a reset after every sample
  converter_figures after_switch = f;
  after_switch.mtj_reset_after_switch = true;
  EXPECT_DOUBLE_EQ(mtj.energy_pj(after_switch, c, spent), 30 * 3 + 12 * 4);
  EXPECT_DOUBLE_EQ(mtj.area_um2(f, c), 13);
  EXPECT_DOUBLE_EQ(mtj.leakage_mw(f, c), 0.125);
}
