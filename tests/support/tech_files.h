// The shipped technology file as test input: its text, and the refusal that loading it with
// one value changed gives (the technology tests probe the reader one field at a time).
#pragma once

#include "support/files.h"
#include "support/messages.h"
#include "common/json_reader.h"
#include "hw/accel/cost/tech_file.h"

#include <fstream>
#include <sstream>
#include <string>

namespace stoxvp::test {

inline std::string shipped_tech_text() {
  std::ifstream in(STOXVP_SOURCE_DIR "/configs/tech/default.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The message loading the shipped file, with the first `from` replaced by `to`, as `name` gives.
inline std::string tech_error_with(const std::string& from, const std::string& to, const std::string& name) {
  std::string t = shipped_tech_text();
  const auto at = t.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) t.replace(at, from.size(), to);
  const std::string path = temp_file(name, t);
  return message_of<config_error>([&] { load_tech_file(path); });
}

}  // namespace stoxvp::test
