#include "log.h"

#include <systemc>

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace stoxvp {
namespace {

log_sink& sink() {
  static log_sink s;
  return s;
}
log_level& min_level() {
  static log_level l = log_level::info;
  return l;
}

const char* level_name(log_level l) {
  switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warning: return "warning";
    case log_level::error: return "error";
  }
  return "?";
}

log_level level_of(const sc_core::sc_report& r) {
  switch (r.get_severity()) {
    case sc_core::SC_INFO: return r.get_verbosity() > sc_core::SC_MEDIUM ? log_level::debug : log_level::info;
    case sc_core::SC_WARNING: return log_level::warning;
    default: return log_level::error;
  }
}

bool is_stoxvp_type(const char* type) {
  return type != nullptr && std::strncmp(type, msg::generic, std::strlen(msg::generic)) == 0;
}

}  // namespace

void log(log_level level, const char* msg_type, const std::string& component,
         const std::string& message) {
  if (level < min_level()) return;
  // The instance leads the text: SystemC's default handler then prints it too, and the
  // console handler splits it off again at the first ": " (instance names contain none).
  const std::string text = component + ": " + message;
  using sc_core::sc_report_handler;
  switch (level) {
    case log_level::debug:
      sc_report_handler::report(sc_core::SC_INFO, msg_type, text.c_str(), sc_core::SC_DEBUG, "", 0);
      break;
    case log_level::info:
      sc_report_handler::report(sc_core::SC_INFO, msg_type, text.c_str(), sc_core::SC_MEDIUM, "", 0);
      break;
    case log_level::warning:
      sc_report_handler::report(sc_core::SC_WARNING, msg_type, text.c_str(), "", 0);
      break;
    case log_level::error:
      sc_report_handler::report(sc_core::SC_ERROR, msg_type, text.c_str(), "", 0);
      break;
  }
}

void log(log_level level, const std::string& component, const std::string& message) {
  log(level, msg::generic, component, message);
}

void recoverable_errors(const char* msg_type) {
  sc_core::sc_report_handler::set_actions(msg_type, sc_core::SC_ERROR,
                                          sc_core::SC_LOG | sc_core::SC_DISPLAY);
}

void console_report_handler(const sc_core::sc_report& report, const unsigned& actions) {
  if (!is_stoxvp_type(report.get_msg_type())) {
    sc_core::sc_report_handler::default_handler(report, actions);
    return;
  }
  if (actions & sc_core::SC_DISPLAY) {
    const log_level level = level_of(report);
    const std::string text = report.get_msg();
    const size_t colon = text.find(": ");
    log_record rec{level, report.get_msg_type(),
                   colon == std::string::npos ? std::string() : text.substr(0, colon),
                   colon == std::string::npos ? text : text.substr(colon + 2), {}};
    char stamp[48];
    std::snprintf(stamp, sizeof stamp, "[%12.3f us] ", report.get_time().to_seconds() * 1e6);
    rec.line = std::string(stamp) + level_name(level) + " " + text;
    if (sink()) {
      sink()(rec);
    } else {
      std::fprintf(stderr, "%s\n", rec.line.c_str());
    }
  }
  // Logging to SystemC's log file, caching, stopping, throwing: as SystemC does them.
  const unsigned rest = actions & ~unsigned(sc_core::SC_DISPLAY);
  if (rest & ~unsigned(sc_core::SC_DO_NOTHING)) sc_core::sc_report_handler::default_handler(report, rest);
}

void install_console_report_handler() {
  sc_core::sc_report_handler::set_handler(&console_report_handler);
  // The board shows its units' information (a CPU waiting for a debugger, say) even where
  // SystemC's own infos are silenced (the C API sets SC_INFO to SC_DO_NOTHING); per type, so
  // that an integrator's set_actions for a type afterwards still wins.
  for (const char* type : {msg::accelerator, msg::command_processor, msg::dma_engine, msg::global_buffer,
                           msg::register_bank, msg::bus, msg::memory, msg::host_cpu, msg::riscv_cpu,
                           msg::platform, msg::generic})
    sc_core::sc_report_handler::set_actions(type, sc_core::SC_INFO, sc_core::SC_LOG | sc_core::SC_DISPLAY);
}

log_sink set_log_sink(log_sink s) {
  install_console_report_handler();
  log_sink old = std::move(sink());
  sink() = std::move(s);
  return old;
}

void set_log_level(log_level l) {
  min_level() = l;
  // SystemC drops SC_INFO reports more verbose than its verbosity level before any handler.
  if (l == log_level::debug) sc_core::sc_report_handler::set_verbosity_level(sc_core::SC_DEBUG);
}
log_level get_log_level() { return min_level(); }

std::string hex(uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016" PRIx64, value);
  return buf;
}

}  // namespace stoxvp
