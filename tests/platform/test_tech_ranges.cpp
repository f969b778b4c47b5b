// Technology values are bounded by their unit: a finite but absurd value (1e308 pJ) used to be
// accepted and made every energy infinite; it is refused naming the file, the field, the value
// and the bound.
#include "support/tech_files.h"

#include <gtest/gtest.h>


using namespace stoxvp;
using stoxvp::test::expect_mentions;

namespace {

using stoxvp::test::tech_error_with;

TEST(TechRanges, TheShippedFileIsWithinEveryBound) {
  EXPECT_NO_THROW(load_tech_file(STOXVP_SOURCE_DIR "/configs/tech/default.json"));
  EXPECT_NO_THROW(default_tech());
}

TEST(TechRanges, AFiniteButAbsurdValueIsRefusedWithItsUnit) {
  expect_mentions(tech_error_with("\"value\": 20.0", "\"value\": 1e308", "dram.json"),
                  {"dram.json", "field 'components.dram.energy_pj_per_bit.value'", "1e+308 pJ", "1e+06 pJ"});
  expect_mentions(tech_error_with("\"value\": 0.76", "\"value\": 2e6", "fj.json"),
                  {"fj.json", "crossbar.cell_read_energy_fj.value", "2e+06 fJ"});
  expect_mentions(tech_error_with("\"value\": 10.0", "\"value\": 1e7", "ns.json"),
                  {"ns.json", "crossbar.read_latency_ns.value", "1e+07 ns"});
  expect_mentions(tech_error_with("\"value\": 50000.0", "\"value\": 1e12", "area.json"),
                  {"area.json", "control.area_um2.value", "1e+12 um^2"});
  expect_mentions(tech_error_with("\"value\": 0.00055", "\"value\": 1e9", "mw.json"),
                  {"mw.json", "tile_buffer.leakage_mw_per_kib.value", "1e+09 mW"});
}

TEST(TechRanges, PerBitTablesAreBoundedToo) {
  expect_mentions(tech_error_with("\"4\": 0.79", "\"4\": 1e300", "adc.json"),
                  {"adc.json", "adc_isaac.energy_pj.per_bits", "value for 4 bits, 1e+300 pJ"});
}

}  // namespace
