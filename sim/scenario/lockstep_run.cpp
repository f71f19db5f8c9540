#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include <core/ssi/lockstep_client.hpp>
#include <core/ssi/lockstep_replica.hpp>
#include <sim/env/simulation.hpp>
#include <sim/scenario/lockstep_run.hpp>
#include <sim/scenario/percentile.hpp>

namespace mycelium::sim {

namespace {

double ms(Duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

// Replicas, then clients, in one zone whose links take the run's one-way latency.
PlatformSpec lockstep_platform(const LockstepRunSpec& spec) {
  PlatformSpec platform =
      uniform_platform(1, spec.replicas + spec.clients, spec.bandwidth_bytes_per_s);
  platform.intra_zone = LinkProfile{to_seconds(spec.one_way_latency), spec.bandwidth_bytes_per_s};
  return platform;
}

}  // namespace

LockstepRunResult run_lockstep(const LockstepRunSpec& spec) {
  if (spec.replicas == 0 || spec.clients == 0)
    throw std::invalid_argument("lock-step run: needs at least one replica and one client");
  for (const LockstepCrash& crash : spec.crashes) {
    if (crash.replica >= spec.replicas)
      throw std::invalid_argument("lock-step run: crash of replica " +
                                  std::to_string(crash.replica) + ", which does not exist");
  }
  Simulation simulation(lockstep_platform(spec), spec.seed);

  // Failure detection scales with the round trip: heartbeats every max(20 ms, 2 RTT), a
  // sequencer silent for 5 heartbeats is replaced; clients retry after 10 heartbeats.
  const Duration rtt = 2 * spec.one_way_latency;
  ssi::LockstepConfig config;
  for (std::uint32_t i = 0; i < spec.replicas; ++i)
    config.members.push_back(NodeId{i});
  config.apply_duration = spec.apply_duration;
  config.heartbeat_interval = std::max<Duration>(std::chrono::milliseconds(20), 2 * rtt);
  config.sequencer_timeout = 5 * config.heartbeat_interval + spec.apply_duration;
  std::vector<std::unique_ptr<ssi::LockstepReplica>> replicas;
  for (std::uint32_t i = 0; i < spec.replicas; ++i)
    replicas.push_back(std::make_unique<ssi::LockstepReplica>(simulation.node(NodeId{i}), config));

  ssi::LockstepClientConfig client_config;
  client_config.replicas = config.members;
  client_config.retry_timeout = 10 * config.heartbeat_interval;
  std::vector<double> latencies_ms;
  std::vector<std::vector<std::uint64_t>> answered_seqs(spec.clients);
  std::vector<std::unique_ptr<ssi::LockstepClient>> clients;
  for (std::uint32_t c = 0; c < spec.clients; ++c) {
    const NodeId node{spec.replicas + c};
    clients.push_back(std::make_unique<ssi::LockstepClient>(
        simulation.node(node), client_config, [&, c](const ssi::LockstepAnswer& answer) {
          latencies_ms.push_back(ms(answer.latency));
          answered_seqs[c].push_back(answer.client_seq);
        }));
    clients.back()->start();
  }
  for (const LockstepCrash& crash : spec.crashes) {
    simulation.schedule_fault(TimePoint(crash.at), [&, crash] {
      replicas[crash.replica].reset();
      simulation.crash_node(NodeId{crash.replica});
    });
  }
  simulation.run_until(TimePoint(spec.duration));

  LockstepRunResult result;
  result.answers = latencies_ms.size();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  if (!latencies_ms.empty()) {
    double sum = 0;
    for (const double latency : latencies_ms)
      sum += latency;
    result.latency_mean_ms = sum / static_cast<double>(latencies_ms.size());
  } else {
    result.latency_mean_ms = kNotApplicable;
  }
  result.latency_p50_ms = percentile_of_sorted(latencies_ms, 0.5);
  result.latency_p99_ms = percentile_of_sorted(latencies_ms, 0.99);
  result.latency_max_ms = latencies_ms.empty() ? kNotApplicable : latencies_ms.back();
  result.steps_per_s = static_cast<double>(result.answers) / to_seconds(spec.duration);

  std::vector<ssi::LockstepReplica*> survivors;
  for (auto& replica : replicas)
    if (replica) survivors.push_back(replica.get());
  for (std::uint32_t i = 0; i < spec.replicas + spec.clients; ++i) {
    const auto& metrics = simulation.metrics(NodeId{i});
    const auto count = [&](std::string_view name) {
      return static_cast<std::uint64_t>(metrics.counter(name));
    };
    result.view_changes += count("ssi_lockstep_view_changes_completed_total");
    result.client_retries += count("ssi_lockstep_client_retries_total");
    result.hash_checks += count("ssi_lockstep_hash_checks_total");
  }
  for (const auto& replica : replicas)
    if (replica) result.divergences += replica->divergences();
  for (ssi::LockstepReplica* replica : survivors) {
    result.final_step = std::max(result.final_step, replica->state().step());
    for (ssi::LockstepReplica* other : survivors) {
      const std::uint64_t step = std::min(replica->state().step(), other->state().step());
      const auto mine = replica->hash_at(step);
      const auto theirs = other->hash_at(step);
      if (!mine || !theirs || *mine != *theirs) result.histories_agree = false;
    }
    for (std::uint32_t c = 0; c < spec.clients; ++c) {
      if (answered_seqs[c].empty()) continue;
      const auto record = replica->state().client(spec.replicas + c);
      const std::uint64_t last = answered_seqs[c].back();
      const std::uint64_t applied = record ? record->client_seq : 0;
      if (applied < last) result.lost_inputs += last - applied;
    }
  }
  return result;
}

}  // namespace mycelium::sim
