// stoxvp: runs firmware (host-compiled, or an RV32 image on the instruction-set simulator) on the
// virtual platform, prints a summary and writes the VCD trace and the JSON report. Uses only
// the C API, like any other client of the platform.
#include "firmware/apps/host_apps.h"
#include "runner.h"
#include "stoxvp.h"

#include <nlohmann/json.hpp>

#include <boost/program_options.hpp>

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace po = boost::program_options;

namespace {

// Exit statuses of the command itself; a firmware's own exit code is passed through.
constexpr int kUsage = 64, kSetup = 65, kFault = 66, kStalled = 67;

// "10ms", "500 us", "2s", "1500ns", "100ps" -> picoseconds.
std::optional<uint64_t> parse_time(const std::string& text) {
  size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit = text.substr(pos);
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  double scale = 0;
  if (unit == "ps") scale = 1;
  else if (unit == "ns") scale = 1e3;
  else if (unit == "us") scale = 1e6;
  else if (unit == "ms") scale = 1e9;
  else if (unit == "s") scale = 1e12;
  if (scale == 0 || !(v > 0) || !std::isfinite(v * scale) || v * scale > 1.8e19) return std::nullopt;
  return static_cast<uint64_t>(v * scale);
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

// The report just written, for the summary lines; null when it cannot be read back.
nlohmann::json read_report(const std::string& path) {
  try {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// The readable table of where the energy went.
void print_energy_table(const nlohmann::json& r) {
  if (!r.is_object()) return;
  const auto& e = r["energy"];
  const double total = e["total_pj"].get<double>();
  if (total <= 0) return;
  std::vector<std::pair<double, std::string>> rows;
  for (auto it = e["components"].begin(); it != e["components"].end(); ++it)
    if (it.value()["total_pj"].get<double>() > 0) rows.emplace_back(it.value()["total_pj"].get<double>(), it.key());
  rows.emplace_back(e["bus_pj"].get<double>(), "system bus");
  rows.emplace_back(e["cpu_pj"].get<double>(), "cpu");
  std::sort(rows.rbegin(), rows.rend());
  std::printf("  %-16s %12s %7s\n", "energy", "", "share");
  for (const auto& [pj, name] : rows)
    if (pj > 0) std::printf("  %-16s %12s %6.1f%%\n", name.c_str(), engineering(pj * 1e-12, "J").c_str(), 100 * pj / total);
  std::printf("  %-16s %12s\n", "total", engineering(total * 1e-12, "J").c_str());
  std::printf("  chip area %.2f mm^2 (%s ADC model); average power %s; %.2f TOPS/W\n",
              r["area"]["chip_mm2"].get<double>(), r["technology"]["adc_model"].get<std::string>().c_str(),
              engineering(e["average_power_mw"].get<double>() * 1e-3, "W").c_str(),
              r["summary"]["tops_per_w"].get<double>());
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
void print_cpu_line(const nlohmann::json& r) {
  if (!r.is_object() || !r.contains("cpu") || r["cpu"].value("kind", "") != "riscv") return;
  const auto& c = r["cpu"];
  std::printf("  cpu: RV32IMAC at %.0f MHz: %llu instructions (%.0f MIPS on this host), %llu interrupts taken, "
              "asleep %.1f%% of the time\n",
              c["frequency_mhz"].get<double>(), (unsigned long long)c["instructions"].get<uint64_t>(),
              c["host_mips"].get<double>(), (unsigned long long)c["interrupts_taken"].get<uint64_t>(),
              100.0 * (1.0 - c["busy_fraction"].get<double>()));
}

}  // namespace

int main(int argc, char** argv) {
  std::string config, firmware = "inference", time_limit, vcd, report, cpu = "host", elf;
  std::string converter, samples;
  uint64_t seed = 0;
  uint32_t adc_bits = 8, cols_per_converter = 0;
  float adc_range = 0;
  stoxvp::runner::request req;
  req.model_path = "models/small_cnn_mtj.sxvm";
  req.count = 1000;
  po::options_description opts(
      "stoxvp - SystemC virtual platform of the StoX-Net in-memory-computing accelerator\n\n"
      "Runs a firmware on the platform, prints a summary, writes a VCD trace and a JSON report.\n"
      "Options");
  opts.add_options()
      ("help,h", "print this help and exit")
      ("config,c", po::value(&config),
       "platform configuration (JSON); without it the built-in defaults, which equal "
       "configs/default.json")
      ("firmware,f", po::value(&firmware)->default_value(firmware),
       "firmware application to run (see --list-firmware)")
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
      ("images,n", po::value(&req.count)->default_value(req.count),
       "inference: how many test images to run (from --first)")
      ("all", "inference: run every image of the test set (10,000 for Fashion-MNIST)")
      ("first", po::value(&req.first)->default_value(0), "inference: index of the first image")
      ("images-file", po::value(&req.images_path)->default_value(req.images_path), "inference: IDX image file")
      ("labels-file", po::value(&req.labels_path)->default_value(req.labels_path),
       "inference: IDX label file ('' for none: no accuracy)")
      ("converter", po::value(&converter),
       "inference: replace every crossbar layer's converter: ideal, adc, sparse_adc, sense_amp, mtj")
      ("adc-bits", po::value(&adc_bits)->default_value(adc_bits), "with --converter adc/sparse_adc: bits")
      ("adc-range", po::value(&adc_range)->default_value(adc_range),
       "with --converter adc/sparse_adc: full scale in partial-sum units (0: lossless power of two)")
      ("samples", po::value(&samples),
       "MTJ T: one value, or one per weight slice least significant first (e.g. 1,2,4)")
      ("cols-per-converter", po::value(&cols_per_converter)->default_value(0),
       "columns sharing one converter (0: the model's)")
      ("progress", "inference: print a line every 1000 images")
      ("logits-out", po::value<std::string>(), "inference: write every image's logits (float32) to this file")
      ("time-limit,t", po::value(&time_limit),
       "stop after this much simulated time, e.g. 500us, 10ms, 2s (default: no limit)")
      ("seed", po::value(&seed), "seed of every stochastic model (overrides the configuration)")
      ("vcd", po::value(&vcd), "VCD trace file (default: traces/<firmware>.vcd)")
      ("no-vcd", "do not write a VCD trace")
      ("power-vcd", po::value<std::string>(), "power trace, VCD (default: traces/<firmware>_power.vcd)")
      ("power-csv", po::value<std::string>(), "power trace, CSV (default: traces/<firmware>_power.csv)")
      ("no-power", "do not write the power trace")
      ("report", po::value(&report), "JSON report file (default: traces/<firmware>.json)")
      ("quiet,q", "print only the summary and errors");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "stoxvp: " << e.what() << "\n(see stoxvp --help)\n";
    return kUsage;
  }
  if (vm.count("help")) {
    std::cout << opts << "\nExit status: the firmware's exit code when it exits; " << kUsage
              << " bad usage; " << kSetup << " bad configuration or output path; " << kFault
              << " firmware fault; " << kStalled << " time limit reached or nothing left to run.\n";
    return 0;
  }
  if (vm.count("list-firmware")) {
    for (size_t i = 0; i < stoxvp_host_app_count; ++i)
      std::printf("%-12s %s\n", stoxvp_host_apps[i].name, stoxvp_host_apps[i].summary);
    return 0;
  }
  if (cpu != "host" && cpu != "riscv") {
    std::cerr << "stoxvp: --cpu: '" << cpu << "' is neither host nor riscv\n";
    return kUsage;
  }
  if (!elf.empty()) {
    if (!vm["cpu"].defaulted() && cpu != "riscv") {
      std::cerr << "stoxvp: --elf runs an RV32 image on the RISC-V CPU; it cannot go with --cpu " << cpu << "\n";
      return kUsage;
    }
    cpu = "riscv";
    // A bare image is just run; naming an application asks for its host-side preparation.
    if (vm["firmware"].defaulted()) firmware = std::filesystem::path(elf).stem().string();
  }
  const stoxvp_host_app* app = stoxvp_find_host_app(firmware.c_str());
  if (app == nullptr && elf.empty()) {
    std::cerr << "stoxvp: --firmware: no application named '" << firmware
              << "' (see --list-firmware)\n";
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
  if (vm.count("gdb") && cpu != "riscv")
    return std::cerr << "stoxvp: --gdb debugs RV32 firmware: use it with --cpu riscv or --elf\n", kUsage;
  uint64_t limit_ps = 0;
  if (!time_limit.empty()) {
    auto t = parse_time(time_limit);
    if (!t) {
      std::cerr << "stoxvp: --time-limit: '" << time_limit
                << "' is not a positive time such as 500us, 10ms or 2s\n";
      return kUsage;
    }
    limit_ps = *t;
  }
  const bool inference = firmware == "inference";
  try {
    if (vm.count("all")) req.count = 0;
    req.progress = vm.count("progress") > 0;
    if (!converter.empty() || !samples.empty() || cols_per_converter) {
      auto& c = req.converter;
      c.enabled = true;
      c.kind = stoxvp::runner::converter_override::kind_of(converter.empty() ? "mtj" : converter);
      c.adc_bits = static_cast<uint8_t>(adc_bits);
      c.adc_range = adc_range;
      c.cols_per_converter = static_cast<uint8_t>(cols_per_converter);
      if (!samples.empty()) c.set_samples(samples);
    }
  } catch (const stoxvp::runner::input_error& e) {
    std::cerr << "stoxvp: " << e.what() << "\n";
    return kUsage;
  }
  if (vcd.empty()) vcd = "traces/" + firmware + ".vcd";
  if (vcd.size() < 4 || vcd.compare(vcd.size() - 4, 4, ".vcd") != 0) vcd += ".vcd";
  if (report.empty()) report = "traces/" + firmware + ".json";
  const bool want_vcd = !vm.count("no-vcd");

  stoxvp_platform* p = nullptr;
  if (stoxvp_create(config.empty() ? nullptr : config.c_str(), &p) != STOXVP_OK) {
    std::cerr << "stoxvp: " << stoxvp_last_error() << "\n";
    return kSetup;
  }
  auto fail_setup = [&](const char* what) {
    std::cerr << "stoxvp: " << what << ": " << stoxvp_last_error() << "\n";
    stoxvp_destroy(p);
    return kSetup;
  };
  if (vm.count("seed") && stoxvp_set_seed(p, seed) != STOXVP_OK) return fail_setup("--seed");
  if (want_vcd && (!make_parent(vcd) || stoxvp_enable_vcd(p, vcd.c_str()) != STOXVP_OK))
    return fail_setup("--vcd");
  std::string power_vcd, power_csv;
  if (!vm.count("no-power")) {
    power_vcd = vm.count("power-vcd") ? vm["power-vcd"].as<std::string>() : "traces/" + firmware + "_power.vcd";
    power_csv = vm.count("power-csv") ? vm["power-csv"].as<std::string>() : "traces/" + firmware + "_power.csv";
    if (!make_parent(power_vcd) || !make_parent(power_csv) ||
        stoxvp_enable_power_trace(p, power_vcd.c_str(), power_csv.c_str()) != STOXVP_OK)
      return fail_setup("--power-vcd/--power-csv");
  }
  if (!make_parent(report)) {
    std::cerr << "stoxvp: --report: cannot create the directory of " << report << "\n";
    stoxvp_destroy(p);
    return kSetup;
  }
  std::unique_ptr<stoxvp::runner::session> session;
  if (inference) {
    try {
      session = std::make_unique<stoxvp::runner::session>(p, req);
    } catch (const stoxvp::runner::input_error& e) {
      std::cerr << "stoxvp: " << e.what() << "\n";
      stoxvp_destroy(p);
      return kSetup;
    }
  } else if (!elf.empty()) {
    if (stoxvp_attach_elf(p, elf.c_str()) != STOXVP_OK) {
      std::cerr << "stoxvp: " << stoxvp_last_error() << "\n";
      stoxvp_destroy(p);
      return kSetup;
    }
  } else if (stoxvp_attach_firmware(p, app->entry, nullptr) != STOXVP_OK) {
    return fail_setup("--firmware");
  }

  if (vm.count("gdb")) {  // (its notifier checked the port)
    uint16_t port = 0;
    if (stoxvp_attach_gdb(p, static_cast<uint16_t>(std::stoul(vm["gdb"].as<std::string>())), &port) != STOXVP_OK)
      return fail_setup("--gdb");
    std::fprintf(stderr, "stoxvp: gdb: waiting on 127.0.0.1:%u (target remote :%u)\n", port, port);
  }
  stoxvp_run_result rr{};
  if (stoxvp_run(p, limit_ps, &rr) != STOXVP_OK) {
    std::cerr << "stoxvp: " << stoxvp_last_error() << "\n";
    stoxvp_write_report(p, report.c_str());
    stoxvp_destroy(p);
    return kFault;
  }
  stoxvp_stats st{};
  stoxvp_get_stats(p, &st);
  std::string inference_line;
  if (session && rr.reason == STOXVP_STOP_EXIT && rr.exit_code == 0) {
    try {
      const auto o = session->collect();
      if (vm.count("logits-out")) {
        const std::string path = vm["logits-out"].as<std::string>();
        std::FILE* f = std::fopen(path.c_str(), "wb");
        if (f == nullptr || std::fwrite(o.logits.data(), 4, o.logits.size(), f) != o.logits.size())
          std::fprintf(stderr, "stoxvp: --logits-out: cannot write %s\n", path.c_str());
        if (f) std::fclose(f);
      }
      char line[512];
      const double energy_j = st.energy_pj * 1e-12 / o.images, latency_s = o.mean_latency_ns() * 1e-9;
      std::snprintf(line, sizeof line,
                    "inference: %s on %u images: accuracy %s; per image: latency %s, energy %s, EDP %s",
                    o.model_name.c_str(), o.images,
                    o.labelled ? (std::to_string(o.accuracy() * 100).substr(0, 5) + "%").c_str() : "n/a",
                    engineering(latency_s, "s").c_str(), engineering(energy_j, "J").c_str(),
                    engineering(energy_j * latency_s, "Js").c_str());
      inference_line = line;
    } catch (const stoxvp::runner::input_error& e) {
      std::fprintf(stderr, "stoxvp: %s\n", e.what());
      rr.reason = STOXVP_STOP_FAULT;
    }
  }
  const bool report_ok = stoxvp_write_report(p, report.c_str()) == STOXVP_OK;
  const std::string report_error = report_ok ? "" : stoxvp_last_error();
  // The summary lines are read back from the report just written (null if it was not).
  const nlohmann::json summary = report_ok ? read_report(report) : nlohmann::json();

  const double sim_s = rr.sim_time_ps * 1e-12;
  int status = 0;
  switch (rr.reason) {
    case STOXVP_STOP_EXIT:
      std::printf("stoxvp: firmware %s exited with %d after %s simulated\n", firmware.c_str(),
                  rr.exit_code, engineering(sim_s, "s").c_str());
      status = rr.exit_code;
      break;
    case STOXVP_STOP_FAULT:
      std::printf("stoxvp: firmware %s FAULTED after %s simulated: %s\n", firmware.c_str(),
                  engineering(sim_s, "s").c_str(), rr.message);
      status = kFault;
      break;
    case STOXVP_STOP_TIME_LIMIT:
    case STOXVP_STOP_IDLE:
      std::printf("stoxvp: firmware %s stopped after %s simulated: %s\n", firmware.c_str(),
                  engineering(sim_s, "s").c_str(), rr.message);
      status = kStalled;
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
    print_cpu_line(summary);
  }
  if (!vm.count("quiet")) print_energy_table(summary);
  if (want_vcd) std::printf("  VCD:    %s\n", vcd.c_str());
  if (!power_vcd.empty()) std::printf("  power:  %s, %s\n", power_vcd.c_str(), power_csv.c_str());
  if (report_ok)
    std::printf("  report: %s\n", report.c_str());
  else
    std::fprintf(stderr, "stoxvp: %s\n", report_error.c_str());
  stoxvp_destroy(p);
  if (!report_ok && status == 0) status = kSetup;
  return status;
}
