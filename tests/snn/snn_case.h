// A spiking-network case as JSON: {"layers": [{"type", "in_c", "in_h", "in_w", "out_c", "kernel",
// "stride", "pad", "w_bits", "v_bits", "threshold", "reset", "weights": [...]}],
// "timesteps": [[input indices], ...]}; the result: {"spikes": [timestep][layer][indices],
// "potentials": [layer][...], "counts": [layer][...]}.
#pragma once

#include "hw/core/snn_cim.h"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace stoxvp::test {

inline std::vector<core::snn::snn_layer> snn_case_layers(const nlohmann::json& c) {
  using namespace core::snn;
  std::vector<snn_layer> v;
  for (const auto& l : c.at("layers")) {
    layer_config lc;
    lc.shape.type = layer_type(l.at("type").get<int>());
    lc.shape.in_c = l.at("in_c");
    lc.shape.in_h = l.at("in_h");
    lc.shape.in_w = l.at("in_w");
    lc.shape.out_c = l.at("out_c");
    lc.shape.kernel = l.at("kernel");
    lc.shape.stride = l.at("stride");
    lc.shape.pad = l.at("pad");
    lc.w_bits = l.at("w_bits");
    lc.v_bits = l.at("v_bits");
    lc.threshold = l.at("threshold");
    lc.reset = reset_mode(l.at("reset").get<int>());
    v.emplace_back(lc, l.at("weights").get<std::vector<int32_t>>());
  }
  return v;
}

inline nlohmann::json run_snn_case(const nlohmann::json& c, const std::string& mode) {
  using namespace core::snn;
  snn_network net;
  net.layers = snn_case_layers(c);
  nlohmann::json spikes = nlohmann::json::array();
  if (mode == "--core") {
    for (const auto& in : c.at("timesteps")) {
      nlohmann::json step = nlohmann::json::array();
      std::vector<uint32_t> cur = in.get<std::vector<uint32_t>>(), out;
      for (auto& l : net.layers) {
        l.step(cur, out);
        step.push_back(out);
        cur = out;
      }
      spikes.push_back(step);
    }
  } else if (mode == "--bits") {
    std::vector<snn_bit_layer> bits;
    for (auto& l : net.layers) bits.emplace_back(l);
    for (const auto& in : c.at("timesteps")) {
      nlohmann::json step = nlohmann::json::array();
      std::vector<uint32_t> cur = in.get<std::vector<uint32_t>>(), out;
      for (auto& b : bits) {
        b.step(cur, out);
        step.push_back(out);
        cur = out;
      }
      spikes.push_back(step);
    }
    nlohmann::json pot = nlohmann::json::array();
    for (size_t i = 0; i < bits.size(); ++i) {
      std::vector<int64_t> p(net.layers[i].potentials().size());
      for (uint32_t o = 0; o < p.size(); ++o) p[o] = bits[i].potential(o);
      pot.push_back(p);
    }
    return {{"spikes", spikes}, {"potentials", pot}};
  } else {
    throw std::invalid_argument("mode " + mode + " is not --core or --bits");
  }
  nlohmann::json pot = nlohmann::json::array(), cnt = nlohmann::json::array();
  for (auto& l : net.layers) {
    pot.push_back(l.potentials());
    cnt.push_back(l.spike_counts());
  }
  return {{"spikes", spikes}, {"potentials", pot}, {"counts", cnt}};
}

}  // namespace stoxvp::test
