// Model messages: every one is an sc_report, so the integrator's SystemC report handler decides
// what happens to it (display, log, suppress, stop, throw), per message type and severity.
//
// Message types name the unit that reports, "stoxvp/<layer>/<unit>" (docs/architecture.md lists
// them); the text starts with the reporting instance: "top.accel.dma: the target at ...".
// A SoC that installs no handler gets SystemC's default one. The stoxvp platform (the CLI and
// the C API) installs console_report_handler, which prints stoxvp's messages on stderr in the
// platform's own format, "[      12.345 us] warning top.bus: ...", or hands them to a sink.
#pragma once

#include <cstdint>
#include <functional>
#include <sstream>
#include <string>

namespace sc_core {
class sc_report;
}

namespace stoxvp {

enum class log_level { debug = 0, info = 1, warning = 2, error = 3 };

// The message types of the units in this repository (one per unit, not per instance).
namespace msg {
inline constexpr const char* accelerator = "stoxvp/accel/accelerator";
inline constexpr const char* command_processor = "stoxvp/accel/command_processor";
inline constexpr const char* dma_engine = "stoxvp/accel/dma_engine";
inline constexpr const char* global_buffer = "stoxvp/accel/global_buffer";
inline constexpr const char* register_bank = "stoxvp/common/register_bank";
inline constexpr const char* bus = "stoxvp/tlm/bus";
inline constexpr const char* memory = "stoxvp/tlm/memory";
inline constexpr const char* host_cpu = "stoxvp/tlm/host_cpu";
inline constexpr const char* riscv_cpu = "stoxvp/tlm/riscv_cpu";
inline constexpr const char* platform = "stoxvp/platform";
// Reports from code that names no unit of its own (the three-argument log() below).
inline constexpr const char* generic = "stoxvp";
}  // namespace msg

// Reports `message` from `component` (an instance name) as an sc_report of `msg_type`:
// debug and info are SC_INFO (verbosity SC_DEBUG and SC_MEDIUM), warning is SC_WARNING,
// error is SC_ERROR. Messages below set_log_level() are not reported at all.
void log(log_level level, const char* msg_type, const std::string& component,
         const std::string& message);
// Same, with message type msg::generic; for code not yet given a type of its own.
void log(log_level level, const std::string& component, const std::string& message);

// A model error that the model itself recovers from (a firmware fault ends the run; it does
// not end the simulation): SystemC's default action for SC_ERROR is to throw, so the unit that
// reports such errors calls this once while it is built. Actions an integrator sets for the
// type and SC_ERROR afterwards take precedence.
void recoverable_errors(const char* msg_type);

// ---- the platform's console format ----
struct log_record {
  log_level level;
  std::string msg_type;
  std::string component;
  std::string message;
  std::string line;  // formatted: "[      12.345 us] warning top.bus: ..."
};

using log_sink = std::function<void(const log_record&)>;

// The report handler of the stoxvp platform: stoxvp's messages (types "stoxvp...") whose
// actions include SC_DISPLAY become one formatted line, given to the sink or printed on
// stderr; their other actions (log file, stop, throw, abort) and every other report go to
// SystemC's default handler. install_console_report_handler() makes it the handler, and sets
// SC_INFO of stoxvp's message types (msg:: above) to be displayed whatever SC_INFO's global
// action (the C API silences SystemC's own infos); set_actions for a type afterwards wins.
void console_report_handler(const sc_core::sc_report& report, const unsigned& actions);
void install_console_report_handler();

// Installs the console handler and replaces the sink it hands lines to; returns the previous
// sink. A null sink means stderr.
log_sink set_log_sink(log_sink sink);
void set_log_level(log_level min_level);
log_level get_log_level();

// "0x0000000040000010": addresses always print as 64-bit hex so logs grep well.
std::string hex(uint64_t value);

}  // namespace stoxvp
