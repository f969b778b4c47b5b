// The descriptor-ring fuzz target's script format, shared with the seed writer.
#pragma once

#include "stoxvp_regs.h"

#include <cstdint>

namespace stoxvp::fuzz_ring {

constexpr uint64_t kRegs = 0x40000000;
constexpr uint64_t kDram = 0x80000000;
constexpr uint32_t kDramSize = 1u << 20;
constexpr uint32_t kRingOffset = 0;          // the ring kOpStartRing sets up: 256 slots at DRAM start
constexpr uint32_t kDataOffset = 0x8000;     // operands after it
constexpr double kDrainUs = 2000;            // wait for the last interrupt after the script
constexpr double kSimLimitMs = 50;           // simulated time per input

// Script opcodes (one byte, taken modulo kOpCount) and their operands, little-endian:
enum op : uint8_t {
  kOpWriteReg,   // u16 register offset, u32 value
  kOpReadReg,    // u16 register offset
  kOpPutDesc,    // u8 ring slot, 128 descriptor bytes
  kOpPutData,    // u32 DRAM offset, u16 length, the bytes
  kOpStartRing,  // u16 RING_SIZE: ring at DRAM start, both interrupts enabled, ENABLE
  kOpDoorbell,   // u16 RING_TAIL
  kOpWait,       // u16 tens of ns, or until the interrupt
  kOpAckIrq,     // IRQ_STATUS written back with what it reads
  kOpCount
};

}  // namespace stoxvp::fuzz_ring
