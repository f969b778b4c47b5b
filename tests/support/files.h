// Scratch files of a test. CTest runs test cases in parallel processes: each gets a directory
// of its own, so no two write the same file.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace stoxvp::test {

// The path of `name` in the running test's own scratch directory (created on first use).
inline std::string test_path(const std::string& name) {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string dir = ::testing::TempDir() + "stoxvp-" +
                          (test ? std::string(test->test_suite_name()) + "." + test->name() : std::string("none")) +
                          "-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  return dir + "/" + name;
}

// A scratch file holding `bytes`; returns its path.
inline std::string temp_file(const std::string& name, const std::string& bytes) {
  const std::string path = test_path(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

}  // namespace stoxvp::test
