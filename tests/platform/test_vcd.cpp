// The VCD a run writes is a valid VCD that tools read: gtkwave's vcd2fst converts it and
// fst2vcd gives back the same signals with the same number of value changes each. (vcd2fst
// alone exits 0 even on garbage, which is why the round trip is compared.)
#include "fc_demo/fc_demo.h"
#include "stoxvp.h"
#include "support/files.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

namespace {

// Signal full name -> number of value changes (initial values included); lines that change no
// declared signal count under the name "<unparsed>".
std::map<std::string, int> value_changes(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::map<std::string, std::string> names;  // id -> name
  std::map<std::string, int> counts;
  std::vector<std::string> scope;
  std::string tok;
  bool body = false;
  while (in >> tok) {
    if (!body) {
      if (tok == "$scope") {
        std::string kind, name;
        in >> kind >> name;
        scope.push_back(name);
      } else if (tok == "$upscope") {
        scope.pop_back();
      } else if (tok == "$var") {
        std::string type, size, id, name;
        in >> type >> size >> id >> name;
        std::string full;
        for (const auto& s : scope) full += s + ".";
        names[id] = full + name;
        counts[full + name] = 0;
      } else if (tok == "$enddefinitions") {
        body = true;
      }
      continue;
    }
    if (tok == "$comment") {
      while (in >> tok && tok != "$end") {
      }
      continue;
    }
    if (tok[0] == '#' || tok[0] == '$') continue;  // time stamps, $dumpvars, $end
    std::string id;
    if (tok[0] == 'b' || tok[0] == 'B' || tok[0] == 'r' || tok[0] == 'R') {
      in >> id;
    } else {
      id = tok.substr(1);  // scalar: value character followed by the id
    }
    auto it = names.find(id);
    ++counts[it != names.end() ? it->second : "<unparsed>"];
  }
  return counts;
}

TEST(Vcd, RoundTripsThroughGtkwaveTools) {
  const std::string dir = stoxvp::test::test_path("");
  const std::string vcd = dir + "stoxvp_roundtrip.vcd", fst = dir + "stoxvp_roundtrip.fst",
                    back = dir + "stoxvp_roundtrip_back.vcd";
  stoxvp_platform* p = nullptr;
  ASSERT_EQ(stoxvp_create_from_json(R"({"console": {"echo": false}})", "test", &p), STOXVP_OK);
  ASSERT_EQ(stoxvp_enable_vcd(p, vcd.c_str()), STOXVP_OK) << stoxvp_last_error();
  ASSERT_EQ(stoxvp_attach_firmware(p, fc_demo_main, nullptr), STOXVP_OK);
  stoxvp_run_result rr{};
  ASSERT_EQ(stoxvp_run(p, 0, &rr), STOXVP_OK);
  ASSERT_EQ(rr.exit_code, 0);
  stoxvp_destroy(p);  // closes the VCD

  const auto original = value_changes(vcd);
  ASSERT_FALSE(original.empty());
  EXPECT_EQ(original.count("<unparsed>"), 0u);
  for (const char* sig : {"SystemC.accelerator.busy", "SystemC.accelerator.ring_occupancy",
                          "SystemC.accelerator.irq", "SystemC.accelerator.desc_slot",
                          "SystemC.accelerator.desc_opcode"}) {
    ASSERT_TRUE(original.count(sig)) << sig;
    EXPECT_GT(original.at(sig), 2) << sig << " never changed";
  }
  ASSERT_EQ(std::system(("vcd2fst " + vcd + " " + fst + " > /dev/null 2>&1").c_str()), 0)
      << "vcd2fst (package gtkwave) failed";
  ASSERT_EQ(std::system(("fst2vcd " + fst + " > " + back + " 2>/dev/null").c_str()), 0);
  EXPECT_EQ(value_changes(back), original);
}

TEST(Vcd, TheRoundTripCatchesWhatVcd2fstLetsThrough) {
  // vcd2fst exits 0 on a corrupt value line and silently drops it; the comparison notices.
  const std::string dir = stoxvp::test::test_path("");
  std::ofstream(dir + "corrupt.vcd") << "$timescale 1ps $end\n$scope module top $end\n"
                                        "$var wire 1 ! a $end\n$upscope $end\n$enddefinitions $end\n"
                                        "#0\n0!\n#5\n1!\n#7\n%%garbage\n#9\n0!\n";
  ASSERT_EQ(std::system(("vcd2fst " + dir + "corrupt.vcd " + dir + "corrupt.fst > /dev/null 2>&1").c_str()), 0);
  ASSERT_EQ(std::system(("fst2vcd " + dir + "corrupt.fst > " + dir + "corrupt_back.vcd 2>/dev/null").c_str()), 0);
  const auto original = value_changes(dir + "corrupt.vcd");
  EXPECT_EQ(original.at("top.a"), 3);
  EXPECT_EQ(original.at("<unparsed>"), 1);
  EXPECT_NE(value_changes(dir + "corrupt_back.vcd"), original);
}

}  // namespace
