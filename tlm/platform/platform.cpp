// sc_spawn, for the timeline's observer of the CPU's lines.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "platform.h"
#include "summary.h"

#include "output_file.h"
#include "timeline.h"
#include "common/json_reader.h"
#include "common/log.h"
#include "hw/accel/tiles/snn_cim/snn_group.h"
#include "tlm/platform/stats_json.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

namespace stoxvp {
namespace {

sc_core::sc_time ns(double v) { return sc_core::sc_time(v, sc_core::SC_NS); }

memory_timing timing_of(const memory_region_config& m) {
  return {ns(m.read_latency_ns), ns(m.write_latency_ns), m.bandwidth_gbps};  // GB/s == B/ns
}

double to_ns(const sc_core::sc_time& t) { return t.to_seconds() * 1e9; }

}  // namespace

const char* to_string(stop_reason r) {
  switch (r) {
    case stop_reason::exit: return "exit";
    case stop_reason::fault: return "fault";
    case stop_reason::time_limit: return "time_limit";
    case stop_reason::idle: return "idle";
    case stop_reason::stalled: return "stalled";
    case stop_reason::interrupted: return "interrupted";
  }
  return "?";
}

std::atomic<bool> platform::stop_requested_{false};

// SystemC's VCD writer opens "<name>.vcd" itself and ignores every write and close error, so a
// full disk would leave a truncated trace behind silently. Its file is therefore a symbolic link
// to the write end of a pipe; a reader thread copies what arrives into an output_file, which
// checks every write, and the trace is renamed into place only when the pipe closed cleanly.
class vcd_pipe {
 public:
  explicit vcd_pipe(const std::string& path) : out_(path, ".vcd") {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw output_error(path + ": cannot create a pipe: " + std::strerror(errno));
    read_fd_ = fds[0];
    write_fd_ = fds[1];
    stem_ = out_.temp_path() + ".pipe";
    const std::string link = stem_ + ".vcd", target = "/proc/self/fd/" + std::to_string(write_fd_);
    if (::symlink(target.c_str(), link.c_str()) != 0) {
      const int e = errno;
      ::close(read_fd_);
      ::close(write_fd_);
      throw output_error(path + ": cannot create " + link + ": " + std::strerror(e));
    }
    reader_ = std::thread([this] {
      std::vector<char> buf(1 << 16);
      for (;;) {
        const ssize_t n = ::read(read_fd_, buf.data(), buf.size());
        if (n > 0) {
          out_.write(buf.data(), size_t(n));  // after a failure it only drains the pipe
        } else if (n == 0) {
          break;
        } else if (errno != EINTR) {
          out_.fail(std::string("reading the trace pipe: ") + std::strerror(errno));
          break;
        }
      }
    });
  }
  ~vcd_pipe() { finish(false); }
  // The name to give sc_create_vcd_trace_file (it appends ".vcd").
  const std::string& stem() const { return stem_; }
  // After SystemC closed its end: waits for the last bytes, then commits or discards.
  void finish(bool commit) {
    if (write_fd_ >= 0) {
      ::close(write_fd_);
      write_fd_ = -1;
    }
    if (reader_.joinable()) reader_.join();
    if (read_fd_ >= 0) {
      ::close(read_fd_);
      read_fd_ = -1;
      ::unlink((stem_ + ".vcd").c_str());
    }
    if (done_) return;
    done_ = true;
    if (commit)
      out_.commit();
    else
      out_.discard();
  }

 private:
  output_file out_;
  int read_fd_ = -1, write_fd_ = -1;
  std::string stem_;
  std::thread reader_;
  bool done_ = false;
};

uint64_t debug_port::transfer(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint64_t len) {
  uint64_t done = 0;
  while (done < len) {
    // transport_dbg lengths are unsigned int; the bus clips each piece to one window.
    const uint64_t n = std::min<uint64_t>(len - done, 1u << 30);
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr + done);
    t.set_data_ptr(data + done);
    t.set_data_length(static_cast<unsigned>(n));
    t.set_streaming_width(static_cast<unsigned>(n));
    const unsigned got = socket->transport_dbg(t);
    done += got;
    if (got == 0) break;
  }
  return done;
}

namespace {

tech_file load_technology(const platform_config& cfg) {
  tech_file t = cfg.technology_file.empty() ? default_tech() : load_tech_file(cfg.technology_file);
  if (!cfg.adc_model.empty() && cfg.adc_model != t.document.value("adc_model", "isaac")) {
    nlohmann::json j = t.document;
    j["adc_model"] = cfg.adc_model;
    t = parse_tech(j, t.origin + " with adc_model \"" + cfg.adc_model + "\" (" + cfg.source + ")");
  }
  return t;
}

}  // namespace

platform::platform(const platform_config& cfg) : cfg_(cfg), tech_(load_technology(cfg)) {
  // The board prints its units' messages in its own console format (common/log.h); an
  // integrator embedding the units in another SoC keeps whatever handler it installs.
  install_console_report_handler();
  recoverable_errors(msg::platform);
  tlm::tlm_global_quantum::instance().set(ns(cfg.quantum_ns));
  try {
    bus_ = std::make_unique<stoxvp::bus>(
        "bus", ns(cfg.bus_latency_ns),
        std::vector<address_range>{{"sram", cfg.sram.base, cfg.sram.size},
                                   {"dram", cfg.dram.base, cfg.dram.size},
                                   {"console", cfg.console_base, console::WINDOW},
                                   {"timer", cfg.timer_base, timer::WINDOW},
                                   {"sim_control", cfg.sim_control_base, sim_control::WINDOW},
                                   {"accelerator", cfg.accelerator_base, STOXVP_REG_WINDOW}},
        std::vector<std::string>{"cpu", "accelerator.dma", "debug"});
  } catch (const std::invalid_argument& e) {
    throw config_error(cfg.source + ": address map: " + e.what());
  }
  sram_ = std::make_unique<memory>("sram", cfg.sram.size, timing_of(cfg.sram));
  dram_ = std::make_unique<memory>("dram", cfg.dram.size, timing_of(cfg.dram));
  console_ = std::make_unique<stoxvp::console>("console", cfg.console_echo, ns(cfg.device_latency_ns));
  timer_ = std::make_unique<stoxvp::timer>("timer", cfg.timer_frequency_hz, ns(cfg.device_latency_ns));
  sim_control_ = std::make_unique<sim_control>("sim_control", ns(cfg.device_latency_ns));
  hw::accelerator_config acfg = cfg.accelerator;
  acfg.seed = cfg.seed;
  accel_ = std::make_unique<hw::accelerator>("accelerator", acfg, tech_.tech);
  debug_ = std::make_unique<debug_port>("debug");
  accel_irq_ = std::make_unique<sc_core::sc_signal<bool>>("accel_irq", false);
  timer_irq_ = std::make_unique<sc_core::sc_signal<bool>>("timer_irq", false);
  cpu_sleeping_ = std::make_unique<sc_core::sc_signal<bool>>("cpu_sleeping", false);

  bus_->connect_target("sram", sram_->socket);
  bus_->connect_target("dram", dram_->socket);
  bus_->connect_target("console", console_->socket);
  bus_->connect_target("timer", timer_->socket);
  bus_->connect_target("sim_control", sim_control_->socket);
  bus_->connect_target("accelerator", accel_->regs);
  bus_->connect_initiator("accelerator.dma", accel_->mem);
  bus_->connect_initiator("debug", debug_->socket);

  accel_->irq.bind(*accel_irq_);
  timer_->irq.bind(*timer_irq_);

  sim_control_->on_exit = [this](int code) {
    exited_ = true;
    exit_code_ = code;
    if (cpu_ && cpu_->get_state() == cpu_base::state::running)
      cpu_->request_exit(code);  // the CPU stops at the end of this access, then pauses
    else
      sc_core::sc_pause();
  };
}

// The CPU is created by the first attach (the firmware decides which kind), before elaboration
// ends; a run without firmware gets a host CPU that stays in reset.
void platform::create_cpu(std::unique_ptr<cpu_base> cpu) {
  cpu_ = std::move(cpu);
  bus_->connect_initiator("cpu", cpu_->socket);
  cpu_->irq_external.bind(*accel_irq_);
  cpu_->irq_timer.bind(*timer_irq_);
  cpu_->sleeping.bind(*cpu_sleeping_);
  cpu_->on_stop = [] { sc_core::sc_pause(); };
}

cpu_base& platform::cpu() {
  if (!cpu_) {
    auto c = std::make_unique<host_cpu>("cpu", cfg_.host_cpu_stack_bytes);
    host_cpu_ = c.get();
    create_cpu(std::move(c));
  }
  return *cpu_;
}

platform::~platform() {
  console_->flush();
  // Outputs of a platform that never ran hold nothing: the previous files are kept.
  if (started_) {
    try {
      close_outputs();
    } catch (const std::exception& e) {
      log(log_level::error, msg::platform, "platform", e.what());
    }
  } else if (vcd_ != nullptr) {
    sc_core::sc_close_vcd_trace_file(vcd_);
  }
}

void platform::close_outputs() {
  if (outputs_closed_) return;
  outputs_closed_ = true;
  std::string first_error;
  auto attempt = [&](const std::function<void()>& step) {
    try {
      step();
    } catch (const std::exception& e) {
      if (first_error.empty()) first_error = e.what();
    }
  };
  if (vcd_ != nullptr) {
    sc_core::sc_close_vcd_trace_file(vcd_);
    vcd_ = nullptr;
    attempt([&] { vcd_pipe_->finish(true); });
  }
  attempt([&] { write_power_trace(); });
  attempt([&] { write_timeline_file(); });
  timeline_out_.reset();
  power_vcd_out_.reset();
  power_csv_out_.reset();
  if (!first_error.empty()) throw output_error(first_error);
}

void platform::attach_firmware(host_cpu::entry_fn entry, void* arg) {
  if (riscv_cpu_ != nullptr) throw std::logic_error("a RISC-V firmware image is already attached");
  cpu();
  host_cpu_->load(entry, arg);
}

void platform::attach_elf(const std::string& path) {
  if (host_cpu_ != nullptr) throw std::logic_error("host-compiled firmware is already attached");
  elf_file image = read_riscv_elf(path);
  // Every segment must land in memory: a segment in a device window or in no window at all is
  // a firmware built for another memory map.
  for (size_t i = 0; i < image.segments.size(); ++i) {
    const auto& seg = image.segments[i];
    const int w = bus_->decode(seg.address);
    const address_range* r = w >= 0 ? &bus_->address_map()[w] : nullptr;
    if (r == nullptr || (r->name != "sram" && r->name != "dram") || seg.address + seg.memory_size - 1 > r->end()) {
      std::string windows;
      for (const auto& m : bus_->address_map())
        if (m.name == "sram" || m.name == "dram")
          windows += (windows.empty() ? "" : ", ") + m.name + " " + hex(m.base) + ".." + hex(m.end());
      throw firmware_error(path + ": loadable segment " + std::to_string(i) + " [" + hex(seg.address) + ", " +
                           hex(seg.address + seg.memory_size) + ") lies outside memory (" + windows + ")");
    }
  }
  for (const auto& seg : image.segments) {
    std::vector<uint8_t> bytes(seg.memory_size, 0);
    std::copy(seg.bytes.begin(), seg.bytes.end(), bytes.begin());
    mem_write(seg.address, bytes.data(), bytes.size());
  }
  if (riscv_cpu_ == nullptr) {
    auto c = std::make_unique<riscv_cpu>("cpu", cfg_.riscv_cpu);
    riscv_cpu_ = c.get();
    create_cpu(std::move(c));
  }
  riscv_cpu_->load(std::move(image));
}

void platform::enable_vcd(const std::string& path) {
  if (started_) throw std::logic_error("VCD tracing must be enabled before the first run");
  if (vcd_ != nullptr) throw std::logic_error("VCD tracing is already enabled (" + vcd_path_ + ")");
  std::string stem = path;
  if (stem.size() >= 4 && stem.compare(stem.size() - 4, 4, ".vcd") == 0)
    stem.resize(stem.size() - 4);
  const std::string file = stem + ".vcd";
  // Creating the temporary file refuses an unwritable directory now, naming the file, and
  // leaves an existing trace of that name alone until the new one is complete.
  vcd_pipe_ = std::make_unique<vcd_pipe>(file);
  vcd_ = sc_core::sc_create_vcd_trace_file(vcd_pipe_->stem().c_str());
  vcd_->set_time_unit(1, sc_core::SC_PS);
  accel_->trace(vcd_);
  sc_core::sc_trace(vcd_, *timer_irq_, "timer.irq");
  sc_core::sc_trace(vcd_, *cpu_sleeping_, "cpu.sleeping");
  vcd_path_ = file;
}

void platform::enable_power_trace(const std::string& vcd_path, const std::string& csv_path) {
  if (started_) throw std::logic_error("power tracing must be enabled before the first run");
  if (!vcd_path.empty()) power_vcd_out_ = std::make_unique<output_file>(vcd_path);
  if (!csv_path.empty()) power_csv_out_ = std::make_unique<output_file>(csv_path);
  power_vcd_ = vcd_path;
  power_csv_ = csv_path;
  accel_->ledger().enable_trace(ns(cfg_.power_interval_ns), cfg_.power_max_bins);
}

void platform::enable_timeline(const std::string& path) {
  if (started_) throw std::logic_error("the timeline must be enabled before the first run");
  if (timeline_out_) throw std::logic_error("the timeline is already enabled (" + timeline_path_ + ")");
  timeline_out_ = std::make_unique<output_file>(path);
  timeline_path_ = path;
  accel_->activity().enable();
  // The power per component group over time becomes a counter track: the ledger keeps its bins
  // (binning only spreads each charge over time; the totals are the same).
  if (!accel_->ledger().tracing()) accel_->ledger().enable_trace(ns(cfg_.power_interval_ns), cfg_.power_max_bins);
  // The CPU's state from its sleep line and the interrupt lines: asleep, in an interrupt (awake
  // while an interrupt line is raised, until the firmware clears it), or running.
  cpu_states_.assign(1, {0, 0});
  sc_core::sc_spawn_options o;
  o.spawn_method();
  o.dont_initialize();
  o.set_sensitivity(&cpu_sleeping_->value_changed_event());
  o.set_sensitivity(&accel_irq_->value_changed_event());
  o.set_sensitivity(&timer_irq_->value_changed_event());
  sc_core::sc_spawn(
      [this] {
        const int state = cpu_sleeping_->read() ? 1 : (accel_irq_->read() || timer_irq_->read()) ? 2 : 0;
        const uint64_t now = sc_core::sc_time_stamp().value();
        if (cpu_states_.back().second == state) return;
        if (cpu_states_.back().first == now) cpu_states_.back().second = state;
        else cpu_states_.emplace_back(now, state);
      },
      "timeline_cpu_observer", &o);
}

void platform::write_timeline_file() {
  if (!timeline_out_) return;
  std::vector<hw::activity_slice> slices = accel_->activity().slices();
  const auto layers = layer_slices(slices);
  slices.insert(slices.end(), layers.begin(), layers.end());
  static const char* const names[3] = {"running", "asleep", "interrupt"};
  const uint64_t end = sc_core::sc_time_stamp().value();
  for (size_t i = 0; i < cpu_states_.size(); ++i) {
    const uint64_t b = cpu_states_[i].first, e = i + 1 < cpu_states_.size() ? cpu_states_[i + 1].first : end;
    if (e > b) slices.push_back({"cpu", names[cpu_states_[i].second], b, e, {}});
  }
  std::vector<counter_sample> power;
  accel_->ledger().extend_trace(sc_core::sc_time_stamp());
  const auto& ledger = accel_->ledger();
  if (ledger.tracing()) {
    std::array<double, hw::kPowerGroups> leak{};
    for (size_t c = 0; c < hw::component_count(); ++c)
      leak[static_cast<size_t>(hw::group_of(static_cast<hw::component>(c)))] += ledger.leakage_mw(static_cast<hw::component>(c));
    const double interval_ns = static_cast<double>(ledger.interval().value()) / 1000.0;
    for (size_t b = 0; b < ledger.bins().size(); ++b) {
      counter_sample s{b * ledger.interval().value(), {}};
      for (size_t g = 0; g < hw::kPowerGroups; ++g)
        s.values.emplace_back(hw::to_string(static_cast<hw::power_group>(g)), ledger.bins()[b][g] / interval_ns + leak[g]);
      power.push_back(std::move(s));
    }
  }
  write_timeline(*timeline_out_, slices, power);
  timeline_out_->commit();
}

void platform::write_power_trace() {
  // Bins up to now: leakage keeps flowing after the accelerator's last action.
  accel_->ledger().extend_trace(sc_core::sc_time_stamp());
  const auto& ledger = accel_->ledger();
  if (!ledger.tracing()) return;
  const auto& bins = ledger.bins();
  const double interval_ns = static_cast<double>(ledger.interval().value()) / 1000.0;
  // Leakage per group, constant over time.
  std::array<double, hw::kPowerGroups> leak{};
  for (size_t c = 0; c < hw::component_count(); ++c)
    leak[static_cast<size_t>(hw::group_of(static_cast<hw::component>(c)))] += ledger.leakage_mw(static_cast<hw::component>(c));
  const size_t count = bins.size();
  auto power_mw = [&](size_t bin, size_t g) {
    return (bin < bins.size() ? bins[bin][g] : 0.0) / interval_ns + leak[g];
  };
  std::string first_error;
  if (power_csv_out_) {
    output_file& f = *power_csv_out_;
    f.printf("time_ns");
    for (size_t g = 0; g < hw::kPowerGroups; ++g) f.printf(",%s_mw", hw::to_string(static_cast<hw::power_group>(g)));
    f.printf(",total_mw\n");
    for (size_t b = 0; b < count && !f.failed(); ++b) {
      double total = 0;
      f.printf("%.3f", b * interval_ns);
      for (size_t g = 0; g < hw::kPowerGroups; ++g) {
        f.printf(",%.6g", power_mw(b, g));
        total += power_mw(b, g);
      }
      f.printf(",%.6g\n", total);
    }
    try {
      f.commit();
    } catch (const output_error& e) {
      first_error = e.what();
    }
  }
  if (power_vcd_out_) {
    output_file& f = *power_vcd_out_;
    f.printf("$version stoxvp power monitor $end\n$timescale 1 ps $end\n$scope module power $end\n");
    for (size_t g = 0; g < hw::kPowerGroups; ++g)
      f.printf("$var real 64 %c %s_mw $end\n", char('!' + g), hw::to_string(static_cast<hw::power_group>(g)));
    f.printf("$var real 64 %c total_mw $end\n$upscope $end\n$enddefinitions $end\n", char('!' + hw::kPowerGroups));
    std::array<double, hw::kPowerGroups + 1> last;
    last.fill(-1);
    for (size_t b = 0; b <= count && !f.failed(); ++b) {
      std::array<double, hw::kPowerGroups + 1> now{};
      for (size_t g = 0; g < hw::kPowerGroups; ++g) {
        now[g] = power_mw(b, g);
        now[hw::kPowerGroups] += now[g];
      }
      bool header = false;
      for (size_t g = 0; g <= hw::kPowerGroups; ++g) {
        if (now[g] == last[g]) continue;
        if (!header) {
          f.printf("#%llu\n", static_cast<unsigned long long>(b * ledger.interval().value()));
          header = true;
        }
        f.printf("r%.9g %c\n", now[g], char('!' + g));
        last[g] = now[g];
      }
    }
    try {
      f.commit();
    } catch (const output_error& e) {
      if (first_error.empty()) first_error = e.what();
    }
  }
  if (!first_error.empty()) throw output_error(first_error);
}

bool platform::stopped() const {
  return exited_ || cpu_->get_state() == cpu_base::state::exited || cpu_->get_state() == cpu_base::state::faulted;
}

// What a firmware that gets somewhere changes: memory contents, the accelerator's completed
// work, the console. A firmware polling a device that never answers changes none of them.
uint64_t platform::progress_signature() const {
  const auto& s = accel_->stats();
  uint64_t h = 0;
  for (uint64_t v : {uint64_t(sram_->bytes_written()), uint64_t(dram_->bytes_written()), s.descriptors,
                     uint64_t(s.busy_time.value()), uint64_t(console_->output().size())})
    h = h * 0x100000001b3ull + v + 0x9e3779b97f4a7c15ull;
  return h;
}

run_result platform::run(const sc_core::sc_time& limit) {
  if (outputs_closed_) throw std::logic_error("the platform's outputs are closed; it cannot run again");
  const auto wall0 = std::chrono::steady_clock::now();
  cpu();
  started_ = true;
  const sc_core::sc_time t0 = sc_core::sc_time_stamp();
  const bool limited = limit != sc_core::SC_ZERO_TIME;
  // The kernel returns after every slice so that a stop request and the stall watchdog are
  // looked at between kernel steps, where stopping is safe. Slicing changes where sc_start
  // returns, not what is simulated: the same events run at the same times in the same order.
  const sc_core::sc_time slice(100, sc_core::SC_US);
  uint64_t signature = progress_signature();
  sc_core::sc_time last_progress = t0;
  run_result r;
  bool decided = false;
  for (;;) {
    const sc_core::sc_time from = sc_core::sc_time_stamp();
    sc_core::sc_time step = slice;
    if (limited && limit - (from - t0) < step) step = limit - (from - t0);
    // When the next event lies beyond the slice (an operation longer than a slice, such as an
    // AP tile's run), a starvation-mode start would return at once without moving time, and
    // SystemC warns (W571) for every such slice: go to the slice's end directly.
    if (sc_core::sc_pending_activity() && !sc_core::sc_pending_activity_at_current_time() &&
        sc_core::sc_time_to_pending_activity() > step)
      sc_core::sc_start(step, sc_core::SC_RUN_TO_TIME);
    else
      sc_core::sc_start(step, sc_core::SC_EXIT_ON_STARVATION);
    if (stopped()) break;
    if (!sc_core::sc_pending_activity()) break;  // starved: idle
    // Starvation mode leaves time at the last event when the next lies beyond the slice; bring
    // it to the slice's end (no process runs in this step).
    if (sc_core::sc_time_stamp() < from + step)
      sc_core::sc_start(from + step - sc_core::sc_time_stamp(), sc_core::SC_RUN_TO_TIME);
    if (stopped()) break;
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (stop_requested_.exchange(false)) {
      r.reason = stop_reason::interrupted;
      r.message = "interrupted at " + now.to_string() + " of simulated time (stop requested, e.g. SIGINT or SIGTERM)";
      decided = true;
      break;
    }
    if (limited && now - t0 >= limit) {
      r.reason = stop_reason::time_limit;
      r.message = "time limit of " + limit.to_string() + " reached";
      decided = true;
      break;
    }
    if (stall_window_ != sc_core::SC_ZERO_TIME) {
      const uint64_t sig = progress_signature();
      if (sig != signature) {
        signature = sig;
        last_progress = now;
      } else if (now - last_progress >= stall_window_) {
        r.reason = stop_reason::stalled;
        r.message = "stalled: no progress in " + stall_window_.to_string() +
                    " of simulated time (nothing written to memory, no accelerator work, no console output; "
                    "a firmware polling a device that never answers?)";
        decided = true;
        break;
      }
    }
  }
  wall_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();

  r.sim_time = sc_core::sc_time_stamp();
  if (cpu_->get_state() == cpu_base::state::faulted) {
    r.reason = stop_reason::fault;
    r.message = cpu_->fault();
  } else if (exited_ || cpu_->get_state() == cpu_base::state::exited) {
    r.reason = stop_reason::exit;
    r.exit_code = exited_ ? exit_code_ : cpu_->exit_code();
    r.message.clear();
  } else if (!decided) {
    r.reason = stop_reason::idle;
    r.message = "nothing left to simulate: " + cpu_->waiting_for();
  }
  last_ = r;
  console_->flush();
  return r;
}

bool platform::mapped(uint64_t addr, uint64_t len, uint64_t& first_unmapped) const {
  uint64_t a = addr, left = len;
  while (left > 0) {
    const int w = bus_->decode(a);
    if (w < 0) {
      first_unmapped = a;
      return false;
    }
    const uint64_t room = bus_->address_map()[w].end() - a + 1;
    if (room >= left) break;
    a += room;
    left -= room;
  }
  return true;
}

void platform::set_seed(uint64_t seed) {
  cfg_.seed = seed;
  accel_->set_seed(seed);
}

bool platform::debug_access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint64_t len) {
  uint64_t done = 0;
  while (done < len) {
    const uint64_t a = addr + done;
    const int w = bus_->decode(a);
    if (w < 0) return false;
    const address_range& r = bus_->address_map()[w];
    const uint64_t n = std::min<uint64_t>(len - done, r.end() - a + 1);
    // Memories are read and written in place: this works before elaboration, when loaders
    // fill memory and the sockets are not yet bound through. Devices need the bus.
    memory* m = r.name == "sram" ? sram_.get() : r.name == "dram" ? dram_.get() : nullptr;
    if (m != nullptr) {
      uint8_t* p = m->data() + (a - r.base);
      if (cmd == tlm::TLM_READ_COMMAND)
        std::memcpy(data + done, p, n);
      else
        std::memcpy(p, data + done, n);
    } else if (!started_ || debug_->transfer(cmd, a, data + done, n) != n) {
      return false;
    }
    done += n;
  }
  return true;
}

bool platform::mem_read(uint64_t addr, void* dst, uint64_t len) {
  return debug_access(tlm::TLM_READ_COMMAND, addr, static_cast<uint8_t*>(dst), len);
}

bool platform::mem_write(uint64_t addr, const void* src, uint64_t len) {
  return debug_access(tlm::TLM_WRITE_COMMAND, addr, static_cast<uint8_t*>(const_cast<void*>(src)),
                      len);
}

namespace {

// The first number in `j` that is not finite: its dotted path ("energy.components.mtj.total_pj")
// and value; false when every number is finite.
bool first_non_finite(const nlohmann::json& j, const std::string& at, std::string& where, double& value) {
  if (j.is_number_float() && !std::isfinite(j.get<double>())) {
    where = at;
    value = j.get<double>();
    return true;
  }
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      if (first_non_finite(it.value(), at.empty() ? it.key() : at + "." + it.key(), where, value)) return true;
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i)
      if (first_non_finite(j[i], at + "[" + std::to_string(i) + "]", where, value)) return true;
  }
  return false;
}

}  // namespace

void platform::write_report(const std::string& path) const {
  const nlohmann::json j = report();
  std::string where;
  double value = 0;
  if (first_non_finite(j, "", where, value))
    throw output_error(path + ": report field " + where + " = " + std::to_string(value) +
                       ": not a finite number (a technology value too large for the run's totals?); "
                       "the report was not written");
  output_file f(path);
  f.write(j.dump(2));
  f.write("\n", 1);
  f.commit();
}

void platform::add_report_section(const std::string& key, nlohmann::json value) {
  extra_[key] = std::move(value);
}

platform::energy_totals platform::energy() const {
  energy_totals t;
  for (double e : accel_->ledger().total(sc_core::sc_time_stamp())) t.accelerator_pj += e;
  t.bus_pj = double(bus_->bytes()) * 8 * tech_.tech.bus_energy_pj_per_bit;
  // Host-compiled firmware executes no simulated instructions, so it costs nothing here.
  t.cpu_pj = cpu_ ? double(cpu_->instructions()) * tech_.tech.cpu_energy_pj_per_instruction : 0.0;
  t.total_pj = t.accelerator_pj + t.bus_pj + t.cpu_pj;
  return t;
}

nlohmann::json platform::report() const {
  const auto& s = accel_->stats();
  const auto& dma = accel_->dma();
  nlohmann::json j;
  j["config"] = to_json(cfg_);
  j["config_source"] = cfg_.source;
  j["run"] = {{"stop_reason", to_string(last_.reason)},
              {"complete", last_.reason == stop_reason::exit},
              {"exit_code", last_.exit_code},
              {"message", last_.message},
              {"sim_time_ns", to_ns(sc_core::sc_time_stamp())},
              {"wall_time_s", wall_seconds_}};
  stat_group bus_g("bus"), mem_g("memory"), vu_g("vector_unit"), dma_g("dma"),
      noc_g("noc");
  bus_->stats(bus_g);
  sram_->stats(mem_g.group("sram"));
  dram_->stats(mem_g.group("dram"));
  accel_->vector().stats(vu_g);
  dma.stats(dma_g);
  accel_->network().stats(noc_g);
  j["bus"] = stats_to_json(bus_g);
  j["memory"] = stats_to_json(mem_g);
  nlohmann::json converters = nlohmann::json::object();
  for (size_t k = 0; k < s.by_converter.size(); ++k) {
    const auto& c = s.by_converter[k];
    if (c.conversions + c.skipped == 0) continue;
    converters[core::to_string(static_cast<core::converter_kind>(k))] = {
        {"conversions", c.conversions}, {"samples", c.samples}, {"skipped", c.skipped},
        {"switches", c.switches}};  // MTJ samples that switched (0 for other kinds)
  }
  nlohmann::json tiles = nlohmann::json::array();
  uint64_t bit_macs = 0, reads = 0, cells = 0;
  for (const auto& t : accel_->tiles()) {
    const auto& ts = t->stats();
    bit_macs += ts.datapath.bit_macs;
    reads += ts.datapath.array_reads;
    cells += ts.cells_written;
    tiles.push_back({{"operations", ts.operations}, {"busy_ns", to_ns(ts.busy)}});
  }
  // Every opcode the register map names, spelled as it does, in lower case (opcodes are sparse:
  // each kind of tile owns a block).
  nlohmann::json ops = nlohmann::json::object();
  auto put_op = [&](std::string n, unsigned val) {
    for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    ops[n] = s.by_opcode[val];
  };
#define STOXVP_X_OPNAME(name, val, doc) put_op(#name, val);
  STOXVP_OPCODES(STOXVP_X_OPNAME)
#undef STOXVP_X_OPNAME
  j["accelerator"] = {{"descriptors", s.descriptors},
                      {"descriptors_by_opcode", ops},
                      {"errors", s.errors},
                      {"macs", s.macs},
                      {"sops", s.sops},
                      {"bit_level_macs", bit_macs},
                      {"array_reads", reads},
                      {"cells_written", cells},
                      {"saturated_row_drives", s.saturated_row_drives},
                      {"saturated_digital_inputs", s.saturated_digital_inputs},
                      {"global_buffer_hit_bytes", s.gb_hit_bytes},
                      {"global_buffer_stale_reads", s.stale_reads},
                      {"dram_read_bytes", s.dram_read_bytes},
                      {"dram_write_bytes", s.dram_write_bytes},
                      {"converters", converters},
                      {"busy_ns", to_ns(s.busy_time)},
                      {"vector_unit", stats_to_json(vu_g)},
                      {"tiles", tiles}};
  // The DMA's statistics sit flat in the accelerator's section, as dma_<name>.
  const nlohmann::json dma_json = stats_to_json(dma_g);
  for (const auto& it : dma_json.items()) j["accelerator"]["dma_" + it.key()] = it.value();
  // Energy: the accelerator's ledger (dynamic per component, leakage over the simulated time),
  // then the system around it.
  const double elapsed_ns = static_cast<double>(sc_core::sc_time_stamp().value()) / 1000.0;
  const auto& ledger = accel_->ledger();
  const auto total = ledger.total(sc_core::sc_time_stamp());
  nlohmann::json comp = nlohmann::json::object();
  double accel_pj = 0;
  for (size_t c = 0; c < hw::component_count(); ++c) {
    const auto k = static_cast<hw::component>(c);
    comp[hw::to_string(k)] = {{"dynamic_pj", ledger.dynamic()[c]},
                              {"leakage_pj", total[c] - ledger.dynamic()[c]},
                              {"total_pj", total[c]}};
    accel_pj += total[c];
  }
  const auto& tech = tech_.tech;
  const energy_totals totals = energy();
  const double system_pj = totals.total_pj;
  const double busy_ns = to_ns(s.busy_time);
  j["energy"] = {{"components", comp},
                 {"accelerator_pj", accel_pj},
                 {"accelerator_leakage_mw", ledger.leakage_mw()},
                 {"bus_pj", totals.bus_pj},
                 {"cpu_pj", totals.cpu_pj},
                 {"total_pj", system_pj},
                 {"average_power_mw", elapsed_ns > 0 ? system_pj / elapsed_ns : 0.0}};
  j["summary"] = summary_report(system_pj, busy_ns, s.macs, s.sops);
  nlohmann::json layers = nlohmann::json::array();
  sc_core::sc_time path_converter = sc_core::SC_ZERO_TIME, path_macro = sc_core::SC_ZERO_TIME,
                   path_tile = sc_core::SC_ZERO_TIME;
  for (const auto& [key, cost] : ledger.layers()) {
    path_converter += cost.converter_time;
    path_macro += cost.macro_time;
    path_tile += cost.tile_time;
    nlohmann::json e = nlohmann::json::object();
    double sum = 0;
    for (size_t c = 0; c < hw::component_count(); ++c) {
      if (cost.energy[c] != 0) e[hw::to_string(static_cast<hw::component>(c))] = cost.energy[c];
      sum += cost.energy[c];
    }
    layers.push_back({{"tag", key.first},
                      {"opcode", hw::opcode_name(key.second)},  // registered kinds' opcodes too
                      {"invocations", cost.invocations},
                      {"latency_ns", to_ns(cost.latency)},
                      {"converter_ns", to_ns(cost.converter_time)},
                      {"macro_ns", to_ns(cost.macro_time)},
                      {"tile_ns", to_ns(cost.tile_time)},
                      {"tiles", cost.tiles},
                      {"dynamic_energy_pj", sum},
                      {"energy_pj", e}});
  }
  j["layers"] = layers;
  // The crossbar layers' critical path inside the tiles (per invocation the slowest tile),
  // summed over every layer: the converter, macro and tile levels of compare.py's walk.
  j["accelerator"]["critical_path_ns"] = {{"converter", to_ns(path_converter)},
                                          {"macro", to_ns(path_macro)},
                                          {"tile", to_ns(path_tile)}};
  const auto area = accel_->area();
  nlohmann::json ac = nlohmann::json::object();
  for (size_t c = 0; c < hw::component_count(); ++c)
    if (area.by_component[c] != 0) ac[hw::to_string(static_cast<hw::component>(c))] = area.by_component[c];
  j["area"] = {{"components_um2", ac},
               {"tile_um2", area.tile_um2},
               {"chip_um2", area.chip_um2},
               {"chip_mm2", area.chip_um2 * 1e-6},
               {"converters_per_array", area.converters_per_array}};
  j["noc"] = stats_to_json(noc_g);
  j["technology"] = {{"origin", tech_.origin}, {"name", tech.name}, {"adc_model", tech.adc.name},
                     {"sources", tech_.sources}};
  // Arrays of every crossbar tile; a group's geometry sizes its programmed arrays' cells.
  uint64_t used = 0, arrays_total = 0;
  double used_cells = 0;
  for (const auto& t : accel_->tiles()) {
    arrays_total += t->arrays();
    for (uint32_t i = 0; i < t->arrays(); ++i)
      if (t->owner(i).valid) {
        ++used;
        used_cells += double(t->array(i).rows()) * t->array(i).cols();
      }
  }
  j["mapping"] = {{"arrays_total", arrays_total},
                  {"arrays_programmed", used},
                  {"array_utilisation", arrays_total ? double(used) / double(arrays_total) : 0.0},
                  {"cell_utilisation_of_programmed_arrays", used ? double(cells) / used_cells : 0.0},
                  {"cells_written", cells}};
  // Spiking CIM macros (docs/snn-cim.md): what their energy was spent on.
  for (const auto& g : accel_->tile_groups())
    if (const auto* sg = dynamic_cast<const hw::snn_group*>(g.get())) {
      const hw::snn_cim_stats& s = sg->stats;
      j["snn_cim"] = {{"macros", sg->macros.size()},
                      {"timesteps", s.timesteps},
                      {"input_events", s.input_events},
                      {"sops", s.sops},
                      {"output_spikes", s.output_spikes},
                      {"row_steps", s.row_steps},
                      {"active_column_steps", s.active_column_steps},
                      {"standby_column_steps", s.standby_column_steps},
                      {"wv_buffer_bits", s.wv_buffer_bits},
                      {"spike_buffer_bits", s.spike_buffer_bits},
                      {"dram_stream_bits", s.dram_stream_bits},
                      {"noc_messages", s.noc_messages},
                      {"bit_level_full_adds", s.bit_level_full_adds},
                      {"sops_by_layer", std::vector<uint64_t>(s.sops_by_layer.begin(), s.sops_by_layer.begin() + sg->loaded())}};
      break;
    }
  if (!power_vcd_.empty() || !power_csv_.empty()) j["power_trace"] = {{"vcd", power_vcd_}, {"csv", power_csv_}};
  stat_group cpu_g("cpu");
  if (cpu_) cpu_->stats(cpu_g);
  j["cpu"] = cpu_ ? stats_to_json(cpu_g) : nlohmann::json{{"kind", "none"}};
  if (cpu_) j["cpu"]["energy_pj"] = totals.cpu_pj;
  j["vcd"] = vcd_path_;
  for (auto it = extra_.begin(); it != extra_.end(); ++it) j[it.key()] = it.value();
  return j;
}

}  // namespace stoxvp
