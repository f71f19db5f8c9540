// How fast the simulator runs replication: simulated seconds per wall-clock second for the
// issue's reference guest (8 GiB, 4 KiB pages, 10 ms epochs, 200k dirty pages/s, 3 backups,
// 4 connections each) on a LAN, plus where the time goes: the same run with the guest alone (no
// replication traffic), as the baseline measured beside it.
//
//   build/release/bench/bench_sim_speed [SIMULATED_SECONDS]   (default 10)
//
// Prints one line per measurement and exits 0; it asserts no timing (the figure is the output).

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <sim/scenario/replication_run.hpp>
#include <sim/workload/simulated_guest.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

namespace {

using WallClock = std::chrono::steady_clock;

Scenario reference_scenario(Duration duration) {
  Scenario scenario;
  scenario.name = "bench";
  scenario.duration = duration;
  scenario.sample_interval = 100ms;
  scenario.seeds = {1};
  scenario.backup_count = 3;
  scenario.connections_per_backup = 4;
  scenario.networks.push_back(NetworkSpec{"lan", kLanProfile, kLanProfile.bandwidth_bytes_per_s});
  WorkloadSpec workload;
  workload.memory_bytes = 8ULL << 30;
  workload.working_set_bytes = 8ULL << 30;
  workload.schedule = RateSchedule::constant(200000);
  scenario.workloads.push_back(NamedWorkload{"reference", workload});
  ReplicationConfiguration configuration;
  configuration.name = "linear";
  configuration.backup_strategy.node_count = 3;
  configuration.rhizomorph.target_count = 4;
  configuration.ram.buffer_bytes = 1ULL << 30;
  configuration.ram.replication_interval = 10ms;
  configuration.ram.throttling_curve.type = manifest::CurveType::kLinear;
  scenario.configurations.push_back(configuration);
  return scenario;
}

double seconds_since(WallClock::time_point start) {
  return std::chrono::duration<double>(WallClock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const double simulated_s = argc > 1 ? std::atof(argv[1]) : 10.0;
  if (!(simulated_s > 0.0)) {
    std::fprintf(stderr, "usage: bench_sim_speed [SIMULATED_SECONDS > 0]\n");
    return 2;
  }
  const auto duration = from_seconds(simulated_s);
  const Scenario scenario = reference_scenario(duration);

  // Baseline: the guest model alone, read every 10 ms as the primary would.
  TimePoint now{};
  SimulatedGuest guest(scenario.workloads[0].spec, RandomStream(1), [&now] { return now; });
  std::uint64_t pages = 0;
  auto start = WallClock::now();
  for (; now < TimePoint(duration); now += 10ms)
    pages += guest.read_dirty_pages().pages.size();
  const double guest_wall_s = seconds_since(start);

  start = WallClock::now();
  const analysis::RunResult run = run_replication(scenario, expand_sweep(scenario).at(0));
  const double run_wall_s = seconds_since(start);

  std::printf("guest model alone:   %8.1f simulated s per wall s (%llu dirty pages)\n",
              simulated_s / guest_wall_s, static_cast<unsigned long long>(pages));
  std::printf("full replication:    %8.1f simulated s per wall s (%zu samples)\n",
              simulated_s / run_wall_s, run.time_s.size());
  std::printf("replication overhead: %.2fx the guest model's cost (target: >= 1000 s/s overall)\n",
              run_wall_s / guest_wall_s);
  return 0;
}
