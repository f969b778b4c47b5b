#pragma once
// What every firmware session (inference, spiking, fp-train) does with the platform around a run:
// each C API call checked and turned into an input_error naming the step, DRAM laid out in
// 4 KiB-aligned blocks from its base (the boot block first), the firmware attached host-compiled
// or from an RV32 ELF.

#include "runner.h"

#include <cstdint>
#include <string>

namespace stoxvp::runner {

inline void check(stoxvp_result r, const std::string& what) {
  if (r != STOXVP_OK) throw input_error(what + ": " + stoxvp_last_error());
}

class dram_layout {
 public:
  explicit dram_layout(stoxvp_platform* p) {
    check(stoxvp_region(p, "dram", &base_, &size_), "DRAM");
    next_ = base_;
  }
  // The address of a block of `bytes`; the next block starts on the following 4 KiB boundary.
  uint64_t place(uint64_t bytes) {
    const uint64_t at = next_;
    next_ = (next_ + bytes + 4095) / 4096 * 4096;
    return at;
  }
  uint64_t base() const { return base_; }
  uint64_t size() const { return size_; }
  uint64_t next() const { return next_; }  // where the next block would start
  uint64_t end() const { return base_ + size_; }

 private:
  uint64_t base_ = 0, size_ = 0, next_ = 0;
};

// The host-compiled firmware `host` when `elf` is empty, else the ELF on the instruction-set
// simulator.
inline void attach_firmware(stoxvp_platform* p, stoxvp_firmware_entry host, const std::string& elf, const std::string& what) {
  check(elf.empty() ? stoxvp_attach_firmware(p, host, nullptr) : stoxvp_attach_elf(p, elf.c_str()), "attaching the " + what);
}

}  // namespace stoxvp::runner
