// The lock-step prototype's latency overhead against one node, over the round-trip time and the
// number of replicas (issue 9, item 2): simulated figures, not wall times. Each run is its own
// SimGrid simulation in a forked child (bit-for-bit, sim/env/simulation.hpp). One closed-loop
// client, 1 ms of compute per step; the client is as far from the replicas as they are from each
// other.
//
//   ssi_lockstep_baseline [SECONDS] [RTT_MS,...] [N,...]     (defaults: 10, 0.2,2,20,80, 1,3,5,7,9)
//
// Prints, per RTT, the median step latency at each N and its ratio to N = 1.

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include <bench/child_process.hpp>

#include <sim/scenario/lockstep_run.hpp>

namespace {

using namespace std::chrono_literals;

std::vector<double> numbers(const char* text) {
  std::vector<double> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    values.push_back(std::stod(item));
  return values;
}

// The run's median latency (ms); exits when its replicas diverged.
double measure(const mycelium::sim::LockstepRunSpec& spec) {
  struct Figures {
    double median_ms;
    bool consistent;
  };
  const Figures figures = mycelium::bench::in_child_process("ssi_lockstep_baseline", [&] {
    const auto result = mycelium::sim::run_lockstep(spec);
    return Figures{result.latency_p50_ms, result.histories_agree && result.divergences == 0};
  });
  if (!figures.consistent) {
    std::fprintf(stderr, "ssi_lockstep_baseline: the replicas diverged\n");
    std::exit(1);
  }
  return figures.median_ms;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::stod(argv[1]) : 10;
  const std::vector<double> rtts_ms = numbers(argc > 2 ? argv[2] : "0.2,2,20,80");
  const std::vector<double> ns = numbers(argc > 3 ? argv[3] : "1,3,5,7,9");
  std::printf(
      "lock-step step latency, median ms (ratio to one node); 1 ms compute per step, %g s"
      " simulated per run\n",
      seconds);
  std::printf("%8s", "RTT ms");
  for (const double n : ns)
    std::printf(" %18s", ("N=" + std::to_string(static_cast<int>(n))).c_str());
  std::printf("\n");
  for (const double rtt_ms : rtts_ms) {
    std::printf("%8g", rtt_ms);
    double one_node_ms = 0;
    for (const double n : ns) {
      mycelium::sim::LockstepRunSpec spec;
      spec.replicas = static_cast<std::uint32_t>(n);
      spec.one_way_latency = std::chrono::duration_cast<mycelium::Duration>(
          std::chrono::duration<double, std::milli>(rtt_ms / 2));
      spec.apply_duration = 1ms;
      spec.duration = mycelium::from_seconds(seconds);
      const double median_ms = measure(spec);
      if (n == 1) one_node_ms = median_ms;
      char cell[64];
      std::snprintf(cell, sizeof cell, "%.3f (%.2fx)", median_ms,
                    one_node_ms > 0 ? median_ms / one_node_ms : 0.0);
      std::printf(" %18s", cell);
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  return 0;
}
