#pragma once
// One run of the lock-step prototype (core/ssi/lockstep_replica.hpp) in SimGrid: `replicas`
// replicas and `clients` closed-loop clients, every node in one zone whose links have the run's
// one-way latency (so every pair of nodes is one_way_latency apart, a round trip is twice that),
// crashes of replicas at given times. Measures what issue 9 asks of the prototype: the latency of
// a step as a client sees it (submit to answer), the steps per second, the view changes, and the
// checks: the survivors' state hashes agree at every step two of them applied, no replica counted
// a divergence, and no answered input is missing from a survivor's state.
//
// Call it in a fresh process for bit-for-bit results (sim/env/simulation.hpp).

#include <cstdint>
#include <vector>

#include <core/env/time.hpp>

namespace mycelium::sim {

struct LockstepCrash {
  Duration at{};
  std::uint32_t replica = 0;  // index among the replicas (node id)
};

struct LockstepRunSpec {
  std::uint32_t replicas = 3;
  std::uint32_t clients = 1;
  Duration one_way_latency = std::chrono::microseconds(100);
  Duration apply_duration = std::chrono::milliseconds(1);
  Duration duration = std::chrono::seconds(10);
  double bandwidth_bytes_per_s = 1.25e9;
  std::vector<LockstepCrash> crashes;
  std::uint64_t seed = 1;
};

struct LockstepRunResult {
  std::uint64_t answers = 0;  // inputs answered, all clients
  double latency_mean_ms = 0;
  double latency_p50_ms = 0;
  double latency_p99_ms = 0;
  double latency_max_ms = 0;
  double steps_per_s = 0;          // answers over the run's duration
  std::uint64_t view_changes = 0;  // completed, all replicas
  std::uint64_t client_retries = 0;
  std::uint64_t divergences = 0;  // counted by the replicas' hash checks
  std::uint64_t hash_checks = 0;  // hashes compared by sequencers
  bool histories_agree = true;    // the survivors' hashes, checked at the end
  std::uint64_t lost_inputs = 0;  // answered inputs missing from a survivor's state
  std::uint64_t final_step = 0;   // the highest step a survivor applied
};

LockstepRunResult run_lockstep(const LockstepRunSpec& spec);

}  // namespace mycelium::sim
