// Images spread over worker processes (stoxvp --jobs N): each worker builds its own platform and
// runs a contiguous share of the images; the parent merges predictions, logits, the report and
// the energy ledger so that the numbers equal the single-process run's bit for bit.
//
// What makes that exact (docs/architecture.md, "Images spread over cores"):
//  - the MTJ draws of image i are keyed by its dataset index (bootinfo.h), not by its place in
//    the run;
//  - an image's costs depend on the platform's state when it starts: the global buffer's
//    contents, and the command ring's position, which decides where the driver's half-ring
//    interrupts fall (inference.c's ring of kInferenceRingSlots slots). A worker whose share
//    starts at image a therefore first simulates w warm-up images a-w .. a-1, w >= 1 and
//    w = a - first (mod kInferenceRingSlots), so its images start from the single run's state;
//  - a worker's contribution is its run minus a second run of its set-up and warm-up alone;
//    integers (counts, picoseconds) subtract exactly, and the energy ledger's sums are exact
//    (hw/accel/exact_sum.h), so the merged totals are the single run's, rounded once;
//  - every derived figure (energy totals, power, EDP, TOPS/W, accuracy, mean latency, both
//    timing modes) is recomputed from the merged figures with the platform's own formulas.
#pragma once

#include "runner.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace stoxvp::runner {

// The inference firmware's command ring (firmware/apps/inference/inference.c, RING_SLOTS): the
// period after which an image meets the ring in the same position.
constexpr uint32_t kInferenceRingSlots = 64;
// Most workers a run may use.
constexpr uint32_t kMaxJobs = 256;

// A worker that failed, or figures that cannot be merged: `status` is the exit status the run
// ends with (stoxvp's statuses), the message names the worker and its images.
struct job_failure : std::runtime_error {
  job_failure(int status, const std::string& what) : std::runtime_error(what), status(status) {}
  int status;
};

// The images `req` runs (its count, or every image from `first` when 0), with the model and the
// image file checked; throws input_error as session would.
uint32_t images_of(const request& req);

// One worker's share of the images.
struct job_share {
  uint32_t worker = 0;
  uint32_t first = 0, count = 0;  // dataset index of its first image, and how many it reports
  uint32_t warmup = 0;            // images before `first` it simulates and does not report
  std::string images() const;     // "100-199" (dataset indices, inclusive)
};

// `count` images from dataset index `first` over `jobs` workers (jobs <= count): contiguous
// shares in image order, each boundary at the even split or, when that is cheaper, moved to an
// image one past a multiple of the ring from `first` (a warm-up of one image instead of up to 64).
std::vector<job_share> plan_jobs(uint32_t first, uint32_t count, uint32_t jobs);

// stoxvp's exit statuses, which a failing worker's job_failure carries.
namespace job_status {
constexpr int firmware_failed = 1, setup = 65, fault = 66, stopped = 67, interrupted = 68, output = 69;
}

// One platform run of a worker: the collected outcome and stoxvp_get_merge_state's JSON.
struct job_run {
  outcome out;
  nlohmann::json state;
};
nlohmann::json to_json(const job_run& r);
job_run job_run_of(const nlohmann::json& j);

// Builds, runs and collects one platform for `req` (its first and count set to the images to
// simulate); `main_run` is false for a worker's set-up-and-warm-up baseline (no traces).
// Throws job_failure with the run's exit status when it does not complete.
using job_runner = std::function<job_run(const request& req, const job_share& share, bool main_run)>;

// How a worker builds its platform: the configuration (a callback creating it), seed, stall
// watchdog and simulated-time limit (0: none), as the command line's options give them.
struct platform_setup {
  std::function<stoxvp_result(stoxvp_platform**)> create;
  bool seeded = false;
  uint64_t seed = 0, stall_ps = 0, limit_ps = 0;
};
// Builds a platform, prepares `req` on it, calls `before_run` (traces), runs it to the end and
// collects; throws job_failure with stoxvp's status when any step fails or the firmware does
// not exit with 0.
job_run run_platform(const platform_setup& setup, const request& req,
                     const std::function<void(stoxvp_platform*)>& before_run = nullptr);

struct jobs_result {
  outcome out;
  nlohmann::json report;
};

// Forks one worker process per share (the first runs its images; every other one its baseline
// and its images), waits for all, and merges. A worker that fails (or is killed) ends the others
// and throws job_failure naming it and its images; its log (the firmware's console) is printed.
jobs_result run_jobs(const request& req, const std::vector<job_share>& shares, const job_runner& run);

// The merge: `first` is the first share's run (set-up included), `rest` every other share's
// (baseline, main run) pair. `req` is the whole run's request.
jobs_result merge_runs(const request& req, const job_run& first, const std::vector<std::pair<job_run, job_run>>& rest);

}  // namespace stoxvp::runner
