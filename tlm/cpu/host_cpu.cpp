#include "host_cpu.h"

#include "common/log.h"

namespace stoxvp {
namespace {

host_cpu* g_current = nullptr;

// Unwinds the firmware's stack (host firmware is compiled with -fexceptions) back to run().
struct firmware_stop {};

}  // namespace

host_cpu::host_cpu(sc_core::sc_module_name name, size_t stack_bytes)
    : cpu_base(name) {
  recoverable_errors(msg::host_cpu);  // a firmware fault ends the run, not the simulation
  SC_THREAD(run);
  set_stack_size(stack_bytes);
}

host_cpu* host_cpu::current() { return g_current; }

void host_cpu::load(entry_fn entry, void* arg) {
  entry_ = entry;
  arg_ = arg;
}

void host_cpu::run() {
  if (entry_ == nullptr) return;  // no firmware: the CPU stays in reset
  state_ = state::running;
  qk_.reset();
  int code = 0;
  g_current = this;
  try {
    code = entry_(arg_);
    exit_code_ = code;
    state_ = state::exited;
  } catch (const firmware_stop&) {
    // exit_code_, state_ and fault_ were set before the throw
  }
  g_current = nullptr;
  qk_.sync();
  if (on_stop) on_stop();
}

void host_cpu::request_exit(int code) {
  exit_requested_ = true;
  exit_code_ = code;
}

void host_cpu::check_exit() {
  if (exit_requested_) {
    state_ = state::exited;
    throw firmware_stop{};
  }
}

void host_cpu::access(tlm::tlm_command cmd, uint64_t addr, uint32_t& data) {
  trans_.set_command(cmd);
  trans_.set_address(addr);
  trans_.set_data_ptr(reinterpret_cast<unsigned char*>(&data));
  trans_.set_data_length(4);
  trans_.set_streaming_width(4);
  trans_.set_byte_enable_ptr(nullptr);
  trans_.set_dmi_allowed(false);
  trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time local = qk_.get_local_time();
  socket->b_transport(trans_, local);
  qk_.set(local);
  ++accesses_;
  if (trans_.is_response_error()) {
    fault_ = std::string("bus error: ") + (cmd == tlm::TLM_READ_COMMAND ? "read" : "write") +
             " of 4 bytes at " + hex(addr) + " answered " + trans_.get_response_string();
    state_ = state::faulted;
    log(log_level::error, msg::host_cpu, name(), "firmware stopped: " + fault_);
    throw firmware_stop{};
  }
  check_exit();
  if (qk_.need_sync()) qk_.sync();
}

uint32_t host_cpu::read32(uint64_t addr) {
  uint32_t v = 0;
  access(tlm::TLM_READ_COMMAND, addr, v);
  return v;
}

void host_cpu::write32(uint64_t addr, uint32_t value) { access(tlm::TLM_WRITE_COMMAND, addr, value); }

void* host_cpu::map(uint64_t addr, uint64_t len) {
  const bool covered = [&] {
    return dmi_valid_ && addr >= dmi_.get_start_address() && len != 0 &&
           addr + len - 1 >= addr && addr + len - 1 <= dmi_.get_end_address();
  }();
  if (!covered) {
    trans_.set_command(tlm::TLM_READ_COMMAND);
    trans_.set_address(addr);
    trans_.set_data_length(0);
    dmi_.init();
    dmi_valid_ = socket->get_direct_mem_ptr(trans_, dmi_) && dmi_.is_read_write_allowed();
    if (!dmi_valid_ || len == 0 || addr + len - 1 < addr || addr + len - 1 > dmi_.get_end_address()) {
      dmi_valid_ = false;
      fault_ = "map of " + std::to_string(len) + " bytes at " + hex(addr) +
               ": the range is not plain memory (no DMI grant covers it)";
      state_ = state::faulted;
      log(log_level::error, msg::host_cpu, name(), "firmware stopped: " + fault_);
      throw firmware_stop{};
    }
  }
  return dmi_.get_dmi_ptr() + (addr - dmi_.get_start_address());
}

void host_cpu::wait_for_interrupt() {
  qk_.sync();
  if (!irq_external.read() && !irq_timer.read() && !exit_requested_) {
    ++sleeps_;
    set_asleep(true);
    while (!irq_external.read() && !irq_timer.read() && !exit_requested_)
      wait(irq_external.value_changed_event() | irq_timer.value_changed_event());
    set_asleep(false);
  }
  check_exit();
}

std::string host_cpu::waiting_for() const {
  return loaded() ? "the firmware waits for an interrupt that no component will raise"
                  : "no firmware is attached";
}

void host_cpu::stats(stat_group& g) const {
  g.set("kind", "host").set("bus_accesses", accesses_).set("sleeps", sleeps_);
}

void host_cpu::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  if (dmi_valid_ && start <= dmi_.get_end_address() && end >= dmi_.get_start_address())
    dmi_valid_ = false;
}

}  // namespace stoxvp
