// The system bus: a loosely-timed TLM-2.0 router. It is built with its address map (one window
// per target) and the names of its initiators; an access is forwarded with its address made
// relative to the target's window. Unmapped accesses and accesses that run past the end of a
// window get TLM error responses and a log line naming the initiator and the address.
//
// Each initiator and each target gets its own plain socket whose interface object knows its
// index, so a transaction costs one virtual call in and one out, nothing more: the bus sits on
// the path of every CPU access and DMA burst.
#pragma once

#include "common/stats.h"

#include <systemc>
#include <tlm>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace stoxvp {

struct address_range {
  std::string name;
  uint64_t base = 0;
  uint64_t size = 0;
  uint64_t end() const { return base + size - 1; }  // inclusive
  bool contains(uint64_t a) const { return a >= base && a - base < size; }
};

class bus : public sc_core::sc_module {
 public:
  // Throws std::invalid_argument when a window is empty, wraps the address space, overlaps
  // another, or a name is used twice.
  bus(sc_core::sc_module_name name, sc_core::sc_time latency, std::vector<address_range> windows,
      std::vector<std::string> initiators);
  ~bus() override;
  bus(const bus&) = delete;
  bus& operator=(const bus&) = delete;

  // Binds a target to its window and an initiator to its port, by name (std::out_of_range for
  // an unknown name).
  void connect_target(const std::string& window, tlm::tlm_target_socket<>& target);
  void connect_initiator(const std::string& initiator, tlm::tlm_initiator_socket<>& socket);

  const std::vector<address_range>& address_map() const { return map_; }
  // Index into address_map() of the window holding addr, or -1.
  int decode(uint64_t addr) const;

  uint64_t transactions() const { return transactions_; }
  uint64_t bytes() const { return bytes_; }  // carried by successful transactions
  uint64_t errors() const { return errors_; }
  void stats(stat_group& g) const { g.set("transactions", transactions_).set("errors", errors_); }

 private:
  struct initiator_port;
  struct target_port;

  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  void invalidate_direct_mem_ptr(int target, sc_dt::uint64 start, sc_dt::uint64 end);
  void report(int initiator, const tlm::tlm_generic_payload& trans, uint64_t addr,
              const std::string& why);

  sc_core::sc_time latency_;
  std::vector<address_range> map_;
  std::vector<int> sorted_;  // window indices ordered by base, for decoding
  std::vector<std::string> initiator_names_;
  std::vector<std::unique_ptr<initiator_port>> initiators_;
  std::vector<std::unique_ptr<target_port>> targets_;
  mutable int last_ = -1;    // window of the previous decode: accesses cluster
  uint64_t transactions_ = 0;
  uint64_t bytes_ = 0;
  uint64_t errors_ = 0;
};

}  // namespace stoxvp
