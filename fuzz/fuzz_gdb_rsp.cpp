// Fuzz target: the GDB remote-protocol session of the RISC-V CPU (tlm/cpu/gdb_rsp). Every byte
// string a debugger, or anything else that reaches the port, may send must get replies, never a
// crash or a hang; the session itself answers each command against a small target.
#include "tlm/cpu/gdb_rsp.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return gdb_rsp_fuzz_one(data, size);
}
