// TLM transactions per second into memory: bare (initiator straight into the memory) against
// through the system bus, each with a wait() per transaction and with a 1 us quantum keeper.
//   bench_bus [transactions_with_quantum] [transactions_with_wait]   (defaults 50M and 5M)
#include "tlm/bus/bus.h"
#include "tlm/memory/memory.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

using namespace sc_core;

namespace {

struct traffic : sc_module {
  tlm_utils::simple_initiator_socket<traffic> socket{"socket"};
  uint64_t count = 0;
  bool use_quantum = false;
  uint64_t base = 0;
  double seconds = 0;
  SC_HAS_PROCESS(traffic);
  explicit traffic(sc_module_name n) : sc_module(n) { SC_THREAD(run); }
  void run() {
    tlm::tlm_generic_payload t;
    uint32_t word = 0;
    t.set_data_ptr(reinterpret_cast<unsigned char*>(&word));
    t.set_data_length(4);
    t.set_streaming_width(4);
    tlm_utils::tlm_quantumkeeper qk;
    qk.reset();
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < count; ++i) {
      t.set_command((i & 1) ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
      t.set_address(base + ((i * 4) & 0xFFFF));
      t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      if (use_quantum) {
        sc_time local = qk.get_local_time();
        socket->b_transport(t, local);
        qk.set(local);
        if (qk.need_sync()) qk.sync();
      } else {
        sc_time delay = SC_ZERO_TIME;
        socket->b_transport(t, delay);
        wait(delay);
      }
      if (t.is_response_error()) std::abort();
    }
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
};

// The least a target can do: copy the word and annotate a delay ("bare SystemC").
struct minimal_target : sc_module, tlm::tlm_fw_transport_if<> {
  tlm::tlm_target_socket<> socket{"socket"};
  unsigned char mem[1 << 16] = {};
  explicit minimal_target(sc_module_name n) : sc_module(n) { socket.bind(*this); }
  void b_transport(tlm::tlm_generic_payload& t, sc_time& d) override {
    unsigned char* p = mem + (t.get_address() & 0xFFFC);
    if (t.is_read())
      std::memcpy(t.get_data_ptr(), p, 4);
    else
      std::memcpy(p, t.get_data_ptr(), 4);
    d += sc_time(2, SC_NS);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_time&) override {
    return tlm::TLM_COMPLETED;
  }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi&) override { return false; }
  unsigned int transport_dbg(tlm::tlm_generic_payload&) override { return 0; }
};

enum class path { minimal, memory, bus };

double measure(path how, bool use_quantum, uint64_t n) {
  sc_curr_simcontext = new sc_simcontext();
  sc_default_global_context = sc_curr_simcontext;
  tlm::tlm_global_quantum::instance().set(sc_time(1, SC_US));
  const stoxvp::memory_timing timing{sc_time(1, SC_NS), sc_time(1, SC_NS), 0};
  std::unique_ptr<stoxvp::memory> mem;
  if (how != path::minimal) mem = std::make_unique<stoxvp::memory>("ram", 1 << 20, timing);
  auto gen = std::make_unique<traffic>("cpu");
  std::unique_ptr<stoxvp::bus> b;
  std::unique_ptr<minimal_target> minimal;
  std::vector<std::unique_ptr<stoxvp::memory>> others;
  gen->count = n;
  gen->use_quantum = use_quantum;
  if (how == path::bus) {
    // A realistic map: the memory is one of several windows.
    b = std::make_unique<stoxvp::bus>(
        "bus", sc_time(1, SC_NS),
        std::vector<stoxvp::address_range>{{"timer", 0x02000000, 0x100},
                                           {"console", 0x10000000, 0x100},
                                           {"sram", 0x20000000, 0x100000},
                                           {"accelerator", 0x40000000, 0x1000},
                                           {"ram", 0x80000000, 1 << 20}},
        std::vector<std::string>{"cpu"});
    b->connect_target("ram", mem->socket);
    for (const char* w : {"timer", "console", "sram", "accelerator"}) {
      others.push_back(std::make_unique<stoxvp::memory>(w, 0x1000, timing));
      b->connect_target(w, others.back()->socket);
    }
    b->connect_initiator("cpu", gen->socket);
    gen->base = 0x80000000;
  } else if (how == path::memory) {
    gen->socket.bind(mem->socket);
  } else {
    minimal = std::make_unique<minimal_target>("minimal");
    gen->socket.bind(minimal->socket);
  }
  sc_start();
  return n / gen->seconds;
}

}  // namespace

int sc_main(int argc, char** argv) {
  const uint64_t nq = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 50000000;
  const uint64_t nw = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 5000000;
  struct row {
    const char* what;
    path how;
    bool quantum;
  };
  const row rows[] = {
      {"bare SystemC (minimal target), wait()", path::minimal, false},
      {"bare SystemC (minimal target), 1 us quantum", path::minimal, true},
      {"memory model, wait()", path::memory, false},
      {"memory model, 1 us quantum", path::memory, true},
      {"bus + memory model, wait()", path::bus, false},
      {"bus + memory model, 1 us quantum", path::bus, true},
  };
  // Best of three: the machine is shared, and interference only ever slows a run down.
  double rate[6] = {};
  for (int rep = 0; rep < 3; ++rep)
    for (int i = 0; i < 6; ++i)
      rate[i] = std::max(rate[i], measure(rows[i].how, rows[i].quantum, rows[i].quantum ? nq : nw));
  std::printf("bench_bus: TLM transactions per second, best of 3 (alternating 4-byte reads and writes)\n");
  for (int i = 0; i < 6; ++i) std::printf("  %-46s %7.1f M/s\n", rows[i].what, rate[i] / 1e6);
  std::printf("  bus + memory with quantum keeps %.0f%% of bare SystemC with quantum (target >= 33%%)\n",
              100.0 * rate[5] / rate[1]);
  return 0;
}
