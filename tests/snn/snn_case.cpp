// Runs one spiking-network case for the numpy reference test (tests/snn/reference_agreement.py):
// reads the network and the input spikes of every timestep from a JSON file, runs them on the
// functional model (--core) or on the bit-level model (--bits), and writes every layer's output
// spikes per timestep and every final potential and spike count as JSON.
#include "snn_case.h"

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: snn_case --core|--bits|--platform case.json result.json\n";
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
    nlohmann::json r = stoxvp::test::run_snn_case(c, mode);
    std::ofstream o(argv[3]);
    o << r.dump();
    return o ? 0 : 69;
  } catch (const std::exception& e) {
    std::cerr << argv[2] << ": " << e.what() << "\n";
    return 65;
  }
}
