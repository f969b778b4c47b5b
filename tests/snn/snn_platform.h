// The platform mode of the spiking case runner: the case's network loaded into an accelerator's
// snn_cim group through SNN_LOAD_LAYER descriptors in the command ring, each timestep run with
// SNN_RUN_TIMESTEP, every layer's spike counts read with SNN_READ_STATE after each timestep (their
// increase is the timestep's spikes) and the potentials at the end. A CPU stand-in drives the
// registers over the bus; weights, events and results move through DRAM by the accelerator's DMA.
#pragma once

#include "hw/accel/accelerator.h"
#include "hw/accel/cost/tech_file.h"
#include "support/stimulus.h"
#include "tlm/bus/bus.h"
#include "tlm/memory/memory.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace stoxvp::test {

inline nlohmann::json run_snn_case_on_platform(const nlohmann::json& c, uint32_t macros, uint32_t bit_level_max_neurons,
                                               nlohmann::json* costs = nullptr) {
  constexpr uint64_t kRegs = 0x40000000, kDram = 0x80000000, kDramSize = 64 << 20;
  sc_core::sc_report_handler::set_actions(sc_core::SC_ERROR, sc_core::SC_THROW);
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_signal<bool> irq("irq");
  bus b("bus", sc_core::sc_time(1, sc_core::SC_NS),
        std::vector<address_range>{{"accelerator", kRegs, STOXVP_REG_WINDOW}, {"dram", kDram, kDramSize}},
        std::vector<std::string>{"cpu", "accelerator.dma"});
  memory dram("dram", kDramSize, memory_timing{sc_core::sc_time(50, sc_core::SC_NS), sc_core::sc_time(50, sc_core::SC_NS), 25.6});
  hw::accelerator_config cfg;
  hw::tile_group x, s;
  x.kind = "xbar";
  x.count = cfg.tiles;
  s.kind = "snn_cim";
  s.count = macros;
  s.params["bit_level_max_neurons"] = bit_level_max_neurons;
  cfg.tile_groups = {x, s};
  hw::accelerator acc("accelerator", cfg, default_tech().tech);
  stimulus cpu("cpu");
  b.connect_target("accelerator", acc.regs);
  b.connect_target("dram", dram.socket);
  b.connect_initiator("cpu", cpu.socket);
  b.connect_initiator("accelerator.dma", acc.mem);
  acc.irq.bind(irq);
  cpu.irq.bind(irq);
  auto mem = [&](uint64_t a) { return dram.data() + (a - kDram); };

  const auto& layers = c.at("layers");
  const uint64_t ring = kDram, slots = 64;
  uint64_t heap = kDram + 0x10000;
  auto alloc = [&](uint64_t bytes) {
    const uint64_t a = heap;
    heap += (bytes + 63) / 64 * 64;
    if (heap > kDram + kDramSize) throw std::runtime_error("case too large for the bench's DRAM");
    return a;
  };
  std::vector<uint32_t> outputs;
  for (const auto& l : layers) {
    const uint32_t oh = l.at("type") == 1 ? 1 : (uint32_t(l.at("in_h")) + 2 * uint32_t(l.at("pad")) - uint32_t(l.at("kernel"))) / uint32_t(l.at("stride")) + 1;
    const uint32_t ow = l.at("type") == 1 ? 1 : (uint32_t(l.at("in_w")) + 2 * uint32_t(l.at("pad")) - uint32_t(l.at("kernel"))) / uint32_t(l.at("stride")) + 1;
    outputs.push_back(uint32_t(l.at("out_c")) * oh * ow);
  }
  nlohmann::json spikes = nlohmann::json::array(), pot = nlohmann::json::array(), cnt = nlohmann::json::array();
  std::string error;
  uint32_t tail = 0;
  cpu.body = [&](stimulus& st) {
    auto set = [&](uint32_t off, uint32_t v) { st.write32(kRegs + off, v); };
    auto get = [&](uint32_t off) { return st.read32(kRegs + off); };
    set(STOXVP_REG_RING_BASE_LO, uint32_t(ring));
    set(STOXVP_REG_RING_BASE_HI, uint32_t(ring >> 32));
    set(STOXVP_REG_RING_SIZE, slots);
    set(STOXVP_REG_IRQ_ENABLE, STOXVP_IRQ_ENABLE_DONE | STOXVP_IRQ_ENABLE_ERROR);
    set(STOXVP_REG_CTRL, STOXVP_CTRL_ENABLE);
    // Submits one descriptor and waits for it.
    auto submit = [&](stoxvp_desc d) -> bool {
      d.hdr.version = STOXVP_DESC_VERSION;
      d.hdr.flags = STOXVP_DESC_F_IRQ;
      std::memcpy(mem(ring + tail * STOXVP_DESC_SIZE), &d, sizeof d);
      tail = (tail + 1) % slots;
      set(STOXVP_REG_RING_TAIL, tail);
      if (!st.wait_irq(sc_core::sc_time(10, sc_core::SC_SEC))) {
        error = "no interrupt";
        return false;
      }
      const uint32_t status = get(STOXVP_REG_IRQ_STATUS);
      set(STOXVP_REG_IRQ_STATUS, status);
      if (status & STOXVP_IRQ_STATUS_ERROR) {
        error = "descriptor refused, ERROR_CODE " + std::to_string(get(STOXVP_REG_ERROR_CODE));
        return false;
      }
      return true;
    };
    for (size_t li = 0; li < layers.size(); ++li) {
      const auto& l = layers[li];
      const std::vector<int32_t> w = l.at("weights").get<std::vector<int32_t>>();
      const uint32_t wb = l.at("w_bits");
      const uint64_t wa = alloc(w.size() * 2);
      for (size_t i = 0; i < w.size(); ++i) {
        if (wb <= 8) *mem(wa + i) = uint8_t(int8_t(w[i]));
        else {
          const int16_t h = int16_t(w[i]);
          std::memcpy(mem(wa + 2 * i), &h, 2);
        }
      }
      stoxvp_desc d{};
      d.hdr.opcode = STOXVP_OP_SNN_LOAD_LAYER;
      auto& a = d.args.snn_load_layer;
      a.weight_addr = wa;
      a.layer = uint16_t(li);
      a.type = l.at("type");
      a.w_bits = uint8_t(wb);
      a.v_bits = l.at("v_bits");
      a.reset = l.at("reset");
      a.policy = l.value("policy", uint8_t(STOXVP_SNN_POLICY_HS_MIN));
      a.kernel = l.at("kernel");
      a.in_channels = l.at("in_c");
      a.in_h = l.at("in_h");
      a.in_w = l.at("in_w");
      a.out_channels = l.at("out_c");
      a.stride = l.at("stride");
      a.pad = l.at("pad");
      a.threshold = l.at("threshold");
      if (!submit(d)) return;
    }
    std::vector<uint64_t> counts_at(layers.size()), pot_at(layers.size());
    for (size_t li = 0; li < layers.size(); ++li) {
      counts_at[li] = alloc(outputs[li] * 4);
      pot_at[li] = alloc(outputs[li] * 4);
    }
    std::vector<std::vector<uint32_t>> prev(layers.size());
    for (size_t li = 0; li < layers.size(); ++li) prev[li].assign(outputs[li], 0);
    for (const auto& ts : c.at("timesteps")) {
      const std::vector<uint32_t> ev = ts.get<std::vector<uint32_t>>();
      const uint64_t ea = alloc(ev.size() * 4 + 4);
      std::memcpy(mem(ea), ev.data(), ev.size() * 4);
      stoxvp_desc d{};
      d.hdr.opcode = STOXVP_OP_SNN_RUN_TIMESTEP;
      d.args.snn_run_timestep.events_addr = ev.empty() ? 0 : ea;
      d.args.snn_run_timestep.event_count = uint32_t(ev.size());
      if (!submit(d)) return;
      nlohmann::json step = nlohmann::json::array();
      for (size_t li = 0; li < layers.size(); ++li) {
        stoxvp_desc r{};
        r.hdr.opcode = STOXVP_OP_SNN_READ_STATE;
        r.args.snn_read_state.counts_addr = counts_at[li];
        r.args.snn_read_state.layer = uint16_t(li);
        if (!submit(r)) return;
        std::vector<uint32_t> now(outputs[li]), fired;
        std::memcpy(now.data(), mem(counts_at[li]), now.size() * 4);
        for (uint32_t o = 0; o < now.size(); ++o)
          if (now[o] != prev[li][o]) fired.push_back(o);
        prev[li] = now;
        step.push_back(fired);
      }
      spikes.push_back(step);
    }
    for (size_t li = 0; li < layers.size(); ++li) {
      stoxvp_desc r{};
      r.hdr.opcode = STOXVP_OP_SNN_READ_STATE;
      r.args.snn_read_state.counts_addr = counts_at[li];
      r.args.snn_read_state.potentials_addr = pot_at[li];
      r.args.snn_read_state.layer = uint16_t(li);
      if (!submit(r)) return;
      std::vector<int32_t> v(outputs[li]);
      std::vector<uint32_t> n(outputs[li]);
      std::memcpy(v.data(), mem(pot_at[li]), v.size() * 4);
      std::memcpy(n.data(), mem(counts_at[li]), n.size() * 4);
      pot.push_back(v);
      cnt.push_back(n);
    }
    st.finished = true;
  };
  sc_core::sc_start(sc_core::sc_time(100, sc_core::SC_SEC));
  if (!error.empty()) throw std::runtime_error(error);
  if (!cpu.finished) throw std::runtime_error("the platform run did not finish");
  if (costs) {
    nlohmann::json e;
    for (size_t i = 0; i < hw::component_count(); ++i)
      e[hw::to_string(hw::component(i))] = acc.ledger().dynamic()[i];
    (*costs)["energy_pj"] = e;
  }
  return {{"spikes", spikes}, {"potentials", pot}, {"counts", cnt}};
}

}  // namespace stoxvp::test
