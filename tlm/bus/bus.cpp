#include "bus.h"

#include "common/log.h"

#include <algorithm>
#include <stdexcept>

namespace stoxvp {
namespace {

// SystemC object names may not contain '.'; bus port names derive from component names.
std::string port_name(const char* prefix, std::string name) {
  for (char& c : name)
    if (c == '.') c = '_';
  return prefix + name;
}

}  // namespace

// The bus's face towards one initiator.
struct bus::initiator_port : tlm::tlm_fw_transport_if<> {
  bus& owner;
  const int id;
  tlm::tlm_target_socket<> socket;
  initiator_port(bus& b, int i, const std::string& name)
      : owner(b), id(i), socket(port_name("from_", name).c_str()) {
    socket.bind(*this);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& d) override {
    owner.b_transport(id, t, d);
  }
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& t, tlm::tlm_phase&,
                                     sc_core::sc_time&) override {
    t.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);  // loosely timed only
    return tlm::TLM_COMPLETED;
  }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& t, tlm::tlm_dmi& dmi) override {
    return owner.get_direct_mem_ptr(t, dmi);
  }
  unsigned int transport_dbg(tlm::tlm_generic_payload& t) override {
    return owner.transport_dbg(t);
  }
};

// The bus's face towards one target.
struct bus::target_port : tlm::tlm_bw_transport_if<> {
  bus& owner;
  const int id;
  tlm::tlm_initiator_socket<> socket;
  target_port(bus& b, int i, const std::string& name)
      : owner(b), id(i), socket(port_name("to_", name).c_str()) {
    socket.bind(*this);
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase&,
                                     sc_core::sc_time&) override {
    return tlm::TLM_COMPLETED;
  }
  void invalidate_direct_mem_ptr(sc_dt::uint64 s, sc_dt::uint64 e) override {
    owner.invalidate_direct_mem_ptr(id, s, e);
  }
};

bus::bus(sc_core::sc_module_name name, sc_core::sc_time latency,
         std::vector<address_range> windows, std::vector<std::string> initiators)
    : sc_module(name), latency_(latency), map_(std::move(windows)),
      initiator_names_(std::move(initiators)) {
  for (size_t i = 0; i < map_.size(); ++i) {
    const auto& r = map_[i];
    if (r.size == 0) throw std::invalid_argument("bus: window '" + r.name + "' has size 0");
    if (r.size - 1 > ~0ull - r.base)
      throw std::invalid_argument("bus: window '" + r.name + "' at " + hex(r.base) +
                                  " wraps around the address space");
    for (size_t j = 0; j < i; ++j) {
      const auto& m = map_[j];
      if (m.name == r.name) throw std::invalid_argument("bus: two windows named '" + r.name + "'");
      if (r.base <= m.end() && m.base <= r.end())
        throw std::invalid_argument("bus: window '" + r.name + "' [" + hex(r.base) + ", " +
                                    hex(r.end()) + "] overlaps '" + m.name + "' [" +
                                    hex(m.base) + ", " + hex(m.end()) + "]");
    }
    sorted_.push_back(static_cast<int>(i));
    targets_.push_back(std::make_unique<target_port>(*this, static_cast<int>(i), r.name));
  }
  std::sort(sorted_.begin(), sorted_.end(),
            [this](int a, int b) { return map_[a].base < map_[b].base; });
  for (size_t i = 0; i < initiator_names_.size(); ++i) {
    for (size_t j = 0; j < i; ++j)
      if (initiator_names_[j] == initiator_names_[i])
        throw std::invalid_argument("bus: two initiators named '" + initiator_names_[i] + "'");
    initiators_.push_back(
        std::make_unique<initiator_port>(*this, static_cast<int>(i), initiator_names_[i]));
  }
}

bus::~bus() = default;

void bus::connect_target(const std::string& window, tlm::tlm_target_socket<>& target) {
  for (size_t i = 0; i < map_.size(); ++i)
    if (map_[i].name == window) return targets_[i]->socket.bind(target);
  throw std::out_of_range("bus: no window named '" + window + "'");
}

void bus::connect_initiator(const std::string& initiator, tlm::tlm_initiator_socket<>& socket) {
  for (size_t i = 0; i < initiator_names_.size(); ++i)
    if (initiator_names_[i] == initiator) return socket.bind(initiators_[i]->socket);
  throw std::out_of_range("bus: no initiator named '" + initiator + "'");
}

int bus::decode(uint64_t addr) const {
  if (last_ >= 0 && map_[last_].contains(addr)) return last_;
  // Last window whose base is <= addr; windows do not overlap, so it is the only candidate.
  auto it = std::upper_bound(sorted_.begin(), sorted_.end(), addr,
                             [this](uint64_t a, int idx) { return a < map_[idx].base; });
  if (it == sorted_.begin()) return -1;
  const int idx = *(it - 1);
  if (!map_[idx].contains(addr)) return -1;
  last_ = idx;
  return idx;
}

void bus::report(int initiator, const tlm::tlm_generic_payload& trans, uint64_t addr,
                 const std::string& why) {
  log(log_level::warning, msg::bus, name(),
      initiator_names_[initiator] + " " +
          (trans.is_read() ? "read" : trans.is_write() ? "write" : "ignore") + " of " +
          std::to_string(trans.get_data_length()) + " bytes at " + hex(addr) + ": " + why);
}

void bus::b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  ++transactions_;
  const uint64_t addr = trans.get_address();
  const int t = decode(addr);
  if (t < 0) {
    ++errors_;
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    report(id, trans, addr, "no target is mapped at this address");
    return;
  }
  const address_range& w = map_[t];
  const uint64_t len = trans.get_data_length();
  if (len == 0 || len - 1 > w.end() - addr) {
    ++errors_;
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    report(id, trans, addr, "runs past the end of '" + w.name + "' at " + hex(w.end()));
    return;
  }
  delay += latency_;
  trans.set_address(addr - w.base);
  targets_[t]->socket->b_transport(trans, delay);
  trans.set_address(addr);
  if (trans.is_response_error()) {
    ++errors_;
    report(id, trans, addr, "'" + w.name + "' answered " + trans.get_response_string());
  } else {
    bytes_ += len;
  }
}

bool bus::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  const uint64_t addr = trans.get_address();
  const int t = decode(addr);
  if (t < 0) {
    // Deny DMI for the whole gap around addr so the initiator does not ask again for it.
    dmi.allow_read_write();
    dmi.set_start_address(0);
    dmi.set_end_address(~0ull);
    for (const auto& m : map_) {
      if (m.end() < addr) dmi.set_start_address(std::max<uint64_t>(dmi.get_start_address(), m.end() + 1));
      if (m.base > addr) dmi.set_end_address(std::min<uint64_t>(dmi.get_end_address(), m.base - 1));
    }
    return false;
  }
  const auto& m = map_[t];
  trans.set_address(addr - m.base);
  const bool ok = targets_[t]->socket->get_direct_mem_ptr(trans, dmi);
  trans.set_address(addr);
  // Translate back to bus addresses; a grant cannot reach beyond the window.
  const uint64_t s = dmi.get_start_address(), e = dmi.get_end_address();
  if (s >= m.size) return false;
  dmi.set_start_address(m.base + s);
  dmi.set_end_address(m.base + std::min<uint64_t>(e, m.size - 1));
  dmi.set_read_latency(dmi.get_read_latency() + latency_);
  dmi.set_write_latency(dmi.get_write_latency() + latency_);
  return ok;
}

unsigned int bus::transport_dbg(tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  const int t = decode(addr);
  if (t < 0) return 0;
  const auto& m = map_[t];
  // Debug accesses are clipped to the window rather than refused, as debuggers expect.
  const uint64_t room = m.end() - addr + 1;
  const unsigned int len = trans.get_data_length();
  if (len > room) trans.set_data_length(static_cast<unsigned int>(room));
  trans.set_address(addr - m.base);
  const unsigned int n = targets_[t]->socket->transport_dbg(trans);
  trans.set_address(addr);
  trans.set_data_length(len);
  return n;
}

void bus::invalidate_direct_mem_ptr(int target, sc_dt::uint64 start, sc_dt::uint64 end) {
  const auto& m = map_[target];
  const uint64_t s = m.base + std::min<uint64_t>(start, m.size - 1);
  const uint64_t e = m.base + std::min<uint64_t>(end, m.size - 1);
  for (auto& port : initiators_) port->socket->invalidate_direct_mem_ptr(s, e);
}

}  // namespace stoxvp
