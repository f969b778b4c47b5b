// The RV32 instruction-set simulator inside the platform:
//  1. simulated MIPS on a CPU-bound kernel (host time inside the simulator, and the whole run);
//  2. the same kernel with gdb attached through --gdb's server and no breakpoint, interleaved
//     with runs without it: the median speed must stay at 80% or more;
//  3. the default `make run` slice (the MTJ small CNN on 1000 images) as RISC-V firmware
//     against the host-compiled firmware; the predictions must be identical.
//   bench_riscv [images]
#include "runner.h"
#include "stoxvp.h"

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

using clk = std::chrono::steady_clock;
double since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

stoxvp_platform* create() {
  stoxvp_platform* p = nullptr;
  if (stoxvp_create_from_json(R"({"console": {"echo": false}})", "bench", &p) != STOXVP_OK) {
    std::fprintf(stderr, "bench_riscv: %s\n", stoxvp_last_error());
    std::exit(1);
  }
  return p;
}

nlohmann::json cpu_report(stoxvp_platform* p) {
  const std::string path = "/tmp/bench_riscv_report.json";
  stoxvp_write_report(p, path.c_str());
  return nlohmann::json::parse(std::ifstream(path))["cpu"];
}

struct inference_run {
  double seconds = 0;
  std::vector<uint32_t> predictions;
  uint64_t instructions = 0;
};

inference_run infer(const std::string& elf, uint32_t images) {
  stoxvp_platform* p = create();
  stoxvp::runner::request req;
  req.model_path = STOXVP_SOURCE_DIR "/models/small_cnn_mtj.sxvm";
  req.count = images;
  req.firmware_elf = elf;
  inference_run r;
  const auto t0 = clk::now();
  stoxvp::runner::session s(p, req);
  stoxvp_run_result rr{};
  if (stoxvp_run(p, 0, &rr) != STOXVP_OK || rr.reason != STOXVP_STOP_EXIT || rr.exit_code != 0) {
    std::fprintf(stderr, "bench_riscv: inference did not finish: %s\n", rr.message);
    std::exit(1);
  }
  r.predictions = s.collect().predictions;
  r.seconds = since(t0);
  stoxvp_stats st{};
  stoxvp_get_stats(p, &st);
  r.instructions = st.cpu_instructions;
  stoxvp_destroy(p);
  return r;
}

// What gdb does for "continue" with no breakpoint: attach, resume, wait for the exit.
void gdb_client(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::fprintf(stderr, "bench_riscv: cannot connect to the gdb server\n");
    std::exit(1);
  }
  const char* resume = "$?#3f$c#63";
  ::send(fd, resume, std::strlen(resume), 0);
  std::string got;
  char buf[256];
  for (ssize_t n; got.find("$W") == std::string::npos && (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, n);
  ::close(fd);
}

struct kernel_run {
  double wall = 0, cpu = 0, iss_mips = 0;
  uint64_t instructions = 0;
};

kernel_run run_kernel(const std::string& elf, bool with_gdb) {
  stoxvp_platform* p = create();
  if (stoxvp_attach_elf(p, elf.c_str()) != STOXVP_OK) {
    std::fprintf(stderr, "bench_riscv: %s\n", stoxvp_last_error());
    std::exit(1);
  }
  uint16_t port = 0;
  if (with_gdb && stoxvp_attach_gdb(p, 0, &port) != STOXVP_OK) {
    std::fprintf(stderr, "bench_riscv: %s\n", stoxvp_last_error());
    std::exit(1);
  }
  std::thread client;
  if (with_gdb) client = std::thread(gdb_client, port);
  const auto t0 = clk::now();
  const std::clock_t c0 = std::clock();
  stoxvp_run_result rr{};
  stoxvp_run(p, 0, &rr);
  kernel_run k;
  k.cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
  k.wall = since(t0);
  if (client.joinable()) client.join();
  if (rr.reason != STOXVP_STOP_EXIT || rr.exit_code != 0) {
    std::fprintf(stderr, "bench_riscv: iss_kernel failed: %s\n", rr.message);
    std::exit(1);
  }
  const auto cpu = cpu_report(p);
  k.instructions = cpu["instructions"].get<uint64_t>();
  k.iss_mips = cpu["host_mips"].get<double>();
  stoxvp_destroy(p);
  return k;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  const uint32_t images = argc > 1 ? static_cast<uint32_t>(std::atoi(argv[1])) : 1000;
  const std::string dir = STOXVP_RISCV_FIRMWARE_DIR;
  std::printf("bench_riscv: RV32 instruction-set simulator (Unicorn) in the platform, best of 3\n");

  double best_iss = 0, best_overall = 0;
  uint64_t instructions = 0;
  for (int i = 0; i < 3; ++i) {
    stoxvp_platform* p = create();
    if (stoxvp_attach_elf(p, (dir + "/iss_kernel.elf").c_str()) != STOXVP_OK) {
      std::fprintf(stderr, "bench_riscv: %s\n", stoxvp_last_error());
      return 1;
    }
    const auto t0 = clk::now();
    stoxvp_run_result rr{};
    stoxvp_run(p, 0, &rr);
    const double wall = since(t0);
    if (rr.reason != STOXVP_STOP_EXIT || rr.exit_code != 0) {
      std::fprintf(stderr, "bench_riscv: iss_kernel failed: %s\n", rr.message);
      return 1;
    }
    const auto cpu = cpu_report(p);
    instructions = cpu["instructions"].get<uint64_t>();
    best_iss = std::max(best_iss, cpu["host_mips"].get<double>());
    best_overall = std::max(best_overall, double(instructions) / wall * 1e-6);
    stoxvp_destroy(p);
  }
  std::printf("  CPU-bound kernel, %.1f M instructions\n", double(instructions) * 1e-6);
  std::printf("    inside the simulator                     %7.1f MIPS\n", best_iss);
  std::printf("    whole platform run                       %7.1f MIPS\n", best_overall);

  // Interleaved so that a busy host slows both alike; medians of 5 pairs.
  std::vector<double> plain_wall, plain_cpu, gdb_wall, gdb_cpu;
  uint64_t plain_instructions = 0, gdb_instructions = 0;
  for (int i = 0; i < 5; ++i) {
    const kernel_run a = run_kernel(dir + "/iss_kernel.elf", false);
    const kernel_run b = run_kernel(dir + "/iss_kernel.elf", true);
    plain_wall.push_back(a.wall);
    plain_cpu.push_back(a.cpu);
    gdb_wall.push_back(b.wall);
    gdb_cpu.push_back(b.cpu);
    plain_instructions = a.instructions;
    gdb_instructions = b.instructions;
  }
  if (plain_instructions != gdb_instructions) {
    std::fprintf(stderr, "bench_riscv: the kernel executed a different number of instructions under gdb\n");
    return 1;
  }
  const double speed = median(plain_cpu) / median(gdb_cpu);
  std::printf("  the same kernel with gdb attached, no breakpoint (medians of 5 interleaved pairs)\n");
  std::printf("    without gdb: CPU time %.3f s, wall %.3f s   %7.1f MIPS\n", median(plain_cpu), median(plain_wall),
              double(plain_instructions) / median(plain_cpu) * 1e-6);
  std::printf("    with gdb:    CPU time %.3f s, wall %.3f s   %7.1f MIPS\n", median(gdb_cpu), median(gdb_wall),
              double(gdb_instructions) / median(gdb_cpu) * 1e-6);
  std::printf("    speed with gdb attached                  %6.1f %%  (target >= 80 %%)\n", speed * 100);
  if (speed < 0.8) return 3;

  inference_run host, rv;
  host.seconds = rv.seconds = 1e30;
  for (int i = 0; i < 3; ++i) {
    auto h = infer("", images);
    auto r = infer(dir + "/inference.elf", images);
    if (h.predictions != r.predictions) {
      std::fprintf(stderr, "bench_riscv: RISC-V and host-compiled predictions differ\n");
      return 1;
    }
    if (h.seconds < host.seconds) host = h;
    if (r.seconds < rv.seconds) rv = r;
  }
  std::printf("  inference, small_cnn_mtj on %u images (the default make run slice)\n", images);
  std::printf("    host-compiled firmware                   %7.2f s\n", host.seconds);
  std::printf("    RISC-V firmware on the ISS               %7.2f s   (%.1f M instructions)\n", rv.seconds,
              double(rv.instructions) * 1e-6);
  std::printf("    ratio                                    %7.2f x   (target <= 3x); predictions identical\n",
              rv.seconds / host.seconds);
  return rv.seconds <= 3 * host.seconds ? 0 : 2;
}
