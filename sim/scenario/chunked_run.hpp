#pragma once
// One job of the asynchronous chunked prototype (core/ssi/chunked_coordinator.hpp) in SimGrid:
// a coordinator and `workers` workers, every node in one zone `one_way_latency` apart, some
// workers slow (stragglers), faulty (wrong results) or crashing at a given time. Measures what
// issue 9 asks of the prototype: the makespan (against the ideal chunks x work / workers), the
// compute wasted on copies whose result was not the one used, and correctness (settled chunks
// holding a wrong value, chunks left undecided).
//
// Call it in a fresh process for bit-for-bit results (sim/env/simulation.hpp).

#include <cstdint>
#include <optional>
#include <vector>

#include <core/env/time.hpp>
#include <core/ssi/chunked_coordinator.hpp>

namespace mycelium::sim {

struct ChunkedWorkerFault {
  std::uint32_t worker = 0;  // 0 .. workers - 1
  double speed = 1.0;        // a straggler: below 1
  double wrong_result_probability = 0.0;
  std::optional<Duration> crash_at;
};

struct ChunkedRunSpec {
  std::uint32_t workers = 8;
  std::uint64_t chunks = 200;
  Duration chunk_work = std::chrono::milliseconds(100);
  std::uint64_t chunk_bytes = 0;  // input data shipped with each copy
  std::uint32_t redundancy = 1;
  ssi::ChunkConsistency consistency = ssi::ChunkConsistency::kFirstResult;
  std::uint32_t max_in_flight_per_worker = 1;
  Duration copy_timeout = std::chrono::seconds(1);
  std::uint32_t max_copies = 8;
  Duration one_way_latency = std::chrono::milliseconds(1);
  double bandwidth_bytes_per_s = 1.25e9;
  std::vector<ChunkedWorkerFault> faults;
  Duration time_limit = std::chrono::hours(1);  // a job not done by then is reported unfinished
  std::uint64_t seed = 1;
};

struct ChunkedRunResult {
  bool finished = false;
  double makespan_s = 0;
  double ideal_makespan_s = 0;  // chunks x chunk_work / workers: perfect balance, no messages
  std::uint64_t chunks_settled = 0;
  std::uint64_t chunks_wrong = 0;
  std::uint64_t chunks_undecided = 0;
  std::uint64_t copies_started = 0;
  std::uint64_t copies_timed_out = 0;
  double busy_s = 0;    // the workers' compute: chunks finished and the part of cancelled ones
  double used_s = 0;    // the compute of the one result used per chunk
  double wasted_s = 0;  // busy - used
};

ChunkedRunResult run_chunked(const ChunkedRunSpec& spec);

}  // namespace mycelium::sim
