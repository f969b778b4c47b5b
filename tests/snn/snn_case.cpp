// Runs one spiking-network case for the numpy reference test (tests/snn/reference_agreement.py):
// reads the network and the input spikes of every timestep from a JSON file, runs them on the
// functional model (--core), the bit-level model (--bits), or the accelerator through its
// descriptors (--platform; --platform-bits with the snn_cim group's bit-level mode), and writes every layer's output
// spikes per timestep and every final potential and spike count as JSON.
#include "snn_case.h"
#include "snn_platform.h"

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: snn_case --core|--bits|--platform|--platform-bits case.json result.json\n";
    return 64;
  }
  const std::string mode = argv[1];
  std::ifstream f(argv[2]);
  if (!f) {
    std::cerr << argv[2] << ": cannot open\n";
    return 65;
  }
  nlohmann::json c;
  try {
    c = nlohmann::json::parse(f);
    nlohmann::json r = mode == "--platform"      ? stoxvp::test::run_snn_case_on_platform(c, 4, 0)
                       : mode == "--platform-bits" ? stoxvp::test::run_snn_case_on_platform(c, 4, 1u << 20)
                                                   : stoxvp::test::run_snn_case(c, mode);
    std::ofstream o(argv[3]);
    o << r.dump();
    return o ? 0 : 69;
  } catch (const std::exception& e) {
    std::cerr << argv[2] << ": " << e.what() << "\n";
    return 65;
  }
}
