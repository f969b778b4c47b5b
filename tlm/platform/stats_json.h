// The edge where statistics become JSON: the platform's report and the C API serialise the stat
// groups the units fill (common/stats.h); no unit builds JSON itself.
#pragma once

#include "common/stats.h"

#include <nlohmann/json.hpp>

#include <variant>

namespace stoxvp {

inline nlohmann::json stats_to_json(const stat_group& g) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& e : g.entries()) std::visit([&](const auto& v) { j[e.name] = v; }, e.v);
  for (const auto& c : g.groups()) j[c.name()] = stats_to_json(c);
  return j;
}

}  // namespace stoxvp
