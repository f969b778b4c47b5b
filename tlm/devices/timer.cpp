#include "timer.h"

#include <cstdint>

namespace stoxvp {

timer::timer(sc_core::sc_module_name name, double frequency_hz, sc_core::sc_time access_latency)
    : sc_module(name),
      socket("socket"),
      irq("irq"),
      bank_(this->name()),
      MTIME_LO(bank_, "MTIME_LO", STOXVP_TIMER_MTIME_LO, reg_access::RO, 0),
      MTIME_HI(bank_, "MTIME_HI", STOXVP_TIMER_MTIME_HI, reg_access::RO, 0),
      MTIMECMP_LO(bank_, "MTIMECMP_LO", STOXVP_TIMER_MTIMECMP_LO, reg_access::RW, 0xFFFFFFFFu),
      MTIMECMP_HI(bank_, "MTIMECMP_HI", STOXVP_TIMER_MTIMECMP_HI, reg_access::RW, 0xFFFFFFFFu),
      FREQ_HZ(bank_, "FREQ_HZ", STOXVP_TIMER_FREQ_HZ, reg_access::RO,
              static_cast<uint32_t>(frequency_hz)),
      period_(sc_core::sc_time(1.0 / frequency_hz, sc_core::SC_SEC)),
      latency_(access_latency) {
  MTIME_LO.on_read = [this](bool debug) {
    const uint64_t t = mtime_at(now_);
    if (!debug) latched_ = t;
    return static_cast<uint32_t>(t);
  };
  MTIME_HI.on_read = [this](bool debug) {
    return static_cast<uint32_t>((debug ? mtime_at(now_) : latched_) >> 32);
  };
  MTIMECMP_LO.on_write = [this](uint32_t) { compare_event_.notify(sc_core::SC_ZERO_TIME); };
  MTIMECMP_HI.on_write = [this](uint32_t) { compare_event_.notify(sc_core::SC_ZERO_TIME); };
  socket.register_b_transport(this, &timer::b_transport);
  socket.register_transport_dbg(this, &timer::transport_dbg);
  SC_METHOD(update_irq);
  sensitive << compare_event_;
}

uint64_t timer::mtime_at(const sc_core::sc_time& t) const {
  return static_cast<uint64_t>(t.value() / period_.value());
}

uint64_t timer::mtimecmp() const {
  return (static_cast<uint64_t>(MTIMECMP_HI.get()) << 32) | MTIMECMP_LO.get();
}

void timer::update_irq() {
  const uint64_t cmp = mtimecmp();
  const uint64_t now = mtime_at(sc_core::sc_time_stamp());
  irq.write(now >= cmp);
  const uint64_t p = period_.value();
  // Wake exactly when MTIME reaches MTIMECMP, unless that lies beyond sc_time's range.
  if (now < cmp && p > 0 && cmp <= UINT64_MAX / p)
    compare_event_.notify(sc_core::sc_time::from_value(cmp * p) - sc_core::sc_time_stamp());
}

void timer::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  now_ = sc_core::sc_time_stamp() + delay;
  bank_.transport(trans);
  delay += latency_;
}

unsigned int timer::transport_dbg(tlm::tlm_generic_payload& trans) {
  now_ = sc_core::sc_time_stamp();
  return bank_.transport_dbg(trans);
}

}  // namespace stoxvp
