#include "tile.h"

#include <algorithm>

namespace stoxvp::hw {

tile::tile(sc_core::sc_module_name name, uint32_t index, const accelerator_config& cfg)
    : sc_module(name), index_(index), cfg_(cfg), owners_(cfg.arrays_per_tile) {
  for (uint32_t i = 0; i < cfg.arrays_per_tile; ++i)
    arrays_.push_back(std::make_unique<core::crossbar_array>(cfg.array_rows, cfg.array_cols));
}

sc_core::sc_time tile::conversion_time(const core::converter_bank& bank, uint32_t wave) const {
  const auto& c = bank.config();
  switch (c.kind) {
    case core::converter_kind::ideal:
      return sc_core::SC_ZERO_TIME;
    case core::converter_kind::adc:
    case core::converter_kind::sparse_adc:
      // One ADC serves cols_per_converter columns one after the other.
      return cfg_.adc_conversion * static_cast<double>(c.cols_per_converter);
    case core::converter_kind::sense_amp:
      return cfg_.sense_amp_decision * static_cast<double>(c.cols_per_converter);
    case core::converter_kind::mtj: {
      // Every column pair has its own MTJ; the slices of a wave sample in parallel, so the
      // wave takes as long as its largest T.
      uint32_t t = 0;
      for (uint32_t i = 0; i < bank.map().w_slices; ++i) t = std::max<uint32_t>(t, c.samples[i][wave]);
      return cfg_.mtj_sample * static_cast<double>(t * c.cols_per_converter);
    }
  }
  return sc_core::SC_ZERO_TIME;
}

sc_core::sc_time tile::execute(const tile_op& op) {
  core::run_arrays(*op.input, op.slots.data(), op.slots.size(), *op.bank, op.key, op.N, op.acc,
                   stats_.datapath);
  // The tile's arrays work in parallel on the same input; per position and wave, a read then
  // its conversion. Waves no array of the tile drives cost nothing when the design skips them.
  const uint32_t waves = op.bank->map().a_waves;
  const bool skips = op.bank->config().skip_zero_waves;
  std::vector<sc_core::sc_time> per_wave(waves);
  for (uint32_t j = 0; j < waves; ++j) per_wave[j] = cfg_.xbar_read + conversion_time(*op.bank, j);
  uint64_t reads[core::kMaxSlices] = {};
  for (uint32_t p = 0; p < op.input->positions(); ++p) {
    uint32_t active = 0;
    if (skips)
      for (const auto& s : op.slots) active |= op.input->active_waves(p, s.chunk);
    for (uint32_t j = 0; j < waves; ++j)
      if (!skips || ((active >> j) & 1)) ++reads[j];
  }
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  for (uint32_t j = 0; j < waves; ++j) t += per_wave[j] * static_cast<double>(reads[j]);
  // The shift-add of the last read drains after the reads (one cycle).
  t += cfg_.clock_period;
  ++stats_.operations;
  stats_.busy += t;
  return t;
}

sc_core::sc_time tile::account_program(uint64_t cells, uint32_t rows) {
  stats_.cells_written += cells;
  const sc_core::sc_time t = cfg_.xbar_write_row * static_cast<double>(rows);
  stats_.busy += t;
  return t;
}

}  // namespace stoxvp::hw
