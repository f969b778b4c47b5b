#include "json_reader.h"

#include <cmath>
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

nlohmann::json parse_json_text(const std::string& text, const std::string& origin) {
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object()) throw config_error(origin + ": the document must be a JSON object");
    return j;
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() carries "line L, column C" for syntax errors.
    std::string what = e.what();
    const auto pos = what.find("parse error");
    throw config_error(origin + ": malformed JSON: " +
                       (pos == std::string::npos ? what : what.substr(pos)));
  }
}

nlohmann::json parse_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(path + ": cannot open the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw config_error(path + ": read error");
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
