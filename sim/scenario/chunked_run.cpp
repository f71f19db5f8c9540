#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include <core/ssi/chunked_worker.hpp>
#include <sim/env/simulation.hpp>
#include <sim/scenario/chunked_run.hpp>
#include <sim/scenario/units.hpp>

namespace mycelium::sim {

namespace {

// The coordinator (node 0), then the workers, in one zone whose links take the run's one-way
// latency.
PlatformSpec chunked_platform(const ChunkedRunSpec& spec) {
  PlatformSpec platform = uniform_platform(1, spec.workers + 1, spec.bandwidth_bytes_per_s);
  platform.intra_zone = LinkProfile{to_seconds(spec.one_way_latency), spec.bandwidth_bytes_per_s};
  return platform;
}

}  // namespace

ChunkedRunResult run_chunked(const ChunkedRunSpec& spec) {
  if (spec.workers == 0) throw std::invalid_argument("chunked run: needs at least one worker");
  for (const ChunkedWorkerFault& fault : spec.faults) {
    if (fault.worker >= spec.workers)
      throw std::invalid_argument("chunked run: a fault names worker " +
                                  std::to_string(fault.worker) + ", which does not exist");
  }
  Simulation simulation(chunked_platform(spec), spec.seed);
  const std::uint64_t job_seed = spec.seed;

  std::vector<std::unique_ptr<ssi::ChunkedWorker>> workers;
  for (std::uint32_t w = 0; w < spec.workers; ++w) {
    ssi::ChunkedWorkerConfig config;
    config.coordinator = NodeId{0};
    config.job_seed = job_seed;
    for (const ChunkedWorkerFault& fault : spec.faults) {
      if (fault.worker != w) continue;
      config.speed = fault.speed;
      config.wrong_result_probability = fault.wrong_result_probability;
    }
    workers.push_back(std::make_unique<ssi::ChunkedWorker>(simulation.node(NodeId{w + 1}), config));
  }
  for (const ChunkedWorkerFault& fault : spec.faults) {
    if (!fault.crash_at) continue;
    simulation.schedule_fault(TimePoint(*fault.crash_at), [&, worker = fault.worker] {
      workers[worker].reset();
      simulation.crash_node(NodeId{worker + 1});
    });
  }

  ssi::ChunkedJobConfig job;
  for (std::uint32_t w = 0; w < spec.workers; ++w)
    job.workers.push_back(NodeId{w + 1});
  job.chunks = spec.chunks;
  job.chunk_work = spec.chunk_work;
  job.chunk_bytes = spec.chunk_bytes;
  job.redundancy = spec.redundancy;
  job.consistency = spec.consistency;
  job.max_in_flight_per_worker = spec.max_in_flight_per_worker;
  job.copy_timeout = spec.copy_timeout;
  job.max_copies = spec.max_copies;
  job.job_seed = job_seed;
  if (job.chunks > ssi::ChunkedJobConfig::kMaxChunks)
    throw std::invalid_argument("chunked run: at most " +
                                std::to_string(ssi::ChunkedJobConfig::kMaxChunks) + " chunks");
  if (job.redundancy == 0 || job.redundancy > spec.workers || job.max_copies < job.redundancy)
    throw std::invalid_argument(
        "chunked run: redundancy must be 1 .. workers, and max copies at "
        "least the redundancy");
  ssi::ChunkedCoordinator coordinator(simulation.node(NodeId{0}), job);
  coordinator.start();
  // In slices, to stop at the job's end rather than at the time limit.
  const Duration slice = std::max<Duration>(spec.chunk_work, std::chrono::milliseconds(10));
  while (!coordinator.done() && simulation.now() < TimePoint(spec.time_limit))
    simulation.run_for(slice);
  simulation.run_for(spec.copy_timeout);  // cancels and late results land: their compute counts

  ChunkedRunResult result;
  const ssi::ChunkedOutcome& outcome = coordinator.outcome();
  result.finished = coordinator.done();
  result.makespan_s = result.finished ? to_seconds(outcome.makespan) : kNotApplicable;
  result.ideal_makespan_s =
      to_seconds(spec.chunk_work) * static_cast<double>(spec.chunks) / spec.workers;
  result.chunks_settled = outcome.chunks_settled;
  result.chunks_wrong = outcome.chunks_wrong;
  result.chunks_undecided = outcome.chunks_undecided;
  result.copies_started = outcome.copies_started;
  result.copies_timed_out = outcome.copies_timed_out;
  std::int64_t busy_ns = 0;
  for (std::uint32_t w = 1; w <= spec.workers; ++w) {
    const auto& metrics = simulation.metrics(NodeId{w});
    busy_ns += metrics.counter("ssi_chunked_busy_done_ns_total") +
               metrics.counter("ssi_chunked_busy_cancelled_ns_total");
  }
  result.busy_s = static_cast<double>(busy_ns) * 1e-9;
  result.used_s = to_seconds(outcome.used_busy);
  result.wasted_s = result.busy_s - result.used_s;
  return result;
}

}  // namespace mycelium::sim
