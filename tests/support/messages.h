// Checking refusals: bad input must be refused with a message naming the file, the field and
// the value. These helpers give the message an operation throws and check what it mentions.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <string>

namespace stoxvp::test {

// The message of the E that `f` throws; "" when it throws none.
template <typename E>
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

// Something was refused, and the message mentions every part.
inline void expect_mentions(const std::string& msg, std::initializer_list<const char*> parts) {
  ASSERT_FALSE(msg.empty()) << "nothing was refused";
  for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
}

}  // namespace stoxvp::test
