// Statistics of a unit: a named group of typed counters and values, and nested groups. Units
// fill one (`void stats(stat_group&) const`) and know nothing of how it is shown; the edges
// (the platform's JSON report, the C API, a foreign SoC's own reporting) walk the groups.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace stoxvp {

class stat_group {
 public:
  // Counters are unsigned; signed integers, measurements (double), flags and text are values.
  using value = std::variant<uint64_t, int64_t, double, bool, std::string>;
  struct entry {
    std::string name;
    value v;
  };

  explicit stat_group(std::string name = {}) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }

  // Sets (or replaces) one named statistic; the type follows the argument's.
  template <class T>
  stat_group& set(const std::string& name, const T& v) {
    value x;
    if constexpr (std::is_same_v<T, bool>) {
      x = v;
    } else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
      x = static_cast<uint64_t>(v);
    } else if constexpr (std::is_integral_v<T>) {
      x = static_cast<int64_t>(v);
    } else if constexpr (std::is_floating_point_v<T>) {
      x = static_cast<double>(v);
    } else {
      x = std::string(v);
    }
    for (auto& e : entries_)
      if (e.name == name) {
        e.v = std::move(x);
        return *this;
      }
    entries_.push_back({name, std::move(x)});
    return *this;
  }

  // The nested group of that name, created on first use (references stay valid).
  stat_group& group(const std::string& name) {
    for (auto& g : groups_)
      if (g.name_ == name) return g;
    return groups_.emplace_back(name);
  }

  const std::vector<entry>& entries() const { return entries_; }
  const std::list<stat_group>& groups() const { return groups_; }

  // The statistic at a dotted path ("sram.bytes_read"), or null.
  const value* find(const std::string& path) const {
    const auto dot = path.find('.');
    if (dot == std::string::npos) {
      for (const auto& e : entries_)
        if (e.name == path) return &e.v;
      return nullptr;
    }
    for (const auto& g : groups_)
      if (g.name_ == path.substr(0, dot)) return g.find(path.substr(dot + 1));
    return nullptr;
  }
  // A counter at a dotted path; 0 when absent or not a counter.
  uint64_t counter(const std::string& path) const {
    const value* v = find(path);
    return v != nullptr && std::holds_alternative<uint64_t>(*v) ? std::get<uint64_t>(*v) : 0;
  }

 private:
  std::string name_;
  std::vector<entry> entries_;
  std::list<stat_group> groups_;
};

}  // namespace stoxvp
