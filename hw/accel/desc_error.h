// A descriptor the command processor refuses: the ERROR_CODE to report, the bus address
// involved (or 0) and a sentence for the log.
#pragma once

#include <cstdint>
#include <string>

namespace stoxvp::hw {

struct desc_error {
  uint32_t code;
  uint64_t address;
  std::string why;
};

}  // namespace stoxvp::hw
