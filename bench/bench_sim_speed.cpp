// How fast the simulator runs replication: simulated seconds per wall-clock second for the
// issue's reference guest (8 GiB, 4 KiB pages, 10 ms epochs, 200k dirty pages/s, 3 backups,
// 4 connections each) on a LAN, measured three ways in one process:
//   - the guest model alone (no replication traffic), the baseline;
//   - full replication with every 4 KiB page tracked (page group 1, the exact model);
//   - full replication with pages tracked in groups (WorkloadSpec::page_group, default 16), and
//     how far its summary metrics are from the exact run's: the price of the speed.
//
//   build/release/bench/bench_sim_speed [SIMULATED_SECONDS [PAGE_GROUP [grouped]]]  (default 60 16)
//
// At least a minute of simulated time: a run of 10 or 20 s lasts a few tens of milliseconds of
// wall time, of which the first calls' symbol binding and page faults are a tenth.
//
// With `grouped` only the page-group run is made and timed (to profile it alone, e.g. under
// `perf record`).
//
// Prints one line per measurement and exits 0; it asserts no timing (the figure is the output).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <sim/scenario/replication_run.hpp>
#include <sim/workload/simulated_guest.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

namespace {

using WallClock = std::chrono::steady_clock;

Scenario reference_scenario(Duration duration, std::uint32_t page_group) {
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
  workload.page_group = page_group;
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

double metric(const analysis::RunResult& run, const std::string& name) {
  for (const auto& [key, value] : run.summary)
    if (key == name) return value;
  return 0.0;
}

// Simulated seconds per wall second of one replication run, and its result.
analysis::RunResult timed_run(const Scenario& scenario, double& speed) {
  const auto start = WallClock::now();
  analysis::RunResult run = run_replication(scenario, expand_sweep(scenario).at(0));
  speed = to_seconds(scenario.duration) / seconds_since(start);
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  const double simulated_s = argc > 1 ? std::atof(argv[1]) : 60.0;
  const long group = argc > 2 ? std::atol(argv[2]) : 16;
  const bool grouped_only = argc > 3 && std::string_view(argv[3]) == "grouped";
  if (!(simulated_s > 0.0) || group < 1 || group > kMaxPageGroup || (group & (group - 1)) != 0 ||
      (argc > 3 && !grouped_only) || argc > 4) {
    std::fprintf(stderr,
                 "usage: bench_sim_speed [SIMULATED_SECONDS > 0 [PAGE_GROUP, a power of two "
                 "[grouped]]]\n");
    return 2;
  }
  const auto duration = from_seconds(simulated_s);
  const Scenario exact = reference_scenario(duration, 1);
  const Scenario grouped = reference_scenario(duration, static_cast<std::uint32_t>(group));
  if (grouped_only) {
    double grouped_speed = 0.0;
    timed_run(grouped, grouped_speed);
    std::printf(
        "replication, page group %ld: %6.1f simulated s per wall s (%ld KiB tracked pages)\n",
        group, grouped_speed, group * 4);
    return 0;
  }

  // Baseline: the guest model alone, read every 10 ms as the primary would.
  TimePoint now{};
  SimulatedGuest guest(exact.workloads[0].spec, RandomStream(1), [&now] { return now; });
  std::uint64_t pages = 0;
  auto start = WallClock::now();
  for (; now < TimePoint(duration); now += 10ms)
    pages += guest.read_dirty_pages().pages.size();
  const double guest_speed = simulated_s / seconds_since(start);

  double exact_speed = 0.0;
  double grouped_speed = 0.0;
  const analysis::RunResult exact_run = timed_run(exact, exact_speed);
  const analysis::RunResult grouped_run = timed_run(grouped, grouped_speed);

  std::printf("guest model alone:        %8.1f simulated s per wall s (%llu dirty pages)\n",
              guest_speed, static_cast<unsigned long long>(pages));
  std::printf("replication, exact:       %8.1f simulated s per wall s (4 KiB pages)\n",
              exact_speed);
  std::printf("replication, page group %ld: %6.1f simulated s per wall s (%ld KiB tracked pages)\n",
              group, grouped_speed, group * 4);
  std::printf(
      "exact replication costs %.2fx the guest model; page group %ld runs %.2fx faster "
      "than exact (target: >= 1000 simulated s per wall s)\n",
      guest_speed / exact_speed, group, grouped_speed / exact_speed);
  std::printf("%-22s %14s %14s %9s\n", "metric", "exact", "grouped", "diff %");
  for (const char* name : {"slowdown_pct", "lag_p50_ms", "lag_p99_ms", "bytes_sent", "pause_s"}) {
    const double a = metric(exact_run, name);
    const double b = metric(grouped_run, name);
    std::printf("%-22s %14.6g %14.6g %9.2f\n", name, a, b, a != 0.0 ? 100.0 * (b - a) / a : 0.0);
  }
  return 0;
}
