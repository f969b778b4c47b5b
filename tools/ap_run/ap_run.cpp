// stoxvp_ap_run PROGRAM INPUT OUTPUT: runs one AP program (docs/ap-program-format.md) on the
// associative-processor model, pass by pass on bit planes. INPUT holds the layer's activations
// as bytes, CHW; OUTPUT receives the stored channels as bytes, CHW. Prints the array's counts
// as one JSON object. The compiler's tests (tests/models/ap_compiler.py) use it to check
// compiled programs against the integer reference.
#include "hw/accel/tiles/rtm_ap/ap_program.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <vector>

using namespace stoxvp::hw::rtm_ap;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: stoxvp_ap_run PROGRAM INPUT OUTPUT\n";
    return 64;
  }
  try {
    const ap_program p = read_ap_program_file(argv[1]);
    std::ifstream in(argv[2], std::ios::binary);
    if (!in) throw std::invalid_argument(std::string(argv[2]) + ": cannot be opened");
    std::vector<uint8_t> x((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (x.size() != p.input_count())
      throw std::invalid_argument(std::string(argv[2]) + ": size = " + std::to_string(x.size()) +
                                  ": the program's layer takes " + std::to_string(p.input_count()) + " bytes");
    std::vector<uint8_t> y(p.output_count());
    ap_counters c;
    run_ap_program(p, x.data(), y.data(), c);
    const std::string tmp = std::string(argv[3]) + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary);
      out.write(reinterpret_cast<const char*>(y.data()), std::streamsize(y.size()));
      if (!out) throw std::runtime_error(tmp + ": cannot be written");
    }
    if (std::rename(tmp.c_str(), argv[3]) != 0) throw std::runtime_error(std::string(argv[3]) + ": cannot be renamed into place");
    std::cout << "{\"compares\": " << c.compares << ", \"writes\": " << c.writes
              << ", \"searched_row_bits\": " << c.searched_row_bits << ", \"written_row_bits\": " << c.written_row_bits
              << ", \"bit_step_shifts\": " << c.bit_step_shifts << ", \"realign_shifts\": " << c.realign_shifts
              << ", \"shifted_tracks\": " << c.shifted_tracks << ", \"tag_shifts\": " << c.tag_shifts
              << ", \"loaded_row_bits\": " << c.loaded_row_bits << ", \"read_row_bits\": " << c.read_row_bits
              << ", \"row_ops\": " << c.row_ops << "}\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "stoxvp_ap_run: " << e.what() << "\n";
    return 65;
  }
}
