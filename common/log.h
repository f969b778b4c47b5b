// Platform log: one line per event, prefixed with simulated time and the reporting component.
// Goes to stderr by default; the C API and the tests install a sink to capture it.
#pragma once

#include <cstdint>
#include <functional>
#include <sstream>
#include <string>

namespace stoxvp {

enum class log_level { debug = 0, info = 1, warning = 2, error = 3 };

struct log_record {
  log_level level;
  std::string component;
  std::string message;
  std::string line;  // formatted: "[  12.345 us] warning bus: ..."
};

using log_sink = std::function<void(const log_record&)>;

// Replaces the sink; returns the previous one. A null sink restores the stderr default.
log_sink set_log_sink(log_sink sink);
void set_log_level(log_level min_level);
log_level get_log_level();

void log(log_level level, const std::string& component, const std::string& message);

// "0x0000000040000010": addresses always print as 64-bit hex so logs grep well.
std::string hex(uint64_t value);

}  // namespace stoxvp
