// Converter banks: what reads a column pair's partial sum (PS) into the digital domain. One
// interface, five designs, selected per layer:
//   ideal       the exact PS (the golden reference; no conversion cost)
//   adc         N-bit SAR ADC over a full-scale range with clipping; k columns share one ADC
//   sparse_adc  a low-bit ADC that skips conversions whose input wave drives no row
//   sense_amp   1 bit: +1 when gain*PS + bias exceeds the threshold, else -1
//   mtj         stochastic SOT-MTJ: x = clamp(gain*PS + bias, -1, 1), switching probability
//               p(x) from a curve, T samples per conversion, output the up/down count 2k - T
// Each conversion's code is weighted by multiplier(slice, wave) in the digital shift-add; one
// unit of the accumulated sum is worth code_scale() partial-sum units (ADC: the LSB; MTJ: 1/L
// with L the least common multiple of the layer's T values, so that counts normalised by
// their own T accumulate exactly in integers).
//
// Each design is a strategy: one converter_design object per design, in its own file under
// converters/, found by converter_design_of(kind), the only place that tells the kinds apart.
// A design checks a layer's configuration and builds that layer's converter_kernel (its tables
// and its conversion loop), and it prices its own work (time, energy, area, leakage). A
// converter_bank is one layer's converters: the kernel its design built. The kernel converts
// one array read per call (channels x slices x waves values), so the virtual call is paid once
// per array read, never per conversion.
#pragma once

#include "geometry.h"
#include "stoxvp_regs.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace stoxvp::core {

// The kinds are the register map's STOXVP_CONVERTERS, numbered 0 .. kConverterKinds - 1; their
// count and names come from it. The C++ spelling below must say the same (checked here).
enum class converter_kind : uint8_t { ideal = 0, adc = 1, sparse_adc = 2, sense_amp = 3, mtj = 4 };
constexpr size_t kConverterKinds = STOXVP_CONVERTER_KINDS;
static_assert(static_cast<int>(converter_kind::ideal) == STOXVP_CONV_IDEAL &&
                  static_cast<int>(converter_kind::adc) == STOXVP_CONV_ADC &&
                  static_cast<int>(converter_kind::sparse_adc) == STOXVP_CONV_SPARSE_ADC &&
                  static_cast<int>(converter_kind::sense_amp) == STOXVP_CONV_SENSE_AMP &&
                  static_cast<int>(converter_kind::mtj) == STOXVP_CONV_MTJ,
              "converter_kind must match STOXVP_CONVERTERS in hw/regs/stoxvp_regs.h");

// "mtj" for STOXVP_CONV_MTJ: the register map's name in lower case; "?" for no kind.
const char* to_string(converter_kind k);
// The kind named `name` (as to_string spells it); false if there is none.
bool converter_kind_named(const std::string& name, converter_kind& k);
// Every kind's name, in order, separated by ", " (for messages).
std::string converter_kind_names();

// Published StoX-Net switching curves, as sigmoid(a*x + b).
struct mtj_curve {
  double a, b;
};
constexpr mtj_curve kCurveFinal{4.0, 0.0};                 // sigmoid(4x), the authors' final code
constexpr mtj_curve kCurveTanh{8.0, 0.0};                  // (1 + tanh(4x)) / 2 == sigmoid(8x)
constexpr mtj_curve kCurveDeviceFit{3.598, -3.598 * 0.0082};  // fit to device data, Feb 2024

constexpr uint32_t kMaxSlices = 8;  // weight slices and input waves a T table covers

struct converter_config {
  converter_kind kind = converter_kind::ideal;
  uint32_t adc_bits = 8;
  double adc_range = 0;            // full scale (+-) in PS units; 0: smallest power of two >= map.max_abs_ps,
                                   // the geometric bound min(K, rows) (2^ws - 1) (2^as - 1), not an observed |PS|
  uint32_t cols_per_converter = 1; // columns sharing one converter (costs time, not function)
  bool skip_zero_waves = false;    // sparse_adc always skips
  double sa_threshold = 0;
  mtj_curve curve = kCurveFinal;
  std::vector<double> curve_table; // if set: p at x_i = -1 + 2i/(n-1), linearly interpolated
  uint8_t samples[kMaxSlices][kMaxSlices];  // T per (weight slice, input wave)
  std::vector<float> gain, bias;   // per output channel (MTJ, sense amp); empty: 1 and 0
  converter_config();
  void set_samples(uint8_t t);     // the same T everywhere
};

struct converter_stats {
  uint64_t conversions = 0;  // PS values converted (converters fired)
  uint64_t samples = 0;      // MTJ write/read/reset cycles
  uint64_t skipped = 0;      // conversions skipped on all-zero input waves
  uint64_t switches = 0;     // MTJ samples that switched (a reset after each is required)
  converter_stats& operator+=(const converter_stats& o) {
    conversions += o.conversions;
    samples += o.samples;
    skipped += o.skipped;
    switches += o.switches;
    return *this;
  }
};

// The probability the MTJ switches for a normalised drive x in [-1, 1].
double switching_probability(const converter_config& c, double x);

// What the converters cost: the converter figures of the accelerator's technology, as plain
// numbers (the accelerator fills them from hw::technology: hw/accel/converter_costs.h), and the
// one chip option that changes what a conversion costs. Plain numbers rather than a cost
// interface beside the tile in hw/accel: each design prices its own work in its own file and
// hw/core stays free of the accelerator, so a design is one file plus one line in the factory,
// not a file in each of two folders and two tables that must agree.
struct converter_figures {
  double read_latency_ns = 0;  // one array read: drive a wave and settle the columns
  std::string adc_model;       // the ADC circuit model the technology selects
  std::array<double, 17> adc_energy_pj{}, adc_area_um2{}, adc_conversion_ns{};  // by bits
  std::array<bool, 17> adc_defined{};
  double adc_leakage_mw = 0;
  double sense_amp_energy_pj = 0, sense_amp_latency_ns = 0, sense_amp_area_um2 = 0, sense_amp_leakage_mw = 0;
  double mtj_write_energy_pj = 0, mtj_write_ns = 0, mtj_read_energy_pj = 0, mtj_read_ns = 0;
  double mtj_reset_energy_pj = 0, mtj_reset_ns = 0, mtj_area_um2 = 0, mtj_leakage_mw = 0;
  bool mtj_reset_after_switch = false;  // the chip resets an MTJ only after it switched
};

class converter_design;

// One design's converters for one layer: what the design derived from the layer's
// configuration (the code range, the MTJ's tables) and its conversion loop.
class converter_kernel {
 public:
  virtual ~converter_kernel() = default;
  converter_kernel(const converter_kernel&) = delete;
  converter_kernel& operator=(const converter_kernel&) = delete;

  const converter_design& design() const { return design_; }
  const converter_config& config() const { return cfg_; }
  const xbar_mapping& map() const { return map_; }
  int64_t multiplier(uint32_t slice, uint32_t wave) const { return mult_[slice * kMaxSlices + wave]; }
  double code_scale() const { return code_scale_; }

  // As converter_bank::convert.
  virtual void convert(const int32_t* ps, int32_t* codes, uint32_t ch0, uint32_t count, uint32_t position,
                       uint32_t chunk, uint32_t active_waves, uint64_t key, converter_stats& stats) const = 0;

 protected:
  // Checks what every design needs (at most kMaxSlices slices and waves, a converter per at
  // least one column) and sets the shift-add weights 2^(i w_slice + j a_stream).
  converter_kernel(const converter_design& d, const converter_config& cfg, const xbar_mapping& m, uint32_t N,
                   uint32_t chunks);
  [[noreturn]] static void bad(const std::string& what);  // throws layer_error
  void check_drive_sizes() const;   // N gains and N biases, or none (designs that drive)
  void check_finite_drive() const;  // every gain and bias finite

  const converter_design& design_;
  converter_config cfg_;
  xbar_mapping map_;
  uint32_t N_, chunks_;
  int64_t mult_[kMaxSlices * kMaxSlices] = {};
  double code_scale_ = 1;
};

// A converter design: one object per design, stateless. The cost hooks have defaults for a
// design without a converter circuit (ideal).
class converter_design {
 public:
  virtual ~converter_design() = default;
  virtual converter_kind kind() const = 0;
  const char* name() const { return to_string(kind()); }

  // Validates `cfg` against the layer (throws layer_error naming the parameter) and builds the
  // layer's kernel.
  virtual std::unique_ptr<converter_kernel> build(const converter_config& cfg, const xbar_mapping& m, uint32_t N,
                                                  uint32_t chunks) const = 0;

  // The energy-ledger component its converters' energy, area and leakage count under; nullptr:
  // no converter circuit (no conversions are counted, no converter area or leakage exists).
  virtual const char* component() const { return nullptr; }
  bool has_circuit() const { return component() != nullptr; }
  // Empty when `f` has every figure `c` needs, else what is missing.
  virtual std::string missing_figures(const converter_figures&, const converter_config&) const { return {}; }
  // Area (um^2) and leakage (mW) of one converter.
  virtual double area_um2(const converter_figures&, const converter_config&) const { return 0; }
  virtual double leakage_mw(const converter_figures&, const converter_config&) const { return 0; }
  // The time of one input wave: the array read and its conversions, in ns.
  virtual double wave_ns(const converter_figures& f, const converter_config& c, const xbar_mapping& m,
                         uint32_t wave) const = 0;
  // How many pulses one input wave drives the array's cells for, and each pulse's length in
  // read pulses.
  // The part of wave_ns() the converters take (the rest is the array's read settle): the
  // converter level of the comparison's walk (tools/stoxnet/compare.py). A design whose samples
  // are themselves the array's read pulses (the MTJ) takes its whole wave.
  virtual double conversion_ns(const converter_figures& f, const converter_config& c, const xbar_mapping& m,
                               uint32_t wave) const {
    const double t = wave_ns(f, c, m, wave) - f.read_latency_ns;
    return t > 0 ? t : 0;
  }
  virtual double array_pulses(const converter_config&, const xbar_mapping&, uint32_t) const { return 1.0; }
  virtual double pulse_scale(const converter_figures&) const { return 1.0; }
  // Energy of the converter work counted in `spent`, in pJ.
  virtual double energy_pj(const converter_figures&, const converter_config&, const converter_stats&) const {
    return 0;
  }
};

// The factory: the design of kind `k`, nullptr if `k` is not a STOXVP_CONV_* value.
const converter_design* find_converter_design(converter_kind k);
// As find_converter_design; throws std::invalid_argument naming the value for no kind.
const converter_design& converter_design_of(converter_kind k);

// One layer's converters.
class converter_bank {
 public:
  // Validates the configuration against the layer (throws layer_error naming the parameter):
  // a known kind, ADC bits 1..24 and a positive range, T of 1..255 wherever the layer has a
  // slice and wave, per-channel gain and bias of N entries (or none), a curve table of >= 2
  // values in [0, 1].
  converter_bank(const converter_config& cfg, const xbar_mapping& m, uint32_t N, uint32_t chunks);

  converter_kind kind() const { return kernel_->config().kind; }
  const converter_design& design() const { return kernel_->design(); }
  int64_t multiplier(uint32_t slice, uint32_t wave) const { return kernel_->multiplier(slice, wave); }
  double code_scale() const { return kernel_->code_scale(); }
  const converter_config& config() const { return kernel_->config(); }
  const xbar_mapping& map() const { return kernel_->map(); }

  // Converts one array read at `position` of row chunk `chunk`: the PS of `count` channels from
  // global channel `ch0` (layout [(ch * w_slices + i) * a_waves + j]) into codes (same layout).
  // Waves not in `active_waves` are skipped when the design skips (codes 0, no conversion).
  void convert(const int32_t* ps, int32_t* codes, uint32_t ch0, uint32_t count, uint32_t position,
               uint32_t chunk, uint32_t active_waves, uint64_t key, converter_stats& stats) const {
    kernel_->convert(ps, codes, ch0, count, position, chunk, active_waves, key, stats);
  }

 private:
  std::unique_ptr<const converter_kernel> kernel_;
};

}  // namespace stoxvp::core
