#include "riscv_cpu.h"

#include "common/log.h"

#include <unicorn/unicorn.h>

#include <chrono>
#include <cstdio>
#include <cstring>

namespace stoxvp {
namespace {

// mstatus, mie and mcause fields of the privileged architecture (machine mode only).
constexpr uint32_t kMstatusMie = 1u << 3, kMstatusMpie = 1u << 7, kMstatusMpp = 3u << 11;
constexpr uint32_t kMieMtie = 1u << 7, kMieMeie = 1u << 11;
constexpr uint32_t kCauseTimer = 7, kCauseExternal = 11, kCauseInterrupt = 0x80000000u;
constexpr uint32_t kWfi = 0x10500073;
constexpr uint64_t kPage = 4096;  // Unicorn maps whole pages
constexpr size_t kCountSlots = 4096;

const char* exception_name(uint32_t cause) {
  switch (cause) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store/AMO address misaligned";
    case 7: return "store/AMO access fault";
    case 8: return "environment call from U-mode";
    case 11: return "environment call from M-mode";
    case 12: return "instruction page fault";
    case 13: return "load page fault";
    case 15: return "store/AMO page fault";
    default: return "exception";
  }
}

std::string hex32(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%08llx", static_cast<unsigned long long>(v));
  return b;
}

// The load/store part of an RV32IC instruction, enough to recompute its address.
struct memory_operand {
  bool load = false, store = false;
  bool amo = false;  // SC or an AMO: its faults are store/AMO faults, even on the read
  unsigned rs1 = 0, bytes = 0;
  int32_t offset = 0;
  unsigned length = 4;
};

memory_operand decode_memory_operand(uint32_t raw) {
  memory_operand m;
  if ((raw & 3) != 3) {
    m.length = 2;
    const uint32_t c = raw & 0xFFFF, quadrant = c & 3, f3 = c >> 13;
    if (quadrant == 0 && (f3 == 2 || f3 == 6)) {  // C.LW, C.SW
      m.rs1 = 8 + ((c >> 7) & 7);
      m.offset = static_cast<int32_t>(((c >> 10) & 7) << 3 | ((c >> 6) & 1) << 2 | ((c >> 5) & 1) << 6);
      m.load = f3 == 2;
      m.store = f3 == 6;
      m.bytes = 4;
    } else if (quadrant == 2 && f3 == 2) {  // C.LWSP
      m.rs1 = 2;
      m.offset = static_cast<int32_t>(((c >> 12) & 1) << 5 | ((c >> 4) & 7) << 2 | ((c >> 2) & 3) << 6);
      m.load = true;
      m.bytes = 4;
    } else if (quadrant == 2 && f3 == 6) {  // C.SWSP
      m.rs1 = 2;
      m.offset = static_cast<int32_t>(((c >> 9) & 0xF) << 2 | ((c >> 7) & 3) << 6);
      m.store = true;
      m.bytes = 4;
    }
    return m;
  }
  const uint32_t opcode = raw & 0x7F, f3 = (raw >> 12) & 7;
  m.rs1 = (raw >> 15) & 31;
  if (opcode == 0x03) {  // LB LH LW LBU LHU
    m.load = true;
    m.offset = static_cast<int32_t>(raw) >> 20;
    m.bytes = 1u << (f3 & 3);
  } else if (opcode == 0x23) {  // SB SH SW
    m.store = true;
    m.offset = (static_cast<int32_t>(raw) >> 25) * 32 + static_cast<int32_t>((raw >> 7) & 31);
    m.bytes = 1u << (f3 & 3);
  } else if (opcode == 0x2F) {  // LR, SC, AMOs
    const uint32_t f5 = raw >> 27;
    m.load = f5 != 3;
    m.store = f5 != 2;
    m.amo = f5 != 2;
    m.bytes = 4;
  }
  return m;
}

}  // namespace

// Trampolines from Unicorn's C callbacks into the module.
struct riscv_hooks {
  static void block(uc_engine*, uint64_t addr, uint32_t size, void* cpu) {
    static_cast<riscv_cpu*>(cpu)->on_block(addr, size);
  }
  static bool unmapped(uc_engine*, uc_mem_type type, uint64_t addr, int size, int64_t, void* cpu) {
    return static_cast<riscv_cpu*>(cpu)->on_unmapped(type, addr, size);
  }
  static void exception(uc_engine*, uint32_t cause, void* cpu) {
    static_cast<riscv_cpu*>(cpu)->on_exception(cause);
  }
  static bool invalid(uc_engine*, void* cpu) {
    static_cast<riscv_cpu*>(cpu)->on_invalid_instruction();
    return false;
  }
  static uint64_t io_read(uc_engine*, uint64_t offset, unsigned size, void* page) {
    auto* p = static_cast<riscv_cpu::io_page*>(page);
    return p->cpu->io_read(p->base + offset, size);
  }
  static void io_write(uc_engine*, uint64_t offset, unsigned size, uint64_t value, void* page) {
    auto* p = static_cast<riscv_cpu::io_page*>(page);
    p->cpu->io_write(p->base + offset, size, value);
  }
};

riscv_cpu::riscv_cpu(sc_core::sc_module_name name, const riscv_cpu_config& cfg)
    : cpu_base(name), cfg_(cfg), counts_(kCountSlots) {
  recoverable_errors(msg::riscv_cpu);  // a firmware fault ends the run, not the simulation
  if (!(cfg.frequency_hz > 0) || !(cfg.cpi > 0))
    throw std::invalid_argument(std::string(this->name()) + ": frequency and CPI must be positive");
  cycle_ = sc_core::sc_time(cfg.cpi / cfg.frequency_hz, sc_core::SC_SEC);
  if (cycle_ == sc_core::SC_ZERO_TIME)
    throw std::invalid_argument(std::string(this->name()) + ": an instruction would take less than the time resolution");
  watchdog_instructions_ =
      cfg.watchdog_ns > 0 ? static_cast<uint64_t>(cfg.watchdog_ns * 1e-9 * cfg.frequency_hz / cfg.cpi) + 1 : 0;
  SC_THREAD(run);
  // Unicorn runs on this thread's stack: translation and the TLM path below the I/O callbacks.
  set_stack_size(4 << 20);
}

riscv_cpu::~riscv_cpu() {
  if (uc_ != nullptr) uc_close(uc_);
}

void riscv_cpu::load(elf_file image) {
  if (sc_core::sc_is_running()) throw std::logic_error(std::string(name()) + ": load before the simulation starts");
  image_ = std::move(image);
}

void riscv_cpu::request_exit(int code) {
  // Called from an I/O write (sim_control EXIT): nothing after the store executes. (Stopping
  // inside an I/O callback is safe here only because the CPU never resumes.)
  exit_requested_ = true;
  exit_code_ = code;
  if (in_emulation_) halt(stop::exit);
}

void riscv_cpu::halt(stop why) {
  if (static_cast<int>(why) > static_cast<int>(stop_)) stop_ = why;  // fault > exit > interrupt > sync
  uc_emu_stop(uc_);
}

void riscv_cpu::raise_fault(const std::string& what) {
  if (stop_ == stop::fault) return;  // the first cause is the one to report
  fault_ = what;
  halt(stop::fault);
}

uint32_t riscv_cpu::read_csr(int reg) const {
  uint64_t v = 0;  // Unicorn writes the register's 32 bits into the low half
  uc_reg_read(uc_, reg, &v);
  return static_cast<uint32_t>(v);
}

void riscv_cpu::write_csr(int reg, uint32_t v) {
  uint64_t w = v;
  uc_reg_write(uc_, reg, &w);
}

uint32_t riscv_cpu::pc() const { return read_csr(UC_RISCV_REG_PC); }

std::string riscv_cpu::where(uint64_t pc) const {
  std::string s = "pc " + hex32(pc);
  if (image_) {
    const std::string sym = image_->symbolize(pc);
    if (!sym.empty()) s += " <" + sym + ">";
  }
  return s;
}

void riscv_cpu::run() {
  if (!image_) return;  // no firmware: the CPU stays in reset
  uc_err err = uc_open(UC_ARCH_RISCV, UC_MODE_RISCV32, &uc_);
  if (err == UC_ERR_OK) err = uc_ctl_set_cpu_model(uc_, UC_CPU_RISCV32_SIFIVE_E31);  // RV32IMAC
  uc_hook hook;
  if (err == UC_ERR_OK)
    err = uc_hook_add(uc_, &hook, UC_HOOK_BLOCK, reinterpret_cast<void*>(&riscv_hooks::block), this, 1, 0);
  if (err == UC_ERR_OK)
    err = uc_hook_add(uc_, &hook, UC_HOOK_MEM_UNMAPPED, reinterpret_cast<void*>(&riscv_hooks::unmapped), this, 1, 0);
  if (err == UC_ERR_OK)
    err = uc_hook_add(uc_, &hook, UC_HOOK_INTR, reinterpret_cast<void*>(&riscv_hooks::exception), this, 1, 0);
  if (err == UC_ERR_OK)
    err = uc_hook_add(uc_, &hook, UC_HOOK_INSN_INVALID, reinterpret_cast<void*>(&riscv_hooks::invalid), this, 1, 0);
  if (err != UC_ERR_OK) {
    state_ = state::faulted;
    fault_ = std::string("cannot start the instruction-set simulator: ") + uc_strerror(err);
    log(log_level::error, msg::riscv_cpu, name(), fault_);
    if (on_stop) on_stop();
    return;
  }
  state_ = state::running;
  start_quantum();
  uint64_t next = image_->entry;
  for (;;) {
    unmap_stale_direct();
    irq_line_ = irq_external.read() || irq_timer.read();
    stop_ = stop::none;
    in_emulation_ = true;
    const auto t0 = std::chrono::steady_clock::now();
    // Unicorn stops when the PC reaches `until`: an odd address, which a PC never holds.
    err = uc_emu_start(uc_, next, 1, 0, 0);
    emulation_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    in_emulation_ = false;
    next = pc();
    if (stop_ == stop::fault) break;
    if (exit_requested_) {
      state_ = state::exited;
      break;
    }
    if (err != UC_ERR_OK) {
      if (fault_.empty()) fault_ = std::string("the instruction-set simulator stopped: ") + uc_strerror(err) + " at " + where(next);
      break;
    }
    if (stop_ == stop::sync) {
      synchronise();
    } else if (stop_ == stop::interrupt) {
      // The line was high when this chunk started; the firmware may have acknowledged the
      // device since. Let the acknowledgement take effect, then look again.
      synchronise();
      if (interrupt_pending()) next = take_interrupt(next);
    } else if (wfi_before(next)) {
      sleep_until_interrupt(next - 4);  // QEMU halts at WFI and reports the next PC
    } else {
      fault_ = "the instruction-set simulator stopped without a cause at " + where(next);
      break;
    }
    if (exit_requested_) {
      state_ = state::exited;
      break;
    }
  }
  if (state_ != state::exited) {
    state_ = state::faulted;
    log(log_level::error, msg::riscv_cpu, name(), "firmware stopped: " + fault_);
  }
  synchronise();
  if (on_stop) on_stop();
}

void riscv_cpu::on_block(uint64_t addr, uint32_t size) {
  // Every stop that is not a fault happens here, before the block runs, so that the CPU
  // resumes exactly at addr. (Unicorn 2.0 resumes a block stopped inside an I/O callback from
  // its first instruction, executing its start twice.)
  if (exit_requested_) {
    halt(stop::exit);
    return;
  }
  if (unmap_pending_) {
    halt(stop::sync);
    return;
  }
  const uint64_t n = block_instructions(addr, size);
  if (n > budget_) {
    // The quantum is used up. Synchronise without leaving Unicorn: restarting it costs tens of
    // microseconds, as much as thousands of instructions. The SystemC thread switches away on
    // this stack and comes back here; nothing else touches the engine meanwhile.
    fold_instructions();
    if (qk_.need_sync()) {
      const auto t0 = std::chrono::steady_clock::now();
      synchronise();
      elsewhere_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      irq_line_ = irq_external.read() || irq_timer.read();
      if (exit_requested_ || unmap_pending_) {
        halt(exit_requested_ ? stop::exit : stop::sync);
        return;
      }
    }
    refresh_budget();
  }
  if (irq_line_ && interrupt_pending()) {
    halt(stop::interrupt);
    return;
  }
  // The limits stop the CPU before a block that would exceed them.
  if (watchdog_instructions_ && since_device_ + n > watchdog_instructions_) {
    raise_fault("runaway: " + std::to_string(since_device_) + " instructions (" +
                std::to_string(cfg_.watchdog_ns * 1e-6) + " ms) without a device access or WFI, now at " + where(addr) +
                " (riscv_cpu.watchdog_ms)");
    return;
  }
  if (cfg_.instruction_limit && instructions_ + n > cfg_.instruction_limit) {
    raise_fault("instruction limit of " + std::to_string(cfg_.instruction_limit) + " reached at " + where(addr) +
                " (riscv_cpu.instruction_limit)");
    return;
  }
  trap_pending_ = false;
  block_addr_ = addr;
  block_size_ = size;
  instructions_ += n;
  since_device_ += n;
  pending_ += n;
  budget_ = budget_ > n ? budget_ - n : 0;
}

uint32_t riscv_cpu::block_instructions(uint64_t addr, uint32_t size) {
  const uint64_t key = addr << 16 ^ size;
  block_count& slot = counts_[(addr >> 1) % kCountSlots];
  if (slot.key == key) return slot.instructions;
  // A 16-bit parcel whose two low bits are 11 starts a 32-bit instruction; others are RVC.
  std::vector<uint8_t> code(size + 2, 0);
  uc_mem_read(uc_, addr, code.data(), size);
  uint32_t n = 0;
  for (uint32_t off = 0; off < size; ++n) off += (code[off] & 3) == 3 ? 4 : 2;
  slot = {key, n};
  return n;
}

uint32_t riscv_cpu::pending_lines() const {
  const uint32_t high = (irq_external.read() ? kMieMeie : 0) | (irq_timer.read() ? kMieMtie : 0);
  return high ? high & read_csr(UC_RISCV_REG_MIE) : 0;
}

bool riscv_cpu::interrupt_pending() const {
  return (read_csr(UC_RISCV_REG_MSTATUS) & kMstatusMie) && pending_lines();
}

uint64_t riscv_cpu::take_interrupt(uint64_t pc) {
  const uint32_t cause = pending_lines() & kMieMeie ? kCauseExternal : kCauseTimer;
  const uint32_t mstatus = read_csr(UC_RISCV_REG_MSTATUS);
  const uint32_t mtvec = read_csr(UC_RISCV_REG_MTVEC);
  write_csr(UC_RISCV_REG_MEPC, static_cast<uint32_t>(pc));
  write_csr(UC_RISCV_REG_MCAUSE, kCauseInterrupt | cause);
  write_csr(UC_RISCV_REG_MTVAL, 0);
  write_csr(UC_RISCV_REG_MSTATUS, (mstatus & ~(kMstatusMie | kMstatusMpie)) | kMstatusMpp |
                                      ((mstatus & kMstatusMie) ? kMstatusMpie : 0));
  ++interrupts_;
  const uint64_t base = mtvec & ~3u;
  trap_target_ = (mtvec & 3) == 1 ? base + 4 * cause : base;
  trap_cause_ = cause;
  trap_epc_ = pc;
  trap_pending_ = true;  // until the handler's first block runs
  return trap_target_;
}

bool riscv_cpu::wfi_before(uint64_t pc) const {
  uint32_t insn = 0;
  return pc >= 4 && uc_mem_read(uc_, pc - 4, &insn, 4) == UC_ERR_OK && insn == kWfi;
}

void riscv_cpu::sleep_until_interrupt(uint64_t pc) {
  synchronise();
  wfi_pc_ = pc;
  since_device_ = 0;
  // WFI ends when an enabled line is high, whatever mstatus.MIE says.
  if (pending_lines() || exit_requested_) return;
  ++sleeps_;
  const sc_core::sc_time t0 = sc_core::sc_time_stamp();
  set_asleep(true);
  while (!pending_lines() && !exit_requested_) wait(irq_external.value_changed_event() | irq_timer.value_changed_event());
  set_asleep(false);
  sleep_time_ += sc_core::sc_time_stamp() - t0;
  start_quantum();  // a new quantum starts at the wake-up
}

// Instructions are counted per block and charged to the quantum keeper in bulk: before a
// transaction (whose time annotation must include them) and when the budget runs out.
void riscv_cpu::fold_instructions() {
  if (pending_ == 0) return;
  qk_.inc(sc_core::sc_time::from_value(cycle_.value() * pending_));
  pending_ = 0;
}

void riscv_cpu::synchronise() {
  fold_instructions();
  qk_.sync();  // waits, then starts a new quantum
  refresh_budget();
}

void riscv_cpu::start_quantum() {
  qk_.reset();
  refresh_budget();
}

void riscv_cpu::refresh_budget() {
  const sc_core::sc_time now = qk_.get_current_time() + sc_core::sc_time::from_value(cycle_.value() * pending_);
  const sc_core::sc_time end = qk_.next_sync_point();
  budget_ = now >= end ? 0 : (end - now).value() / cycle_.value();
}

std::string riscv_cpu::waiting_for() const {
  if (!image_) return "no firmware is attached";
  if (state_ != state::running || !asleep()) return "the CPU is not waiting";
  const uint32_t mie = uc_ ? read_csr(UC_RISCV_REG_MIE) : 0;
  if (!(mie & (kMieMeie | kMieMtie)))
    return "the firmware sleeps in WFI at " + where(wfi_pc_) + " with every interrupt disabled in mie (" +
           hex32(mie) + "): nothing can wake it";
  return "the firmware sleeps in WFI at " + where(wfi_pc_) + " waiting for an interrupt that no component will raise";
}

std::string riscv_cpu::instruction_at(uint64_t pc) const {
  uint32_t insn = 0;
  if (uc_mem_read(uc_, pc, &insn, 4) != UC_ERR_OK) return "";
  char b[32];
  if ((insn & 3) == 3)
    std::snprintf(b, sizeof b, " (instruction 0x%08x)", insn);
  else
    std::snprintf(b, sizeof b, " (instruction 0x%04x)", insn & 0xFFFF);
  return b;
}

void riscv_cpu::on_exception(uint32_t cause) {
  // Unicorn 2.0 reports a trap with the PC moved 4 bytes past the trapping instruction (its
  // ecall convention), for 16-bit instructions too; and an ecall with cause 8 whatever the
  // privilege (QEMU adds it later): this hart runs in machine mode, so it is 11.
  const uint64_t next = pc();
  const uint64_t at = next >= 4 ? next - 4 : next;
  if (cause == 8) cause = 11;
  raise_fault(std::string(exception_name(cause)) + " (mcause " + std::to_string(cause) + ") at " + where(at) +
              instruction_at(at));
}

void riscv_cpu::on_invalid_instruction() {
  // Unicorn's invalid-instruction path (ebreak takes it too) leaves the PC at the instruction.
  const uint64_t at = pc();
  uint32_t insn = 0;
  uc_mem_read(uc_, at, &insn, 4);
  const bool ebreak = insn == 0x00100073 || (insn & 0xFFFF) == 0x9002;
  const uint32_t cause = ebreak ? 3 : 2;
  raise_fault(std::string(exception_name(cause)) + " (mcause " + std::to_string(cause) + ") at " + where(at) +
              instruction_at(at));
}

bool riscv_cpu::on_unmapped(int type, uint64_t addr, int size) {
  if (map_direct(addr)) return true;
  if (type == UC_MEM_FETCH_UNMAPPED) {
    if (trap_pending_ && addr == trap_target_)
      raise_fault("instruction access fault (mcause 1): interrupt " + std::to_string(trap_cause_) +
                  " taken at " + where(trap_epc_) + " with mtvec = " + hex32(read_csr(UC_RISCV_REG_MTVEC)) +
                  ": no trap handler there");
    else
      raise_fault("instruction access fault (mcause 1): " +
                  (addr == 0 ? std::string("jump to address 0 (a null function pointer?)")
                             : "fetch from " + hex32(addr) + ", which is not memory the CPU can execute from") +
                  " after the block at " + where(block_addr_));
    return false;
  }
  // Not plain memory: map the page as I/O, each access a transaction on the bus.
  const uint64_t page = addr & ~(kPage - 1);
  io_pages_.push_back({this, page});
  if (uc_mmio_map(uc_, page, kPage, &riscv_hooks::io_read, &io_pages_.back(), &riscv_hooks::io_write,
                  &io_pages_.back()) != UC_ERR_OK) {
    raise_fault("cannot map " + hex32(page) + " for I/O (" + std::to_string(size) + "-byte access at " + hex32(addr) + ")");
    return false;
  }
  return true;
}

bool riscv_cpu::map_direct(uint64_t addr) {
  tlm::tlm_generic_payload t;
  t.set_command(tlm::TLM_READ_COMMAND);
  t.set_address(addr);
  t.set_data_length(0);
  tlm::tlm_dmi dmi;
  if (!socket->get_direct_mem_ptr(t, dmi) || !dmi.is_read_write_allowed()) return false;
  const uint64_t start = dmi.get_start_address(), end = dmi.get_end_address();
  if (start % kPage != 0 || (end + 1) % kPage != 0) return false;  // not whole pages: use I/O
  if (uc_mem_map_ptr(uc_, start, end - start + 1, UC_PROT_ALL, dmi.get_dmi_ptr()) != UC_ERR_OK) return false;
  direct_.push_back({start, end, false});
  return true;
}

void riscv_cpu::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  bool any = false;
  for (auto& r : direct_)
    if (start <= r.end && end >= r.start) r.stale = any = true;
  // Unicorn cannot unmap while it executes: stop at the end of this block and unmap then.
  if (any && in_emulation_) unmap_pending_ = true;
  if (any && !in_emulation_) unmap_stale_direct();
}

void riscv_cpu::unmap_stale_direct() {
  unmap_pending_ = false;
  for (auto it = direct_.begin(); it != direct_.end();) {
    if (it->stale) {
      uc_mem_unmap(uc_, it->start, it->end - it->start + 1);
      it = direct_.erase(it);
    } else {
      ++it;
    }
  }
}

uint64_t riscv_cpu::io_read(uint64_t addr, unsigned size) {
  uint8_t data[8] = {};
  if (!transact(false, addr, data, size)) return 0;
  uint64_t v = 0;
  std::memcpy(&v, data, size);
  return v;
}

void riscv_cpu::io_write(uint64_t addr, unsigned size, uint64_t value) {
  uint8_t data[8];
  std::memcpy(data, &value, sizeof data);
  transact(true, addr, data, size);
}

bool riscv_cpu::transact(bool write, uint64_t addr, uint8_t* data, unsigned size) {
  // The rest of a block after a fault or an exit has no more side effects.
  if (stop_ == stop::fault || exit_requested_) return false;
  trans_.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  trans_.set_address(addr);
  trans_.set_data_ptr(data);
  trans_.set_data_length(size);
  trans_.set_streaming_width(size);
  trans_.set_byte_enable_ptr(nullptr);
  trans_.set_dmi_allowed(false);
  trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  fold_instructions();
  sc_core::sc_time local = qk_.get_local_time();
  const auto t0 = std::chrono::steady_clock::now();
  socket->b_transport(trans_, local);
  elsewhere_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  qk_.set(local);
  refresh_budget();
  ++accesses_;
  since_device_ = 0;
  if (trans_.is_response_error()) {
    const access_site site = locate_access(addr, write);
    const bool store_fault = write || site.amo;
    std::string at = where(site.pc);
    if (site.matches == 0)
      at += " (the first instruction of the block holding the access)";
    else if (site.matches > 1)
      at += " (or another of the " + std::to_string(site.matches) + " accesses of its block that address it)";
    raise_fault(std::string(store_fault ? "store/AMO access fault (mcause 7)" : "load access fault (mcause 5)") +
                ": " + std::to_string(size) + "-byte " + (write ? "write to " : "read of ") + hex32(addr) +
                " answered " + trans_.get_response_string() + ", at " + at);
    return false;
  }
  return true;  // the block hook synchronises when the quantum is used up
}

riscv_cpu::access_site riscv_cpu::locate_access(uint64_t addr, bool store) const {
  // Inside an I/O callback Unicorn has written back every register the block changed before
  // the access, so the faulting instruction's address operand still holds what it used. An
  // earlier or later access of the block can match by coincidence: those are counted.
  access_site site{block_addr_, 0, false};
  if (block_size_ == 0) return site;
  std::vector<uint8_t> code(block_size_ + 4, 0);
  if (uc_mem_read(uc_, block_addr_, code.data(), block_size_) != UC_ERR_OK) return site;
  for (uint64_t off = 0; off < block_size_;) {
    uint32_t raw = 0;
    std::memcpy(&raw, &code[off], 4);
    const memory_operand m = decode_memory_operand(raw);
    if ((store ? m.store : m.load) && m.bytes) {
      uint64_t base = 0;
      if (m.rs1 != 0) uc_reg_read(uc_, UC_RISCV_REG_X0 + static_cast<int>(m.rs1), &base);
      // Overlap rather than equality: Unicorn splits a misaligned access into aligned pieces.
      const uint64_t ea = static_cast<uint32_t>(static_cast<uint32_t>(base) + static_cast<uint32_t>(m.offset));
      if (ea < addr + 4 && addr < ea + m.bytes) {
        if (site.matches++ == 0) {
          site.pc = block_addr_ + off;
          site.amo = m.amo;
        }
      }
    }
    off += m.length;
  }
  return site;
}

void riscv_cpu::stats(stat_group& g) const {
  const double sim_s = sc_core::sc_time_stamp().to_seconds();
  // Host time spent executing firmware: inside Unicorn, less the time its callbacks spent in
  // the rest of the platform (bus transactions, other SystemC processes while synchronising).
  const double iss_seconds = emulation_seconds_ - elsewhere_seconds_;
  g.set("kind", "riscv")
      .set("isa", "rv32imac")
      .set("image", image_ ? image_->path : "")
      .set("entry", image_ ? hex32(image_->entry) : "")
      .set("frequency_mhz", cfg_.frequency_hz * 1e-6)
      .set("cpi", cfg_.cpi)
      .set("instructions", instructions_)
      .set("bus_accesses", accesses_)
      .set("interrupts_taken", interrupts_)
      .set("sleeps", sleeps_)
      .set("sleep_ns", sleep_time_.to_seconds() * 1e9)
      .set("busy_fraction", sim_s > 0 ? 1.0 - sleep_time_.to_seconds() / sim_s : 0.0)
      .set("iss_seconds", iss_seconds)
      .set("host_mips", iss_seconds > 0 ? double(instructions_) / iss_seconds * 1e-6 : 0.0);
}

}  // namespace stoxvp
