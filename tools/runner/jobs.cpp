#include "jobs.h"

#include "hw/accel/exact_sum.h"
#include "hw/accel/pipeline.h"
#include "stoxvp_regs.h"
#include "tlm/platform/output_file.h"
#include "tlm/platform/summary.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace stoxvp::runner {
namespace {

using json = nlohmann::json;
constexpr int kFault = 66;  // stoxvp's status for a run that went wrong

[[noreturn]] void merge_fail(const std::string& what) {
  throw job_failure(kFault, "--jobs: cannot merge the workers' reports: " + what);
}

// Picoseconds as the platform reports a time in ns (sc_time::to_seconds() x 1e9).
double ns_of_ps(uint64_t ps) { return static_cast<double>(ps) * 1000.0 * 1e-15 * 1e9; }
uint64_t ps_of_ns(double ns, const std::string& path) {
  const double r = std::round(ns * 1000.0);
  const uint64_t ps = r > 0 ? static_cast<uint64_t>(r) : 0;
  if (ns_of_ps(ps) != ns) merge_fail(path + " = " + std::to_string(ns) + " ns is not a whole number of picoseconds");
  return ps;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Report fields recomputed after the walk (derived figures), or set by the parent.
bool recomputed(const std::string& path) {
  static const char* const kPaths[] = {".energy", ".summary", ".timing", ".layers", ".inference", ".run.wall_time_s",
                                       ".cpu.energy_pj", ".jobs", ".vcd", ".power_trace",
                                       ".cpu.busy_fraction", ".cpu.iss_seconds", ".cpu.host_mips",
                                       ".mapping.cell_utilisation_of_programmed_arrays"};
  for (const char* p : kPaths)
    if (path == p) return true;
  return false;
}

// r = first + sum over the other shares of (main - baseline), for every counted figure; every
// other figure must be the same in every run.
void merge_node(json& r, const std::vector<const json*>& base, const std::vector<const json*>& main, const std::string& path) {
  auto child = [](const std::vector<const json*>& v, const std::string& key) {
    std::vector<const json*> out;
    for (const json* j : v) out.push_back(j && j->is_object() && j->contains(key) ? &(*j)[key] : nullptr);
    return out;
  };
  auto item = [](const std::vector<const json*>& v, size_t i) {
    std::vector<const json*> out;
    for (const json* j : v) out.push_back(j && j->is_array() && i < j->size() ? &(*j)[i] : nullptr);
    return out;
  };
  if (recomputed(path)) return;
  for (size_t w = 0; w < base.size(); ++w)
    if (!base[w] || !main[w]) merge_fail(path + " is missing from worker " + std::to_string(w + 1) + "'s report");
  if (r.is_object()) {
    for (auto it = r.begin(); it != r.end(); ++it) merge_node(it.value(), child(base, it.key()), child(main, it.key()), path + "." + it.key());
    return;
  }
  if (r.is_array()) {
    for (size_t i = 0; i < r.size(); ++i) merge_node(r[i], item(base, i), item(main, i), path + "[" + std::to_string(i) + "]");
    return;
  }
  if (r.is_number_integer()) {  // counts: signed or unsigned 64-bit
    int64_t v = r.get<int64_t>();
    for (size_t w = 0; w < base.size(); ++w) {
      if (!main[w]->is_number_integer() || !base[w]->is_number_integer()) merge_fail(path + " is not a count in every run");
      v += main[w]->get<int64_t>() - base[w]->get<int64_t>();
    }
    r = r.is_number_unsigned() && v >= 0 ? json(static_cast<uint64_t>(v)) : json(v);
    return;
  }
  bool same = true;
  for (size_t w = 0; w < base.size(); ++w) same = same && *main[w] == r && *base[w] == r;
  if (same) return;
  // A simulated time (a field, or a group of fields, named *_ns): whole picoseconds.
  if (r.is_number_float() && (ends_with(path, "_ns") || path.find("_ns.") != std::string::npos)) {
    int64_t ps = static_cast<int64_t>(ps_of_ns(r.get<double>(), path));
    for (size_t w = 0; w < base.size(); ++w)
      ps += static_cast<int64_t>(ps_of_ns(main[w]->get<double>(), path)) - static_cast<int64_t>(ps_of_ns(base[w]->get<double>(), path));
    r = ns_of_ps(static_cast<uint64_t>(ps));
    return;
  }
  merge_fail(path + " differs between the workers and is neither a count nor a simulated time");
}

struct merged_layer {
  json report;  // the first run's entry (tag, opcode name)
  int64_t invocations = 0;
  int64_t latency_ps = 0, converter_ps = 0, macro_ps = 0, tile_ps = 0;
  std::vector<uint32_t> tiles;
  std::map<size_t, hw::exact_sum> energy;
};

using layer_key = std::pair<uint32_t, uint32_t>;

// Adds (sign +1) or subtracts (-1) one run's layers: the report's entries and the exact state's
// are both in (tag, opcode) order, the ledger's.
void add_layers(std::map<layer_key, merged_layer>& m, const job_run& r, int sign) {
  const json& rep = r.state.at("report").at("layers");
  const json& ex = r.state.at("exact").at("layers");
  if (rep.size() != ex.size()) merge_fail("the report's layers and the ledger's differ in number");
  for (size_t i = 0; i < ex.size(); ++i) {
    const layer_key key{ex[i].at("tag").get<uint32_t>(), ex[i].at("opcode").get<uint32_t>()};
    auto& l = m[key];
    if (l.report.is_null()) l.report = rep[i];
    const std::string at = ".layers[" + std::to_string(i) + "]";
    l.invocations += sign * rep[i].at("invocations").get<int64_t>();
    l.latency_ps += sign * ex[i].at("latency_ps").get<int64_t>();
    l.converter_ps += sign * static_cast<int64_t>(ps_of_ns(rep[i].at("converter_ns").get<double>(), at + ".converter_ns"));
    l.macro_ps += sign * static_cast<int64_t>(ps_of_ns(rep[i].at("macro_ns").get<double>(), at + ".macro_ns"));
    l.tile_ps += sign * static_cast<int64_t>(ps_of_ns(rep[i].at("tile_ns").get<double>(), at + ".tile_ns"));
    for (uint32_t t : ex[i].at("tiles").get<std::vector<uint32_t>>())
      if (std::find(l.tiles.begin(), l.tiles.end(), t) == l.tiles.end()) l.tiles.push_back(t);
    std::sort(l.tiles.begin(), l.tiles.end());
    for (const auto& [c, text] : ex[i].at("energy").items()) {
      const auto e = hw::exact_sum::from_text(text.get<std::string>());
      if (sign > 0)
        l.energy[std::stoul(c)] += e;
      else
        l.energy[std::stoul(c)] -= e;
    }
  }
}

// The workers of the running run_jobs, for the parent's SIGTERM handler: a SIGTERM that reaches
// only the parent is passed on, and each worker stops cleanly (status 68). SIGINT from a terminal
// reaches the workers itself (one process group), so the parent leaves it to them.
volatile sig_atomic_t g_worker_count = 0;
pid_t g_workers[kMaxJobs];
extern "C" void forward_stop_signal(int sig) {
  for (sig_atomic_t i = 0; i < g_worker_count; ++i) kill(g_workers[i], sig);
}

int64_t exact_int(const job_run& r, const char* key) { return r.state.at("exact").at(key).get<int64_t>(); }

}  // namespace

uint32_t images_of(const request& req) {
  read_model(req.model_path);
  keep_idx_images(true);  // read once here; the forked workers find the images in memory
  const auto im = read_idx_images(req.images_path);
  if (req.first >= im.count)
    throw input_error("first image " + std::to_string(req.first) + " is beyond the " + std::to_string(im.count) + " images of " +
                      req.images_path);
  if (req.count > im.count - req.first)
    throw input_error("asked for " + std::to_string(req.count) + " images from " + std::to_string(req.first) + ", " +
                      req.images_path + " holds " + std::to_string(im.count));
  return req.count ? req.count : im.count - req.first;
}

job_run run_platform(const platform_setup& setup, const request& req, const std::function<void(stoxvp_platform*)>& before_run) {
  stoxvp_platform* p = nullptr;
  if (setup.create(&p) != STOXVP_OK) throw job_failure(job_status::setup, stoxvp_last_error());
  std::unique_ptr<stoxvp_platform, void (*)(stoxvp_platform*)> owner(p, stoxvp_destroy);
  if (setup.seeded && stoxvp_set_seed(p, setup.seed) != STOXVP_OK)
    throw job_failure(job_status::setup, std::string("--seed: ") + stoxvp_last_error());
  if (stoxvp_set_stall_timeout(p, setup.stall_ps) != STOXVP_OK)
    throw job_failure(job_status::setup, std::string("--stall-timeout: ") + stoxvp_last_error());
  std::unique_ptr<session> s;
  try {
    s = std::make_unique<session>(p, req);
  } catch (const input_error& e) {
    throw job_failure(job_status::setup, e.what());
  }
  if (before_run) before_run(p);
  stoxvp_run_result rr{};
  if (stoxvp_run(p, setup.limit_ps, &rr) != STOXVP_OK) throw job_failure(job_status::fault, stoxvp_last_error());
  char sim[48];
  std::snprintf(sim, sizeof sim, "%.6g ms simulated", rr.sim_time_ps * 1e-9);
  switch (rr.reason) {
    case STOXVP_STOP_EXIT:
      if (rr.exit_code != 0)
        throw job_failure(job_status::firmware_failed, "firmware exited with " + std::to_string(rr.exit_code) + " after " + sim);
      break;
    case STOXVP_STOP_FAULT: throw job_failure(job_status::fault, std::string("firmware FAULTED after ") + sim + ": " + rr.message);
    case STOXVP_STOP_INTERRUPTED: throw job_failure(job_status::interrupted, std::string("interrupted after ") + sim + ": " + rr.message);
    default: throw job_failure(job_status::stopped, std::string("firmware stopped after ") + sim + ": " + rr.message);
  }
  job_run out;
  try {
    out.out = s->collect();
  } catch (const input_error& e) {
    throw job_failure(job_status::fault, e.what());
  }
  const char* state = nullptr;
  if (stoxvp_get_merge_state(p, &state) != STOXVP_OK) throw job_failure(job_status::fault, stoxvp_last_error());
  out.state = json::parse(state);
  if (stoxvp_close_outputs(p) != STOXVP_OK) throw job_failure(job_status::output, stoxvp_last_error());
  return out;
}

std::string job_share::images() const {
  return std::to_string(first) + "-" + std::to_string(uint64_t(first) + count - 1);
}

std::vector<job_share> plan_jobs(uint32_t first, uint32_t count, uint32_t jobs) {
  // Warm-up images a worker starts with when its share begins `offset` images into the run.
  auto warmup = [](uint64_t offset) { return offset % kInferenceRingSlots ? offset % kInferenceRingSlots : kInferenceRingSlots; };
  // Each boundary near its even split, moved to where the warm-up is short when that costs less
  // than the warm-up it saves (a warm-up costs two simulations of each of its images: the
  // baseline's and the run's).
  std::vector<uint64_t> at = {0};
  for (uint32_t w = 1; w < jobs; ++w) {
    const uint64_t even = uint64_t(count) * w / jobs;
    uint64_t best = even;
    auto cost = [&](uint64_t b) { return (b > even ? b - even : even - b) + 2 * warmup(b); };
    const uint64_t below = even / kInferenceRingSlots * kInferenceRingSlots + 1;  // offset = 1 (mod ring)
    for (uint64_t b : {below, below + kInferenceRingSlots, below >= kInferenceRingSlots ? below - kInferenceRingSlots : below})
      if (b > at.back() && b < count && cost(b) < cost(best)) best = b;
    if (best <= at.back()) best = at.back() + 1;
    at.push_back(best);
  }
  at.push_back(count);
  std::vector<job_share> shares;
  for (uint32_t w = 0; w < jobs; ++w) {
    job_share s;
    s.worker = w;
    s.first = static_cast<uint32_t>(first + at[w]);
    s.count = static_cast<uint32_t>(at[w + 1] - at[w]);
    s.warmup = w ? static_cast<uint32_t>(warmup(at[w])) : 0;
    shares.push_back(s);
  }
  return shares;
}

json to_json(const job_run& r) {
  std::vector<double> logits(r.out.logits.begin(), r.out.logits.end());
  return {{"outcome",
           {{"model_name", r.out.model_name}, {"images", r.out.images}, {"correct", r.out.correct},
            {"labelled", r.out.labelled}, {"reloaded", r.out.reloaded}, {"classes", r.out.classes},
            {"predictions", r.out.predictions}, {"logits", logits}, {"latency_ns", r.out.latency_ns}}},
          {"state", r.state}};
}

job_run job_run_of(const json& j) {
  job_run r;
  const json& o = j.at("outcome");
  r.out.model_name = o.at("model_name").get<std::string>();
  r.out.images = o.at("images").get<uint32_t>();
  r.out.correct = o.at("correct").get<uint32_t>();
  r.out.labelled = o.at("labelled").get<bool>();
  r.out.reloaded = o.at("reloaded").get<bool>();
  r.out.classes = o.at("classes").get<uint32_t>();
  r.out.predictions = o.at("predictions").get<std::vector<uint32_t>>();
  for (double v : o.at("logits").get<std::vector<double>>()) r.out.logits.push_back(static_cast<float>(v));
  r.out.latency_ns = o.at("latency_ns").get<std::vector<uint64_t>>();
  r.state = j.at("state");
  return r;
}

jobs_result merge_runs(const request& req, const job_run& first, const std::vector<std::pair<job_run, job_run>>& rest) {
  jobs_result m;
  // Outcome: the first share's images, then each share's images after its warm-up.
  outcome& o = m.out;
  o = first.out;
  for (const auto& [base, main] : rest) {
    const uint32_t warm = base.out.images, classes = o.classes;
    if (main.out.images < warm || main.out.classes != classes) merge_fail("a worker's images do not follow its warm-up");
    o.predictions.insert(o.predictions.end(), main.out.predictions.begin() + warm, main.out.predictions.end());
    o.latency_ns.insert(o.latency_ns.end(), main.out.latency_ns.begin() + warm, main.out.latency_ns.end());
    o.logits.insert(o.logits.end(), main.out.logits.begin() + size_t(warm) * classes, main.out.logits.end());
    o.images += main.out.images - warm;
    o.correct += main.out.correct - base.out.correct;
  }
  o.pipelined = req.pipelined;

  // Counted figures of the report.
  json r = first.state.at("report");
  std::vector<const json*> base, main;
  for (const auto& [b, mm] : rest) {
    base.push_back(&b.state.at("report"));
    main.push_back(&mm.state.at("report"));
  }
  merge_node(r, base, main, "");

  // The exact figures: time, busy time, bus bytes, CPU instructions, the ledger.
  auto merged_int = [&](const char* key) {
    int64_t v = exact_int(first, key);
    for (const auto& [b, mm] : rest) v += exact_int(mm, key) - exact_int(b, key);
    return v;
  };
  const uint64_t elapsed_ps = static_cast<uint64_t>(merged_int("sim_time_ps"));
  const uint64_t busy_ps = static_cast<uint64_t>(merged_int("busy_ps"));
  const uint64_t bus_bytes = static_cast<uint64_t>(merged_int("bus_bytes"));
  const uint64_t cpu_instructions = static_cast<uint64_t>(merged_int("cpu_instructions"));
  const json& ex0 = first.state.at("exact");
  const json& comps = ex0.at("components");
  std::vector<hw::exact_sum> dynamic;
  for (size_t c = 0; c < comps.size(); ++c) dynamic.push_back(hw::exact_sum::from_text(comps[c].at("dynamic").get<std::string>()));
  for (const auto& [b, mm] : rest) {
    const json& cb = b.state.at("exact").at("components");
    const json& cm = mm.state.at("exact").at("components");
    if (cb.size() != comps.size() || cm.size() != comps.size()) merge_fail("the workers' energy components differ");
    for (size_t c = 0; c < comps.size(); ++c) {
      dynamic[c] += hw::exact_sum::from_text(cm[c].at("dynamic").get<std::string>());
      dynamic[c] -= hw::exact_sum::from_text(cb[c].at("dynamic").get<std::string>());
    }
  }
  std::map<layer_key, merged_layer> layers;
  add_layers(layers, first, +1);
  for (const auto& [b, mm] : rest) {
    add_layers(layers, mm, +1);
    add_layers(layers, b, -1);
  }

  // Energy, with the platform's formulas (platform::report, energy_ledger::total).
  const double elapsed_ns = static_cast<double>(elapsed_ps) / 1000.0;
  json comp = json::object();
  double accel_pj = 0;
  for (size_t c = 0; c < comps.size(); ++c) {
    const double dyn = dynamic[c].value();
    const double total = dyn + comps[c].at("leakage_mw").get<double>() * elapsed_ns;
    comp[comps[c].at("name").get<std::string>()] = {{"dynamic_pj", dyn}, {"leakage_pj", total - dyn}, {"total_pj", total}};
    accel_pj += total;
  }
  const double bus_pj = double(bus_bytes) * 8 * ex0.at("bus_energy_pj_per_bit").get<double>();
  const double cpu_pj = ex0.at("cpu").get<bool>() ? double(cpu_instructions) * ex0.at("cpu_energy_pj_per_instruction").get<double>() : 0.0;
  const double system_pj = accel_pj + bus_pj + cpu_pj;
  const double busy_ns = ns_of_ps(busy_ps);
  const uint64_t macs = r.at("accelerator").at("macs").get<uint64_t>();
  r["energy"] = {{"components", comp},
                 {"accelerator_pj", accel_pj},
                 {"accelerator_leakage_mw", first.state.at("report").at("energy").at("accelerator_leakage_mw")},
                 {"bus_pj", bus_pj},
                 {"cpu_pj", cpu_pj},
                 {"total_pj", system_pj},
                 {"average_power_mw", elapsed_ns > 0 ? system_pj / elapsed_ns : 0.0}};
  r["summary"] = summary_report(system_pj, busy_ns, macs, r.at("accelerator").at("sops").get<uint64_t>());
  if (r.contains("cpu") && r["cpu"].contains("energy_pj")) r["cpu"]["energy_pj"] = cpu_pj;
  // Cells written over the run (a count) over the cells of the arrays programmed at its end (a
  // state: the last share's run ends where the single run ends).
  if (r.contains("mapping")) {
    const job_run& last = rest.empty() ? first : rest.back().second;
    const double cells = last.state.at("exact").at("programmed_cells").get<double>();
    const uint64_t used = r["mapping"]["arrays_programmed"].get<uint64_t>();
    r["mapping"]["cell_utilisation_of_programmed_arrays"] =
        used ? double(r["mapping"]["cells_written"].get<uint64_t>()) / cells : 0.0;
  }
  if (r.contains("cpu") && r["cpu"].contains("busy_fraction")) {  // the RISC-V CPU (riscv_cpu::stats)
    const double sim_s = static_cast<double>(elapsed_ps) * 1000.0 * 1e-15;
    const double sleep_s = static_cast<double>(ps_of_ns(r["cpu"]["sleep_ns"].get<double>(), ".cpu.sleep_ns")) * 1000.0 * 1e-15;
    r["cpu"]["busy_fraction"] = sim_s > 0 ? 1.0 - sleep_s / sim_s : 0.0;
    // Host figures: the emulation time of the runs that reported images.
    double iss = first.state.at("report").at("cpu").value("iss_seconds", 0.0);
    for (const auto& pair : rest) iss += pair.second.state.at("report").at("cpu").value("iss_seconds", 0.0);
    r["cpu"]["iss_seconds"] = iss;
    r["cpu"]["host_mips"] = iss > 0 ? double(cpu_instructions) / iss * 1e-6 : 0.0;
  }

  // Layers, and the pipelined timing derived from them (hw/accel/pipeline.h).
  json lj = json::array();
  std::vector<hw::pipeline_stage> stages;
  for (auto& [key, l] : layers) {
    if (l.invocations < 0 || l.latency_ps < 0) merge_fail("layer " + std::to_string(key.first) + " has negative figures");
    json e = json::object();
    double sum = 0;
    for (size_t c = 0; c < comps.size(); ++c) {
      const auto it = l.energy.find(c);
      const double v = it == l.energy.end() ? 0.0 : it->second.value();
      if (v != 0) e[comps[c].at("name").get<std::string>()] = v;
      sum += v;
    }
    json entry = l.report;
    entry["invocations"] = l.invocations;
    entry["latency_ns"] = ns_of_ps(uint64_t(l.latency_ps));
    entry["converter_ns"] = ns_of_ps(uint64_t(l.converter_ps));
    entry["macro_ns"] = ns_of_ps(uint64_t(l.macro_ps));
    entry["tile_ns"] = ns_of_ps(uint64_t(l.tile_ps));
    entry["tiles"] = l.tiles;
    entry["dynamic_energy_pj"] = sum;
    entry["energy_pj"] = e;
    lj.push_back(entry);
    if (key.second == STOXVP_OP_XBAR_PROGRAM || o.images == 0) continue;
    hw::pipeline_stage s;
    s.tag = key.first;
    s.opcode = static_cast<uint16_t>(key.second);
    s.ns = static_cast<double>(l.latency_ps) / 1000.0 / o.images;
    for (uint32_t t : l.tiles) s.resources.push_back("tile_" + std::to_string(t));
    if (s.resources.empty()) s.resources.push_back("shared");
    stages.push_back(std::move(s));
  }
  r["layers"] = lj;
  const auto t = hw::pipeline_of(stages, std::max(o.images, 1u));
  o.pipeline = stoxvp_pipeline{};
  o.pipeline.sequential_ns = t.sequential_ns;
  o.pipeline.bound_interval_ns = t.bound_interval_ns;
  o.pipeline.interval_ns = t.interval_ns;
  o.pipeline.latency_ns = t.latency_ns;
  o.pipeline.throughput_images_per_s = t.throughput_images_per_s;
  std::snprintf(o.pipeline.bottleneck, sizeof o.pipeline.bottleneck, "%s", t.bottleneck.c_str());
  for (const auto& s : stages)
    if (std::find(s.resources.begin(), s.resources.end(), t.bottleneck) != s.resources.end()) {
      o.pipeline.bottleneck_tag = s.tag;
      break;
    }

  // The inference and timing sections, as session::collect writes them.
  json inf = first.state.at("report").at("inference");
  inf["images"] = o.images;
  inf["first_image"] = req.first;
  inf["correct"] = o.correct;
  inf["accuracy"] = o.labelled ? json(o.accuracy()) : json();
  inf["latency_ns_per_image"] = o.mean_latency_ns();
  inf["predictions"] = o.predictions;
  r["inference"] = inf;
  r["timing"] = json::parse(timing_report(o, req.pipelined));
  // The time figure of the run section comes from the exact state (the walk checked the rest).
  r["run"]["sim_time_ns"] = ns_of_ps(elapsed_ps);
  m.report = std::move(r);
  return m;
}

jobs_result run_jobs(const request& req, const std::vector<job_share>& shares, const job_runner& run) {
  const auto started = std::chrono::steady_clock::now();
  char dir_template[] = "/tmp/stoxvp-jobs-XXXXXX";
  if (mkdtemp(dir_template) == nullptr)
    throw job_failure(kFault, std::string("--jobs: cannot make a scratch directory in /tmp: ") + std::strerror(errno));
  const std::string dir = dir_template;
  struct cleanup {
    std::string dir;
    ~cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } scratch{dir};
  auto result_path = [&](uint32_t w) { return dir + "/worker_" + std::to_string(w) + ".json"; };
  auto log_path = [&](uint32_t w) { return dir + "/worker_" + std::to_string(w) + ".log"; };

  // A test hook: STOXVP_JOBS_TEST_FAIL=<worker>:crash|exit makes that worker abort or exit with 65.
  std::string hook;
  if (const char* h = std::getenv("STOXVP_JOBS_TEST_FAIL")) hook = h;

  std::fflush(nullptr);
  std::vector<pid_t> pids;
  for (const auto& s : shares) {
    const pid_t pid = fork();
    if (pid < 0) {
      for (pid_t p : pids) kill(p, SIGTERM);
      for (pid_t p : pids) waitpid(p, nullptr, 0);
      throw job_failure(kFault, std::string("--jobs: cannot start worker ") + std::to_string(s.worker) + ": " + std::strerror(errno));
    }
    if (pid == 0) {
      // The worker: its console (the firmware's lines) to its log; errors on stderr.
      if (std::freopen(log_path(s.worker).c_str(), "w", stdout) == nullptr) _exit(kFault);
      int status = 0;
      try {
        if (hook == std::to_string(s.worker) + ":crash") std::abort();
        if (hook == std::to_string(s.worker) + ":exit")
          throw job_failure(65, "test hook STOXVP_JOBS_TEST_FAIL asked this worker to fail");
        json out;
        request r = req;
        r.first = s.first - s.warmup;
        if (s.warmup) {
          r.count = s.warmup;
          out["baseline"] = to_json(run(r, s, false));
        }
        r.count = s.warmup + s.count;
        out["main"] = to_json(run(r, s, true));
        output_file f(result_path(s.worker));
        f.write(out.dump());
        f.commit();
      } catch (const job_failure& e) {
        std::fprintf(stderr, "stoxvp: worker %u (images %s): %s\n", s.worker, s.images().c_str(), e.what());
        status = e.status ? e.status : kFault;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "stoxvp: worker %u (images %s): %s\n", s.worker, s.images().c_str(), e.what());
        status = kFault;
      }
      std::fflush(nullptr);
      _exit(status);
    }
    pids.push_back(pid);
  }

  for (size_t i = 0; i < pids.size() && i < kMaxJobs; ++i) g_workers[i] = pids[i];
  g_worker_count = static_cast<sig_atomic_t>(std::min<size_t>(pids.size(), kMaxJobs));
  struct sigaction forward {}, ignore {}, old_int {}, old_term {};
  forward.sa_handler = forward_stop_signal;
  forward.sa_flags = SA_RESTART;
  sigemptyset(&forward.sa_mask);
  ignore = forward;
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ignore, &old_int);
  sigaction(SIGTERM, &forward, &old_term);
  struct restore {
    struct sigaction i, t;
    ~restore() {
      g_worker_count = 0;
      sigaction(SIGINT, &i, nullptr);
      sigaction(SIGTERM, &t, nullptr);
    }
  } restore_handlers{old_int, old_term};

  // Wait for every worker; the first failure ends the others.
  std::vector<int> statuses(pids.size(), -1);
  size_t left = pids.size();
  std::string failure;
  int failure_status = 0;
  while (left > 0) {
    bool reaped = false;
    for (size_t i = 0; i < pids.size(); ++i) {
      if (statuses[i] != -1) continue;
      int st = 0;
      const pid_t got = waitpid(pids[i], &st, WNOHANG);
      if (got == 0 || (got < 0 && errno == EINTR)) continue;
      reaped = true;
      --left;
      statuses[i] = got < 0 ? 255 : st;
      const bool ok = got > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
      if (ok || !failure.empty()) continue;
      const auto& s = shares[i];
      std::string why = got < 0 ? "could not be waited for"
                        : WIFSIGNALED(st) ? "was killed by signal " + std::to_string(WTERMSIG(st)) + " (" + strsignal(WTERMSIG(st)) + ")"
                                          : "exited with status " + std::to_string(WEXITSTATUS(st));
      failure = "--jobs: worker " + std::to_string(s.worker) + " (images " + s.images() + ") " + why;
      failure_status = got > 0 && WIFEXITED(st)                                              ? WEXITSTATUS(st)
                       : got > 0 && (WTERMSIG(st) == SIGINT || WTERMSIG(st) == SIGTERM) ? job_status::interrupted
                                                                                        : kFault;
      std::ifstream log(log_path(s.worker));
      std::string line, tail;
      while (std::getline(log, line)) tail = line;
      if (!tail.empty()) failure += "; its last console line: " + tail;
      for (size_t k = 0; k < pids.size(); ++k)
        if (statuses[k] == -1) kill(pids[k], SIGTERM);
    }
    if (!reaped && left > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!failure.empty()) throw job_failure(failure_status, failure + "; no output was written");

  job_run first;
  std::vector<std::pair<job_run, job_run>> rest;
  for (const auto& s : shares) {
    std::ifstream in(result_path(s.worker));
    json j;
    try {
      in >> j;
    } catch (const std::exception& e) {
      throw job_failure(kFault, "--jobs: worker " + std::to_string(s.worker) + " (images " + s.images() + ") left no readable result: " + e.what());
    }
    if (s.worker == 0)
      first = job_run_of(j.at("main"));
    else
      rest.emplace_back(job_run_of(j.at("baseline")), job_run_of(j.at("main")));
  }
  jobs_result m = merge_runs(req, first, rest);
  m.report["run"]["wall_time_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return m;
}

}  // namespace stoxvp::runner
