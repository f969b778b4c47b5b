#include "riscv_cpu.h"

#include "gdb_server.h"
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
constexpr uint32_t kMipMtip = 1u << 7, kMipMeip = 1u << 11;
constexpr uint32_t kMret = 0x30200073;
// A handler that faults this many times without returning ends the run (it would loop forever).
constexpr unsigned kMaxTrapDepth = 4;

// The CSRs whose value the model supplies: QEMU reads the host's clock for the counters and
// does not see the platform's interrupt lines.
bool model_supplied_csr(uint32_t csr) {
  switch (csr) {
    case 0x344:                                     // mip
    case 0xB00: case 0xB02: case 0xB80: case 0xB82:  // mcycle, minstret, and their high halves
    case 0xC00: case 0xC02: case 0xC80: case 0xC82:  // cycle, instret, and their high halves
      return true;
    default:
      return false;
  }
}
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

// Signals as gdb's remote protocol numbers them (not the host's).
constexpr int kSigInt = 2, kSigIll = 4, kSigTrap = 5, kSigBus = 10, kSigSegv = 11, kSigSys = 12, kSigXcpu = 24;

int signal_of(uint32_t cause) {
  switch (cause) {
    case 0: case 4: case 6: return kSigBus;
    case 1: case 5: case 7: return kSigSegv;
    case 2: return kSigIll;
    case 8: case 11: return kSigSys;
    default: return kSigTrap;
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
  static void mret(uc_engine*, uint64_t, uint32_t, void* cpu) { static_cast<riscv_cpu*>(cpu)->on_mret(); }
  static void breakpoint(uc_engine*, uint64_t addr, uint32_t, void* cpu) {
    static_cast<riscv_cpu*>(cpu)->on_breakpoint(addr);
  }
  static void watch(uc_engine*, uc_mem_type type, uint64_t addr, int, int64_t, void* cpu) {
    static_cast<riscv_cpu*>(cpu)->on_watch(type == UC_MEM_WRITE ? 2 : 3, addr);
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
  clock_ = sc_core::sc_time(1.0 / cfg.frequency_hz, sc_core::SC_SEC);
  if (clock_ == sc_core::SC_ZERO_TIME) clock_ = sc_core::sc_time::from_value(1);
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

void riscv_cpu::raise_fault(const std::string& what, uint64_t at, int signal) {
  if (stop_ == stop::fault) return;  // the first cause is the one to report
  fault_ = what;
  fault_pc_ = at;
  fault_signal_ = signal;
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
    err = uc_hook_add(uc_, &hook, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_FETCH_PROT,
                      reinterpret_cast<void*>(&riscv_hooks::unmapped), this, 1, 0);
  if (err == UC_ERR_OK)
    err = uc_hook_add(uc_, &hook, UC_HOOK_INTR, reinterpret_cast<void*>(&riscv_hooks::exception), this, 1, 0);
  if (err == UC_ERR_OK)
    err = uc_hook_add(uc_, &hook, UC_HOOK_INSN_INVALID, reinterpret_cast<void*>(&riscv_hooks::invalid), this, 1, 0);
  // mret leaves a trap handler; Unicorn executes it, the model only counts it (a handler that
  // faults again before its mret is nested). Hooks on these addresses only cost nothing elsewhere.
  for (const auto& seg : image_->segments) {
    if (!seg.executable || err != UC_ERR_OK) continue;
    for (size_t off = 0; off + 4 <= seg.bytes.size(); off += 2) {
      uint32_t raw;
      std::memcpy(&raw, &seg.bytes[off], 4);
      if (raw != kMret) continue;
      const uint64_t at = seg.address + off;
      err = uc_hook_add(uc_, &hook, UC_HOOK_CODE, reinterpret_cast<void*>(&riscv_hooks::mret), this, at, at);
    }
  }
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
  if (gdb_) {
    // Before reset ends: gdb sees the entry point and may set breakpoints before anything runs.
    log(log_level::info, name(), "waiting for gdb on " + gdb_->address() + " (target remote " + gdb_->address() + ")");
    gdb_->wait_for_client();
    debug_session(next, kSigTrap);
  }
  for (;;) {
    unmap_stale_direct();
    irq_line_ = irq_external.read() || irq_timer.read();
    stop_ = stop::none;
    in_emulation_ = true;
    const auto t0 = std::chrono::steady_clock::now();
    // Unicorn stops when the PC reaches `until`: an odd address, which a PC never holds.
    const bool stepped = stepping_;
    const uint64_t step_from = next, step_instructions = instructions_;
    err = uc_emu_start(uc_, next, 1, 0, stepping_ ? 1 : 0);
    emulation_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    in_emulation_ = false;
    next = pc();
    if (stop_ == stop::fault && !killed_ && debugger_attached()) {
      // The debugger sees the fault where it happened, with its signal, instead of the run ending.
      log(log_level::warning, name(), "firmware fault, stopped in the debugger: " + fault_);
      if (fault_pc_ != ~0ull) next = fault_pc_;
      fault_.clear();
      sync_trap_.reset();
      debug_session(next, fault_signal_);
      if (killed_) break;
      continue;
    }
    if (stop_ == stop::fault) break;
    if (exit_requested_) {
      state_ = state::exited;
      break;
    }
    if (stop_ == stop::debug) {
      debug_session(next, debug_signal_, watch_reason_);
      if (killed_) break;
      continue;
    }
    if (stop_ == stop::trap && sync_trap_) {
      const pending_trap t = *sync_trap_;
      sync_trap_.reset();
      next = enter_trap(t.cause, t.epc, t.tval);
      ++traps_;
    } else if (err != UC_ERR_OK) {
      if (fault_.empty()) fault_ = std::string("the instruction-set simulator stopped: ") + uc_strerror(err) + " at " + where(next);
      break;
    } else if (stop_ == stop::sync) {
      synchronise();
    } else if (stop_ == stop::interrupt) {
      // The line was high when this chunk started; the firmware may have acknowledged the
      // device since. Let the acknowledgement take effect, then look again.
      synchronise();
      if (interrupt_pending()) next = take_interrupt(next);
    } else if (wfi_before(next) && (!stepped || next == step_from + 4)) {
      sleep_until_interrupt(next - 4);  // QEMU halts at WFI and reports the next PC
      next = pc();                      // (unless gdb, stopping the sleep, moved it)
      if (killed_) break;
    } else if (stepped) {
      // one instruction executed
    } else {
      fault_ = "the instruction-set simulator stopped without a cause at " + where(next);
      break;
    }
    if (exit_requested_) {
      state_ = state::exited;
      break;
    }
    if (stepped && debugger_attached()) {
      // A synchronisation before the instruction is no step: go on until one executes.
      if (next == step_from && instructions_ == step_instructions) continue;
      debug_session(next, kSigTrap);
      if (killed_) break;
    }
  }
  if (gdb_ && gdb_->connected()) {
    if (state_ == state::exited) gdb_->send(gdb_->rsp().exit_packet(exit_code_));
    gdb_->close_client();
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
  if (addr == counter_next_) correct_counter_read();
  counter_next_ = ~0ull;
  block_committed_ = false;
  if (watch_hit_) {  // a watched access in the block before: stop at this block boundary
    watch_hit_ = false;
    debug_signal_ = kSigTrap;
    halt(stop::debug);
    return;
  }
  if (exit_requested_) {
    halt(stop::exit);
    return;
  }
  if (unmap_pending_) {
    halt(stop::sync);
    return;
  }
  const uint64_t n = stepping_ ? 1 : block_instructions(addr, size);
  if (n > budget_) {
    if (gdb_ && ++poll_countdown_ >= 32) {  // Ctrl-C from gdb, looked for every 32 quanta
      poll_countdown_ = 0;
      if (gdb_->poll_interrupt()) {
        debug_signal_ = kSigInt;
        watch_reason_.clear();
        halt(stop::debug);
        return;
      }
    }
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
                " (riscv_cpu.watchdog_ms)", addr, kSigXcpu);
    return;
  }
  if (cfg_.instruction_limit && instructions_ + n > cfg_.instruction_limit) {
    raise_fault("instruction limit of " + std::to_string(cfg_.instruction_limit) + " reached at " + where(addr) +
                " (riscv_cpu.instruction_limit)", addr, kSigXcpu);
    return;
  }
  trap_pending_ = false;
  if (stepping_) {
    uint32_t raw = 0;
    uc_mem_read(uc_, addr, &raw, 4);
    const uint32_t csr = raw >> 20, rd = (raw >> 7) & 31;
    if ((raw & 0x7F) == 0x73 && ((raw >> 12) & 3) != 0 && rd != 0 && model_supplied_csr(csr)) {
      counter_next_ = addr + 4;
      counter_csr_ = static_cast<uint16_t>(csr);
      counter_rd_ = static_cast<uint8_t>(rd);
    }
  } else {
    const block_count& slot = counts_[(addr >> 1) % kCountSlots];
    if (slot.counter_csr) {
      counter_next_ = addr + size;
      counter_csr_ = slot.counter_csr;
      counter_rd_ = slot.counter_rd;
    }
  }
  if (resume_bp_ != ~0ull) {
    if (addr == resume_bp_ && !resume_bp_seen_)
      resume_bp_seen_ = true;
    else
      resume_bp_ = ~0ull;
  }
  block_committed_ = true;
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
  // Zero padding: the last instruction is read as a 32-bit word below, also when it is a 16-bit
  // one or the block is empty (Unicorn reports blocks of size 0 for an undecodable first
  // instruction).
  std::vector<uint8_t> code(size + 4, 0);
  uc_mem_read(uc_, addr, code.data(), size);
  uint32_t n = 0, last = 0;
  for (uint32_t off = 0; off < size; ++n) {
    last = off;
    off += (code[off] & 3) == 3 ? 4 : 2;
  }
  slot = {key, n, 0, 0};
  // QEMU ends a block after every CSR instruction, so a counter read is always a block's last.
  uint32_t raw = 0;
  std::memcpy(&raw, &code[last], 4);
  const uint32_t rd = (raw >> 7) & 31, csr = raw >> 20;
  if ((raw & 0x7F) == 0x73 && ((raw >> 12) & 3) != 0 && rd != 0 && model_supplied_csr(csr)) {
    slot.counter_csr = static_cast<uint16_t>(csr);
    slot.counter_rd = static_cast<uint8_t>(rd);
  }
  return n;
}

uint32_t riscv_cpu::mip() const {
  return (irq_external.read() ? kMipMeip : 0) | (irq_timer.read() ? kMipMtip : 0);
}

uint64_t riscv_cpu::mcycle() const {
  const sc_core::sc_time now = qk_.get_current_time() + sc_core::sc_time::from_value(cycle_.value() * pending_);
  return now.value() / clock_.value();
}

void riscv_cpu::correct_counter_read() {
  // The CSR instruction ended the previous block; its destination still holds QEMU's value.
  const uint64_t retired = instructions_ > 0 ? instructions_ - 1 : 0;  // before the CSR instruction
  uint64_t v = 0;
  switch (counter_csr_ & 0x7F) {
    case 0x44: v = mip(); break;
    case 0x00: v = mcycle(); break;
    case 0x02: v = retired; break;
  }
  if (counter_csr_ & 0x80) v >>= 32;  // the high half
  uint64_t w = static_cast<uint32_t>(v);
  uc_reg_write(uc_, UC_RISCV_REG_X0 + counter_rd_, &w);
}

uint32_t riscv_cpu::pending_lines() const {
  const uint32_t high = (irq_external.read() ? kMieMeie : 0) | (irq_timer.read() ? kMieMtie : 0);
  return high ? high & read_csr(UC_RISCV_REG_MIE) : 0;
}

bool riscv_cpu::interrupt_pending() const {
  return (read_csr(UC_RISCV_REG_MSTATUS) & kMstatusMie) && pending_lines();
}

uint64_t riscv_cpu::enter_trap(uint32_t mcause, uint64_t epc, uint32_t tval) {
  const uint32_t mstatus = read_csr(UC_RISCV_REG_MSTATUS);
  const uint32_t mtvec = read_csr(UC_RISCV_REG_MTVEC);
  write_csr(UC_RISCV_REG_MEPC, static_cast<uint32_t>(epc));
  write_csr(UC_RISCV_REG_MCAUSE, mcause);
  write_csr(UC_RISCV_REG_MTVAL, tval);
  write_csr(UC_RISCV_REG_MSTATUS, (mstatus & ~(kMstatusMie | kMstatusMpie)) | kMstatusMpp |
                                      ((mstatus & kMstatusMie) ? kMstatusMpie : 0));
  ++trap_depth_;
  const uint64_t base = mtvec & ~3u;
  // Vectored mode offsets interrupts only; exceptions always go to the base.
  return (mtvec & 3) == 1 && (mcause & kCauseInterrupt) ? base + 4 * (mcause & 0x3F) : base;
}

bool riscv_cpu::executable(uint64_t addr) {
  for (const auto& r : direct_)
    if (!r.stale && addr >= r.start && addr + 2 <= r.end + 1) return true;
  return map_direct(addr);
}

void riscv_cpu::on_mret() {
  if (trap_depth_ > 0) --trap_depth_;
}

void riscv_cpu::request_trap(uint32_t cause, uint64_t epc, uint32_t tval, const std::string& report) {
  if (stop_ == stop::fault || sync_trap_) return;  // the first cause is the one to take
  const uint32_t mtvec = read_csr(UC_RISCV_REG_MTVEC);
  if (!executable(mtvec & ~3u)) {
    raise_fault(report + "; no trap handler (mtvec = " + hex32(mtvec) + ")", epc, signal_of(cause));
    return;
  }
  if (trap_depth_ >= kMaxTrapDepth) {
    raise_fault(outer_trap_ + "; then the trap handler at " + where(mtvec & ~3u) + " faulted " +
                std::to_string(trap_depth_) + " times without returning, last: " + report, epc, signal_of(cause));
    return;
  }
  if (trap_depth_ == 0) outer_trap_ = report;
  sync_trap_ = pending_trap{cause, epc, tval};
  halt(stop::trap);
}

uint64_t riscv_cpu::take_interrupt(uint64_t pc) {
  const uint32_t cause = pending_lines() & kMieMeie ? kCauseExternal : kCauseTimer;
  ++interrupts_;
  if (trap_depth_ == 0) outer_trap_ = "interrupt " + std::to_string(cause) + " taken at " + where(pc);
  trap_target_ = enter_trap(kCauseInterrupt | cause, pc, 0);
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
  while (!pending_lines() && !exit_requested_) {
    if (!debugger_attached()) {
      wait(irq_external.value_changed_event() | irq_timer.value_changed_event());
      continue;
    }
    // With gdb attached the sleep is cut into slices of simulated time to look for Ctrl-C
    // between them; a line still ends it at once. Stopped there, the WFI ends as if woken
    // (the spec allows a WFI to end for any reason).
    wait(sc_core::sc_time(100, sc_core::SC_US), irq_external.value_changed_event() | irq_timer.value_changed_event());
    if (pending_lines() || exit_requested_ || !gdb_->poll_interrupt()) continue;
    set_asleep(false);
    uint64_t at = pc;
    at += 4;
    start_quantum();
    debug_session(at, kSigInt);
    sleep_time_ += sc_core::sc_time_stamp() - t0;
    return;
  }
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
  uint32_t tval = 0, raw = 0;
  uc_mem_read(uc_, at, &raw, 4);
  if (cause == 2) tval = (raw & 3) == 3 ? raw : raw & 0xFFFF;  // an illegal CSR access
  if (cause == 4 || cause == 6) {  // a misaligned LR/SC/AMO: its address is rs1
    // QEMU checks an AMO's load first; the spec makes every SC and AMO a store/AMO fault.
    if ((raw & 0x7F) == 0x2F && (raw >> 27) != 2) cause = 6;
    uint64_t base = 0;
    uc_reg_read(uc_, UC_RISCV_REG_X0 + static_cast<int>((raw >> 15) & 31), &base);
    tval = static_cast<uint32_t>(base);
  }
  request_trap(cause, at, tval,
               std::string(exception_name(cause)) + " (mcause " + std::to_string(cause) + ") at " + where(at) +
                   instruction_at(at));
}

void riscv_cpu::on_invalid_instruction() {
  // Unicorn's invalid-instruction path (ebreak takes it too) leaves the PC at the instruction.
  const uint64_t at = pc();
  uint32_t insn = 0;
  uc_mem_read(uc_, at, &insn, 4);
  const bool ebreak = insn == 0x00100073 || (insn & 0xFFFF) == 0x9002;
  const uint32_t cause = ebreak ? 3 : 2;
  if (ebreak && debugger_attached()) {  // the debugger's: as on silicon with dcsr.ebreakm set
    debug_signal_ = kSigTrap;
    watch_reason_.clear();
    halt(stop::debug);
    return;
  }
  // mtval: the faulting instruction's bits for an illegal one, the address for a breakpoint.
  const uint32_t tval = ebreak ? static_cast<uint32_t>(at) : ((insn & 3) == 3 ? insn : insn & 0xFFFF);
  request_trap(cause, at, tval,
               std::string(exception_name(cause)) + " (mcause " + std::to_string(cause) + ") at " + where(at) +
                   instruction_at(at));
}

bool riscv_cpu::on_unmapped(int type, uint64_t addr, int size) {
  if (map_direct(addr)) return true;
  if (type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT) {  // PROT: a page mapped for I/O
    if (trap_pending_ && addr == trap_target_)
      raise_fault("instruction access fault (mcause 1): interrupt " + std::to_string(trap_cause_) +
                  " taken at " + where(trap_epc_) + " with mtvec = " + hex32(read_csr(UC_RISCV_REG_MTVEC)) +
                  ": no trap handler there", addr, kSigSegv);
    else
      request_trap(1, addr, static_cast<uint32_t>(addr),
                   "instruction access fault (mcause 1): " +
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
    raise_fault("cannot map " + hex32(page) + " for I/O (" + std::to_string(size) + "-byte access at " + hex32(addr) + ")",
                block_addr_, kSigSegv);
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
  if (stop_ == stop::fault || exit_requested_ || sync_trap_) return false;
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
    request_trap(store_fault ? 7 : 5, site.pc, static_cast<uint32_t>(addr),
                 std::string(store_fault ? "store/AMO access fault (mcause 7)" : "load access fault (mcause 5)") +
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
      .set("exceptions_taken", traps_)
      .set("sleeps", sleeps_)
      .set("sleep_ns", sleep_time_.to_seconds() * 1e9)
      .set("busy_fraction", sim_s > 0 ? 1.0 - sleep_time_.to_seconds() / sim_s : 0.0)
      .set("iss_seconds", iss_seconds)
      .set("host_mips", iss_seconds > 0 ? double(instructions_) / iss_seconds * 1e-6 : 0.0);
}

// The debugger's view of the CPU, as gdb_rsp asks for it.
class riscv_debug_target : public gdb_target {
 public:
  explicit riscv_debug_target(riscv_cpu& cpu) : cpu_(cpu) {}
  bool read_register(unsigned n, uint32_t& v) override { return cpu_.debugger_read_register(n, v); }
  bool write_register(unsigned n, uint32_t v) override { return cpu_.debugger_write_register(n, v); }
  size_t read_memory(uint64_t addr, uint8_t* data, size_t len) override {
    return cpu_.debugger_memory(false, addr, data, len);
  }
  size_t write_memory(uint64_t addr, const uint8_t* data, size_t len) override {
    return cpu_.debugger_memory(true, addr, const_cast<uint8_t*>(data), len);
  }
  bool insert_point(int type, uint64_t addr, uint64_t len) override { return cpu_.debugger_point(true, type, addr, len); }
  bool remove_point(int type, uint64_t addr, uint64_t len) override { return cpu_.debugger_point(false, type, addr, len); }

 private:
  riscv_cpu& cpu_;
};

uint16_t riscv_cpu::attach_debugger(uint16_t port, bool loopback_only) {
  if (sc_core::sc_is_running()) throw std::logic_error(std::string(name()) + ": attach the debugger before the simulation starts");
  if (!debug_target_) debug_target_ = std::make_unique<riscv_debug_target>(*this);
  gdb_ = std::make_unique<gdb_server>(*debug_target_, port, loopback_only);
  return gdb_->port();
}

bool riscv_cpu::debugger_attached() const { return gdb_ && gdb_->connected(); }

void riscv_cpu::debug_session(uint64_t& next, int signal, const std::string& reason) {
  if (!gdb_) return;
  if (!gdb_->connected()) {  // gdb went away: its points go with it
    if (!breakpoints_.empty() || !watchpoints_.empty() || stepping_) debug_detach();
    return;
  }
  // Simulated time stands still from here until gdb resumes the CPU: this thread blocks in the
  // socket without yielding to SystemC, so no other process runs ahead.
  if (next == counter_next_) {
    correct_counter_read();
    counter_next_ = ~0ull;
  }
  uint64_t w = next;
  uc_reg_write(uc_, UC_RISCV_REG_PC, &w);
  const unsigned errors_before = gdb_->rsp().protocol_errors();
  const gdb_rsp::action act = gdb_->serve(gdb_->rsp().stop_packet(signal, reason));
  if (gdb_->rsp().protocol_errors() != errors_before)
    log(log_level::warning, name(),
        "gdb: " + std::to_string(gdb_->rsp().protocol_errors() - errors_before) +
            " malformed packet(s) (bad checksum or arguments, longer than PacketSize 4096, cut short) answered with a NAK or E01");
  next = pc();
  stepping_ = act == gdb_rsp::action::step;
  watch_reason_.clear();
  if (act == gdb_rsp::action::detach) debug_detach();
  if (act == gdb_rsp::action::kill) {
    killed_ = true;
    fault_ = "the debugger ended the firmware at " + where(next);
    gdb_->close_client();
  }
  resume_bp_ = breakpoints_.count(next) ? next : ~0ull;
  resume_bp_seen_ = false;
  since_device_ = 0;  // time spent halted is not a runaway
}

void riscv_cpu::debug_detach() {
  for (const auto& [addr, hook] : breakpoints_) uc_hook_del(uc_, hook);
  for (const auto& wp : watchpoints_) uc_hook_del(uc_, wp.hook);
  breakpoints_.clear();
  watchpoints_.clear();
  drop_translations();
  stepping_ = false;
  watch_hit_ = false;
  if (gdb_) gdb_->close_client();
  log(log_level::info, name(), "gdb detached; the firmware runs on");
}

void riscv_cpu::drop_translations() {
  // (Unicorn 2.0's flush of every translation takes seconds: drop those of the image's code.)
  for (const auto& seg : image_->segments)
    if (seg.executable) uc_ctl_remove_cache(uc_, seg.address, seg.address + seg.memory_size);
}

void riscv_cpu::on_breakpoint(uint64_t addr) {
  if (stepping_ || addr == resume_bp_) return;
  uncharge_from(addr);
  debug_signal_ = kSigTrap;
  watch_reason_.clear();
  halt(stop::debug);  // Unicorn has synchronised the PC to addr: the instruction has not run
}

void riscv_cpu::on_watch(int type, uint64_t addr) {
  if (watch_hit_ || stepping_) return;
  for (const auto& wp : watchpoints_) {
    if (addr < wp.addr || addr >= wp.addr + wp.len) continue;
    if (wp.type != 4 && wp.type != type) continue;
    char b[40];
    std::snprintf(b, sizeof b, "%s:%08llx;", wp.type == 2 ? "watch" : wp.type == 3 ? "rwatch" : "awatch",
                  static_cast<unsigned long long>(addr));
    watch_reason_ = b;
    watch_hit_ = true;  // the stop comes before the next block
    return;
  }
}

void riscv_cpu::uncharge_from(uint64_t addr) {
  // The block's instructions were counted when it started; those from addr on did not run.
  if (!block_committed_ || addr < block_addr_ || addr >= block_addr_ + block_size_) return;
  std::vector<uint8_t> code(block_size_ + 4, 0);
  uc_mem_read(uc_, block_addr_, code.data(), block_size_);
  uint64_t k = 0;
  for (uint64_t off = addr - block_addr_; off < block_size_; ++k) off += (code[off] & 3) == 3 ? 4 : 2;
  instructions_ -= std::min(instructions_, k);
  since_device_ -= std::min(since_device_, k);
  const uint64_t from_pending = std::min(pending_, k);
  pending_ -= from_pending;
  if (k > from_pending) {
    const sc_core::sc_time back = sc_core::sc_time::from_value(cycle_.value() * (k - from_pending));
    const sc_core::sc_time local = qk_.get_local_time();
    qk_.set(local > back ? local - back : sc_core::SC_ZERO_TIME);
  }
  budget_ += k;
  counter_next_ = ~0ull;  // the block's last instruction did not run either
  block_committed_ = false;
}

bool riscv_cpu::debugger_read_register(unsigned n, uint32_t& v) {
  if (n < 32) {
    uint64_t x = 0;
    uc_reg_read(uc_, UC_RISCV_REG_X0 + static_cast<int>(n), &x);
    v = static_cast<uint32_t>(x);
    return true;
  }
  if (n == 32) {
    v = pc();
    return true;
  }
  if (n < 65) return false;
  const uint64_t retired = instructions_;
  switch (n - 65) {
    case 0x300: v = read_csr(UC_RISCV_REG_MSTATUS); return true;
    case 0x301: v = read_csr(UC_RISCV_REG_MISA); return true;
    case 0x304: v = read_csr(UC_RISCV_REG_MIE); return true;
    case 0x305: v = read_csr(UC_RISCV_REG_MTVEC); return true;
    case 0x340: v = read_csr(UC_RISCV_REG_MSCRATCH); return true;
    case 0x341: v = read_csr(UC_RISCV_REG_MEPC); return true;
    case 0x342: v = read_csr(UC_RISCV_REG_MCAUSE); return true;
    case 0x343: v = read_csr(UC_RISCV_REG_MTVAL); return true;
    case 0x344: v = mip(); return true;
    case 0xB00: v = static_cast<uint32_t>(mcycle()); return true;
    case 0xB80: v = static_cast<uint32_t>(mcycle() >> 32); return true;
    case 0xB02: v = static_cast<uint32_t>(retired); return true;
    case 0xB82: v = static_cast<uint32_t>(retired >> 32); return true;
    default: return false;
  }
}

bool riscv_cpu::debugger_write_register(unsigned n, uint32_t v) {
  uint64_t w = v;
  if (n == 0) return true;  // x0 stays zero
  if (n < 32) return uc_reg_write(uc_, UC_RISCV_REG_X0 + static_cast<int>(n), &w) == UC_ERR_OK;
  if (n == 32) return uc_reg_write(uc_, UC_RISCV_REG_PC, &w) == UC_ERR_OK;
  if (n < 65) return false;
  int reg;
  switch (n - 65) {
    case 0x300: reg = UC_RISCV_REG_MSTATUS; break;
    case 0x304: reg = UC_RISCV_REG_MIE; break;
    case 0x305: reg = UC_RISCV_REG_MTVEC; break;
    case 0x340: reg = UC_RISCV_REG_MSCRATCH; break;
    case 0x341: reg = UC_RISCV_REG_MEPC; break;
    case 0x342: reg = UC_RISCV_REG_MCAUSE; break;
    case 0x343: reg = UC_RISCV_REG_MTVAL; break;
    default: return false;  // misa, mip and the counters are the model's
  }
  return uc_reg_write(uc_, reg, &w) == UC_ERR_OK;
}

size_t riscv_cpu::debugger_memory(bool write, uint64_t addr, uint8_t* data, size_t len) {
  // Through the bus's debug transport: devices and accelerator registers answer too, without
  // side effects or time.
  size_t done = 0;
  while (done < len) {
    tlm::tlm_generic_payload t;
    t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    t.set_address(addr + done);
    t.set_data_ptr(data + done);
    t.set_data_length(static_cast<unsigned>(len - done));
    t.set_streaming_width(static_cast<unsigned>(len - done));
    const unsigned n = socket->transport_dbg(t);
    if (n == 0 || n > len - done) break;
    done += n;
  }
  // Code gdb patches must be translated again (the firmware's own stores to code are not
  // watched for: docs/riscv.md).
  if (write && done > 0) uc_ctl_remove_cache(uc_, addr, addr + done);
  return done;
}

bool riscv_cpu::debugger_point(bool insert, int type, uint64_t addr, uint64_t len) {
  // Unicorn decides at translation whether an instruction calls the code hooks and whether
  // loads and stores take the slow path that calls the memory hooks: code translated before a
  // point changes must be translated again.
  struct retranslate {
    riscv_cpu& cpu;
    uint64_t at;
    bool all;
    ~retranslate() {
      if (all)
        cpu.drop_translations();
      else
        uc_ctl_remove_cache(cpu.uc_, at, at + 1);
    }
  } again{*this, addr, type > 1};
  if (type <= 1) {  // software and hardware breakpoints are the same hook
    const auto it = breakpoints_.find(addr);
    if (!insert) {
      if (it == breakpoints_.end()) return false;
      uc_hook_del(uc_, it->second);
      breakpoints_.erase(it);
      return true;
    }
    if (it != breakpoints_.end()) return true;
    uc_hook h;
    if (uc_hook_add(uc_, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&riscv_hooks::breakpoint), this, addr, addr) !=
        UC_ERR_OK)
      return false;
    breakpoints_[addr] = h;
    return true;
  }
  for (auto it = watchpoints_.begin(); it != watchpoints_.end(); ++it) {
    if (it->type != type || it->addr != addr || it->len != len) continue;
    if (insert) return true;
    uc_hook_del(uc_, it->hook);
    watchpoints_.erase(it);
    return true;
  }
  if (!insert) return false;
  const int kinds = type == 2 ? UC_HOOK_MEM_WRITE : type == 3 ? UC_HOOK_MEM_READ : UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE;
  uc_hook h;
  if (uc_hook_add(uc_, &h, kinds, reinterpret_cast<void*>(&riscv_hooks::watch), this, addr, addr + len - 1) != UC_ERR_OK)
    return false;
  watchpoints_.push_back({type, addr, len, h});
  return true;
}

}  // namespace stoxvp
