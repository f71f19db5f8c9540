// The asynchronous chunked prototype under faults (issue 9, item 3): simulated figures, not wall
// times. Each job is its own SimGrid simulation in a forked child (bit-for-bit,
// sim/env/simulation.hpp). WORKERS workers, CHUNKS chunks of 100 ms compute, 1 ms one way between
// nodes, one copy in flight per worker, copies time out after 1 s; worker 0 is the one at fault.
//
//   ssi_chunked_baseline [WORKERS] [CHUNKS]      (defaults: 8 200)
//
// Prints per condition (no fault, a straggler at a tenth of the speed, a crash at 1 s, a worker
// whose results are always wrong) and model (first result with one or two copies, majority of
// three): the makespan (and its ratio to the ideal chunks x work / workers), the compute wasted on
// copies whose result was not used (share of all compute), chunks settled wrong and undecided.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <bench/child_process.hpp>

#include <sim/scenario/chunked_run.hpp>

namespace {

using namespace std::chrono_literals;
using mycelium::sim::ChunkedRunResult;
using mycelium::sim::ChunkedRunSpec;
using mycelium::sim::ChunkedWorkerFault;
using mycelium::ssi::ChunkConsistency;

ChunkedRunResult measure(const ChunkedRunSpec& spec) {
  return mycelium::bench::in_child_process("ssi_chunked_baseline",
                                           [&] { return mycelium::sim::run_chunked(spec); });
}

}  // namespace

int main(int argc, char** argv) {
  const auto workers = static_cast<std::uint32_t>(argc > 1 ? std::stoul(argv[1]) : 8);
  const std::uint64_t chunks = argc > 2 ? std::stoull(argv[2]) : 200;
  struct Condition {
    const char* name;
    std::vector<ChunkedWorkerFault> faults;
  };
  const std::vector<Condition> conditions = {
      {"no fault", {}},
      {"straggler x0.1", {{0, 0.1, 0.0, std::nullopt}}},
      {"crash at 1 s", {{0, 1.0, 0.0, 1s}}},
      {"always wrong", {{0, 1.0, 1.0, std::nullopt}}},
  };
  struct Model {
    const char* name;
    std::uint32_t redundancy;
    ChunkConsistency consistency;
  };
  const std::vector<Model> models = {
      {"first result, r=1", 1, ChunkConsistency::kFirstResult},
      {"first result, r=2", 2, ChunkConsistency::kFirstResult},
      {"majority, r=3", 3, ChunkConsistency::kMajority},
  };
  std::printf("chunked job: %u workers, %llu chunks of 100 ms, 1 ms one way; worker 0 at fault\n",
              workers, static_cast<unsigned long long>(chunks));
  std::printf("%-16s %-20s %16s %14s %6s %10s\n", "condition", "model", "makespan s (xideal)",
              "wasted share", "wrong", "undecided");
  for (const Condition& condition : conditions) {
    for (const Model& model : models) {
      ChunkedRunSpec spec;
      spec.workers = workers;
      spec.chunks = chunks;
      spec.redundancy = model.redundancy;
      spec.consistency = model.consistency;
      spec.faults = condition.faults;
      const ChunkedRunResult r = measure(spec);
      char makespan[32];
      std::snprintf(makespan, sizeof makespan, "%.3f (%.2fx)", r.makespan_s,
                    r.makespan_s / r.ideal_makespan_s);
      std::printf("%-16s %-20s %19s %13.1f%% %6llu %10llu\n", condition.name, model.name,
                  r.finished ? makespan : "unfinished", 100.0 * r.wasted_s / r.busy_s,
                  static_cast<unsigned long long>(r.chunks_wrong),
                  static_cast<unsigned long long>(r.chunks_undecided));
      std::fflush(stdout);
    }
  }

  // Overhead against RTT and N: no fault, one copy per chunk; makespan over the ideal, with one
  // copy in flight per worker (each chunk waits a round trip for the next) and with two (the next
  // chunk is already queued at the worker).
  const std::vector<double> rtts_ms = {0.2, 2, 20, 80};
  const std::vector<std::uint32_t> sizes = {1, 4, 8, 16};
  std::printf(
      "\nmakespan / ideal, no fault, first result r=1, %llu chunks of 100 ms: one copy in "
      "flight per worker | two\n",
      static_cast<unsigned long long>(chunks));
  std::printf("%8s", "RTT ms");
  for (const std::uint32_t n : sizes)
    std::printf(" %15s", ("N=" + std::to_string(n)).c_str());
  std::printf("\n");
  for (const double rtt_ms : rtts_ms) {
    std::printf("%8g", rtt_ms);
    for (const std::uint32_t n : sizes) {
      double ratio[2] = {0, 0};
      for (const std::uint32_t in_flight : {1U, 2U}) {
        ChunkedRunSpec spec;
        spec.workers = n;
        spec.chunks = chunks;
        spec.max_in_flight_per_worker = in_flight;
        spec.copy_timeout = std::chrono::seconds(10);
        spec.one_way_latency = std::chrono::duration_cast<mycelium::Duration>(
            std::chrono::duration<double, std::milli>(rtt_ms / 2));
        const ChunkedRunResult r = measure(spec);
        ratio[in_flight - 1] = r.makespan_s / r.ideal_makespan_s;
      }
      char cell[32];
      std::snprintf(cell, sizeof cell, "%.3f | %.3f", ratio[0], ratio[1]);
      std::printf(" %15s", cell);
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  return 0;
}
