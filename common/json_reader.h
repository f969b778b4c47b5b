// Strict reading of JSON configuration objects: every field is typed and range-checked, absent
// fields keep their defaults, and keys nobody read are reported as unknown. Every error names
// the file, the dotted field path and the offending value.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

namespace stoxvp {

struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses a whole JSON file; throws config_error (missing, unreadable or malformed, with the
// parser's line and column).
nlohmann::json parse_json_file(const std::string& path);
nlohmann::json parse_json_text(const std::string& text, const std::string& origin);

class json_object_reader {
 public:
  // `j` must outlive the reader. `path` is the dotted prefix ("" for the document root).
  json_object_reader(const nlohmann::json& j, std::string file, std::string path);

  bool has(const char* key) const;

  // Each reads an optional field into `out`; an absent field leaves `out` untouched.
  void get(const char* key, bool& out);
  void get(const char* key, std::string& out);
  // Unsigned integers also accept "0x..." strings (addresses and sizes read better in hex).
  void get(const char* key, uint64_t& out, uint64_t min = 0, uint64_t max = UINT64_MAX);
  void get(const char* key, uint32_t& out, uint32_t min = 0, uint32_t max = UINT32_MAX);
  void get(const char* key, double& out, double min, double max);

  // A nested object (an absent key gives an empty object).
  json_object_reader object(const char* key);
  // The raw value of a field, for arrays; marks it as read.
  const nlohmann::json* raw(const char* key);

  // Throws config_error for the first key that no get/object/raw call consumed.
  void finish() const;

  [[noreturn]] void fail(const char* key, const std::string& problem) const;
  std::string field(const char* key) const;
  const std::string& file() const { return file_; }

 private:
  const nlohmann::json* find(const char* key);
  const nlohmann::json& j_;
  std::string file_;
  std::string path_;
  std::set<std::string> used_;
};

}  // namespace stoxvp
