#include "xbar_tile.h"

#include "hw/accel/converter_costs.h"

#include <algorithm>
#include <cmath>

namespace stoxvp::hw {
namespace {

sc_core::sc_time ns(double v) { return sc_core::sc_time(v, sc_core::SC_NS); }

}  // namespace

tile::tile(sc_core::sc_module_name name, uint32_t index, const accelerator_config& cfg,
           const technology& tech)
    : tile_base(name, index), cfg_(cfg), tech_(tech), owners_(cfg.arrays_per_tile) {
  for (uint32_t i = 0; i < cfg.arrays_per_tile; ++i)
    arrays_.push_back(std::make_unique<core::crossbar_array>(cfg.array_rows, cfg.array_cols));
}

sc_core::sc_time tile::wave_time(const core::converter_bank& bank, const core::converter_figures& f,
                                 uint32_t wave) const {
  return ns(bank.design().wave_ns(f, bank.config(), bank.map(), wave));
}

action_cost tile::execute(const tile_op& op) {
  core::converter_stats before = stats_.datapath.conv;
  core::run_arrays(*op.input, op.slots.data(), op.slots.size(), *op.bank, op.key, op.N, op.acc,
                   stats_.datapath);
  const core::converter_stats& after = stats_.datapath.conv;
  const core::converter_bank& bank = *op.bank;
  const auto& cc = bank.config();
  const auto& map = bank.map();
  const uint32_t waves = map.a_waves, P = op.input->positions();
  const bool skips = cc.skip_zero_waves;
  const core::converter_design& design = bank.design();
  const core::converter_figures fig = converter_figures_of(tech_, cfg_);
  action_cost cost;
  auto& e = cost.energy;

  // Array reads: every driven row passes current through every column of its array. The row
  // drivers set a wave's input once; the cell current then flows for as many pulses as the
  // converter design samples the wave (an MTJ wave: its largest T write pulses; an ADC or
  // sense-amplifier wave: one read pulse).
  double active_cells = 0, drive_bits = 0;
  uint64_t reads[core::kMaxSlices] = {};
  double pulses[core::kMaxSlices] = {};
  for (uint32_t j = 0; j < waves; ++j) pulses[j] = design.array_pulses(cc, map, j);
  // Every term below is a whole number when the design's pulses are: then the sums are exact
  // in double below 2^53, in any order, so they are summed as integers per wave (the per-image
  // loop has no floating-point chain) and give the same bits. Otherwise, term by term.
  bool whole = true;
  double largest = 0;
  for (uint32_t j = 0; j < waves; ++j) {
    whole = whole && pulses[j] >= 0 && pulses[j] == std::floor(pulses[j]);
    largest = std::max(largest, pulses[j]);
  }
  double most_channels = 0;
  for (const auto& s : op.slots) most_channels = std::max(most_channels, double(s.array->channels()));
  const double bound = double(P) * double(op.slots.size()) * waves * double(UINT16_MAX) *
                       std::max(2.0 * most_channels * map.w_slices * largest, 8.0);
  if (whole && bound < 0x1p52) {
    uint64_t row_channels[core::kMaxSlices] = {}, rows_driven[core::kMaxSlices] = {};
    for (uint32_t p = 0; p < P; ++p) {
      uint32_t active = 0;
      for (const auto& s : op.slots) active |= op.input->active_waves(p, s.chunk);
      for (uint32_t j = 0; j < waves; ++j) {
        if (skips && !((active >> j) & 1)) continue;
        ++reads[j];
        for (const auto& s : op.slots) {
          const uint64_t rows = op.input->driven_rows(p, s.chunk, j);
          row_channels[j] += rows * s.array->channels();
          rows_driven[j] += rows;
        }
      }
    }
    for (uint32_t j = 0; j < waves; ++j) {
      const uint32_t bits = std::min(map.a_stream, map.a_mag_bits - j * map.a_stream);
      active_cells += double(row_channels[j]) * 2.0 * map.w_slices * pulses[j];
      drive_bits += double(rows_driven[j]) * bits;
    }
  } else {
    for (uint32_t p = 0; p < P; ++p) {
      uint32_t active = 0;
      for (const auto& s : op.slots) active |= op.input->active_waves(p, s.chunk);
      for (uint32_t j = 0; j < waves; ++j) {
        if (skips && !((active >> j) & 1)) continue;
        ++reads[j];
        const uint32_t bits = std::min(map.a_stream, map.a_mag_bits - j * map.a_stream);
        const double drives = pulses[j];
        for (const auto& s : op.slots) {
          const double rows = op.input->driven_rows(p, s.chunk, j);
          active_cells += rows * 2.0 * s.array->channels() * map.w_slices * drives;
          drive_bits += rows * bits;
        }
      }
    }
  }
  const double pulse = design.pulse_scale(fig);
  e[size_t(component::crossbar)] = active_cells * tech_.cell_read_energy_fj * 1e-3 * pulse;
  e[size_t(component::row_driver)] = drive_bits * tech_.row_drive_energy_pj;

  const core::converter_stats spent{after.conversions - before.conversions, after.samples - before.samples,
                                    after.skipped - before.skipped, after.switches - before.switches};
  if (design.has_circuit()) e[size_t(converter_component(design))] = design.energy_pj(fig, cc, spent);
  // One shift-and-add per code entering the accumulators; a design without a converter circuit
  // counts no conversions, but every read's codes still enter them.
  const uint64_t codes = design.has_circuit() ? spent.conversions
                                              : uint64_t(P) * waves * op.slots.size() * map.w_slices;
  e[size_t(component::shift_add)] = codes * tech_.shift_add_energy_pj;

  // Tile buffers: the input arrives once; every array read streams its rows' input bits out;
  // partial results are written for the reduction.
  uint64_t channels = 0, row_bits = 0;
  for (const auto& s : op.slots) {
    channels += s.array->channels();
    row_bits += uint64_t(P) * s.array->k_rows() * (map.a_mag_bits + 1);
  }
  const uint64_t buffer_bits = op.input_bytes * 8 + row_bits + uint64_t(P) * channels * cfg_.partial_sum_bits;
  e[size_t(component::tile_buffer)] = buffer_bits * tech_.tile_buffer_energy_pj_per_bit;

  sc_core::sc_time compute = sc_core::SC_ZERO_TIME;
  sc_core::sc_time converting = sc_core::SC_ZERO_TIME;  // rounded per wave as the wave's time is
  for (uint32_t j = 0; j < waves; ++j) {
    compute += wave_time(bank, fig, j) * static_cast<double>(reads[j]);
    converting += ns(design.conversion_ns(fig, cc, map, j)) * static_cast<double>(reads[j]);
  }
  cost.array_time = compute;
  cost.conversion_time = converting;
  // The buffer streams inputs to the arrays at banks x width bits per cycle; whichever is
  // slower sets the pace. The shift-add of the last read drains in one cycle.
  const uint64_t per_cycle = uint64_t(cfg_.tile_buffer_banks) * cfg_.tile_buffer_width_bits;
  const sc_core::sc_time buffer = cfg_.clock_period * static_cast<double>((buffer_bits + per_cycle - 1) / per_cycle);
  cost.busy = std::max(compute, buffer) + cfg_.clock_period;
  ++stats_.operations;
  stats_.busy += cost.busy;
  return cost;
}

action_cost tile::program(uint64_t cells, uint32_t rows, uint32_t bits) {
  stats_.cells_written += cells;
  action_cost cost;
  // Rows are written one bit plane at a time (binary SOT writes per bit of the cell).
  cost.busy = ns(tech_.row_write_latency_ns * rows * bits);
  cost.energy[size_t(component::crossbar)] = static_cast<double>(cells) * bits * tech_.cell_write_energy_pj;
  stats_.busy += cost.busy;
  return cost;
}

}  // namespace stoxvp::hw
