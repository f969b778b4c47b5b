// stoxvp: runs firmware (host-compiled, or an RV32 image on the instruction-set simulator) on the
// virtual platform, prints a summary and writes the VCD trace and the JSON report. Uses only
// the C API, like any other client of the platform.
#include "firmware/apps/host_apps.h"
#include "firmware/apps/inference/bootinfo.h"
#include "hw/core/kernels.h"
#include "runner.h"
#include "snn_runner.h"
#include "fp_train_runner.h"
#include "jobs.h"
#include "shipped_chips.h"
#include "stoxvp.h"
#include "tlm/platform/output_file.h"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <chrono>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <vector>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace po = boost::program_options;

namespace {

// Exit statuses. A firmware's own exit code is not passed through: it would be taken modulo 256
// (256 would read as success) and could collide with the codes below; it is printed and kept
// in the report (run.exit_code) instead.
constexpr int kFirmwareFailed = 1;  // the firmware exited with a nonzero code
constexpr int kUsage = 64;          // bad command line: unknown option, value unparsable or out of range
constexpr int kSetup = 65;          // bad configuration, technology, model, images or firmware image
constexpr int kFault = 66;          // the firmware faulted (bus error, illegal instruction...)
constexpr int kStopped = 67;        // no exit: time limit, stall watchdog, or nothing left to simulate
constexpr int kInterrupted = 68;    // SIGINT or SIGTERM: stopped cleanly, outputs marked incomplete
constexpr int kOutput = 69;         // an output file (trace, report, logits) could not be written

const char* const kExitStatusHelp =
    "Exit status:\n"
    "  0   the firmware exited with 0\n"
    "  1   the firmware exited with a nonzero code (printed, and run.exit_code in the report)\n"
    "  64  bad command line (an option unknown, unparsable or out of range)\n"
    "  65  bad configuration, technology file, model, images or firmware image\n"
    "  66  the firmware faulted\n"
    "  67  stopped without an exit: --time-limit reached, --stall-timeout fired, or nothing left\n"
    "      to simulate\n"
    "  68  interrupted by SIGINT or SIGTERM (the outputs are written, the report says incomplete;\n"
    "      a second signal ends the process at once)\n"
    "  69  an output file could not be written (it is left as it was before the run)\n"
    "When an output fails, 69 is returned whatever the run's own outcome was.\n";

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A whole decimal number in [min, max]; anything else (sign, space, fraction, overflow) is refused
// with the option, the value and the accepted range, never wrapped or clamped.
uint64_t parse_count(const std::string& option, const std::string& text, uint64_t min, uint64_t max) {
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  bool ok = !text.empty() && text.size() <= 20;
  unsigned __int128 v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      ok = false;
      break;
    }
    v = v * 10 + unsigned(c - '0');
  }
  if (!ok) throw usage_error("--" + option + ": '" + text + "' is not a whole number (accepted: " + range + ")");
  if (v < min || v > max) throw usage_error("--" + option + ": " + text + " is out of range (accepted: " + range + ")");
  return static_cast<uint64_t>(v);
}

// A duration such as 500us, 10ms, 2s, 1500ns, 100ps -> picoseconds, exactly: the decimal digits
// are read as integers so 1.1ns is 1100 ps; a value that is not a whole number of picoseconds
// (the simulation's resolution), zero, or beyond the 64-bit time range is refused. "none": 0.
uint64_t parse_time(const std::string& option, const std::string& text) {
  const std::string accepted = " (accepted: a positive whole number of picoseconds up to 18446744073709551615 ps, "
                               "written with a unit ps, ns, us, ms or s, e.g. 500us, 10ms, 2s; or none)";
  if (text == "none") return 0;
  size_t i = 0;
  std::string digits;
  size_t frac = 0;
  bool point = false;
  for (; i < text.size() && ((text[i] >= '0' && text[i] <= '9') || (text[i] == '.' && !point)); ++i) {
    if (text[i] == '.') {
      point = true;
    } else {
      digits += text[i];
      if (point) ++frac;
    }
  }
  std::string unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  unsigned exp10 = 0;
  if (unit == "ps") exp10 = 0;
  else if (unit == "ns") exp10 = 3;
  else if (unit == "us") exp10 = 6;
  else if (unit == "ms") exp10 = 9;
  else if (unit == "s") exp10 = 12;
  else digits.clear();
  if (digits.empty() || digits.size() > 30)
    throw usage_error("--" + option + ": '" + text + "' is not a time" + accepted);
  // value = digits x 10^(exp10 - frac) ps
  unsigned __int128 v = 0;
  for (char c : digits) v = v * 10 + unsigned(c - '0');
  for (unsigned k = 0; k < exp10; ++k) v *= 10;
  unsigned __int128 div = 1;
  for (size_t k = 0; k < frac; ++k) div *= 10;
  if (v % div != 0)
    throw usage_error("--" + option + ": '" + text + "' is not a whole number of picoseconds" + accepted);
  v /= div;
  if (v == 0) throw usage_error("--" + option + ": '" + text + "' is zero" + accepted);
  if (v > std::numeric_limits<uint64_t>::max())
    throw usage_error("--" + option + ": '" + text + "' is beyond the simulation's time range" + accepted);
  return static_cast<uint64_t>(v);
}

// --adc-range: 0 (the geometric bound's power of two) or a positive float32 that stays what was written
// (no overflow to infinity, no underflow to 0, which would silently mean "lossless").
float parse_adc_range(const std::string& text) {
  const std::string accepted = " (accepted: 0, or " + std::to_string(std::numeric_limits<float>::min()) + " to " +
                               std::to_string(std::numeric_limits<float>::max()) + " partial-sum units)";
  char* end = nullptr;
  errno = 0;
  const double v = text.empty() || text.front() == ' ' ? NAN : std::strtod(text.c_str(), &end);
  if (end == nullptr || *end != '\0' || !std::isfinite(v))
    throw usage_error("--adc-range: '" + text + "' is not a finite number" + accepted);
  if (v == 0) return 0.0f;
  if (v < std::numeric_limits<float>::min() || v > std::numeric_limits<float>::max())
    throw usage_error("--adc-range: " + text + " is out of range" + accepted);
  return static_cast<float>(v);
}

// SIGINT and SIGTERM ask the simulation to stop at its next safe point; the handler is reset
// after the first signal, so a second one ends the process at once.
extern "C" void on_stop_signal(int) { stoxvp_request_stop(); }

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A file-size limit must end as a write error with the file's name, not kill the process.
  std::signal(SIGXFSZ, SIG_IGN);
}

std::string engineering(double v, const char* unit) {
  const char* prefixes[] = {"p", "n", "u", "m", "", "k", "M", "G", "T"};
  int i = 4;
  double x = v;
  while (std::fabs(x) >= 1000 && i < 8) { x /= 1000; ++i; }
  while (std::fabs(x) < 1 && x != 0 && i > 0) { x *= 1000; --i; }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g %s%s", x, prefixes[i], unit);
  return buf;
}

bool make_parent(const std::string& path) {
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  return !ec;
}

// The readable table of where the energy went, from the platform's own figures (never read back
// from the report: a report that could not be written must not cost the summary).
void print_energy_table(const stoxvp_platform* p, const stoxvp_stats& st) {
  const double total = st.energy_pj;
  if (!(total > 0)) return;
  std::vector<std::pair<double, std::string>> rows;
  const char* name = nullptr;
  double pj = 0;
  for (size_t i = 0; stoxvp_get_component_energy(p, i, &name, &pj) == STOXVP_OK; ++i)
    if (pj > 0) rows.emplace_back(pj, name);
  rows.emplace_back(st.energy_pj - st.accel_energy_pj - st.cpu_energy_pj, "system bus");
  rows.emplace_back(st.cpu_energy_pj, "cpu");
  std::sort(rows.rbegin(), rows.rend());
  int w = 16;  // the name column: as wide as the longest name printed (snn_cim_spike_buffer...)
  for (const auto& [e, n] : rows)
    if (e > 0) w = std::max(w, int(n.size()));
  std::printf("  %-*s %12s %7s\n", w, "energy", "", "share");
  for (const auto& [e, n] : rows)
    if (e > 0) std::printf("  %-*s %12s %6.1f%%\n", w, n.c_str(), engineering(e * 1e-12, "J").c_str(), 100 * e / total);
  std::printf("  %-*s %12s\n", w, "total", engineering(total * 1e-12, "J").c_str());
  const double elapsed_ns = double(st.sim_time_ps) / 1000.0;
  stoxvp_chip_info chip{};
  stoxvp_get_chip_info(p, &chip);
  // The ADC model prices crossbar columns only; a spiking SOP is one accumulate, not a MAC's two
  // operations, so SOPs get their own figure (ops per pJ = TOPS/W).
  const std::string adc = chip.crossbar_tiles ? std::string(" (") + stoxvp_adc_model(p) + " ADC model)" : "";
  const uint64_t macs = st.accel_macs - std::min(st.accel_macs, chip.accel_sops);
  std::string efficiency;
  char buf[96];
  if (macs || !chip.accel_sops) {
    std::snprintf(buf, sizeof buf, "; %.2f TOPS/W", 2.0 * double(macs) / total);
    efficiency += buf;
  }
  if (chip.accel_sops) {
    std::snprintf(buf, sizeof buf, "; %.3g TSOPS/W (spiking synaptic operations)", double(chip.accel_sops) / total);
    efficiency += buf;
  }
  std::printf("  chip area %.2f mm^2%s; average power %s%s\n", st.chip_area_um2 * 1e-6, adc.c_str(),
              engineering((elapsed_ns > 0 ? total / elapsed_ns : 0.0) * 1e-3, "W").c_str(), efficiency.c_str());
}

// The cross-compiled image of an application, found from where this program is: next to it in
// the build tree (build/tools/stoxvp -> build/firmware/riscv) or in the installation
// (bin/stoxvp -> share/stoxvp/firmware/riscv).
std::string riscv_image(const std::string& app, std::vector<std::string>& searched) {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const auto up = exe.parent_path().parent_path();
  for (const auto& dir : {up / "firmware" / "riscv", up / "share" / "stoxvp" / "firmware" / "riscv"}) {
    searched.push_back(dir.string());
    const auto path = dir / (app + ".elf");
    if (std::filesystem::exists(path)) return path.string();
  }
  return "";
}

// The RISC-V CPU's line of the summary.
void print_cpu_line(const stoxvp_platform* p) {
  stoxvp_cpu_info c{};
  if (stoxvp_get_cpu_info(p, &c) != STOXVP_OK || !c.riscv) return;
  std::printf("  cpu: RV32IMAC at %.0f MHz: %llu instructions (%.0f MIPS on this host), %llu interrupts taken, "
              "asleep %.1f%% of the time\n",
              c.frequency_mhz, (unsigned long long)c.instructions, c.host_mips,
              (unsigned long long)c.interrupts_taken, 100.0 * (1.0 - c.busy_fraction));
}

// A progress bar of an inference run on stderr: on a terminal a bar with the images done, the
// rate and the time left, redrawn in place; otherwise a plain line every 10 s. Nothing for the
// first 2 s, so short runs stay quiet.
class progress_bar {
 public:
  progress_bar(uint32_t total, double after_s)
      : total_(total), after_s_(after_s), tty_(isatty(STDERR_FILENO) != 0), start_(clock::now()) {}
  void update(uint32_t done) {
    const double t = seconds(clock::now() - start_);
    if (t < after_s_ || (shown_ && t - last_ < (tty_ ? 0.2 : 10.0))) return;
    last_ = t;
    shown_ = true;
    draw(done, t);
  }
  void finish(uint32_t done) {
    if (!shown_) return;
    draw(done, seconds(clock::now() - start_));
    if (tty_) std::fputc('\n', stderr);
  }

 private:
  using clock = std::chrono::steady_clock;
  static double seconds(clock::duration d) { return std::chrono::duration<double>(d).count(); }
  static std::string hms(double s) {
    const long v = static_cast<long>(s + 0.5);
    char b[32];
    if (v >= 3600) std::snprintf(b, sizeof b, "%ld:%02ld:%02ld", v / 3600, v / 60 % 60, v % 60);
    else std::snprintf(b, sizeof b, "%ld:%02ld", v / 60, v % 60);
    return b;
  }
  void draw(uint32_t done, double t) {
    const double rate = t > 0 ? done / t : 0, pct = total_ ? 100.0 * done / total_ : 0;
    const std::string left = rate > 0 ? hms((total_ - done) / rate) : "?";
    char text[160];
    std::snprintf(text, sizeof text, "%u/%u images %5.1f%% %.1f images/s elapsed %s left %s", done, total_, pct, rate,
                  hms(t).c_str(), left.c_str());
    if (tty_) {
      const int width = 30, filled = total_ ? static_cast<int>(width * double(done) / total_) : 0;
      std::fprintf(stderr, "\rstoxvp [%s%s] %s\x1b[K", std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                   text);
    } else {
      std::fprintf(stderr, "stoxvp: %s\n", text);
    }
    std::fflush(stderr);
  }
  uint32_t total_;
  double after_s_;  // quiet before: short runs print nothing
  bool tty_;
  clock::time_point start_;
  double last_ = 0;
  bool shown_ = false;
};

// How far the inference firmware is: its boot block's image count (read without simulated time).
bool inference_progress(stoxvp_platform* p, uint32_t& done, uint32_t& total) {
  uint64_t dram = 0, size = 0;
  stoxvp_bootinfo bi{};
  if (stoxvp_region(p, "dram", &dram, &size) != STOXVP_OK || stoxvp_mem_read(p, dram, &bi, sizeof bi) != STOXVP_OK)
    return false;
  done = bi.images_done;
  total = bi.image_count;
  return true;
}

// --html: the page is drawn by the stoxvp Python package (python3-plotly, its JavaScript
// embedded), found next to this program: build/python in the build tree, or the installed
// package under the prefix. Returns "" or what went wrong.
std::string write_html(const std::string& html, const std::string& report, const std::string& power_csv) {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::string pythonpath;
  if (!ec) {
    const auto up = exe.parent_path().parent_path();
    std::vector<std::filesystem::path> dirs = {up / "python"};
    for (const auto& lib : {up / "lib", up / "lib64"})
      if (std::filesystem::is_directory(lib, ec))
        for (const auto& e : std::filesystem::directory_iterator(lib, ec))
          if (e.path().filename().string().rfind("python3", 0) == 0) dirs.push_back(e.path() / "dist-packages");
    for (const auto& d : dirs)
      if (std::filesystem::exists(d / "stoxvp" / "html.py", ec)) pythonpath += (pythonpath.empty() ? "" : ":") + d.string();
  }
  std::vector<std::string> args = {"/usr/bin/python3", "-m", "stoxvp.html", "run", "--report", report, "--out", html};
  if (!power_csv.empty()) args.insert(args.end(), {"--power", power_csv});
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return "cannot start python3";
  if (pid == 0) {
    if (!pythonpath.empty()) {
      const char* old = std::getenv("PYTHONPATH");
      setenv("PYTHONPATH", (pythonpath + (old && *old ? std::string(":") + old : "")).c_str(), 1);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return "cannot run /usr/bin/python3 (tools/setup.sh installs it)";
  return html + ": the page could not be written (python3 -m stoxvp.html failed" +
         (pythonpath.empty() ? std::string(", and no stoxvp Python package was found next to this program") : std::string()) + ")";
}

// --jobs N: the inference's images over N worker processes (tools/runner/jobs.h), merged.
struct jobs_setup {
  stoxvp::runner::request req;
  uint32_t jobs;
  bool seeded;
  uint64_t seed, stall_ps, limit_ps;
  std::string vcd, power_vcd, power_csv, timeline, logits_out, report, html, firmware;
  bool quiet;
};

// traces/inference.vcd -> traces/inference_images_100-199.vcd: a worker's trace names its images.
std::string share_path(const std::string& path, const stoxvp::runner::job_share& s) {
  const std::filesystem::path f(path);
  return (f.parent_path() / (f.stem().string() + "_images_" + s.images() + f.extension().string())).string();
}
// Where a worker writes a trace until every worker has succeeded (beside the final name, so the
// rename stays on one file system), named by the parent's process.
pid_t g_jobs_parent = 0;
std::string staged_path(const std::string& path) {
  const std::filesystem::path f(path);
  return (f.parent_path() / (".stoxvp-jobs-" + std::to_string(g_jobs_parent) + "-" + f.filename().string())).string();
}

int run_with_jobs(const std::function<stoxvp_result(stoxvp_platform**)>& create_platform, const jobs_setup& js) {
  namespace rn = stoxvp::runner;
  using rn::job_failure;
  g_jobs_parent = getpid();
  // The images, checked here before any worker starts (the workers read them again).
  uint32_t count = 0;
  try {
    count = rn::images_of(js.req);
  } catch (const rn::input_error& e) {
    std::cerr << "stoxvp: " << e.what() << "\n";
    return kSetup;
  }
  uint32_t jobs = js.jobs;
  if (jobs > count) {
    std::fprintf(stderr, "stoxvp: --jobs %u: %u images, so %u workers (one per image)\n", jobs, count, count);
    jobs = count;
  }
  rn::request whole = js.req;
  whole.count = count;
  const auto shares = rn::plan_jobs(whole.first, count, jobs);
  // Every trace of every worker: staged name -> final name.
  std::vector<std::pair<std::string, std::string>> traces;
  for (const auto& s : shares)
    for (const auto* t : {&js.vcd, &js.power_vcd, &js.power_csv, &js.timeline})
      if (!t->empty()) traces.emplace_back(staged_path(share_path(*t, s)), share_path(*t, s));
  for (const std::string& out : {js.report, js.vcd, js.power_vcd, js.logits_out, js.timeline, js.html})
    if (!out.empty() && !make_parent(out)) return std::cerr << "stoxvp: " << out << ": cannot create its directory\n", kOutput;
  auto drop_staged = [&] {
    std::error_code ec;
    for (const auto& t : traces) std::filesystem::remove(t.first, ec);
  };

  rn::platform_setup setup;
  setup.create = create_platform;
  setup.seeded = js.seeded;
  setup.seed = js.seed;
  setup.stall_ps = js.stall_ps;
  setup.limit_ps = js.limit_ps;
  auto run_one = [&](const rn::request& r, const rn::job_share& s, bool main_run) {
    return rn::run_platform(setup, r, [&](stoxvp_platform* p) {
      if (!main_run) return;  // the baseline writes no traces
      if (!js.vcd.empty() && stoxvp_enable_vcd(p, staged_path(share_path(js.vcd, s)).c_str()) != STOXVP_OK)
        throw job_failure(kOutput, stoxvp_last_error());
      if (!js.power_vcd.empty() &&
          stoxvp_enable_power_trace(p, staged_path(share_path(js.power_vcd, s)).c_str(),
                                    staged_path(share_path(js.power_csv, s)).c_str()) != STOXVP_OK)
        throw job_failure(kOutput, stoxvp_last_error());
      if (!js.timeline.empty() && stoxvp_enable_timeline(p, staged_path(share_path(js.timeline, s)).c_str()) != STOXVP_OK)
        throw job_failure(kOutput, std::string("--timeline: ") + stoxvp_last_error());
    });
  };

  rn::jobs_result m;
  try {
    m = rn::run_jobs(whole, shares, run_one);
  } catch (const job_failure& e) {
    drop_staged();
    std::cerr << "stoxvp: " << e.what() << "\n";
    return e.status;
  }
  // The run section's outputs and the workers.
  nlohmann::json workers = nlohmann::json::array();
  for (const auto& s : shares) {
    nlohmann::json t = nlohmann::json::object();
    if (!js.vcd.empty()) t["vcd"] = share_path(js.vcd, s);
    if (!js.power_vcd.empty()) t["power_vcd"] = share_path(js.power_vcd, s), t["power_csv"] = share_path(js.power_csv, s);
    if (!js.timeline.empty()) t["timeline"] = share_path(js.timeline, s);
    workers.push_back({{"worker", s.worker}, {"images", s.images()}, {"first_image", s.first}, {"image_count", s.count},
                       {"warmup_images", s.warmup}, {"traces", t}});
  }
  m.report["vcd"] = "";
  m.report.erase("power_trace");
  m.report["jobs"] = {{"workers", shares.size()}, {"shares", workers},
                      {"note", "each worker's traces cover its warm-up images (the warmup_images before first_image) "
                               "and then its own, on its own simulated time axis from 0"}};
  std::vector<std::string> errors;
  for (const auto& [staged, final_path] : traces) {
    std::error_code ec;
    std::filesystem::rename(staged, final_path, ec);
    if (ec) errors.push_back(final_path + ": cannot rename the worker's trace into place: " + ec.message());
  }
  if (!js.logits_out.empty()) {
    try {
      rn::write_logits(m.out, js.logits_out);
    } catch (const std::exception& e) {
      errors.push_back(std::string("--logits-out: ") + e.what());
    }
  }
  try {
    stoxvp::output_file f(js.report);
    f.write(m.report.dump(2));
    f.write("\n", 1);
    f.commit();
  } catch (const std::exception& e) {
    errors.push_back(std::string("--report: ") + e.what());
  }
  if (!js.html.empty() && errors.empty()) {
    const std::string e = write_html(js.html, js.report, "");
    if (!e.empty()) errors.push_back("--html: " + e);
  }

  // The summary, from the merged report.
  const auto& r = m.report;
  const auto& o = m.out;
  const auto& acc = r["accelerator"];
  const double sim_ps = r["run"]["sim_time_ns"].get<double>() * 1000;
  const double total_pj = r["energy"]["total_pj"].get<double>();
  std::printf("stoxvp: firmware %s exited with 0 after %s simulated (%zu workers)\n", js.firmware.c_str(),
              engineering(sim_ps * 1e-12, "s").c_str(), shares.size());
  const double energy_j = total_pj * 1e-12 / o.images, latency_s = o.mean_latency_ns() * 1e-9;
  std::printf("inference: %s on %u images: accuracy %s; per image: latency %s, energy %s, EDP %s\n", o.model_name.c_str(),
              o.images, o.labelled ? (std::to_string(o.accuracy() * 100).substr(0, 5) + "%").c_str() : "n/a",
              engineering(latency_s, "s").c_str(), engineering(energy_j, "J").c_str(),
              engineering(energy_j * latency_s, "Js").c_str());
  if (o.pipelined)
    std::printf("  timing pipelined (ISAAC-style, layers of consecutive images overlap): latency %s, throughput %.4g "
                "images/s (one image every %s; bottleneck %s, layer %u); layer at a time: %.4g images/s\n",
                engineering(o.pipeline.latency_ns * 1e-9, "s").c_str(), o.pipeline.throughput_images_per_s,
                engineering(o.pipeline.interval_ns * 1e-9, "s").c_str(), o.pipeline.bottleneck, o.pipeline.bottleneck_tag,
                latency_s > 0 ? 1 / latency_s : 0.0);
  if (!js.quiet) {
    uint64_t conversions = 0;
    for (const auto& c : acc["converters"]) conversions += c["conversions"].get<uint64_t>();
    const uint64_t samples = acc["converters"].contains("mtj") ? acc["converters"]["mtj"]["samples"].get<uint64_t>() : 0;
    std::printf("  accelerator: %llu descriptors, %llu MACs, %llu conversions, %llu MTJ samples, busy %s; DMA %llu B read, "
                "%llu B written\n",
                (unsigned long long)acc["descriptors"].get<uint64_t>(), (unsigned long long)acc["macs"].get<uint64_t>(),
                (unsigned long long)conversions, (unsigned long long)samples,
                engineering(acc["busy_ns"].get<double>() * 1e-9, "s").c_str(),
                (unsigned long long)acc["dma_bytes_read"].get<uint64_t>(),
                (unsigned long long)acc["dma_bytes_written"].get<uint64_t>());
    std::printf("  bus: %llu transactions, %llu errors\n", (unsigned long long)r["bus"]["transactions"].get<uint64_t>(),
                (unsigned long long)r["bus"]["errors"].get<uint64_t>());
    std::vector<std::pair<double, std::string>> rows;
    for (const auto& [name, c] : r["energy"]["components"].items())
      if (c["total_pj"].get<double>() > 0) rows.emplace_back(c["total_pj"].get<double>(), name);
    rows.emplace_back(r["energy"]["bus_pj"].get<double>(), "system bus");
    rows.emplace_back(r["energy"]["cpu_pj"].get<double>(), "cpu");
    std::sort(rows.rbegin(), rows.rend());
    int w = 16;
    for (const auto& [e, n] : rows)
      if (e > 0) w = std::max(w, int(n.size()));
    std::printf("  %-*s %12s %7s\n", w, "energy", "", "share");
    for (const auto& [e, n] : rows)
      if (e > 0) std::printf("  %-*s %12s %6.1f%%\n", w, n.c_str(), engineering(e * 1e-12, "J").c_str(), 100 * e / total_pj);
    std::printf("  %-*s %12s\n", w, "total", engineering(total_pj * 1e-12, "J").c_str());
  }
  if (!errors.empty()) {
    for (const auto& e : errors) std::fprintf(stderr, "stoxvp: %s\n", e.c_str());
    return kOutput;
  }
  for (const auto& s : shares) {
    std::printf("  worker %u: images %s%s", s.worker, s.images().c_str(),
                s.warmup ? (" (after " + std::to_string(s.warmup) + " warm-up image" + (s.warmup > 1 ? "s)" : ")")).c_str() : "");
    for (const auto* t : {&js.vcd, &js.power_vcd, &js.power_csv, &js.timeline})
      if (!t->empty()) std::printf(" %s", share_path(*t, s).c_str());
    std::printf("\n");
  }
  if (!js.html.empty()) std::printf("  html:   %s\n", js.html.c_str());
  std::printf("  report: %s\n", js.report.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config, firmware = "inference", time_limit = "none", stall_timeout = "100ms", vcd, report,
                      cpu = "host", elf;
  uint64_t progress_after_s = 2;
  std::string converter, samples, seed_text, images_text = "1000", progress_after_text = "2", first_text = "0", adc_bits_text = "8",
                                      adc_range_text = "0", cols_text = "0", logits_out, power_vcd_opt, power_csv_opt,
                                      timing = "layer";
  std::string timeline, html, jobs_text = "1";
  uint32_t jobs = 1;
  stoxvp::runner::request req;
  req.model_path = "models/small_cnn_mtj.sxvm";
  stoxvp::runner::snn_request snn_req;
  std::string timesteps_text = "8", tile;
  stoxvp::runner::fp_train_request train_req;
  std::string train_count_text = "16", batch_text = "4", epochs_text = "1", test_count_text = "0", lr_text = "0.05",
              weight_seed_text = "11";
  po::options_description opts(
      "stoxvp - SystemC virtual platform of the StoX-Net in-memory-computing accelerator\n\n"
      "Runs a firmware on the platform, prints a summary, writes a VCD trace and a JSON report.\n"
      "Every numeric value is checked: a value out of range is refused, never clamped.\n"
      "Options");
  opts.add_options()
      ("help,h", "print this help and exit")
      ("config,c", po::value(&config),
       "platform configuration (JSON); without it the built-in defaults, which equal "
       "configs/default.json")
      ("firmware,f", po::value(&firmware)->default_value(firmware),
       "firmware application to run (see --list-firmware)")
      ("tile", po::value(&tile),
       "the kind of tile the chip is built of, without --config: xbar (the built-in StoX-Net chip), snn_cim "
       "(four FlexSpIM spiking CIM macros and 512 MiB of DRAM, as configs/snn.json; --firmware snn implies it), "
       "rtm_ap (configs/rtm_ap.json) or fp_pim (configs/fp_pim.json; --firmware fp-train implies it); those "
       "configurations are compiled in")
      ("cpu", po::value(&cpu)->default_value(cpu),
       "where the firmware runs: host (compiled for this machine: fast, debuggable with gdb) or "
       "riscv (the same application cross-compiled for RV32, on the instruction-set simulator)")
      ("elf", po::value(&elf),
       "run this RV32 ELF image on the instruction-set simulator (implies --cpu riscv); with "
       "--firmware inference the host prepares the model and images for it")
      ("gdb", po::value<std::string>()->notifier([](const std::string& g) {
         if (g.empty() || g.size() > 5 || g.find_first_not_of("0123456789") != std::string::npos || std::stoul(g) > 65535)
           throw po::error("--gdb: '" + g + "' is not a TCP port (0 to 65535; 0 picks a free one)");
       }), "RISC-V: wait for gdb on 127.0.0.1:<port> (0: a free one) before reset")
      ("list-firmware", "list the firmware applications and exit")
      ("model,m", po::value(&req.model_path)->default_value(req.model_path),
       "inference: the model file (.sxvm) to run")
      ("images,n", po::value(&images_text)->default_value(images_text),
       "inference: how many test images to run (from --first), 1..4294967295")
      ("all", "inference: run every image of the test set (10,000 for Fashion-MNIST); not with --images")
      ("first", po::value(&first_text)->default_value(first_text),
       "inference: index of the first image, 0..4294967295")
      ("images-file", po::value(&req.images_path)->default_value(req.images_path), "inference: IDX image file")
      ("labels-file", po::value(&req.labels_path)->default_value(req.labels_path),
       "inference: IDX label file ('' for none: no accuracy)")
      ("converter", po::value(&converter),
       "inference: replace every crossbar layer's converter: ideal, adc, sparse_adc, sense_amp, mtj "
       "(--samples or --cols-per-converter alone imply mtj)")
      ("adc-bits", po::value(&adc_bits_text)->default_value(adc_bits_text),
       "with --converter adc/sparse_adc: bits, 1..24")
      ("adc-range", po::value(&adc_range_text)->default_value(adc_range_text),
       "with --converter adc/sparse_adc: full scale in partial-sum units, a positive float32 "
       "(0: per layer the smallest power of two >= the geometric bound min(K, rows) (2^w_slice - 1) "
       "(2^a_stream - 1) of |PS|, lossless with enough bits, coarse with few: the run warns; "
       "per-layer ranges calibrated on training images: python3 -m tools.stoxnet.calibrate)")
      ("timing", po::value(&timing)->default_value(timing),
       "inference: the timing the summary states: layer (one image at a time, each layer after the "
       "previous: what the simulation does) or pipelined (ISAAC-style: layers of consecutive images "
       "overlap, each on its own tiles; latency and images/s derived from the run's per-layer times); "
       "the report's \"timing\" gives both")
      ("samples", po::value(&samples),
       "MTJ T, 1..255: one value, or one per weight slice least significant first (e.g. 1,2,4)")
      ("cols-per-converter", po::value(&cols_text)->default_value(cols_text),
       "columns sharing one converter, 1..255 (0: the model's)")
      ("progress", "inference: print a line every 1000 images")
      ("logits-out", po::value(&logits_out), "inference: write every image's logits (float32) to this file")
      ("jobs,j", po::value(&jobs_text)->default_value(jobs_text),
       "inference: spread the images over this many worker processes, 1..256, each its own platform; "
       "predictions, logits and the report are the same for any value, bit for bit (more workers than "
       "images: one per image). Traces are written per worker, named by its images "
       "(traces/inference_images_0-499.vcd); no progress bar (docs/architecture.md)")
      ("events", po::value(&snn_req.events_path),
       "snn: SXEV event file (tools/stoxnet/events.py); --model, --images (default: all), --first and --progress "
       "apply to its samples")
      ("timesteps", po::value(&timesteps_text)->default_value(timesteps_text),
       "snn: timesteps each sample's events are binned into, 1..64")
      ("train-images", po::value(&train_req.images_path)->default_value(train_req.images_path),
       "fp-train: IDX file of the training images (28x28)")
      ("train-labels", po::value(&train_req.labels_path)->default_value(train_req.labels_path),
       "fp-train: IDX file of the training labels (0..9)")
      ("train-count", po::value(&train_count_text)->default_value(train_count_text),
       "fp-train: how many training images (the first of the file), 1..60000, a multiple of --batch")
      ("batch", po::value(&batch_text)->default_value(batch_text), "fp-train: mini-batch, 1..64")
      ("epochs", po::value(&epochs_text)->default_value(epochs_text),
       "fp-train: passes over the training images, 1..1000 (the firmware sees them repeated in order)")
      ("lr", po::value(&lr_text)->default_value(lr_text),
       "fp-train: learning rate, a number in (0, 1), rounded to bf16: each image's gradient times it, "
       "summed over the mini-batch (docs/fp-pim.md: 0.005 for batch 32)")
      ("test-count", po::value(&test_count_text)->default_value(test_count_text),
       "fp-train: test images for the forward pass after training, 0..10000 (0: none)")
      ("test-images", po::value(&train_req.test_images_path)->default_value(train_req.test_images_path),
       "fp-train: IDX file of the test images")
      ("test-labels", po::value(&train_req.test_labels_path)->default_value(train_req.test_labels_path),
       "fp-train: IDX file of the test labels")
      ("weight-seed", po::value(&weight_seed_text)->default_value(weight_seed_text),
       "fp-train: seed of the initial weights (std::mt19937, uniform in +-1/sqrt(fan-in)), 0..4294967295")
      ("time-limit,t", po::value(&time_limit)->default_value(time_limit),
       "stop after this much simulated time, e.g. 500us, 10ms, 2s (whole picoseconds; none: no limit)")
      ("stall-timeout", po::value(&stall_timeout)->default_value(stall_timeout),
       "stop as stalled when, for this much simulated time, nothing is written to memory, the "
       "accelerator does no work and the console prints nothing (a firmware polling a device that "
       "never answers); none: never")
      ("seed", po::value(&seed_text),
       "seed of every stochastic model, 0..18446744073709551615 (overrides the configuration)")
      ("vcd", po::value(&vcd), "VCD trace file (default: traces/<firmware>.vcd; '.vcd' is added when missing)")
      ("no-vcd", "do not write a VCD trace")
      ("power-vcd", po::value(&power_vcd_opt), "power trace, VCD (default: traces/<firmware>_power.vcd)")
      ("power-csv", po::value(&power_csv_opt), "power trace, CSV (default: traces/<firmware>_power.csv)")
      ("no-power", "do not write the power trace")
      ("report", po::value(&report), "JSON report file (default: traces/<firmware>.json)")
      ("html", po::value(&html),
       "a self-contained HTML page of the run (plots of energy by component and layer, power over time, "
       "per-layer latency, tile utilisation; drawn by the stoxvp Python package with python3-plotly)")
      ("timeline", po::value(&timeline),
       "timeline of the run as Chrome trace-event JSON for Perfetto (ui.perfetto.dev) or chrome://tracing: "
       "the CPU, the command processor, layers, DMA, tiles and NoC links (not written by default)")
      ("quiet,q", "print only the summary, warnings and errors (the model's warnings, such as the ADC full-scale notice, are not silenced)")
      ("no-progress-bar", "inference: no progress bar (by default one shows on stderr after 2 s: a bar with the "
       "rate and the time left on a terminal, a line every 10 s otherwise)")
      ("progress-after", po::value(&progress_after_text)->default_value(progress_after_text),
       "inference: seconds of wall time before the progress bar shows, 0..3600")
      ("kernels", po::value<std::string>(),
       "functional-core kernels: auto (the best this CPU runs), scalar, avx2 or avx512; every version gives "
       "the same bits (default: $STOXVP_KERNELS, else auto)");
  // From the start: a signal during set-up stops the run as soon as it begins.
  install_stop_handlers();
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "stoxvp: " << e.what() << "\n(see stoxvp --help)\n";
    return kUsage;
  }
  if (vm.count("help")) {
    std::cout << opts << "\nOutputs are written to a temporary file beside their path and renamed into place when\n"
                         "complete: a run that fails leaves the previous run's files as they were.\n\n"
              << kExitStatusHelp;
    return 0;
  }
  if (vm.count("list-firmware")) {
    for (size_t i = 0; i < stoxvp_host_app_count; ++i)
      std::printf("%-12s %s\n", stoxvp_host_apps[i].name, stoxvp_host_apps[i].summary);
    return 0;
  }
  auto given = [&](const char* option) { return vm.count(option) && !vm[option].defaulted(); };
  uint64_t limit_ps = 0, stall_ps = 0, seed = 0;
  bool inference = false, snn = false, fp_train = false;
  try {
    if (cpu != "host" && cpu != "riscv") throw usage_error("--cpu: '" + cpu + "' is neither host nor riscv");
    try {
      if (vm.count("kernels"))
        stoxvp::core::select_kernels(vm["kernels"].as<std::string>(), "--kernels");
      else
        stoxvp::core::active_kernels();  // a bad STOXVP_KERNELS is refused here, not mid-run
    } catch (const stoxvp::core::kernel_error& e) {
      throw usage_error(e.what());
    }
    for (const char* option : {"config", "elf", "vcd", "report", "power-vcd", "power-csv", "logits-out", "model",
                               "images-file", "firmware", "timeline", "html", "train-images", "train-labels",
                               "test-images", "test-labels"})
      if (given(option) && vm[option].as<std::string>().empty())
        throw usage_error(std::string("--") + option + ": empty value (leave the option out for its default)");
    if (!elf.empty()) {
      if (given("cpu") && cpu != "riscv")
        throw usage_error("--elf runs an RV32 image on the RISC-V CPU; it cannot go with --cpu " + cpu);
      cpu = "riscv";
      // A bare image is just run; naming an application asks for its host-side preparation.
      if (!given("firmware")) firmware = std::filesystem::path(elf).stem().string();
    }
    inference = firmware == "inference";
    snn = firmware == "snn";
    if (!inference)
      for (const char* option : {"model", "images", "all", "first", "images-file", "labels-file", "converter",
                                 "adc-bits", "adc-range", "samples", "cols-per-converter", "progress", "logits-out",
                                 "timing", "jobs"})
        if (given(option) && !(snn && (std::string(option) == "model" || std::string(option) == "images" ||
                                       std::string(option) == "all" || std::string(option) == "first" ||
                                       std::string(option) == "progress")))
          throw usage_error(std::string("--") + option + " is an option of the inference firmware; --firmware is " +
                            firmware);
    if (!snn)
      for (const char* option : {"events", "timesteps"})
        if (given(option))
          throw usage_error(std::string("--") + option + " is an option of the snn firmware; --firmware is " + firmware);
    if (snn && !given("events")) throw usage_error("--firmware snn needs --events (an SXEV file)");
    fp_train = firmware == "fp-train";
    if (!fp_train)
      for (const char* option : {"train-images", "train-labels", "train-count", "batch", "epochs", "lr", "test-count",
                                 "test-images", "test-labels", "weight-seed"})
        if (given(option))
          throw usage_error(std::string("--") + option + " is an option of the fp-train firmware; --firmware is " + firmware);
    if (fp_train) {
      train_req.batch = static_cast<uint32_t>(parse_count("batch", batch_text, 1, 64));
      train_req.count = static_cast<uint32_t>(parse_count("train-count", train_count_text, 1, 60000));
      if (train_req.count % train_req.batch)
        throw usage_error("--train-count: " + train_count_text + " is not a multiple of --batch " + batch_text);
      train_req.epochs = static_cast<uint32_t>(parse_count("epochs", epochs_text, 1, 1000));
      train_req.test_count = static_cast<uint32_t>(parse_count("test-count", test_count_text, 0, 10000));
      train_req.weight_seed = parse_count("weight-seed", weight_seed_text, 0, UINT32_MAX);
      char* end = nullptr;
      const double lr = lr_text.empty() || lr_text.front() == ' ' ? NAN : std::strtod(lr_text.c_str(), &end);
      if (end == nullptr || *end != '\0' || !std::isfinite(lr))
        throw usage_error("--lr: '" + lr_text + "' is not a finite number (accepted: a number in (0, 1))");
      if (!(lr > 0 && lr < 1)) throw usage_error("--lr: " + lr_text + " is out of range (accepted: a number in (0, 1))");
      if (uint64_t(train_req.count) * train_req.epochs > UINT32_MAX)
        throw usage_error("--epochs: " + epochs_text + " x --train-count " + train_count_text + " is more images than 4294967295");
      train_req.lr = lr;
    }
    if (given("tile") && tile != "xbar" && tile != "snn_cim" &&
        std::none_of(std::begin(kShippedChips), std::end(kShippedChips), [&](const shipped_chip& c) { return tile == c.kind; })) {
      std::string accepted = "xbar, snn_cim";
      for (const auto& c : kShippedChips) accepted += std::string(", ") + c.kind;
      throw usage_error("--tile: '" + tile + "' is not a tile kind with a built-in chip (accepted: " + accepted + ")");
    }
    if (given("tile") && given("config"))
      throw usage_error("--tile and --config: give the tile groups in the configuration file");
    if (snn && !given("config") && !given("tile")) tile = "snn_cim";
    if (fp_train && !given("config") && !given("tile")) tile = "fp_pim";
    if (given("no-vcd") && given("vcd")) throw usage_error("--vcd and --no-vcd contradict each other");
    if (given("no-power") && (given("power-vcd") || given("power-csv")))
      throw usage_error("--power-vcd/--power-csv and --no-power contradict each other");
    if (vm.count("all") && given("images")) throw usage_error("--images and --all contradict each other");
    if (timing != "layer" && timing != "pipelined")
      throw usage_error("--timing: '" + timing + "' (accepted: layer, pipelined)");
    req.pipelined = timing == "pipelined";
    limit_ps = parse_time("time-limit", time_limit);
    stall_ps = parse_time("stall-timeout", stall_timeout);
    if (given("seed")) seed = parse_count("seed", seed_text, 0, std::numeric_limits<uint64_t>::max());
    progress_after_s = parse_count("progress-after", progress_after_text, 0, 3600);
    req.count = vm.count("all") ? 0 : static_cast<uint32_t>(parse_count("images", images_text, 1, UINT32_MAX));
    req.first = static_cast<uint32_t>(parse_count("first", first_text, 0, UINT32_MAX));
    req.progress = vm.count("progress") > 0;
    jobs = static_cast<uint32_t>(parse_count("jobs", jobs_text, 1, stoxvp::runner::kMaxJobs));
    if (snn) {
      if (!given("model")) throw usage_error("--firmware snn needs --model (a spiking model, e.g. models/snn_fmnist_w8v16.sxvm)");
      snn_req.model_path = req.model_path;
      snn_req.count = given("images") ? req.count : 0;  // without --images: every sample of the file
      snn_req.first = req.first;
      snn_req.progress = req.progress;
      snn_req.timesteps = static_cast<uint32_t>(parse_count("timesteps", timesteps_text, 1, 64));
    }
    const uint32_t adc_bits = static_cast<uint32_t>(parse_count("adc-bits", adc_bits_text, 1, 24));
    const float adc_range = parse_adc_range(adc_range_text);
    const uint32_t cols = static_cast<uint32_t>(parse_count("cols-per-converter", cols_text, 0, 255));
    const bool adc = converter == "adc" || converter == "sparse_adc";
    if ((given("adc-bits") || given("adc-range")) && !adc)
      throw usage_error(std::string("--") + (given("adc-bits") ? "adc-bits" : "adc-range") +
                        " applies to --converter adc or sparse_adc only" +
                        (converter.empty() ? std::string(" (no --converter given)") : ", not " + converter));
    if (!samples.empty() && !converter.empty() && converter != "mtj")
      throw usage_error("--samples applies to the mtj converter only, not --converter " + converter);
    if (!converter.empty() || !samples.empty() || cols) {
      auto& c = req.converter;
      c.enabled = true;
      try {
        c.kind = stoxvp::runner::converter_override::kind_of(converter.empty() ? "mtj" : converter);
        if (!samples.empty()) c.set_samples(samples);
      } catch (const stoxvp::runner::input_error& e) {
        throw usage_error(std::string(converter.empty() || !samples.empty() ? "--samples" : "--converter") +
                          ": " + e.what());
      }
      c.adc_bits = static_cast<uint8_t>(adc_bits);
      c.adc_range = adc_range;
      c.cols_per_converter = static_cast<uint8_t>(cols);
    }
  } catch (const usage_error& e) {
    std::cerr << "stoxvp: " << e.what() << "\n(see stoxvp --help)\n";
    return kUsage;
  }
  const stoxvp_host_app* app = stoxvp_find_host_app(firmware.c_str());
  if (app == nullptr && elf.empty()) {
    std::cerr << "stoxvp: --firmware: no application named '" << firmware << "' (see --list-firmware)\n";
    return kUsage;
  }
  if (cpu == "riscv" && elf.empty()) {
    std::vector<std::string> searched;
    elf = riscv_image(firmware, searched);
    if (elf.empty()) {
      std::cerr << "stoxvp: --cpu riscv: no RV32 image '" << firmware << ".elf' in";
      for (const auto& d : searched) std::cerr << " " << d;
      std::cerr << " (the build makes it when riscv64-unknown-elf-gcc and picolibc are installed: tools/setup.sh)\n";
      return kSetup;
    }
  }
  req.firmware_elf = elf;
  snn_req.firmware_elf = elf;
  if (vm.count("gdb") && cpu != "riscv")
    return std::cerr << "stoxvp: --gdb debugs RV32 firmware: use it with --cpu riscv or --elf\n", kUsage;
  if (vm.count("gdb") && jobs > 1)
    return std::cerr << "stoxvp: --gdb and --jobs " << jobs << ": gdb debugs one platform; use --jobs 1\n", kUsage;
  if (vcd.empty()) vcd = "traces/" + firmware + ".vcd";
  if (vcd.size() < 4 || vcd.compare(vcd.size() - 4, 4, ".vcd") != 0) vcd += ".vcd";
  if (report.empty()) report = "traces/" + firmware + ".json";
  const bool want_vcd = !vm.count("no-vcd");
  std::string power_vcd, power_csv;
  if (!vm.count("no-power")) {
    power_vcd = !power_vcd_opt.empty() ? power_vcd_opt : "traces/" + firmware + "_power.vcd";
    power_csv = !power_csv_opt.empty() ? power_csv_opt : "traces/" + firmware + "_power.csv";
  }

  // Set-up: every input is read and checked before any output is touched.
  stoxvp_platform* p = nullptr;
  // A chip of snn_cim tiles: configs/snn.json's content, built in.
  static const char* const kSnnChip =
      R"({"dram": {"base": "0x80000000", "size": "0x20000000", "read_latency_ns": 50, "write_latency_ns": 50,)"
      R"( "bandwidth_gbps": 25.6}, "accelerator": {"tile_groups": [{"kind": "snn_cim", "count": 4, "nodes": [5, 6, 9, 10]}]}})";
  const shipped_chip* shipped = nullptr;
  for (const auto& c : kShippedChips)
    if (tile == c.kind) shipped = &c;
  const std::string tile_source = shipped ? std::string("--tile ") + tile + " (" + shipped->file + ", built in)" : "";
  auto create_platform = [&](stoxvp_platform** out) {
    return tile == "snn_cim" ? stoxvp_create_from_json(kSnnChip, "--tile snn_cim", out)
           : shipped         ? stoxvp_create_from_json(shipped->json, tile_source.c_str(), out)
                             : stoxvp_create(config.empty() ? nullptr : config.c_str(), out);
  };
  if (inference && jobs > 1)
    return run_with_jobs(create_platform, jobs_setup{req, jobs, given("seed"), seed, stall_ps, limit_ps, want_vcd ? vcd : "",
                                                     power_vcd, power_csv, timeline, logits_out, report, html,
                                                     firmware, vm.count("quiet") > 0});
  if (create_platform(&p) != STOXVP_OK) {
    std::cerr << "stoxvp: " << stoxvp_last_error() << "\n";
    return kSetup;
  }
  auto fail = [&](int status, const std::string& what) {
    std::cerr << "stoxvp: " << what << "\n";
    stoxvp_destroy(p);
    return status;
  };
  if (given("seed") && stoxvp_set_seed(p, seed) != STOXVP_OK) return fail(kSetup, std::string("--seed: ") + stoxvp_last_error());
  if (stoxvp_set_stall_timeout(p, stall_ps) != STOXVP_OK)
    return fail(kSetup, std::string("--stall-timeout: ") + stoxvp_last_error());
  std::unique_ptr<stoxvp::runner::session> session;
  std::unique_ptr<stoxvp::runner::snn_session> snn_session;
  std::unique_ptr<stoxvp::runner::fp_train_session> train_session;
  if (fp_train) {
    try {
      train_session = std::make_unique<stoxvp::runner::fp_train_session>(
          p, stoxvp::runner::load_fp_train_inputs(train_req), elf);
    } catch (const stoxvp::runner::input_error& e) {
      return fail(kSetup, e.what());
    }
  } else if (snn) {
    try {
      snn_session = std::make_unique<stoxvp::runner::snn_session>(p, snn_req);
    } catch (const stoxvp::runner::input_error& e) {
      return fail(kSetup, e.what());
    }
  } else if (inference) {
    try {
      session = std::make_unique<stoxvp::runner::session>(p, req);
    } catch (const stoxvp::runner::input_error& e) {
      return fail(kSetup, e.what());
    }
  } else if (!elf.empty()) {
    if (stoxvp_attach_elf(p, elf.c_str()) != STOXVP_OK) return fail(kSetup, stoxvp_last_error());
  } else if (stoxvp_attach_firmware(p, app->entry, nullptr) != STOXVP_OK) {
    return fail(kSetup, std::string("--firmware: ") + stoxvp_last_error());
  }
  // Outputs: their directories, and temporary files beside them (the final names are replaced
  // only when each file is complete).
  std::vector<std::string> outputs = {report};
  if (want_vcd) outputs.push_back(vcd);
  if (!power_vcd.empty()) outputs.insert(outputs.end(), {power_vcd, power_csv});
  if (!logits_out.empty()) outputs.push_back(logits_out);
  if (!timeline.empty()) outputs.push_back(timeline);
  if (!html.empty()) outputs.push_back(html);
  for (const auto& path : outputs)
    if (!make_parent(path)) return fail(kOutput, path + ": cannot create its directory");
  if (want_vcd && stoxvp_enable_vcd(p, vcd.c_str()) != STOXVP_OK) return fail(kOutput, stoxvp_last_error());
  if (!power_vcd.empty() && stoxvp_enable_power_trace(p, power_vcd.c_str(), power_csv.c_str()) != STOXVP_OK)
    return fail(kOutput, stoxvp_last_error());
  if (!timeline.empty() && stoxvp_enable_timeline(p, timeline.c_str()) != STOXVP_OK)
    return fail(kOutput, std::string("--timeline: ") + stoxvp_last_error());

  if (vm.count("gdb")) {  // (its notifier checked the port)
    uint16_t port = 0;
    if (stoxvp_attach_gdb(p, static_cast<uint16_t>(std::stoul(vm["gdb"].as<std::string>())), &port) != STOXVP_OK)
      return fail(kSetup, std::string("--gdb: ") + stoxvp_last_error());
    std::fprintf(stderr, "stoxvp: gdb: waiting on 127.0.0.1:%u (target remote :%u)\n", port, port);
  }
  stoxvp_run_result rr{};
  // An inference runs in slices of simulated time, between which the progress bar reads how
  // many images are done; slicing changes no result (the simulation stops and resumes exactly).
  const bool bar = session && !vm.count("no-progress-bar") && !vm.count("quiet");
  uint32_t done = 0, total = 0;
  std::optional<progress_bar> progress;
  if (bar && inference_progress(p, done, total)) progress.emplace(total, double(progress_after_s));
  const uint64_t slice_ps = progress ? 250000000ull : 0;  // 250 us
  for (uint64_t ran = 0;;) {
    const uint64_t step = !slice_ps ? limit_ps : limit_ps ? std::min(slice_ps, limit_ps - ran) : slice_ps;
    const uint64_t before = rr.sim_time_ps;
    if (stoxvp_run(p, step, &rr) != STOXVP_OK) {
      if (progress) std::fputc('\n', stderr);
      std::cerr << "stoxvp: " << stoxvp_last_error() << "\n";
      stoxvp_destroy(p);
      return kFault;
    }
    ran += rr.sim_time_ps - before;
    if (progress && inference_progress(p, done, total)) progress->update(done);
    if (!slice_ps || rr.reason != STOXVP_STOP_TIME_LIMIT || (limit_ps && ran >= limit_ps)) break;
  }
  if (progress) progress->finish(done);
  std::vector<std::string> output_errors;
  std::string inference_line;
  bool inference_failed = false;
  if (session && rr.reason == STOXVP_STOP_EXIT && rr.exit_code == 0) {
    try {
      const auto o = session->collect();
      if (!logits_out.empty()) {
        try {
          stoxvp::runner::write_logits(o, logits_out);
        } catch (const std::exception& e) {
          output_errors.push_back(std::string("--logits-out: ") + e.what());
        }
      }
      char line[512];
      stoxvp_stats st{};
      stoxvp_get_stats(p, &st);
      const double energy_j = st.energy_pj * 1e-12 / o.images, latency_s = o.mean_latency_ns() * 1e-9;
      std::snprintf(line, sizeof line,
                    "inference: %s on %u images: accuracy %s; per image: latency %s, energy %s, EDP %s",
                    o.model_name.c_str(), o.images,
                    o.labelled ? (std::to_string(o.accuracy() * 100).substr(0, 5) + "%").c_str() : "n/a",
                    engineering(latency_s, "s").c_str(), engineering(energy_j, "J").c_str(),
                    engineering(energy_j * latency_s, "Js").c_str());
      inference_line = line;
      if (o.pipelined) {
        // The pipelined mode states its own latency, throughput and EDP per image (the energy
        // is the run's: the same work).
        const double pl_s = o.pipeline.latency_ns * 1e-9;
        std::snprintf(line, sizeof line,
                      "\n  timing pipelined (ISAAC-style, layers of consecutive images overlap): latency %s, "
                      "throughput %.4g images/s (one image every %s; bottleneck %s, layer %u), EDP %s; "
                      "layer at a time: %.4g images/s",
                      engineering(pl_s, "s").c_str(), o.pipeline.throughput_images_per_s,
                      engineering(o.pipeline.interval_ns * 1e-9, "s").c_str(), o.pipeline.bottleneck,
                      o.pipeline.bottleneck_tag, engineering(energy_j * pl_s, "Js").c_str(),
                      latency_s > 0 ? 1 / latency_s : 0.0);
        inference_line += line;
      }
    } catch (const stoxvp::runner::input_error& e) {
      std::fprintf(stderr, "stoxvp: %s\n", e.what());
      inference_failed = true;
    }
  }
  if (snn_session && rr.reason == STOXVP_STOP_EXIT && rr.exit_code == 0) {
    try {
      const auto o = snn_session->collect();
      char line[512];
      stoxvp_stats st{};
      stoxvp_get_stats(p, &st);
      const double n = o.samples ? o.samples : 1;
      const double energy_j = st.energy_pj * 1e-12 / n, latency_s = o.mean_latency_ns() * 1e-9;
      std::snprintf(line, sizeof line,
                    "snn: %s on %u samples: accuracy %s; per sample: %u timesteps, %.0f input spikes, %.0f SOPs, "
                    "latency %s (%s per timestep), energy %s, %s per SOP",
                    o.model_name.c_str(), o.samples, (std::to_string(o.accuracy() * 100).substr(0, 5) + "%").c_str(),
                    snn_req.timesteps, double(o.input_spikes) / n, double(st.accel_macs) / n,
                    engineering(latency_s, "s").c_str(), engineering(latency_s / snn_req.timesteps, "s").c_str(),
                    engineering(energy_j, "J").c_str(),
                    engineering(st.accel_macs ? st.energy_pj * 1e-12 / double(st.accel_macs) : 0.0, "J").c_str());
      inference_line = line;
    } catch (const stoxvp::runner::input_error& e) {
      std::fprintf(stderr, "stoxvp: %s\n", e.what());
      inference_failed = true;
    }
  }
  if (train_session && rr.reason == STOXVP_STOP_EXIT && rr.exit_code == 0) {
    try {
      const auto o = train_session->collect();
      char line[512];
      std::snprintf(line, sizeof line,
                    "fp-train: %u images (%u x %u epochs), mini-batch %u, lr %s (bf16 %.6g): %u iterations, "
                    "mean loss %.4f, training accuracy %.2f%%",
                    o.count, train_req.count, train_req.epochs, train_req.batch, lr_text.c_str(),
                    -double(stoxvp::runner::fp_train_bf16_to_float(stoxvp::runner::bf16_of_float(float(-train_req.lr)))),
                    o.iterations, o.count ? o.loss_sum / o.count : 0.0, o.count ? 100.0 * o.correct / o.count : 0.0);
      inference_line = line;
      if (o.test_count) {
        std::snprintf(line, sizeof line, ", test accuracy %.2f%% (%u images)", 100.0 * o.test_correct / o.test_count,
                      o.test_count);
        inference_line += line;
      }
    } catch (const stoxvp::runner::input_error& e) {
      std::fprintf(stderr, "stoxvp: %s\n", e.what());
      inference_failed = true;
    }
  }
  if (stoxvp_write_report(p, report.c_str()) != STOXVP_OK) output_errors.push_back(std::string("--report: ") + stoxvp_last_error());
  if (stoxvp_close_outputs(p) != STOXVP_OK) output_errors.push_back(stoxvp_last_error());
  if (!html.empty() && output_errors.empty()) {
    const std::string e = write_html(html, report, power_csv);
    if (!e.empty()) output_errors.push_back("--html: " + e);
  }
  stoxvp_stats st{};
  stoxvp_get_stats(p, &st);

  const double sim_s = rr.sim_time_ps * 1e-12;
  int status = 0;
  switch (rr.reason) {
    case STOXVP_STOP_EXIT:
      std::printf("stoxvp: firmware %s exited with %d after %s simulated\n", firmware.c_str(), rr.exit_code,
                  engineering(sim_s, "s").c_str());
      status = rr.exit_code == 0 ? 0 : kFirmwareFailed;
      if (inference_failed) status = kFault;
      break;
    case STOXVP_STOP_FAULT:
      std::printf("stoxvp: firmware %s FAULTED after %s simulated: %s\n", firmware.c_str(),
                  engineering(sim_s, "s").c_str(), rr.message);
      status = kFault;
      break;
    case STOXVP_STOP_TIME_LIMIT:
    case STOXVP_STOP_IDLE:
    case STOXVP_STOP_STALLED:
      std::printf("stoxvp: firmware %s stopped after %s simulated: %s\n", firmware.c_str(),
                  engineering(sim_s, "s").c_str(), rr.message);
      status = kStopped;
      break;
    case STOXVP_STOP_INTERRUPTED:
      std::printf("stoxvp: firmware %s interrupted after %s simulated: %s\n", firmware.c_str(),
                  engineering(sim_s, "s").c_str(), rr.message);
      status = kInterrupted;
      break;
  }
  if (!inference_line.empty()) std::printf("%s\n", inference_line.c_str());
  if (!vm.count("quiet")) {
    std::printf("  accelerator: %llu descriptors, %llu MACs, %llu conversions, %llu MTJ samples, busy %s;"
                " DMA %llu B read, %llu B written\n",
                (unsigned long long)st.accel_descriptors, (unsigned long long)st.accel_macs,
                (unsigned long long)st.accel_conversions, (unsigned long long)st.accel_mtj_samples,
                engineering(st.accel_busy_ps * 1e-12, "s").c_str(),
                (unsigned long long)st.dma_bytes_read, (unsigned long long)st.dma_bytes_written);
    std::printf("  bus: %llu transactions, %llu errors\n", (unsigned long long)st.bus_transactions,
                (unsigned long long)st.bus_errors);
    print_cpu_line(p);
    print_energy_table(p, st);
  }
  if (output_errors.empty()) {
    if (want_vcd) std::printf("  VCD:    %s\n", vcd.c_str());
    if (!power_vcd.empty()) std::printf("  power:  %s, %s\n", power_vcd.c_str(), power_csv.c_str());
    if (!timeline.empty()) std::printf("  timeline: %s\n", timeline.c_str());
    if (!html.empty()) std::printf("  html:   %s\n", html.c_str());
    std::printf("  report: %s\n", report.c_str());
  } else {
    for (const auto& e : output_errors) std::fprintf(stderr, "stoxvp: %s\n", e.c_str());
    status = kOutput;
  }
  stoxvp_destroy(p);
  return status;
}
