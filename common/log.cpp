#include "log.h"

#include <systemc>

#include <cinttypes>
#include <cstdio>

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

}  // namespace

log_sink set_log_sink(log_sink s) {
  log_sink old = std::move(sink());
  sink() = std::move(s);
  return old;
}

void set_log_level(log_level l) { min_level() = l; }
log_level get_log_level() { return min_level(); }

void log(log_level level, const std::string& component, const std::string& message) {
  if (level < min_level()) return;
  char stamp[48];
  std::snprintf(stamp, sizeof stamp, "[%12.3f us] ",
                sc_core::sc_time_stamp().to_seconds() * 1e6);
  log_record rec{level, component, message,
                 std::string(stamp) + level_name(level) + " " + component + ": " + message};
  if (sink()) {
    sink()(rec);
  } else {
    std::fprintf(stderr, "%s\n", rec.line.c_str());
  }
}

std::string hex(uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016" PRIx64, value);
  return buf;
}

}  // namespace stoxvp
