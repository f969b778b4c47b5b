// The inference runner (tools/runner) behind a C interface, for the Python package (ctypes): a
// request as JSON in, the outcome as numbers and arrays out. Lives in the Python package's
// shared library only; the stoxvp C API (c_api/stoxvp.h) is linked into the same library whole,
// so Python sees one library with both.
#include "jobs.h"
#include "runner.h"
#include "stoxvp.h"
#include "tlm/platform/output_file.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace {

struct inference_session {
  std::unique_ptr<stoxvp::runner::session> session;
  stoxvp::runner::outcome outcome;
  bool collected = false;
  std::string report;  // a run over worker processes: its merged report
};

int fail(char* err, size_t len, const std::string& what) {
  if (err != nullptr && len > 0) std::snprintf(err, len, "%s", what.c_str());
  return 1;
}

// The request's fields, each checked by type; an unknown field is refused so that a misspelt
// option never silently runs the default.
stoxvp::runner::request parse_request(const std::string& text) {
  using stoxvp::runner::input_error;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw input_error(std::string("inference request: malformed JSON: ") + e.what());
  }
  if (!j.is_object()) throw input_error("inference request: expected an object");
  stoxvp::runner::request r;
  auto str = [&](const char* k, std::string& out) {
    if (!j.contains(k)) return;
    if (!j[k].is_string()) throw input_error(std::string("inference request: ") + k + ": expected a string, got " + j[k].dump());
    out = j[k].get<std::string>();
  };
  auto u32 = [&](const char* k, uint32_t& out) {
    if (!j.contains(k)) return;
    if (!j[k].is_number_unsigned() || j[k].get<uint64_t>() > UINT32_MAX)
      throw input_error(std::string("inference request: ") + k + ": expected a whole number 0..4294967295, got " + j[k].dump());
    out = j[k].get<uint32_t>();
  };
  for (const auto& [k, v] : j.items())
    if (k != "model" && k != "images" && k != "labels" && k != "first" && k != "count" && k != "converter" &&
        k != "progress" && k != "elf")
      throw input_error("inference request: unknown field '" + k + "'");
  str("model", r.model_path);
  str("images", r.images_path);
  str("labels", r.labels_path);
  str("elf", r.firmware_elf);
  u32("first", r.first);
  u32("count", r.count);
  if (j.contains("progress")) {
    if (!j["progress"].is_boolean()) throw input_error("inference request: progress: expected true or false");
    r.progress = j["progress"].get<bool>();
  }
  if (j.contains("converter") && !j["converter"].is_null()) {
    const auto& c = j["converter"];
    if (!c.is_object()) throw input_error("inference request: converter: expected an object");
    auto& o = r.converter;
    o.enabled = true;
    for (const auto& [k, v] : c.items()) {
      const std::string at = "inference request: converter." + k + ": ";
      if (k == "kind") {
        if (!v.is_string()) throw input_error(at + "expected a name, got " + v.dump());
        o.kind = stoxvp::runner::converter_override::kind_of(v.get<std::string>());
      } else if (k == "samples") {
        if (!v.is_string()) throw input_error(at + "expected a string such as \"4\" or \"1,2,4\", got " + v.dump());
        o.set_samples(v.get<std::string>());
      } else if (k == "adc_bits") {
        if (!v.is_number_unsigned() || v.get<uint64_t>() < 1 || v.get<uint64_t>() > 24)
          throw input_error(at + "expected 1..24, got " + v.dump());
        o.adc_bits = v.get<uint8_t>();
      } else if (k == "adc_range") {
        if (!v.is_number() || !(v.get<double>() >= 0) || v.get<double>() > 3.4e38)
          throw input_error(at + "expected 0 (lossless) or a positive float32, got " + v.dump());
        o.adc_range = v.get<float>();
      } else if (k == "cols_per_converter") {
        if (!v.is_number_unsigned() || v.get<uint64_t>() > 255) throw input_error(at + "expected 0..255, got " + v.dump());
        o.cols_per_converter = v.get<uint8_t>();
      } else {
        throw input_error("inference request: converter: unknown field '" + k + "'");
      }
    }
  }
  return r;
}

}  // namespace

extern "C" {

// Loads the model and the images into the platform and attaches the inference firmware.
int stoxvp_inference_prepare(stoxvp_platform* p, const char* request_json, void** out, char* err, size_t err_len) {
  if (p == nullptr || request_json == nullptr || out == nullptr) return fail(err, err_len, "stoxvp_inference_prepare: NULL argument");
  *out = nullptr;
  try {
    auto s = std::make_unique<inference_session>();
    s->session = std::make_unique<stoxvp::runner::session>(p, parse_request(request_json));
    *out = s.release();
    return 0;
  } catch (const std::exception& e) {
    return fail(err, err_len, e.what());
  }
}

// After the run: reads the firmware's results (and adds the "inference" section to the report).
int stoxvp_inference_collect(void* handle, uint32_t* images, uint32_t* classes, uint32_t* correct, int* labelled,
                             char* err, size_t err_len) {
  auto* s = static_cast<inference_session*>(handle);
  if (s == nullptr) return fail(err, err_len, "stoxvp_inference_collect: NULL session");
  try {
    if (!s->collected) s->outcome = s->session->collect();
    s->collected = true;
  } catch (const std::exception& e) {
    return fail(err, err_len, e.what());
  }
  if (images) *images = s->outcome.images;
  if (classes) *classes = s->outcome.classes;
  if (correct) *correct = s->outcome.correct;
  if (labelled) *labelled = s->outcome.labelled ? 1 : 0;
  return 0;
}

// The collected arrays, into buffers the caller sized from stoxvp_inference_collect.
int stoxvp_inference_arrays(void* handle, float* logits, uint32_t* predictions, uint64_t* latency_ns) {
  auto* s = static_cast<inference_session*>(handle);
  if (s == nullptr || !s->collected) return 1;
  const auto& o = s->outcome;
  if (logits) std::memcpy(logits, o.logits.data(), o.logits.size() * sizeof(float));
  if (predictions) std::memcpy(predictions, o.predictions.data(), o.predictions.size() * sizeof(uint32_t));
  if (latency_ns) std::memcpy(latency_ns, o.latency_ns.data(), o.latency_ns.size() * sizeof(uint64_t));
  return 0;
}

void stoxvp_inference_free(void* handle) { delete static_cast<inference_session*>(handle); }

// The images over `jobs` worker processes (tools/runner/jobs.h), merged: `spec_json` holds
// "config" (null, a file name or a configuration object), "seed" (null or a number),
// "stall_timeout_ps", "time_limit_ps", "request" (as stoxvp_inference_prepare's) and "report"
// (null or a file name the merged report is written to). The handle's arrays are read with
// stoxvp_inference_arrays, its report with stoxvp_inference_report. On failure `*status` is
// stoxvp's exit status for it (64 bad spec, 65 set-up, 66 a worker failed...).
int stoxvp_inference_jobs(const char* spec_json, uint32_t jobs, void** out, int* status, char* err, size_t err_len) {
  namespace rn = stoxvp::runner;
  if (spec_json == nullptr || out == nullptr) return fail(err, err_len, "stoxvp_inference_jobs: NULL argument");
  *out = nullptr;
  if (status) *status = 64;
  try {
    const auto spec = nlohmann::json::parse(spec_json);
    for (const auto& [k, v] : spec.items())
      if (k != "config" && k != "seed" && k != "stall_timeout_ps" && k != "time_limit_ps" && k != "request" && k != "report")
        return fail(err, err_len, "jobs spec: unknown field '" + k + "'");
    if (jobs < 1 || jobs > rn::kMaxJobs)
      return fail(err, err_len, "jobs " + std::to_string(jobs) + ": out of range (accepted: 1.." + std::to_string(rn::kMaxJobs) + ")");
    const rn::request req = parse_request(spec.at("request").dump());
    rn::platform_setup setup;
    const nlohmann::json cfg = spec.value("config", nlohmann::json());
    const std::string cfg_text = cfg.is_object() ? cfg.dump() : cfg.is_string() ? cfg.get<std::string>() : "";
    setup.create = [cfg, cfg_text](stoxvp_platform** p) {
      return cfg.is_object() ? stoxvp_create_from_json(cfg_text.c_str(), "<python configuration>", p)
             : cfg.is_string() ? stoxvp_create(cfg_text.c_str(), p)
                               : stoxvp_create(nullptr, p);
    };
    if (spec.contains("seed") && !spec["seed"].is_null()) {
      setup.seeded = true;
      setup.seed = spec["seed"].get<uint64_t>();
    }
    setup.stall_ps = spec.value("stall_timeout_ps", uint64_t(0));
    setup.limit_ps = spec.value("time_limit_ps", uint64_t(0));
    if (status) *status = 65;
    rn::request whole = req;
    whole.count = rn::images_of(req);
    const auto shares = rn::plan_jobs(whole.first, whole.count, std::min(jobs, whole.count));
    auto s = std::make_unique<inference_session>();
    auto merged = rn::run_jobs(whole, shares, [&](const rn::request& r, const rn::job_share&, bool) { return rn::run_platform(setup, r); });
    nlohmann::json workers = nlohmann::json::array();
    for (const auto& sh : shares)
      workers.push_back({{"worker", sh.worker}, {"images", sh.images()}, {"first_image", sh.first}, {"image_count", sh.count},
                         {"warmup_images", sh.warmup}});
    merged.report["jobs"] = {{"workers", shares.size()}, {"shares", workers}};
    merged.report["vcd"] = "";
    s->report = merged.report.dump(2);
    if (spec.contains("report") && spec["report"].is_string()) {
      if (status) *status = 69;
      stoxvp::output_file f(spec["report"].get<std::string>());
      f.write(s->report);
      f.write("\n", 1);
      f.commit();
    }
    s->outcome = std::move(merged.out);
    s->collected = true;
    *out = s.release();
    if (status) *status = 0;
    return 0;
  } catch (const rn::job_failure& e) {
    if (status) *status = e.status;
    return fail(err, err_len, e.what());
  } catch (const std::exception& e) {
    return fail(err, err_len, e.what());
  }
}

const char* stoxvp_inference_report(void* handle) {
  auto* s = static_cast<inference_session*>(handle);
  return s != nullptr ? s->report.c_str() : "";
}

}  // extern "C"

#include "firmware/apps/inference/bootinfo.h"

#include <cstddef>

extern "C" {

// How many images the running firmware has finished (its boot block, read without simulated
// time); for progress bars between run slices.
int stoxvp_inference_progress(stoxvp_platform* p, uint32_t* done, uint32_t* total) {
  uint64_t dram = 0, size = 0;
  if (p == nullptr || stoxvp_region(p, "dram", &dram, &size) != STOXVP_OK) return 1;
  stoxvp_bootinfo bi{};
  if (stoxvp_mem_read(p, dram, &bi, sizeof bi) != STOXVP_OK) return 1;
  if (done) *done = bi.images_done;
  if (total) *total = bi.image_count;
  return 0;
}

}  // extern "C"
