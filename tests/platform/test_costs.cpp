// Costs end to end: technology files are refused precisely; the report's energies add up;
// tracing changes no figure; latency and energy follow T and the ADC sharing; the power trace
// is a valid VCD and a CSV.
#include "fc_demo/fc_demo.h"
#include "runner.h"
#include "stoxvp.h"
#include "stoxvp_regs.h"
#include "support/files.h"
#include "support/kernel.h"
#include "common/json_reader.h"
#include "hw/accel/cost/tech_file.h"

#include "support/messages.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>

namespace {

using nlohmann::json;

std::string tech_error(const std::function<void(json&)>& mutate) {
  json j = stoxvp::default_tech().document;
  mutate(j);
  const std::string path = stoxvp::test::temp_file("tech.json", j.dump());
  return stoxvp::test::message_of<stoxvp::config_error>([&] { stoxvp::load_tech_file(path); });
}

TEST(TechnologyFile, TheShippedDefaultLoadsAndNamesEverySource) {
  const auto t = stoxvp::load_tech_file(STOXVP_SOURCE_DIR "/configs/tech/default.json");
  EXPECT_GT(t.tech.mtj_write_energy_pj, 0);
  EXPECT_EQ(t.tech.adc.name, "adc_isaac");
  EXPECT_DOUBLE_EQ(t.tech.adc.energy_pj[8], 1.67);
  for (const auto& [field, source] : t.sources) EXPECT_FALSE(source.empty()) << field;
  EXPECT_GE(t.sources.size(), 40u);
}

TEST(TechnologyFile, BadFilesAreRefusedWithFileFieldAndValue) {
  stoxvp::test::expect_mentions(tech_error([](json& j) { j["components"]["mtj"].erase("read_ns"); }),
             {"tech.json", "components.mtj.read_ns", "missing"});
  stoxvp::test::expect_mentions(tech_error([](json& j) { j["components"]["mtj"]["write_energy_pj"]["value"] = -0.1; }),
             {"tech.json", "components.mtj.write_energy_pj.value", "-0.1"});
  stoxvp::test::expect_mentions(tech_error([](json& j) { j["components"]["crossbar"]["read_latency_ns"]["value"] = "fast"; }),
             {"components.crossbar.read_latency_ns.value", "\"fast\""});
  stoxvp::test::expect_mentions(tech_error([](json& j) { j["components"]["flux_capacitor"] = json::object(); }),
             {"unknown field 'components.flux_capacitor'"});
  stoxvp::test::expect_mentions(tech_error([](json& j) { j["components"]["mtj"]["spin"] = {{"value", 1}, {"source", "x"}}; }),
             {"unknown field 'components.mtj.spin'"});
  stoxvp::test::expect_mentions(tech_error([](json& j) { j["components"]["router"]["area_um2"].erase("source"); }),
             {"components.router.area_um2.source", "names its source"});
  stoxvp::test::expect_mentions(tech_error([](json& j) { j["adc_model"] = "flash"; }), {"adc_model", "\"flash\""});
  stoxvp::test::expect_mentions(tech_error([](json& j) { j["components"]["adc_isaac"]["energy_pj"]["per_bits"]["20"] = 1.0; }),
             {"adc_isaac.energy_pj.per_bits", "'20'"});
}

// Runs the inference firmware with `model` on the first `images` test images; returns the report.
json run_inference(const std::string& model, uint32_t images, const stoxvp::runner::converter_override& conv = {},
                   const std::string& power_csv = "", const std::string& power_vcd = "",
                   const std::string& config = R"({"console": {"echo": false}})") {
  stoxvp_platform* p = nullptr;
  EXPECT_EQ(stoxvp_create_from_json(config.c_str(), "test", &p), STOXVP_OK) << stoxvp_last_error();
  if (!power_csv.empty() || !power_vcd.empty()) {
    EXPECT_EQ(stoxvp_enable_power_trace(p, power_vcd.empty() ? nullptr : power_vcd.c_str(),
                                        power_csv.empty() ? nullptr : power_csv.c_str()),
              STOXVP_OK)
        << stoxvp_last_error();
  }
  stoxvp::runner::request req;
  req.model_path = STOXVP_SOURCE_DIR "/models/" + model + ".sxvm";
  req.count = images;
  req.converter = conv;
  stoxvp::runner::session s(p, req);
  stoxvp_run_result rr{};
  EXPECT_EQ(stoxvp_run(p, 0, &rr), STOXVP_OK);
  EXPECT_EQ(rr.exit_code, 0) << rr.message << stoxvp_console_output(p);
  s.collect();  // adds the "inference" section
  const std::string path = stoxvp::test::test_path("cost_report.json");
  EXPECT_EQ(stoxvp_write_report(p, path.c_str()), STOXVP_OK);
  stoxvp_destroy(p);
  return json::parse(std::ifstream(path));
}

TEST(Costs, EnergiesAddUpOverComponentsAndLayers) {
  const json r = run_inference("small_cnn_ideal", 5);
  double components = 0, dynamic = 0;
  for (auto& [name, c] : r["energy"]["components"].items()) {
    components += c["total_pj"].get<double>();
    dynamic += c["dynamic_pj"].get<double>();
    EXPECT_NEAR(c["total_pj"].get<double>(), c["dynamic_pj"].get<double>() + c["leakage_pj"].get<double>(), 1e-6);
  }
  EXPECT_NEAR(components, r["energy"]["accelerator_pj"].get<double>(), 1e-6 * components);
  double layers = 0;
  for (const auto& l : r["layers"]) {
    double sum = 0;
    for (auto& [name, e] : l["energy_pj"].items()) sum += e.get<double>();
    EXPECT_NEAR(sum, l["dynamic_energy_pj"].get<double>(), 1e-9 * (sum + 1));
    layers += sum;
  }
  EXPECT_NEAR(layers, dynamic, 1e-9 * dynamic) << "every dynamic pJ belongs to a layer";
  EXPECT_NEAR(r["energy"]["total_pj"].get<double>(),
              components + r["energy"]["bus_pj"].get<double>() + r["energy"]["cpu_pj"].get<double>(), 1e-6 * components);
  EXPECT_GT(r["summary"]["edp_pj_ns"].get<double>(), 0);
  EXPECT_GT(r["area"]["chip_um2"].get<double>(), 0);
}

TEST(Costs, TracingOnOrOffChangesNoFigure) {
  const std::string csv = stoxvp::test::test_path("power.csv"), vcd = stoxvp::test::test_path("power.vcd");
  const json off = run_inference("small_cnn_ideal", 4);
  const json on = run_inference("small_cnn_ideal", 4, {}, csv, vcd);
  EXPECT_EQ(on["energy"], off["energy"]);
  EXPECT_EQ(on["layers"], off["layers"]);
  EXPECT_EQ(on["summary"], off["summary"]);
  EXPECT_EQ(on["run"]["sim_time_ns"], off["run"]["sim_time_ns"]);
  EXPECT_EQ(on["inference"]["latency_ns_per_image"], off["inference"]["latency_ns_per_image"]);
}

TEST(Costs, LatencyAndConverterEnergyGrowWithTAndWithColumnsPerAdc) {
  stoxvp::runner::converter_override t1, t4, adc1, adc8;
  t1.enabled = t4.enabled = true;
  t1.kind = t4.kind = STOXVP_CONV_MTJ;
  t1.set_samples("1");
  t4.set_samples("4");
  const json a = run_inference("small_cnn_ideal", 2, t1), b = run_inference("small_cnn_ideal", 2, t4);
  EXPECT_LT(a["inference"]["latency_ns_per_image"].get<double>(), b["inference"]["latency_ns_per_image"].get<double>());
  EXPECT_NEAR(b["energy"]["components"]["mtj"]["dynamic_pj"].get<double>(),
              4 * a["energy"]["components"]["mtj"]["dynamic_pj"].get<double>(),
              1e-6 * b["energy"]["components"]["mtj"]["dynamic_pj"].get<double>())
      << "every sample costs the same write, read and reset";
  adc1.enabled = adc8.enabled = true;
  adc1.kind = adc8.kind = STOXVP_CONV_ADC;
  adc1.adc_bits = adc8.adc_bits = 8;
  adc1.cols_per_converter = 1;
  adc8.cols_per_converter = 8;
  const json c = run_inference("small_cnn_ideal", 2, adc1), d = run_inference("small_cnn_ideal", 2, adc8);
  EXPECT_LT(c["inference"]["latency_ns_per_image"].get<double>(), d["inference"]["latency_ns_per_image"].get<double>());
  EXPECT_DOUBLE_EQ(c["energy"]["components"]["adc"]["dynamic_pj"].get<double>(),
                   d["energy"]["components"]["adc"]["dynamic_pj"].get<double>())
      << "sharing an ADC costs time, not conversions";
}

TEST(Costs, PowerTraceIsValidAndAccountsForTheEnergy) {
  const std::string csv = stoxvp::test::test_path("p.csv"), vcd = stoxvp::test::test_path("p.vcd");
  const json r = run_inference("small_cnn_ideal", 3, {}, csv, vcd,
                               R"({"console": {"echo": false}, "power_trace": {"interval_ns": 100}})");
  std::ifstream in(csv);
  std::string header, line;
  std::getline(in, header);
  EXPECT_EQ(header, "time_ns,crossbar_mw,converters_mw,digital_mw,buffers_mw,noc_mw,dram_mw,total_mw");
  double energy = 0;
  int rows = 0;
  while (std::getline(in, line)) {
    energy += std::stod(line.substr(line.rfind(',') + 1)) * 100;  // mW x 100 ns = pJ
    ++rows;
  }
  EXPECT_GT(rows, 10);
  // Dynamic energy is binned exactly; leakage is counted per whole bin, so the trace may run
  // up to one bin of leakage past the end of the simulation.
  const double accel = r["energy"]["accelerator_pj"].get<double>();
  const double leak_bin = r["energy"]["accelerator_leakage_mw"].get<double>() * 100;
  EXPECT_GE(energy, accel * (1 - 1e-6));
  EXPECT_LE(energy, accel * (1 + 1e-6) + leak_bin);
  ASSERT_EQ(std::system(("vcd2fst " + vcd + " " + vcd + ".fst > /dev/null 2>&1 && fst2vcd " + vcd +
                         ".fst > " + vcd + ".back 2>/dev/null").c_str()), 0);
  std::ifstream back(vcd + ".back");
  std::string all((std::istreambuf_iterator<char>(back)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("total_mw"), std::string::npos);
  EXPECT_NE(all.find("$var real"), std::string::npos);
}

TEST(Costs, ArchitectureConfigurationIsChecked) {
  stoxvp_platform* p = nullptr;
  EXPECT_EQ(stoxvp_create_from_json(R"({"accelerator": {"noc": {"mesh_x": 2, "mesh_y": 2}}})", "cfg", &p), STOXVP_E_CONFIG);
  stoxvp::test::expect_mentions(stoxvp_last_error(), {"cfg", "accelerator.noc.mesh_x", "fewer routers than the 16 tiles"});
  EXPECT_EQ(stoxvp_create_from_json(R"({"accelerator": {"converter_design": {"kind": "flash"}}})", "cfg", &p), STOXVP_E_CONFIG);
  stoxvp::test::expect_mentions(stoxvp_last_error(), {"accelerator.converter_design.kind", "\"flash\""});
  EXPECT_EQ(stoxvp_create_from_json(R"({"technology": {"file": "/nonexistent/t.json"}})", "cfg", &p), STOXVP_E_CONFIG);
  stoxvp::test::expect_mentions(stoxvp_last_error(), {"/nonexistent/t.json", "cannot open"});
  EXPECT_EQ(stoxvp_create_from_json(R"({"technology": {"adc_model": "survey"}})", "cfg", &p), STOXVP_E_CONFIG);
  stoxvp::test::expect_mentions(stoxvp_last_error(), {"technology.adc_model", "\"survey\""});
}

}  // namespace
