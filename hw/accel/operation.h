// Tile kinds and the operation registry: the seam where a kind of compute tile plugs into the
// accelerator. A kind (hw/accel/tiles/<kind>/) registers, in one place, a factory that builds
// its tiles for one accelerator and the operations (opcodes) it executes; the command
// processor looks each descriptor's opcode up here and hands its handler an execution context
// (the global buffer, the NoC, the vector unit, the tiles of every kind, the cost sink, the
// configuration and the seed). Operations that need no tile (the vector unit's, the global
// buffer's) are registered the same way, without a kind.
#pragma once

#include "config.h"
#include "cost_sink.h"
#include "desc_error.h"
#include "energy.h"
#include "global_buffer.h"
#include "noc.h"
#include "stoxvp_regs.h"
#include "technology.h"
#include "vector_unit.h"

#include <systemc>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace stoxvp {
class json_object_reader;
}

namespace stoxvp::hw {

struct command_stats;

// One compute tile of any kind: a SystemC module with a chip-wide index and the counters every
// report shows. Kind-specific state and statistics are the concrete class's.
class tile_base : public sc_core::sc_module {
 public:
  tile_base(sc_core::sc_module_name name, uint32_t index) : sc_module(name), index_(index) {}
  uint32_t index() const { return index_; }
  virtual const char* kind() const = 0;
  virtual uint64_t operations() const = 0;
  virtual sc_core::sc_time busy() const = 0;

 private:
  uint32_t index_;
};

// The tiles of one kind in one accelerator, and whatever state the kind's operations keep
// between descriptors (caches, the layers its tiles hold).
class tile_group_base {
 public:
  virtual ~tile_group_base() = default;
  virtual const char* kind() const = 0;
  virtual std::vector<tile_base*> tiles() const = 0;
  // What the group is built with: area and leakage per component.
  virtual void contribute(cost_sheet&) const {}
  // CTRL.SOFT_RESET: state the register map says a reset clears (none by default).
  virtual void soft_reset() {}
};

// Operand buffers reused between descriptors (the data paths' staging registers).
struct operand_buffers {
  std::vector<uint8_t> in, w, params, out, in_b;
  std::vector<uint8_t> params_tail;  // a parameter block's arrays, before they join `params`
  core::output_params output;        // the output stage's settings of the layer executing
  // Held weight copies (global buffer serial numbers) already found within w_bits, by w_bits.
  std::vector<std::pair<uint64_t, uint32_t>> weights_in_range;
  std::vector<int64_t> acc;
};

// What an operation handler works with while it executes one descriptor.
class exec_context {
 public:
  exec_context(const accelerator_config& cfg, const technology& tech, global_buffer& gb,
               hw::noc& network, vector_unit& vu, cost_sink& cost, command_stats& stats)
      : cfg(cfg), tech(tech), gb(gb), noc(network), vu(vu), cost(cost), stats(stats) {}
  virtual ~exec_context() = default;

  const accelerator_config& cfg;
  const technology& tech;
  global_buffer& gb;
  hw::noc& noc;
  vector_unit& vu;
  cost_sink& cost;
  command_stats& stats;
  operand_buffers buf;

  uint64_t seed() const { return cfg.seed; }
  // The first group of tiles of `kind`, or nullptr when the chip has none.
  virtual tile_group_base* group(const std::string& kind) = 0;
  // Every group of `kind`, in chip-wide tile order (a chip may have several of one kind, each
  // with its own parameters: crossbar groups of different geometry).
  virtual std::vector<tile_group_base*> groups(const std::string& kind) = 0;
  template <class G>
  G& group_of(const std::string& kind);
  // Every tile of the chip, in chip-wide index order.
  virtual const std::vector<tile_base*>& tiles() const = 0;
  // Catches up with simulated time: `local` is folded into the simulation time and reset
  // (tiles that start together do so at a synchronised instant).
  virtual void sync(sc_core::sc_time& local) = 0;
  // Number of tiles working on the current operation (a traced signal).
  virtual void set_active_tiles(uint32_t n) = 0;
  // The ring slot of the descriptor being executed.
  virtual uint32_t slot() const = 0;
};

// Executes one descriptor (its header already checked); throws desc_error to refuse it.
using op_handler = std::function<void(exec_context&, const stoxvp_desc&, sc_core::sc_time& local)>;

struct operation_entry {
  uint16_t opcode = 0;
  std::string name;        // as the register map spells it: "XBAR_CONV"
  std::string kind;        // the tile kind that executes it; empty for chip-level units
  op_handler handler;
};

// What a factory gets to build a kind's group for one accelerator.
struct group_build_args {
  const accelerator_config& cfg;
  const technology& tech;
  uint32_t first_tile;   // chip-wide index of the group's first tile
  uint32_t count;        // tiles in the group
  const tile_group& spec;  // the group as configured: its kind's parameters (spec.params)
};

struct tile_kind_entry {
  std::string name;  // "xbar": the folder hw/accel/tiles/<name>/
  // Builds the group; throws std::invalid_argument naming the parameter for a bad section.
  std::function<std::unique_ptr<tile_group_base>(const group_build_args&)> make_group;
  // Parses the kind's technology section ("tiles": {"<name>": {...}}; the reader is positioned
  // on it, and every value it reads records its source under "<name>.<component>.<field>").
  // Empty: the kind has no section of its own.
  std::function<std::shared_ptr<const tech_section>(json_object_reader& section,
                                                    std::map<std::string, std::string>& sources)>
      parse_technology;
};

// The one table of operations and kinds. Registration is explicit (register_builtin_kinds()
// for the kinds of this library; a test or an integrator registers its own before building an
// accelerator), so nothing depends on static-initialisation order or on the linker keeping an
// object file for the sake of its constructors.
class operation_registry {
 public:
  static operation_registry& instance();

  // Throws std::logic_error when the opcode or the kind is taken by a different entry.
  void add_operation(operation_entry e);
  void add_kind(tile_kind_entry e);

  const operation_entry* find(uint16_t opcode) const;
  const tile_kind_entry* find_kind(const std::string& name) const;
  std::vector<std::string> kinds() const;

 private:
  std::map<uint16_t, operation_entry> ops_;
  std::map<std::string, tile_kind_entry> kinds_;
};

// Registers the kinds and operations of this library (xbar, the vector unit's, the global
// buffer's); idempotent. The accelerator calls it before it builds its tiles.
void register_builtin_kinds();

// "XBAR_CONV", ...: the registered name, or the register map's, or "unknown".
const char* opcode_name(uint32_t op);

template <class G>
G& exec_context::group_of(const std::string& kind) {
  tile_group_base* g = group(kind);
  if (g == nullptr) throw std::logic_error("the chip has no tiles of kind " + kind);
  return dynamic_cast<G&>(*g);
}

}  // namespace stoxvp::hw
