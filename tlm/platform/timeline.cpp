#include "timeline.h"

#include "output_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>

namespace stoxvp {
namespace {

int track_rank(const std::string& t) {
  if (t == "cpu") return 0;
  if (t == "command processor") return 1;
  if (t == "layers") return 2;
  if (t.rfind("dma", 0) == 0) return 3;
  if (t.rfind("tile ", 0) == 0) return 4;
  if (t.rfind("noc link ", 0) == 0) return 5;
  return 6;
}

// Microseconds, exactly, from picoseconds.
std::string us(uint64_t ps) {
  char b[32];
  std::snprintf(b, sizeof b, "%" PRIu64 ".%06" PRIu64, ps / 1000000, ps % 1000000);
  return b;
}

std::string number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

}  // namespace

std::vector<hw::activity_slice> layer_slices(const std::vector<hw::activity_slice>& slices) {
  std::vector<const hw::activity_slice*> cp;
  for (const auto& s : slices)
    if (s.track == "command processor") cp.push_back(&s);
  std::stable_sort(cp.begin(), cp.end(), [](auto* a, auto* b) { return a->begin_ps < b->begin_ps; });
  std::vector<hw::activity_slice> out;
  double last_tag = -1;
  for (const auto* s : cp) {
    double tag = -1;
    for (const auto& [k, v] : s->args)
      if (k == "tag") tag = v;
    if (out.empty() || tag != last_tag) {
      hw::activity_slice l{"layers", "layer " + std::to_string(static_cast<long long>(tag)), s->begin_ps, s->end_ps, {}};
      for (const auto& [k, v] : s->args)
        if (k != "slot" && k != "opcode") l.args.emplace_back(k, v);
      l.args.emplace_back("descriptors", 1);
      out.push_back(std::move(l));
    } else {
      auto& l = out.back();
      l.end_ps = s->end_ps;
      for (auto& [k, v] : l.args) {
        if (k == "descriptors") v += 1;
        else if (k != "tag")
          for (const auto& [k2, v2] : s->args)
            if (k2 == k) v += v2;
      }
    }
    last_tag = tag;
  }
  return out;
}

void write_timeline(output_file& out, const std::vector<hw::activity_slice>& slices,
                    const std::vector<counter_sample>& power) {
  // Tracks in display order, each with its slices in time order.
  std::map<std::string, std::vector<const hw::activity_slice*>> by_track;
  for (const auto& s : slices) by_track[s.track].push_back(&s);
  std::vector<std::string> tracks;
  for (const auto& [t, v] : by_track) tracks.push_back(t);
  std::stable_sort(tracks.begin(), tracks.end(), [](const std::string& a, const std::string& b) {
    const int ra = track_rank(a), rb = track_rank(b);
    if (ra != rb) return ra < rb;
    // "tile 2" before "tile 10"
    if (a.size() != b.size() && ra != 6) return a.size() < b.size();
    return a < b;
  });
  out.write("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
  out.write("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"stoxvp\"}}");
  int tid = 0;
  for (const auto& t : tracks) {
    auto& v = by_track[t];
    std::stable_sort(v.begin(), v.end(), [](auto* a, auto* b) {
      return a->begin_ps != b->begin_ps ? a->begin_ps < b->begin_ps : a->end_ps < b->end_ps;
    });
    // Lanes: a slice goes to the first lane free at its start.
    std::vector<uint64_t> lane_end;
    std::vector<std::vector<const hw::activity_slice*>> lanes;
    for (const auto* s : v) {
      size_t l = 0;
      while (l < lanes.size() && lane_end[l] > s->begin_ps) ++l;
      if (l == lanes.size()) {
        lanes.emplace_back();
        lane_end.push_back(0);
      }
      lanes[l].push_back(s);
      lane_end[l] = std::max(s->begin_ps, s->end_ps);
    }
    for (size_t l = 0; l < lanes.size(); ++l) {
      ++tid;
      const std::string name = l == 0 ? t : t + " #" + std::to_string(l + 1);
      out.write(",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":" + std::to_string(tid) +
                ",\"args\":{\"name\":" + nlohmann::json(name).dump() + "}}");
      out.write(",\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":" + std::to_string(tid) +
                ",\"args\":{\"sort_index\":" + std::to_string(tid) + "}}");
      const std::string cat = nlohmann::json(t.substr(0, t.find(' '))).dump();
      for (const auto* s : lanes[l]) {
        std::string args;
        for (const auto& [k, val] : s->args) args += (args.empty() ? "" : ",") + nlohmann::json(k).dump() + ":" + number(val);
        const std::string nm = nlohmann::json(s->name).dump();
        out.write(",\n{\"name\":" + nm + ",\"cat\":" + cat + ",\"ph\":\"B\",\"ts\":" + us(s->begin_ps) +
                  ",\"pid\":1,\"tid\":" + std::to_string(tid) + ",\"args\":{" + args + "}}");
        out.write(",\n{\"name\":" + nm + ",\"cat\":" + cat + ",\"ph\":\"E\",\"ts\":" + us(std::max(s->begin_ps, s->end_ps)) +
                  ",\"pid\":1,\"tid\":" + std::to_string(tid) + "}");
      }
    }
  }
  for (const auto& c : power) {
    std::string args;
    for (const auto& [k, v] : c.values) args += (args.empty() ? "" : ",") + nlohmann::json(k).dump() + ":" + number(v);
    out.write(",\n{\"name\":\"power (mW)\",\"ph\":\"C\",\"ts\":" + us(c.ps) + ",\"pid\":1,\"tid\":0,\"args\":{" + args +
              "}}");
  }
  out.write("\n]}\n");
}

}  // namespace stoxvp
