#include "json_reader.h"

#include <cmath>
#include <filesystem>
#include <functional>
#include <vector>
#include <fstream>
#include <sstream>

namespace stoxvp {
namespace {

const nlohmann::json& empty_object() {
  static const nlohmann::json e = nlohmann::json::object();
  return e;
}

std::string shown(const nlohmann::json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

}  // namespace

namespace {

// Follows the parser through the document, so that an error found while parsing (a duplicate
// key, a number out of double range) names the field it happened in. The parser itself keeps
// the last of duplicate keys silently and reports an overflowing number without a position.
class key_tracker {
 public:
  explicit key_tracker(const std::string& origin) : origin_(origin) {}

  bool operator()(int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using ev = nlohmann::json::parse_event_t;
    switch (event) {
      case ev::object_start: frames_.push_back({true, {}, "", 0}); break;
      case ev::array_start: frames_.push_back({false, {}, "", 0}); break;
      case ev::key: {
        auto& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second)
          throw config_error(origin_ + ": field '" + path() + "' appears twice in the same object");
        break;
      }
      case ev::object_end:
      case ev::array_end:
        frames_.pop_back();
        next_element();
        break;
      case ev::value: next_element(); break;
    }
    return true;
  }

  // The dotted path of the value being parsed ("a.b[2].c").
  std::string path() const {
    std::string p;
    for (size_t i = 0; i < frames_.size(); ++i) {
      const auto& f = frames_[i];
      if (f.object) {
        if (f.key.empty() && i + 1 == frames_.size()) break;
        p += (p.empty() ? "" : ".") + f.key;
      } else {
        p += "[" + std::to_string(f.index) + "]";
      }
    }
    return p;
  }

 private:
  struct frame {
    bool object;
    std::set<std::string> keys;
    std::string key;  // objects: the key whose value is being parsed
    size_t index;     // arrays: the element being parsed
  };
  void next_element() {
    if (frames_.empty()) return;
    auto& f = frames_.back();
    if (f.object)
      f.key.clear();
    else
      ++f.index;
  }
  const std::string& origin_;
  std::vector<frame> frames_;
};

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& origin) {
  key_tracker keys(origin);
  try {
    nlohmann::json j = nlohmann::json::parse(text, std::ref(keys));
    if (!j.is_object()) throw config_error(origin + ": the document must be a JSON object");
    return j;
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() carries "line L, column C" for syntax errors.
    std::string what = e.what();
    const auto pos = what.find("parse error");
    throw config_error(origin + ": malformed JSON: " +
                       (pos == std::string::npos ? what : what.substr(pos)));
  } catch (const nlohmann::json::out_of_range& e) {
    // A number beyond double range ("1e400"); the parser's message quotes it.
    std::string what = e.what();
    const auto pos = what.find("number overflow");
    const std::string field = keys.path();
    throw config_error(origin + ": " + (field.empty() ? std::string() : "field '" + field + "': ") +
                       (pos == std::string::npos ? what : what.substr(pos)) +
                       ": the value is beyond the range of a double");
  }
}

nlohmann::json parse_json_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw config_error(path + ": is a directory, not a JSON file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(path + ": cannot open the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw config_error(path + ": read error");
  if (ss.str().empty()) throw config_error(path + ": malformed JSON: the file is empty");
  return parse_json_text(ss.str(), path);
}

json_object_reader::json_object_reader(const nlohmann::json& j, std::string file,
                                       std::string path)
    : j_(j), file_(std::move(file)), path_(std::move(path)) {
  if (!j_.is_object()) {
    throw config_error(file_ + ": field '" + path_ + "': expected an object, got " + shown(j_));
  }
}

std::string json_object_reader::field(const char* key) const {
  return path_.empty() ? std::string(key) : path_ + "." + key;
}

void json_object_reader::fail(const char* key, const std::string& problem) const {
  throw config_error(file_ + ": field '" + field(key) + "': " + problem);
}

bool json_object_reader::has(const char* key) const { return j_.contains(key); }

const nlohmann::json* json_object_reader::find(const char* key) {
  auto it = j_.find(key);
  if (it == j_.end()) return nullptr;
  used_.insert(key);
  return &*it;
}

void json_object_reader::get(const char* key, bool& out) {
  if (const auto* v = find(key)) {
    if (!v->is_boolean()) fail(key, "expected true or false, got " + shown(*v));
    out = v->get<bool>();
  }
}

void json_object_reader::get(const char* key, std::string& out) {
  if (const auto* v = find(key)) {
    if (!v->is_string()) fail(key, "expected a string, got " + shown(*v));
    out = v->get<std::string>();
  }
}

void json_object_reader::get(const char* key, uint64_t& out, uint64_t min, uint64_t max) {
  const auto* v = find(key);
  if (v == nullptr) return;
  uint64_t value = 0;
  if (v->is_number_unsigned()) {
    value = v->get<uint64_t>();
  } else if (v->is_string()) {
    const std::string s = v->get<std::string>();
    size_t used = 0;
    bool ok = !s.empty() && s[0] != '-' && s[0] != '+' && s[0] != ' ';
    if (ok) {
      try {
        value = std::stoull(s, &used, 0);
      } catch (const std::exception&) {
        ok = false;
      }
    }
    if (!ok || used != s.size())
      fail(key, "expected an unsigned integer (decimal or \"0x...\"), got " + shown(*v));
  } else {
    fail(key, "expected an unsigned integer, got " + shown(*v));
  }
  if (value < min || value > max)
    fail(key, "value " + std::to_string(value) + " is outside " + std::to_string(min) + ".." +
                  std::to_string(max));
  out = value;
}

void json_object_reader::get(const char* key, uint32_t& out, uint32_t min, uint32_t max) {
  uint64_t v = out;
  get(key, v, min, max);
  out = static_cast<uint32_t>(v);
}

void json_object_reader::get(const char* key, double& out, double min, double max) {
  const auto* v = find(key);
  if (v == nullptr) return;
  if (!v->is_number()) fail(key, "expected a number, got " + shown(*v));
  const double d = v->get<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    std::ostringstream ss;
    ss << "value " << shown(*v) << " is outside " << min << ".." << max;
    fail(key, ss.str());
  }
  out = d;
}

json_object_reader json_object_reader::object(const char* key) {
  const auto* v = find(key);
  if (v == nullptr) return json_object_reader(empty_object(), file_, field(key));
  if (!v->is_object()) fail(key, "expected an object, got " + shown(*v));
  return json_object_reader(*v, file_, field(key));
}

const nlohmann::json* json_object_reader::raw(const char* key) { return find(key); }

void json_object_reader::finish() const {
  for (auto it = j_.begin(); it != j_.end(); ++it) {
    if (!used_.count(it.key()))
      throw config_error(file_ + ": unknown field '" + field(it.key().c_str()) + "'");
  }
}

}  // namespace stoxvp
