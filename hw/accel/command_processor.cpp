#include "command_processor.h"

#include "hw/core/fc_int8.h"
#include "tlm/common/log.h"

#include <cstring>

namespace stoxvp::hw {
namespace {

// A descriptor the command processor refuses: carries the ERROR_CODE and the bus address.
struct desc_error {
  uint32_t code;
  uint64_t address;
  std::string why;
};

const char* opcode_name(uint32_t op) {
  switch (op) {
#define STOXVP_X_OPNAME(name, val, doc) \
  case val: return #name;
    STOXVP_OPCODES(STOXVP_X_OPNAME)
#undef STOXVP_X_OPNAME
  }
  return "unknown";
}

}  // namespace

command_processor::command_processor(sc_core::sc_module_name name,
                                     const accelerator_config& cfg, accel_registers& regs,
                                     dma_engine& dma)
    : sc_module(name),
      busy("busy", false),
      ring_occupancy("ring_occupancy", 0),
      desc_slot("desc_slot", 0),
      desc_opcode("desc_opcode", 0),
      cfg_(cfg),
      regs_(regs),
      dma_(dma) {
  SC_THREAD(run);
}

void command_processor::kick(const sc_core::sc_time& delay) { kick_.notify(delay); }

uint32_t command_processor::occupancy() const {
  const uint32_t size = regs_.RING_SIZE.get();
  if (size == 0) return 0;
  return (regs_.RING_TAIL.get() + size - regs_.RING_HEAD.get()) % size;
}

bool command_processor::can_fetch() const {
  return (regs_.CTRL.get() & STOXVP_CTRL_ENABLE) && !(regs_.STATUS.get() & STOXVP_STATUS_HALTED) &&
         regs_.RING_HEAD.get() != regs_.RING_TAIL.get();
}

void command_processor::update_trace() {
  ring_occupancy.write(occupancy());
  const bool empty = regs_.RING_HEAD.get() == regs_.RING_TAIL.get();
  if (empty)
    regs_.STATUS.set_bits(STOXVP_STATUS_RING_EMPTY);
  else
    regs_.STATUS.clear_bits(STOXVP_STATUS_RING_EMPTY);
}

void command_processor::halt(uint32_t code, uint32_t slot, uint64_t addr,
                             const std::string& why) {
  ++stats_.errors;
  if (regs_.ERROR_CODE.get() == STOXVP_ERR_NONE) {
    regs_.ERROR_CODE.set(code);
    regs_.ERROR_SLOT.set(slot);
    regs_.ERROR_ADDR_LO.set(static_cast<uint32_t>(addr));
    regs_.ERROR_ADDR_HI.set(static_cast<uint32_t>(addr >> 32));
  }
  regs_.STATUS.set_bits(STOXVP_STATUS_HALTED);
  regs_.STATUS.clear_bits(STOXVP_STATUS_BUSY);
  regs_.IRQ_STATUS.set_bits(STOXVP_IRQ_STATUS_ERROR);
  log(log_level::warning, name(), "halted, error " + std::to_string(code) + " at ring slot " +
                                      std::to_string(slot) + ": " + why);
  if (on_irq_status) on_irq_status();
}

void command_processor::run() {
  for (;;) {
    update_trace();
    while (!can_fetch()) {
      busy.write(false);
      wait(kick_);
      update_trace();
    }
    const uint64_t generation = generation_;
    const uint32_t slot = regs_.RING_HEAD.get();
    const uint64_t base =
        (static_cast<uint64_t>(regs_.RING_BASE_HI.get()) << 32) | regs_.RING_BASE_LO.get();
    const uint64_t desc_addr = base + static_cast<uint64_t>(slot) * STOXVP_DESC_SIZE;

    regs_.STATUS.set_bits(STOXVP_STATUS_BUSY);
    busy.write(true);
    desc_slot.write(slot);
    qk_.reset();
    sc_core::sc_time local = qk_.get_local_time();
    const sc_core::sc_time start = sc_core::sc_time_stamp() + local;
    stoxvp_desc d{};
    try {
      dma_.read(desc_addr, &d, sizeof d, local);
      desc_opcode.write(d.hdr.opcode);
      execute(d, local);
    } catch (const desc_error& e) {
      qk_.set(local);
      qk_.sync();
      if (generation == generation_) halt(e.code, slot, e.address, e.why);
      continue;
    } catch (const dma_fault& e) {
      qk_.set(local);
      qk_.sync();
      if (generation == generation_) halt(STOXVP_ERR_DMA_FAULT, slot, e.address, e.what());
      continue;
    }
    // Descriptor boundary: catch up with simulated time so registers, the interrupt and the
    // trace change when the work really finishes.
    qk_.set(local);
    qk_.sync();
    if (generation != generation_) continue;  // soft reset while executing: drop the result
    stats_.busy_time += sc_core::sc_time_stamp() - start;
    ++stats_.descriptors;
    regs_.RING_HEAD.set((slot + 1) % regs_.RING_SIZE.get());
    regs_.STATUS.clear_bits(STOXVP_STATUS_BUSY);
    if (d.hdr.flags & STOXVP_DESC_F_IRQ) {
      regs_.IRQ_STATUS.set_bits(STOXVP_IRQ_STATUS_DONE);
      if (on_irq_status) on_irq_status();
    }
  }
}

void command_processor::execute(const stoxvp_desc& d, sc_core::sc_time& local) {
  // Decoding a descriptor costs a few cycles of the command processor.
  local += cfg_.clock_period * 4;
  if (d.hdr.version != STOXVP_DESC_VERSION)
    throw desc_error{STOXVP_ERR_BAD_VERSION, 0,
                     "descriptor version " + std::to_string(d.hdr.version) + ", expected " +
                         std::to_string(STOXVP_DESC_VERSION)};
  switch (d.hdr.opcode) {
    case STOXVP_OP_NOP:
      return;
    case STOXVP_OP_FC_INT8:
      exec_fc_int8(d.args.fc, local);
      return;
    default:
      throw desc_error{STOXVP_ERR_BAD_OPCODE, 0,
                       "opcode " + std::to_string(d.hdr.opcode) + " (" +
                           opcode_name(d.hdr.opcode) + ") is not supported"};
  }
}

void command_processor::exec_fc_int8(const stoxvp_fc_int8_args& a, sc_core::sc_time& local) {
  auto shape = [](const char* field, uint32_t v) {
    if (v == 0 || v > 65536)
      throw desc_error{STOXVP_ERR_BAD_SHAPE, 0,
                       std::string("FC_INT8 ") + field + " = " + std::to_string(v) +
                           ", allowed 1..65536"};
  };
  shape("in_features", a.in_features);
  shape("out_features", a.out_features);
  shape("batch", a.batch);
  const uint64_t K = a.in_features, N = a.out_features, M = a.batch;
  const uint64_t in_bytes = M * K, w_bytes = N * K, bias_bytes = N * 4, out_bytes = M * N * 4;
  for (auto [field, bytes] : {std::pair<const char*, uint64_t>{"input", in_bytes},
                              {"weight", w_bytes},
                              {"output", out_bytes}}) {
    if (bytes > cfg_.max_operand_bytes)
      throw desc_error{STOXVP_ERR_BAD_SHAPE, 0,
                       std::string("FC_INT8 ") + field + " operand of " + std::to_string(bytes) +
                           " bytes exceeds the " + std::to_string(cfg_.max_operand_bytes) +
                           "-byte limit"};
  }
  auto address = [](const char* field, uint64_t addr, uint64_t align) {
    if (addr == 0 || addr % align != 0)
      throw desc_error{STOXVP_ERR_BAD_ADDRESS, addr,
                       std::string("FC_INT8 ") + field + " = " + hex(addr) +
                           (addr == 0 ? " is null" : " is not " + std::to_string(align) +
                                                         "-byte aligned")};
  };
  address("input_addr", a.input_addr, 1);
  address("weight_addr", a.weight_addr, 1);
  address("output_addr", a.output_addr, 4);
  if (a.bias_addr != 0) address("bias_addr", a.bias_addr, 4);

  buf_in_.resize(in_bytes);
  buf_w_.resize(w_bytes);
  buf_out_.resize(out_bytes);
  dma_.read(a.input_addr, buf_in_.data(), in_bytes, local);
  dma_.read(a.weight_addr, buf_w_.data(), w_bytes, local);
  const int32_t* bias = nullptr;
  if (a.bias_addr != 0) {
    buf_bias_.resize(bias_bytes);
    dma_.read(a.bias_addr, buf_bias_.data(), bias_bytes, local);
    bias = reinterpret_cast<const int32_t*>(buf_bias_.data());
  }
  core::fc_int8(reinterpret_cast<const int8_t*>(buf_in_.data()),
                reinterpret_cast<const int8_t*>(buf_w_.data()), bias,
                reinterpret_cast<int32_t*>(buf_out_.data()), M, N, K);
  const uint64_t macs = M * N * K;
  stats_.macs += macs;
  const uint64_t cycles = (macs + cfg_.digital_macs_per_cycle - 1) / cfg_.digital_macs_per_cycle;
  local += cfg_.clock_period * static_cast<double>(cycles);
  dma_.write(a.output_addr, buf_out_.data(), out_bytes, local);
}

}  // namespace stoxvp::hw
