// An RV32IMAC hart in machine mode: Unicorn (QEMU's CPU emulation as a library) executes the
// firmware image; this module makes it a loosely-timed TLM-2.0 initiator.
//
// - Memory the bus grants DMI for (SRAM, DRAM) is mapped into Unicorn directly, so loads,
//   stores and fetches there cost no transaction. Every other address is mapped page by page
//   on first touch as I/O: each access becomes a b_transport with the CPU's local time, and an
//   error response stops the run as a load or store access fault.
// - Time: executed instructions x CPI / frequency, counted per translated block, advance the
//   quantum keeper; the CPU synchronises when its quantum is used up.
// - Interrupts: the machine external (accelerator) and timer lines are sampled at block
//   boundaries and taken the way the privileged spec says (mepc, mcause, mstatus.MPIE/MIE,
//   mtvec direct or vectored); WFI sleeps until an enabled line is high.
// - Synchronous exceptions (illegal instruction, ebreak, ecall, misaligned AMO, load and store
//   access faults) enter the firmware's mtvec handler with mcause, mepc and mtval set, as the
//   privileged spec says. They end the run as a fault that names the PC, its function, the cause
//   and the address when there is no handler (mtvec not in executable memory) or the handler
//   itself keeps faulting; so do a fetch from where no memory is, a watchdog (no device access
//   or WFI for too long) and an instruction limit.
// - mip, mcycle and minstret (and cycle, instret) read what the model knows: the lines, the
//   simulated time in cycles, the instructions executed. (QEMU would give host clock ticks.) Nothing the firmware does can crash the simulator or stop simulated time; firmware
//   that polls a device forever runs until the run's time limit, as it would on silicon.
#pragma once

#include "cpu_base.h"
#include "elf_file.h"

#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct uc_struct;  // Unicorn's engine; its header stays out of the platform's interface

namespace stoxvp {

class gdb_server;
class riscv_debug_target;

struct riscv_cpu_config {
  double frequency_hz = 1e9;
  double cpi = 1.0;                 // cycles per instruction, applied to every instruction
  double watchdog_ns = 100e6;       // runaway: this long without a device access or WFI (0: off)
  uint64_t instruction_limit = 0;   // stop after this many instructions (0: no limit)
};

class riscv_cpu : public cpu_base {
 public:
  riscv_cpu(sc_core::sc_module_name name, const riscv_cpu_config& cfg);
  ~riscv_cpu() override;

  // The CPU starts at the image's entry point. The image's segments must already be in
  // memory: the platform's loader writes them, the CPU keeps the image for its symbols.
  void load(elf_file image);
  bool loaded() const override { return image_.has_value(); }
  void request_exit(int code) override;
  std::string waiting_for() const override;
  uint64_t instructions() const override { return instructions_; }
  void stats(stat_group& g) const override;

  uint64_t interrupts_taken() const { return interrupts_; }
  uint64_t exceptions_taken() const { return traps_; }

  // Listens for gdb's remote protocol on the port now (0: any free port) and, when the
  // simulation starts, waits for gdb to attach before the first instruction. Throws when the
  // port cannot be listened on. Returns the port.
  uint16_t attach_debugger(uint16_t port, bool loopback_only = true);
  bool debugger_attached() const;
  uint64_t sleeps() const { return sleeps_; }
  const riscv_cpu_config& config() const { return cfg_; }

 private:
  SC_HAS_PROCESS(riscv_cpu);
  enum class stop { none, sync, interrupt, trap, debug, fault, exit };
  struct io_page {
    riscv_cpu* cpu;
    uint64_t base;
  };
  struct block_count {
    uint64_t key = ~0ull;
    uint32_t instructions = 0;
    uint16_t counter_csr = 0;  // the block ends reading this CSR the model supplies (0: none)
    uint8_t counter_rd = 0;    // into this register
  };

  void run();
  void halt(stop why);
  // signal: gdb's number for the stop a debugger sees instead (11 SEGV, 4 ILL, 5 TRAP...).
  void raise_fault(const std::string& what, uint64_t at = ~0ull, int signal = 5);

  // Unicorn callbacks (static trampolines in the .cpp forward here).
  friend struct riscv_hooks;
  void on_block(uint64_t addr, uint32_t size);
  bool on_unmapped(int type, uint64_t addr, int size);
  void on_exception(uint32_t cause);
  void on_invalid_instruction();
  std::string instruction_at(uint64_t pc) const;  // " (instruction 0x...)"
  uint64_t io_read(uint64_t addr, unsigned size);
  void io_write(uint64_t addr, unsigned size, uint64_t value);
  bool transact(bool write, uint64_t addr, uint8_t* data, unsigned size);

  bool map_direct(uint64_t addr);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override;
  void unmap_stale_direct();

  uint32_t read_csr(int reg) const;
  void write_csr(int reg, uint32_t v);
  uint32_t pc() const;
  uint32_t pending_lines() const;  // the mie bits (MEIE, MTIE) of the lines that are high
  bool interrupt_pending() const;  // one of them is, and mstatus.MIE is set
  uint64_t take_interrupt(uint64_t pc);
  bool wfi_before(uint64_t pc) const;
  void fold_instructions();
  void synchronise();
  void start_quantum();
  void refresh_budget();
  void sleep_until_interrupt(uint64_t pc);
  uint32_t block_instructions(uint64_t addr, uint32_t size);
  // Synchronous exceptions: the first one of a block is taken when Unicorn has stopped.
  void request_trap(uint32_t cause, uint64_t epc, uint32_t tval, const std::string& report);
  uint64_t enter_trap(uint32_t mcause, uint64_t epc, uint32_t tval);  // returns the handler's address
  bool executable(uint64_t addr);
  void on_mret();
  void correct_counter_read();
  uint32_t mip() const;
  // The debugger (tlm/cpu/riscv_debug.cpp).
  friend class riscv_debug_target;
  void debug_session(uint64_t& next, int signal, const std::string& reason = "");
  void debug_detach();
  void drop_translations();  // of the image's code: hooks added or removed take effect
  void on_breakpoint(uint64_t addr);
  void on_watch(int type, uint64_t addr);
  void uncharge_from(uint64_t addr);
  bool debugger_read_register(unsigned regnum, uint32_t& v);
  bool debugger_write_register(unsigned regnum, uint32_t v);
  size_t debugger_memory(bool write, uint64_t addr, uint8_t* data, size_t len);
  bool debugger_point(bool insert, int type, uint64_t addr, uint64_t len);
  uint64_t mcycle() const;
  // Which load or store of the current block touched addr (Unicorn reports I/O accesses with
  // the block's first PC): the first that matches, how many do, whether it is an AMO. With no
  // match, the block's address.
  struct access_site {
    uint64_t pc;
    int matches;
    bool amo;
  };
  access_site locate_access(uint64_t addr, bool store) const;
  std::string where(uint64_t pc) const;  // "pc 0x20000124 <main+0x10>"

  riscv_cpu_config cfg_;
  uc_struct* uc_ = nullptr;
  std::optional<elf_file> image_;
  // The keeper's own next synchronisation point sets how many instructions may run first.
  struct quantum_keeper : tlm_utils::tlm_quantumkeeper {
    sc_core::sc_time next_sync_point() const { return m_next_sync_point; }
  };
  quantum_keeper qk_;
  sc_core::sc_time cycle_;
  uint64_t pending_ = 0;         // instructions executed but not yet charged to qk_
  uint64_t budget_ = 0;          // instructions left before the next synchronisation point
  tlm::tlm_generic_payload trans_;
  std::deque<io_page> io_pages_;  // stable addresses: Unicorn keeps pointers to them
  struct direct_region {
    uint64_t start, end;
    bool stale;
  };
  std::vector<direct_region> direct_;
  std::vector<block_count> counts_;
  bool in_emulation_ = false;
  bool unmap_pending_ = false;  // a DMI region was invalidated while Unicorn executed
  bool irq_line_ = false;       // either line high when the current chunk started
  stop stop_ = stop::none;
  bool exit_requested_ = false;
  uint64_t block_addr_ = 0, block_size_ = 0;
  uint64_t instructions_ = 0, since_device_ = 0, watchdog_instructions_ = 0;
  uint64_t interrupts_ = 0, sleeps_ = 0, wfi_pc_ = 0;
  bool trap_pending_ = false;  // an interrupt was entered and its handler has not run yet
  uint64_t trap_target_ = 0, trap_epc_ = 0;
  uint32_t trap_cause_ = 0;
  struct pending_trap {
    uint32_t cause;
    uint64_t epc;
    uint32_t tval;
  };
  std::optional<pending_trap> sync_trap_;
  unsigned trap_depth_ = 0;       // traps entered and not yet left by mret
  std::string outer_trap_;        // what the outermost of them was
  uint64_t traps_ = 0;            // synchronous exceptions delivered to the firmware
  // A counter or mip read at the end of the last block: corrected when the next one starts.
  uint64_t counter_next_ = ~0ull;
  uint16_t counter_csr_ = 0;
  uint8_t counter_rd_ = 0;
  sc_core::sc_time clock_;
  uint64_t fault_pc_ = 0;
  int fault_signal_ = 5;
  // Debugger state. Hooks exist only for the points gdb has set: without any, an attached
  // debugger costs a socket poll every few thousand instructions.
  std::unique_ptr<riscv_debug_target> debug_target_;
  std::unique_ptr<gdb_server> gdb_;
  std::map<uint64_t, size_t> breakpoints_;  // address -> hook (uc_hook)
  struct watchpoint {
    int type;
    uint64_t addr, len;
    size_t hook;
  };
  std::vector<watchpoint> watchpoints_;
  bool stepping_ = false;
  uint64_t resume_bp_ = ~0ull;  // the breakpoint the CPU resumes from: not hit again at once
  bool resume_bp_seen_ = false;
  bool watch_hit_ = false;
  std::string watch_reason_;
  int debug_signal_ = 5;
  unsigned poll_countdown_ = 0;
  bool killed_ = false;
  bool block_committed_ = false;  // the current block's instructions are counted
  sc_core::sc_time sleep_time_;
  double emulation_seconds_ = 0;  // host time inside uc_emu_start
  double elsewhere_seconds_ = 0;  // of which in TLM calls and SystemC waits
};

}  // namespace stoxvp
