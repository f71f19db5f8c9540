// How the Service Spore protocol scales in the simulator as it stands: N members on the SimGrid
// backend (one zone per 1000 members), joining through member 0, one service registration at
// t = 5 s and one crash at t = 10 s, for a given simulated time. Prints wall time, simulated
// seconds per wall second, messages, peak RSS, and when the registration reached 50/99/100 % of
// the members. A figure to start the scale design from, not a test.
//
//   build/release/bench/bench_spore_scale [MEMBERS] [SIMULATED_SECONDS]   (default 1000 30)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include <sys/resource.h>

#include <core/spore/spore_node.hpp>
#include <sim/env/simulation.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  const long members = argc > 1 ? std::atol(argv[1]) : 1000;
  const double simulated_s = argc > 2 ? std::atof(argv[2]) : 30.0;
  if (members < 2 || !(simulated_s > 10.0)) {
    std::fprintf(stderr, "usage: bench_spore_scale [MEMBERS >= 2] [SIMULATED_SECONDS > 10]\n");
    return 2;
  }
  const auto count = static_cast<std::size_t>(members);
  const std::size_t per_zone = std::min<std::size_t>(count, 1000);
  const std::size_t zones = (count + per_zone - 1) / per_zone;
  const auto wall_start = std::chrono::steady_clock::now();

  Simulation simulation(uniform_platform(zones, per_zone, 1.25e9), 1);
  spore::SporeNodeConfig config;
  config.network_key = std::vector<std::uint8_t>(32, 7);
  std::vector<std::unique_ptr<spore::SporeNode>> nodes;
  for (std::size_t i = 0; i < zones * per_zone; ++i) {
    std::vector<NodeId> seeds;
    if (i != 0) seeds.push_back(NodeId{0});
    nodes.push_back(std::make_unique<spore::SporeNode>(
        simulation.node(NodeId{static_cast<std::uint32_t>(i)}), config, seeds));
  }
  const std::size_t total = nodes.size();
  std::vector<double> learned_s;  // when each member first discovered the instance
  std::vector<bool> knows(total, false);
  simulation.schedule_fault(TimePoint(5s), [&] {
    nodes[1]->register_service_instance(
        spore::ServiceInstanceFields{"orders", "orders-0", {8080}, "", {}});
  });
  simulation.schedule_fault(TimePoint(10s), [&] {
    simulation.crash_node(NodeId{2});
    nodes[2].reset();
  });
  for (double t = 5.1; t <= simulated_s; t += 0.1) {
    simulation.run_until(TimePoint(from_seconds(t)));
    for (std::size_t i = 0; i < total; ++i) {
      if (!knows[i] && nodes[i] && !nodes[i]->discover_peer_instances("orders").empty()) {
        knows[i] = true;
        learned_s.push_back(t - 5.0);
      }
    }
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  std::uint64_t sent = 0;
  for (std::size_t i = 0; i < total; ++i)
    sent += static_cast<std::uint64_t>(simulation.metrics(NodeId{static_cast<std::uint32_t>(i)})
                                           .counter("spore_messages_sent_total"));
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto at_fraction = [&](double fraction) {
    const auto needed = static_cast<std::size_t>(fraction * static_cast<double>(total));
    return learned_s.size() >= needed && needed > 0 ? learned_s[needed - 1] : -1.0;
  };
  std::printf(
      "members %zu, %.0f simulated s: wall %.2f s (%.1f simulated s per wall s), "
      "%llu messages, peak RSS %.0f MiB\n",
      total, simulated_s, wall_s, simulated_s / wall_s, static_cast<unsigned long long>(sent),
      static_cast<double>(usage.ru_maxrss) / 1024);
  std::printf(
      "registration known by 50 %% after %.1f s, 99 %% after %.1f s, all after %.1f s "
      "(%zu of %zu members, the owner included; -1: not reached)\n",
      at_fraction(0.5), at_fraction(0.99), at_fraction(1.0), learned_s.size(), total);
  return 0;
}
