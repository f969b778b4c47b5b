#include "operation.h"

#include <stdexcept>

namespace stoxvp::hw {

operation_registry& operation_registry::instance() {
  static operation_registry r;
  return r;
}

void operation_registry::add_operation(operation_entry e) {
  if (!e.handler) throw std::logic_error("operation " + e.name + " registered without a handler");
  auto it = ops_.find(e.opcode);
  if (it != ops_.end()) {
    if (it->second.name == e.name && it->second.kind == e.kind) return;  // registered again
    throw std::logic_error("opcode " + std::to_string(e.opcode) + " (" + e.name + ", kind '" + e.kind +
                           "') is already registered as " + it->second.name + " of kind '" +
                           it->second.kind + "'");
  }
  ops_.emplace(e.opcode, std::move(e));
}

void operation_registry::add_kind(tile_kind_entry e) {
  if (!e.make_group) throw std::logic_error("tile kind " + e.name + " registered without a factory");
  if (kinds_.count(e.name)) return;  // the first registration of a name stands
  kinds_.emplace(e.name, std::move(e));
}

const operation_entry* operation_registry::find(uint16_t opcode) const {
  auto it = ops_.find(opcode);
  return it == ops_.end() ? nullptr : &it->second;
}

const tile_kind_entry* operation_registry::find_kind(const std::string& name) const {
  auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : &it->second;
}

std::vector<std::string> operation_registry::kinds() const {
  std::vector<std::string> v;
  for (const auto& [name, e] : kinds_) v.push_back(name);
  return v;
}

const char* opcode_name(uint32_t op) {
  switch (op) {
#define STOXVP_X_OPNAME(name, val, doc) \
  case val: return #name;
    STOXVP_OPCODES(STOXVP_X_OPNAME)
#undef STOXVP_X_OPNAME
  }
  if (op <= UINT16_MAX)
    if (const operation_entry* e = operation_registry::instance().find(static_cast<uint16_t>(op)))
      return e->name.c_str();
  return "unknown";
}

}  // namespace stoxvp::hw
