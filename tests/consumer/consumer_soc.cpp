// A minimal foreign SoC: its own memory and CPU stub around stoxvp's accelerator, bound only
// through the accelerator's three public ports. Exits 0 when a NOP descriptor completes and
// raises the interrupt. Links stoxvp::hw and nothing else of stoxvp.
#include <hw/accel/accelerator.h>
#include <hw/accel/cost/tech_file.h>
#include <stoxvp_regs.h>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <vector>

struct ram : sc_core::sc_module {
  tlm_utils::simple_target_socket<ram> socket{"socket"};
  std::vector<unsigned char> mem = std::vector<unsigned char>(4096);
  explicit ram(sc_core::sc_module_name n) : sc_module(n) {
    socket.register_b_transport(this, &ram::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time&) {
    if (t.get_address() + t.get_data_length() > mem.size()) {
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (t.is_read())
      std::memcpy(t.get_data_ptr(), &mem[t.get_address()], t.get_data_length());
    else
      std::memcpy(&mem[t.get_address()], t.get_data_ptr(), t.get_data_length());
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

struct cpu : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<cpu> socket{"socket"};
  sc_core::sc_in<bool> irq{"irq"};
  bool ok = false;
  SC_HAS_PROCESS(cpu);
  explicit cpu(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(run); }
  void wr(uint32_t off, uint32_t v) {
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_WRITE_COMMAND);
    t.set_address(off);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    t.set_data_length(4);
    t.set_streaming_width(4);
    sc_core::sc_time d;
    socket->b_transport(t, d);
    wait(d);
  }
  void run() {
    wr(STOXVP_REG_RING_BASE_LO, 0);
    wr(STOXVP_REG_RING_SIZE, 4);
    wr(STOXVP_REG_IRQ_ENABLE, STOXVP_IRQ_ENABLE_DONE);
    wr(STOXVP_REG_CTRL, STOXVP_CTRL_ENABLE);
    wr(STOXVP_REG_RING_TAIL, 1);
    wait(irq.posedge_event());
    ok = true;
  }
};

int sc_main(int, char**) {
  ram r("ram");
  stoxvp_desc d{};
  d.hdr.opcode = STOXVP_OP_NOP;
  d.hdr.version = STOXVP_DESC_VERSION;
  d.hdr.flags = STOXVP_DESC_F_IRQ;
  std::memcpy(r.mem.data(), &d, sizeof d);
  cpu c("cpu");
  // Linked against stoxvp::hw alone, which carries the sourced default technology
  // (configs/tech/default.json); a real SoC may load its own file with load_tech_file().
  const stoxvp::tech_file tech = stoxvp::default_tech();
  stoxvp::hw::accelerator acc("stox", stoxvp::hw::accelerator_config{}, tech.tech);
  sc_core::sc_signal<bool> irq("irq");
  c.socket.bind(acc.regs);
  acc.mem.bind(r.socket);
  acc.irq.bind(irq);
  c.irq.bind(irq);
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_MS));
  // Fetching the descriptor from DRAM costs energy under the default technology.
  const double pj = acc.ledger().dynamic_total();
  const bool costed = pj > 0;
  std::printf("consumer SoC: %s; %s (%.1f pJ)\n", c.ok ? "descriptor completed, interrupt seen" : "FAILED",
              costed ? "costed by the default technology" : "NO ENERGY CHARGED", pj);
  return c.ok && costed ? 0 : 1;
}
