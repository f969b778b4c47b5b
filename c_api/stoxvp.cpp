// The C interface: owns the SystemC simulation context of the one live platform, turns every
// C++ exception and SystemC report into a result code and a message, and forwards the
// host-compiled firmware's HAL calls to the CPU that is running it.
#include "stoxvp.h"

#include "common/json_reader.h"
#include "common/log.h"
#include "hw/core/kernels.h"
#include "tlm/platform/output_file.h"
#include "tlm/platform/platform.h"
#include "hw/accel/pipeline.h"

#include <systemc>

#include <cstdlib>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

struct stoxvp_platform {
  std::unique_ptr<stoxvp::platform> impl;
  bool broken = false;  // a SystemC error escaped: the kernel state is not trustworthy
  bool outputs_closed = false;
  std::string merge_state;  // stoxvp_get_merge_state's text
};

namespace {

thread_local std::string g_last_error;
stoxvp_platform* g_live = nullptr;  // the platform owning the current simulation context

stoxvp_result fail(stoxvp_result r, std::string message) {
  g_last_error = std::move(message);
  return r;
}

stoxvp_result ok() {
  g_last_error.clear();
  return STOXVP_OK;
}

void prepare_kernel() {
  // No banner on stdout, and no SystemC report may abort the host process.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  // SystemC 2.3 elaborates a context only once, and a failed construction can leave objects
  // behind; every platform gets a fresh context. The old one is leaked on purpose: its
  // coroutines may still hold firmware stacks, and the kernel cannot delete suspended ones.
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  using sc_core::sc_report_handler;
  sc_report_handler::set_actions(sc_core::SC_ERROR, sc_core::SC_THROW);
  sc_report_handler::set_actions(sc_core::SC_FATAL, sc_core::SC_THROW);
  sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
}

stoxvp_result create(const std::function<stoxvp::platform_config()>& load, stoxvp_platform** out) {
  if (out == nullptr) return fail(STOXVP_E_ARGUMENT, "stoxvp_create: out is NULL");
  *out = nullptr;
  if (g_live != nullptr)
    return fail(STOXVP_E_STATE,
                "stoxvp_create: a platform already exists in this process; destroy it first "
                "(SystemC runs one simulation per process)");
  stoxvp::platform_config cfg;
  try {
    cfg = load();
  } catch (const stoxvp::config_error& e) {
    return fail(STOXVP_E_CONFIG, e.what());
  } catch (const std::exception& e) {
    return fail(STOXVP_E_CONFIG, std::string("configuration: ") + e.what());
  }
  try {
    stoxvp::core::active_kernels();
  } catch (const stoxvp::core::kernel_error& e) {
    return fail(STOXVP_E_CONFIG, e.what());
  }
  prepare_kernel();
  auto p = std::make_unique<stoxvp_platform>();
  try {
    p->impl = std::make_unique<stoxvp::platform>(cfg);
  } catch (const stoxvp::config_error& e) {
    return fail(STOXVP_E_CONFIG, e.what());
  } catch (const std::bad_alloc&) {
    return fail(STOXVP_E_CONFIG, cfg.source + ": not enough host memory for the configured memories");
  } catch (const std::exception& e) {
    return fail(STOXVP_E_SIMULATION, std::string("building the platform: ") + e.what());
  }
  g_live = p.get();
  *out = p.release();
  return ok();
}

bool usable(const stoxvp_platform* p, const char* fn, stoxvp_result& r) {
  if (p == nullptr) {
    r = fail(STOXVP_E_ARGUMENT, std::string(fn) + ": platform is NULL");
    return false;
  }
  if (p->broken) {
    r = fail(STOXVP_E_STATE, std::string(fn) + ": the platform stopped on a simulation error");
    return false;
  }
  return true;
}

}  // namespace

// libsystemc.so references sc_main; programs that use the C API have their own main(). A
// SystemC program linking this library keeps its own sc_main (this one is weak).
extern "C" int sc_main(int, char**) __attribute__((weak));
int sc_main(int, char**) {
  std::fprintf(stderr, "stoxvp: the C API does not provide sc_main\n");
  return 1;
}

extern "C" {

const char* stoxvp_last_error(void) { return g_last_error.c_str(); }

const char* stoxvp_result_string(stoxvp_result r) {
  switch (r) {
    case STOXVP_OK: return "ok";
    case STOXVP_E_ARGUMENT: return "invalid argument";
    case STOXVP_E_CONFIG: return "configuration error";
    case STOXVP_E_STATE: return "not allowed in this state";
    case STOXVP_E_ADDRESS: return "unmapped address";
    case STOXVP_E_IO: return "I/O error";
    case STOXVP_E_SIMULATION: return "simulation error";
    case STOXVP_E_FIRMWARE: return "firmware error";
  }
  return "unknown result";
}

stoxvp_result stoxvp_select_kernels(const char* name) {
  if (name == nullptr) return fail(STOXVP_E_ARGUMENT, "stoxvp_select_kernels: name is NULL");
  try {
    stoxvp::core::select_kernels(name, "stoxvp_select_kernels");
  } catch (const stoxvp::core::kernel_error& e) {
    return fail(STOXVP_E_ARGUMENT, e.what());
  }
  return STOXVP_OK;
}

const char* stoxvp_active_kernels(void) {
  try {
    return stoxvp::core::to_string(stoxvp::core::active_kernels());
  } catch (const stoxvp::core::kernel_error& e) {
    fail(STOXVP_E_CONFIG, e.what());
    return nullptr;
  }
}

stoxvp_result stoxvp_create(const char* config_path, stoxvp_platform** out) {
  if (config_path == nullptr) return create([] { return stoxvp::platform_config{}; }, out);
  const std::string path = config_path;
  return create([path] { return stoxvp::load_platform_config(path); }, out);
}

stoxvp_result stoxvp_create_from_json(const char* json_text, const char* origin,
                                      stoxvp_platform** out) {
  if (json_text == nullptr) return fail(STOXVP_E_ARGUMENT, "stoxvp_create_from_json: text is NULL");
  const std::string text = json_text, name = origin ? origin : "<json text>";
  return create(
      [text, name] {
        return stoxvp::parse_platform_config(stoxvp::parse_json_text(text, name), name);
      },
      out);
}

void stoxvp_destroy(stoxvp_platform* p) {
  if (p == nullptr) return;
  try {
    p->impl.reset();
  } catch (...) {
    // Destruction must not throw into C; the objects are gone either way.
  }
  if (g_live == p) g_live = nullptr;
  delete p;
}

stoxvp_result stoxvp_set_seed(stoxvp_platform* p, uint64_t seed) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_set_seed", r)) return r;
  if (p->impl->started())
    return fail(STOXVP_E_STATE, "stoxvp_set_seed: the simulation has already started");
  p->impl->set_seed(seed);
  return ok();
}

// Debug access of either direction: the whole range must be mapped before anything moves.
static stoxvp_result debug_access(stoxvp_platform* p, bool write, uint64_t addr, void* data, size_t len) {
  const char* fn = write ? "stoxvp_mem_write" : "stoxvp_mem_read";
  stoxvp_result r;
  if (!usable(p, fn, r)) return r;
  if (data == nullptr && len != 0)
    return fail(STOXVP_E_ARGUMENT, std::string(fn) + (write ? ": src is NULL" : ": dst is NULL"));
  uint64_t bad = 0;
  if (!p->impl->mapped(addr, len, bad))
    return fail(STOXVP_E_ADDRESS, std::string(fn) + ": " + std::to_string(len) + " bytes at " + stoxvp::hex(addr) +
                                      ": address " + stoxvp::hex(bad) + " is not mapped");
  if (!(write ? p->impl->mem_write(addr, data, len) : p->impl->mem_read(addr, data, len)))
    return fail(STOXVP_E_ADDRESS, std::string(fn) + ": the target refused the " + (write ? "write" : "read") +
                                      " at " + stoxvp::hex(addr));
  return ok();
}

stoxvp_result stoxvp_mem_write(stoxvp_platform* p, uint64_t addr, const void* src, size_t len) {
  return debug_access(p, true, addr, const_cast<void*>(src), len);
}

stoxvp_result stoxvp_mem_read(stoxvp_platform* p, uint64_t addr, void* dst, size_t len) {
  return debug_access(p, false, addr, dst, len);
}

stoxvp_result stoxvp_region(const stoxvp_platform* p, const char* name, uint64_t* base,
                            uint64_t* size) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_region", r)) return r;
  if (name == nullptr) return fail(STOXVP_E_ARGUMENT, "stoxvp_region: name is NULL");
  for (const auto& w : p->impl->system_bus().address_map()) {
    if (w.name == name) {
      if (base) *base = w.base;
      if (size) *size = w.size;
      return ok();
    }
  }
  return fail(STOXVP_E_ARGUMENT, std::string("stoxvp_region: no region named '") + name + "'");
}

stoxvp_result stoxvp_attach_firmware(stoxvp_platform* p, stoxvp_firmware_entry entry, void* arg) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_attach_firmware", r)) return r;
  if (entry == nullptr) return fail(STOXVP_E_FIRMWARE, "stoxvp_attach_firmware: entry is NULL");
  if (p->impl->started())
    return fail(STOXVP_E_STATE, "stoxvp_attach_firmware: the simulation has already started");
  try {
    p->impl->attach_firmware(entry, arg);
  } catch (const std::logic_error& e) {
    return fail(STOXVP_E_STATE, std::string("stoxvp_attach_firmware: ") + e.what());
  }
  return ok();
}

stoxvp_result stoxvp_attach_elf(stoxvp_platform* p, const char* path) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_attach_elf", r)) return r;
  if (path == nullptr || *path == '\0') return fail(STOXVP_E_ARGUMENT, "stoxvp_attach_elf: empty path");
  if (p->impl->started())
    return fail(STOXVP_E_STATE, "stoxvp_attach_elf: the simulation has already started");
  try {
    p->impl->attach_elf(path);
  } catch (const stoxvp::firmware_error& e) {
    return fail(STOXVP_E_FIRMWARE, e.what());
  } catch (const std::logic_error& e) {
    return fail(STOXVP_E_STATE, std::string("stoxvp_attach_elf: ") + e.what());
  } catch (const std::exception& e) {
    return fail(STOXVP_E_SIMULATION, std::string("stoxvp_attach_elf: ") + path + ": " + e.what());
  }
  return ok();
}

stoxvp_result stoxvp_attach_gdb(stoxvp_platform* p, uint16_t port, uint16_t* bound_port) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_attach_gdb", r)) return r;
  if (p->impl->started()) return fail(STOXVP_E_STATE, "stoxvp_attach_gdb: the simulation has already started");
  if (p->impl->riscv() == nullptr)
    return fail(STOXVP_E_STATE, "stoxvp_attach_gdb: gdb debugs RISC-V firmware; attach an image with stoxvp_attach_elf first");
  try {
    const uint16_t bound = p->impl->riscv()->attach_debugger(port);
    if (bound_port != nullptr) *bound_port = bound;
  } catch (const std::exception& e) {
    return fail(STOXVP_E_IO, std::string("stoxvp_attach_gdb: ") + e.what());
  }
  return ok();
}

stoxvp_result stoxvp_enable_vcd(stoxvp_platform* p, const char* path) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_enable_vcd", r)) return r;
  if (path == nullptr || *path == '\0') return fail(STOXVP_E_ARGUMENT, "stoxvp_enable_vcd: empty path");
  if (p->impl->started())
    return fail(STOXVP_E_STATE, "stoxvp_enable_vcd: tracing must be enabled before the first run");
  try {
    p->impl->enable_vcd(path);
  } catch (const std::logic_error& e) {
    return fail(STOXVP_E_STATE, std::string("stoxvp_enable_vcd: ") + e.what());
  } catch (const std::exception& e) {
    return fail(STOXVP_E_IO, std::string("stoxvp_enable_vcd: ") + e.what());
  }
  return ok();
}

stoxvp_result stoxvp_enable_power_trace(stoxvp_platform* p, const char* vcd_path, const char* csv_path) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_enable_power_trace", r)) return r;
  if ((vcd_path == nullptr || !*vcd_path) && (csv_path == nullptr || !*csv_path))
    return fail(STOXVP_E_ARGUMENT, "stoxvp_enable_power_trace: no file given");
  if (p->impl->started())
    return fail(STOXVP_E_STATE, "stoxvp_enable_power_trace: tracing must be enabled before the first run");
  try {
    p->impl->enable_power_trace(vcd_path ? vcd_path : "", csv_path ? csv_path : "");
  } catch (const std::logic_error& e) {
    return fail(STOXVP_E_STATE, std::string("stoxvp_enable_power_trace: ") + e.what());
  } catch (const std::exception& e) {
    return fail(STOXVP_E_IO, std::string("stoxvp_enable_power_trace: ") + e.what());
  }
  return ok();
}

stoxvp_result stoxvp_enable_timeline(stoxvp_platform* p, const char* path) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_enable_timeline", r)) return r;
  if (path == nullptr || *path == '\0') return fail(STOXVP_E_ARGUMENT, "stoxvp_enable_timeline: empty path");
  if (p->impl->started())
    return fail(STOXVP_E_STATE, "stoxvp_enable_timeline: the timeline must be enabled before the first run");
  try {
    p->impl->enable_timeline(path);
  } catch (const std::logic_error& e) {
    return fail(STOXVP_E_STATE, std::string("stoxvp_enable_timeline: ") + e.what());
  } catch (const std::exception& e) {
    return fail(STOXVP_E_IO, std::string("stoxvp_enable_timeline: ") + e.what());
  }
  return ok();
}

stoxvp_result stoxvp_run(stoxvp_platform* p, uint64_t time_limit_ps, stoxvp_run_result* out) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_run", r)) return r;
  stoxvp::run_result rr;
  try {
    if (p->outputs_closed) return fail(STOXVP_E_STATE, "stoxvp_run: the outputs are closed; the platform cannot run again");
    rr = p->impl->run(time_limit_ps == 0 ? sc_core::SC_ZERO_TIME
                                         : sc_core::sc_time::from_value(time_limit_ps));
  } catch (const std::exception& e) {
    p->broken = true;
    return fail(STOXVP_E_SIMULATION, std::string("stoxvp_run: ") + e.what());
  }
  if (out != nullptr) {
    switch (rr.reason) {
      case stoxvp::stop_reason::exit: out->reason = STOXVP_STOP_EXIT; break;
      case stoxvp::stop_reason::fault: out->reason = STOXVP_STOP_FAULT; break;
      case stoxvp::stop_reason::time_limit: out->reason = STOXVP_STOP_TIME_LIMIT; break;
      case stoxvp::stop_reason::idle: out->reason = STOXVP_STOP_IDLE; break;
      case stoxvp::stop_reason::stalled: out->reason = STOXVP_STOP_STALLED; break;
      case stoxvp::stop_reason::interrupted: out->reason = STOXVP_STOP_INTERRUPTED; break;
    }
    out->exit_code = rr.exit_code;
    out->sim_time_ps = rr.sim_time.value();
    std::snprintf(out->message, sizeof out->message, "%s", rr.message.c_str());
  }
  return ok();
}

stoxvp_result stoxvp_get_pipeline(const stoxvp_platform* p, uint32_t images, stoxvp_pipeline* out) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_get_pipeline", r)) return r;
  if (out == nullptr) return fail(STOXVP_E_ARGUMENT, "stoxvp_get_pipeline: out is NULL");
  if (images == 0) return fail(STOXVP_E_ARGUMENT, "stoxvp_get_pipeline: images = 0, at least 1");
  const auto stages = stoxvp::hw::pipeline_stages(p->impl->accelerator().ledger(), images);
  const auto t = stoxvp::hw::pipeline_of(stages, images);
  *out = stoxvp_pipeline{};
  out->sequential_ns = t.sequential_ns;
  out->bound_interval_ns = t.bound_interval_ns;
  out->interval_ns = t.interval_ns;
  out->latency_ns = t.latency_ns;
  out->throughput_images_per_s = t.throughput_images_per_s;
  std::snprintf(out->bottleneck, sizeof out->bottleneck, "%s", t.bottleneck.c_str());
  for (const auto& s : stages)
    if (std::find(s.resources.begin(), s.resources.end(), t.bottleneck) != s.resources.end()) {
      out->bottleneck_tag = s.tag;
      break;
    }
  return STOXVP_OK;
}

stoxvp_result stoxvp_get_stats(const stoxvp_platform* p, stoxvp_stats* out) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_get_stats", r)) return r;
  if (out == nullptr) return fail(STOXVP_E_ARGUMENT, "stoxvp_get_stats: out is NULL");
  auto& impl = *p->impl;
  const auto& s = impl.accelerator().stats();
  *out = stoxvp_stats{};
  out->sim_time_ps = sc_core::sc_time_stamp().value();
  out->bus_transactions = impl.system_bus().transactions();
  out->bus_errors = impl.system_bus().errors();
  out->accel_descriptors = s.descriptors;
  out->accel_errors = s.errors;
  out->accel_macs = s.macs;
  out->accel_conversions = s.conversions();
  out->accel_mtj_samples = s.samples();
  out->accel_busy_ps = s.busy_time.value();
  out->dma_bytes_read = impl.accelerator().dma().bytes_read();
  out->dma_bytes_written = impl.accelerator().dma().bytes_written();
  const auto e = impl.energy();
  out->cpu_bus_accesses = impl.cpu_model() ? impl.cpu_model()->accesses() : 0;
  out->cpu_instructions = impl.cpu_model() ? impl.cpu_model()->instructions() : 0;
  out->cpu_energy_pj = e.cpu_pj;
  out->energy_pj = e.total_pj;
  out->accel_energy_pj = e.accelerator_pj;
  out->chip_area_um2 = impl.accelerator().area().chip_um2;
  return ok();
}

const char* stoxvp_console_output(const stoxvp_platform* p) {
  return p != nullptr && p->impl ? p->impl->console().output().c_str() : "";
}

stoxvp_result stoxvp_write_report(const stoxvp_platform* p, const char* path) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_write_report", r)) return r;
  if (path == nullptr || *path == '\0') return fail(STOXVP_E_ARGUMENT, "stoxvp_write_report: empty path");
  try {
    p->impl->write_report(path);
  } catch (const std::exception& e) {
    return fail(STOXVP_E_IO, e.what());
  }
  return ok();
}

stoxvp_result stoxvp_close_outputs(stoxvp_platform* p) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_close_outputs", r)) return r;
  p->outputs_closed = true;
  try {
    p->impl->close_outputs();
  } catch (const std::exception& e) {
    return fail(STOXVP_E_IO, e.what());
  }
  return ok();
}

stoxvp_result stoxvp_set_stall_timeout(stoxvp_platform* p, uint64_t window_ps) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_set_stall_timeout", r)) return r;
  p->impl->set_stall_window(sc_core::sc_time::from_value(window_ps));
  return ok();
}

void stoxvp_request_stop(void) { stoxvp::platform::request_stop(); }

stoxvp_result stoxvp_get_component_energy(const stoxvp_platform* p, size_t index, const char** name, double* pj) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_get_component_energy", r)) return r;
  if (index >= stoxvp::hw::component_count())
    return fail(STOXVP_E_ARGUMENT, "stoxvp_get_component_energy: index " + std::to_string(index) + ", there are " +
                                       std::to_string(stoxvp::hw::component_count()) + " components");
  const auto total = p->impl->accelerator().ledger().total(sc_core::sc_time_stamp());
  if (name) *name = stoxvp::hw::to_string(static_cast<stoxvp::hw::component>(index));
  if (pj) *pj = total[index];
  return ok();
}

stoxvp_result stoxvp_get_chip_info(const stoxvp_platform* p, stoxvp_chip_info* out) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_get_chip_info", r)) return r;
  if (out == nullptr) return fail(STOXVP_E_ARGUMENT, "stoxvp_get_chip_info: out is NULL");
  *out = stoxvp_chip_info{};
  const auto& acc = p->impl->accelerator();
  out->crossbar_tiles = static_cast<uint32_t>(acc.tiles().size());
  out->tile_groups = static_cast<uint32_t>(acc.tile_groups().size());
  out->accel_sops = acc.stats().sops;
  return ok();
}

const char* stoxvp_adc_model(const stoxvp_platform* p) {
  return p != nullptr && p->impl ? p->impl->technology().tech.adc.name.c_str() : "";
}

stoxvp_result stoxvp_get_cpu_info(const stoxvp_platform* p, stoxvp_cpu_info* out) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_get_cpu_info", r)) return r;
  if (out == nullptr) return fail(STOXVP_E_ARGUMENT, "stoxvp_get_cpu_info: out is NULL");
  *out = stoxvp_cpu_info{};
  const stoxvp::cpu_base* cpu = p->impl->cpu_model();
  if (cpu == nullptr) return ok();
  stoxvp::stat_group s("cpu");
  cpu->stats(s);
  const auto* kind = s.find("kind");
  if (kind == nullptr || *kind != stoxvp::stat_group::value(std::string("riscv"))) return ok();
  const auto number = [&](const char* name) {
    const auto* v = s.find(name);
    return v != nullptr && std::holds_alternative<double>(*v) ? std::get<double>(*v) : 0.0;
  };
  out->riscv = 1;
  out->frequency_mhz = number("frequency_mhz");
  out->instructions = s.counter("instructions");
  out->interrupts_taken = s.counter("interrupts_taken");
  out->busy_fraction = number("busy_fraction");
  out->host_mips = number("host_mips");
  return ok();
}

stoxvp_result stoxvp_get_merge_state(stoxvp_platform* p, const char** json_text) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_get_merge_state", r)) return r;
  if (json_text == nullptr) return fail(STOXVP_E_ARGUMENT, "stoxvp_get_merge_state: json_text is NULL");
  try {
    auto& impl = *p->impl;
    const auto& ledger = impl.accelerator().ledger();
    nlohmann::json comps = nlohmann::json::array();
    for (size_t c = 0; c < stoxvp::hw::component_count(); ++c)
      comps.push_back({{"name", stoxvp::hw::to_string(static_cast<stoxvp::hw::component>(c))},
                       {"dynamic", ledger.exact_dynamic()[c].to_text()},
                       {"leakage_mw", ledger.leakage_mw(static_cast<stoxvp::hw::component>(c))}});
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& [key, cost] : ledger.layers()) {
      nlohmann::json e = nlohmann::json::object();
      for (size_t c = 0; c < stoxvp::hw::component_count(); ++c)
        if (!cost.exact_energy[c].empty()) e[std::to_string(c)] = cost.exact_energy[c].to_text();
      layers.push_back({{"tag", key.first}, {"opcode", key.second}, {"latency_ps", cost.latency.value()},
                        {"tiles", cost.tiles}, {"energy", e}});
    }
    const auto& tech = impl.technology().tech;
    double programmed_cells = 0;  // the cells of the arrays programmed now (platform::report's mapping)
    for (const auto& t : impl.accelerator().tiles())
      for (uint32_t i = 0; i < t->arrays(); ++i)
        if (t->owner(i).valid) programmed_cells += double(t->array(i).rows()) * t->array(i).cols();
    const nlohmann::json exact = {
        {"programmed_cells", programmed_cells},
        {"sim_time_ps", sc_core::sc_time_stamp().value()},
        {"busy_ps", impl.accelerator().stats().busy_time.value()},
        {"components", comps},
        {"layers", layers},
        {"bus_bytes", impl.system_bus().bytes()},
        {"bus_energy_pj_per_bit", tech.bus_energy_pj_per_bit},
        {"cpu", impl.cpu_model() != nullptr},
        {"cpu_instructions", impl.cpu_model() ? impl.cpu_model()->instructions() : 0},
        {"cpu_energy_pj_per_instruction", tech.cpu_energy_pj_per_instruction}};
    p->merge_state = nlohmann::json{{"report", impl.report()}, {"exact", exact}}.dump();
  } catch (const std::exception& e) {
    return fail(STOXVP_E_STATE, std::string("stoxvp_get_merge_state: ") + e.what());
  }
  *json_text = p->merge_state.c_str();
  return ok();
}

stoxvp_result stoxvp_report_add(stoxvp_platform* p, const char* key, const char* json_text) {
  stoxvp_result r;
  if (!usable(p, "stoxvp_report_add", r)) return r;
  if (key == nullptr || json_text == nullptr)
    return fail(STOXVP_E_ARGUMENT, "stoxvp_report_add: key or text is NULL");
  try {
    p->impl->add_report_section(key, nlohmann::json::parse(json_text));
  } catch (const std::exception& e) {
    return fail(STOXVP_E_ARGUMENT, std::string("stoxvp_report_add: '") + key +
                                       "': malformed JSON: " + e.what());
  }
  return ok();
}

/* ---- firmware services ---- */

uint32_t stoxvp_fw_read32(uint64_t addr) {
  stoxvp::host_cpu* cpu = stoxvp::host_cpu::current();
  if (cpu == nullptr) {
    g_last_error = "stoxvp_fw_read32: called outside a running firmware";
    return 0;
  }
  return cpu->read32(addr);
}

void stoxvp_fw_write32(uint64_t addr, uint32_t value) {
  stoxvp::host_cpu* cpu = stoxvp::host_cpu::current();
  if (cpu == nullptr) {
    g_last_error = "stoxvp_fw_write32: called outside a running firmware";
    return;
  }
  cpu->write32(addr, value);
}

void* stoxvp_fw_map(uint64_t addr, size_t len) {
  stoxvp::host_cpu* cpu = stoxvp::host_cpu::current();
  if (cpu == nullptr) {
    g_last_error = "stoxvp_fw_map: called outside a running firmware";
    return nullptr;
  }
  return cpu->map(addr, len);
}

void stoxvp_fw_wait_for_interrupt(void) {
  if (stoxvp::host_cpu* cpu = stoxvp::host_cpu::current()) cpu->wait_for_interrupt();
}

uint64_t stoxvp_fw_region_base(const char* name) {
  if (g_live == nullptr || name == nullptr) return 0;
  for (const auto& w : g_live->impl->system_bus().address_map())
    if (w.name == name) return w.base;
  return 0;
}

}  // extern "C"
