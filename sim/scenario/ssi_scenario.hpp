#pragma once
// The SSI baseline scenario (kind SsiBaselineScenario, docs/scenarios.md): the sweeps that measure
// what the two SSI execution models cost (issue 9, docs/ssi.md). Either part or both:
//  * lockstep: the lock-step prototype over round-trip times x replica counts: the step latency a
//    client sees, against one node at the same RTT;
//  * chunked: the asynchronous chunked prototype over RTT x worker counts x consistency models x
//    faults of one worker (none always; a straggler, a crash, wrong results when configured):
//    makespan against the ideal, wasted compute, wrong and undecided chunks.
// Every point x seed is one run; run_ssi gives the results file's run (docs/results.md).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <analysis/results/results.hpp>
#include <core/env/time.hpp>
#include <core/ssi/chunked_coordinator.hpp>

namespace mycelium::sim {

struct SsiLockstepSweep {
  Duration duration = std::chrono::seconds(10);
  std::vector<Duration> rtts;                          // every node is rtt / 2 from every other
  std::vector<std::uint32_t> replicas;                 // N
  Duration apply_time = std::chrono::milliseconds(1);  // compute per step
  std::uint32_t clients = 1;
};

struct SsiChunkedModel {
  ssi::ChunkConsistency consistency = ssi::ChunkConsistency::kFirstResult;
  std::uint32_t redundancy = 1;
};

enum class SsiFault { kNone, kStraggler, kCrash, kWrongResults };

struct SsiChunkedSweep {
  std::vector<Duration> rtts;
  std::vector<std::uint32_t> workers;
  std::uint64_t chunks = 200;
  Duration chunk_work = std::chrono::milliseconds(100);
  // The job's input data: each chunk's share (state / chunks) goes with every copy.
  std::vector<std::uint64_t> state_sizes{0};
  std::uint32_t in_flight_per_worker = 1;
  Duration copy_timeout = std::chrono::seconds(1);
  std::uint32_t max_copies = 8;
  std::vector<SsiChunkedModel> models;
  // Worker 0's faults, each its own condition beside "none".
  std::optional<double> straggler_speed;
  std::optional<Duration> crash_at;
  std::optional<double> wrong_results;
};

struct SsiScenario {
  std::string name;
  std::vector<std::uint64_t> seeds;
  std::optional<SsiLockstepSweep> lockstep;
  std::optional<SsiChunkedSweep> chunked;
};

struct SsiRunSpec {
  std::string name;  // unique in the scenario
  bool lockstep = true;
  Duration rtt{};
  std::uint32_t nodes = 0;        // replicas or workers
  std::size_t model = 0;          // index in chunked.models
  std::uint64_t state_bytes = 0;  // chunked: the job's input data
  SsiFault fault = SsiFault::kNone;
  std::uint64_t seed = 0;
};

// Lock-step points first (rtt, replicas, seed), then chunked (rtt, workers, state size, model,
// fault, seed).
std::vector<SsiRunSpec> expand_sweep(const SsiScenario& scenario);

std::string_view ssi_fault_name(SsiFault fault);
std::string ssi_model_name(const SsiChunkedModel& model);  // "first-result-r1", "majority-r3"
// A duration in run names and labels: "0.2ms", "20ms".
std::string format_rtt(Duration rtt);

analysis::RunResult run_ssi(const SsiScenario& scenario, const SsiRunSpec& run);

}  // namespace mycelium::sim
