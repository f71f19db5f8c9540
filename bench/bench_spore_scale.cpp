// How the Service Spore simulation scales: one SporeScenario run (the code path of `mycelium
// run`) of N members with partial views of 32, started settled, on the datagram network model,
// for S simulated seconds: a registration at 5 s, a leave at 10 s, a crash at 20 s (or at
// S / 2 when S <= 20). Prints wall time, simulated seconds per wall second, member-seconds per
// wall second (the figure that should stay flat as N grows: wall time ~ N log N at worst), peak
// RSS and its bytes per member, and the run's main metrics. A figure, not a test.
//
//   build/release/bench/bench_spore_scale [MEMBERS] [SIMULATED_SECONDS] [THREADS]
//                                                                  (default 10000 30 1)
// THREADS > 1 cuts the run into that many partitions of whole zones (10 000 members each above
// 10 000), run side by side (SporeScenario::threads): compare with THREADS 1 in the same session.
//
// Measured figures are in docs/scenarios.md ("Spore scenarios").

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <sys/resource.h>

#include <sim/scenario/spore_run.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

namespace {

double summary(const analysis::RunResult& result, std::string_view name) {
  for (const auto& [metric, value] : result.summary) {
    if (metric == name) return value;
  }
  return -1.0;
}

}  // namespace

int main(int argc, char** argv) {
  const long members = argc > 1 ? std::atol(argv[1]) : 10000;
  const long simulated_s = argc > 2 ? std::atol(argv[2]) : 30;
  const long threads = argc > 3 ? std::atol(argv[3]) : 1;
  if (members < 40 || members > 1'000'000 || simulated_s < 8 || simulated_s > 3600 || threads < 1 ||
      threads > 64) {
    std::fprintf(stderr,
                 "usage: bench_spore_scale [MEMBERS 40 .. 1000000] [SIMULATED_SECONDS 8 .. 3600] "
                 "[THREADS 1 .. 64]\n");
    return 2;
  }
  SporeScenario scenario;
  scenario.name = "bench-spore-scale";
  scenario.duration = std::chrono::seconds(simulated_s);
  scenario.sample_interval = 500ms;
  scenario.seeds = {1};
  scenario.members = {static_cast<std::uint32_t>(members)};
  scenario.packet_loss = {0.0};
  scenario.members_per_zone = static_cast<std::uint32_t>(std::min<long>(members, 10000));
  if (members > 10000 && members % 10000 != 0) {
    std::fprintf(stderr, "bench_spore_scale: above 10000, MEMBERS must be a multiple of 10000\n");
    return 2;
  }
  scenario.view_members = 32;
  scenario.settled_start = true;
  scenario.network_model = NetworkModel::kDatagram;
  scenario.threads = static_cast<std::uint32_t>(threads);
  scenario.register_at = std::min<Duration>(5s, scenario.duration / 4);
  scenario.leave_at = std::min<Duration>(10s, scenario.duration / 3);
  scenario.crash_at = std::min<Duration>(20s, scenario.duration / 2);

  const auto wall_start = std::chrono::steady_clock::now();
  const analysis::RunResult result = run_spore(scenario, expand_sweep(scenario).at(0));
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double rss_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;
  const auto seconds = static_cast<double>(simulated_s);
  std::printf(
      "members %ld, %ld simulated s, %ld thread(s): wall %.1f s, %.2f simulated s per wall s, %.0f "
      "member-seconds per wall s, peak RSS %.0f MiB (%.0f bytes per member)\n",
      members, simulated_s, threads, wall_s, seconds / wall_s,
      static_cast<double>(members) * seconds / wall_s, rss_bytes / (1024.0 * 1024.0),
      rss_bytes / static_cast<double>(members));
  std::printf(
      "registration 99 %% after %.2f s, crash first suspected after %.2f s, known by all after "
      "%.2f s (-1 or nan: not within the run), %.2f messages and %.0f bytes per member per s\n",
      summary(result, "registration_p99_s"), summary(result, "crash_detection_first_s"),
      summary(result, "crash_detection_all_s"), summary(result, "messages_per_member_per_s"),
      summary(result, "bytes_per_member_per_s"));
  return 0;
}
