// Test support: every test gets a fresh SystemC kernel (SystemC 2.3 elaborates a context only
// once) and can capture the platform log to assert on what was reported.
#pragma once

#include "common/log.h"

#include <gtest/gtest.h>
#include <systemc>

#include <string>
#include <vector>

namespace stoxvp::test {

inline void fresh_kernel() {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  sc_core::sc_report_handler::set_actions(sc_core::SC_ERROR, sc_core::SC_THROW);
  sc_core::sc_report_handler::set_actions(sc_core::SC_FATAL, sc_core::SC_THROW);
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
}

// Collects log lines while alive.
class log_capture {
 public:
  log_capture() {
    previous_ = set_log_sink([this](const log_record& r) { lines_.push_back(r.line); });
  }
  ~log_capture() { set_log_sink(previous_); }
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;

  const std::vector<std::string>& lines() const { return lines_; }
  // True when one line contains every fragment.
  bool contains(std::initializer_list<std::string> fragments) const {
    for (const auto& l : lines_) {
      bool all = true;
      for (const auto& f : fragments) all = all && l.find(f) != std::string::npos;
      if (all) return true;
    }
    return false;
  }
  std::string all() const {
    std::string s;
    for (const auto& l : lines_) s += l + "\n";
    return s;
  }

 private:
  log_sink previous_;
  std::vector<std::string> lines_;
};

class kernel_test : public ::testing::Test {
 protected:
  void SetUp() override { fresh_kernel(); }
};

}  // namespace stoxvp::test
