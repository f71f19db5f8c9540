#include <charconv>
#include <cmath>
#include <sstream>

#include <core/manifest/quantity.hpp>
#include <sim/scenario/chunked_run.hpp>
#include <sim/scenario/lockstep_run.hpp>
#include <sim/scenario/ssi_scenario.hpp>
#include <sim/scenario/units.hpp>

namespace mycelium::sim {

namespace {

double milliseconds(Duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

std::string format_number(double value) {
  char text[32];
  const auto written = std::to_chars(text, text + sizeof text, value);
  return std::string(text, written.ptr);
}

// The configuration a run used, as YAML: what the results file keeps beside its figures.
std::string lockstep_config(const SsiLockstepSweep& sweep, const SsiRunSpec& run) {
  std::ostringstream out;
  out << "prototype: lockstep\nrtt: " << format_rtt(run.rtt) << "\nreplicas: " << run.nodes
      << "\nclients: " << sweep.clients
      << "\napplyTime: " << format_number(milliseconds(sweep.apply_time))
      << "ms\nduration: " << format_number(milliseconds(sweep.duration)) << "ms\nseed: " << run.seed
      << "\n";
  return out.str();
}

std::string chunked_config(const SsiChunkedSweep& sweep, const SsiRunSpec& run) {
  std::ostringstream out;
  out << "prototype: chunked\nrtt: " << format_rtt(run.rtt) << "\nworkers: " << run.nodes
      << "\nmodel: " << ssi_model_name(sweep.models[run.model])
      << "\nfault: " << ssi_fault_name(run.fault) << "\nstateBytes: " << run.state_bytes
      << "\nchunks: " << sweep.chunks
      << "\nchunkWork: " << format_number(milliseconds(sweep.chunk_work))
      << "ms\ninFlightPerWorker: " << sweep.in_flight_per_worker
      << "\ncopyTimeout: " << format_number(milliseconds(sweep.copy_timeout))
      << "ms\nmaxCopies: " << sweep.max_copies << "\nseed: " << run.seed << "\n";
  return out.str();
}

analysis::RunResult lockstep_result(const SsiScenario& scenario, const SsiRunSpec& run) {
  const SsiLockstepSweep& sweep = *scenario.lockstep;
  LockstepRunSpec spec;
  spec.replicas = run.nodes;
  spec.clients = sweep.clients;
  spec.one_way_latency = run.rtt / 2;
  spec.apply_duration = sweep.apply_time;
  spec.duration = sweep.duration;
  spec.seed = run.seed;
  const LockstepRunResult measured = run_lockstep(spec);
  analysis::RunResult result;
  result.name = run.name;
  result.seed = run.seed;
  result.labels = {{"prototype", "lockstep"},
                   {"rtt", format_rtt(run.rtt)},
                   {"replicas", std::to_string(run.nodes)},
                   {"seed", std::to_string(run.seed)}};
  result.resolved_config_yaml = lockstep_config(sweep, run);
  result.summary = {
      {"rtt_ms", milliseconds(run.rtt)},
      {"nodes", static_cast<double>(run.nodes)},
      {"step_latency_p50_ms", measured.latency_p50_ms},
      {"step_latency_p99_ms", measured.latency_p99_ms},
      {"step_latency_mean_ms", measured.latency_mean_ms},
      {"steps_per_s", measured.steps_per_s},
      {"view_changes", static_cast<double>(measured.view_changes)},
      {"divergences", static_cast<double>(measured.divergences)},
      {"hash_checks", static_cast<double>(measured.hash_checks)},
      {"lost_inputs", static_cast<double>(measured.lost_inputs)},
      {"histories_agree", measured.histories_agree ? 1.0 : 0.0},
  };
  return result;
}

analysis::RunResult chunked_result(const SsiScenario& scenario, const SsiRunSpec& run) {
  const SsiChunkedSweep& sweep = *scenario.chunked;
  const SsiChunkedModel& model = sweep.models[run.model];
  ChunkedRunSpec spec;
  spec.workers = run.nodes;
  spec.chunks = sweep.chunks;
  spec.chunk_work = sweep.chunk_work;
  spec.chunk_bytes = (run.state_bytes + sweep.chunks - 1) / sweep.chunks;
  spec.redundancy = model.redundancy;
  spec.consistency = model.consistency;
  spec.max_in_flight_per_worker = sweep.in_flight_per_worker;
  spec.copy_timeout = sweep.copy_timeout;
  spec.max_copies = sweep.max_copies;
  spec.one_way_latency = run.rtt / 2;
  spec.seed = run.seed;
  ChunkedWorkerFault fault;
  switch (run.fault) {
    case SsiFault::kNone:
      break;
    case SsiFault::kStraggler:
      fault.speed = *sweep.straggler_speed;
      spec.faults.push_back(fault);
      break;
    case SsiFault::kCrash:
      fault.crash_at = *sweep.crash_at;
      spec.faults.push_back(fault);
      break;
    case SsiFault::kWrongResults:
      fault.wrong_result_probability = *sweep.wrong_results;
      spec.faults.push_back(fault);
      break;
  }
  const ChunkedRunResult measured = run_chunked(spec);
  analysis::RunResult result;
  result.name = run.name;
  result.seed = run.seed;
  result.labels = {{"prototype", "chunked"},
                   {"rtt", format_rtt(run.rtt)},
                   {"workers", std::to_string(run.nodes)},
                   {"model", ssi_model_name(model)},
                   {"fault", std::string(ssi_fault_name(run.fault))},
                   {"state", manifest::format_byte_quantity(run.state_bytes)},
                   {"seed", std::to_string(run.seed)}};
  result.resolved_config_yaml = chunked_config(sweep, run);
  const double nan = kNotApplicable;
  result.summary = {
      {"rtt_ms", milliseconds(run.rtt)},
      {"nodes", static_cast<double>(run.nodes)},
      {"state_bytes", static_cast<double>(run.state_bytes)},
      {"makespan_s", measured.finished ? measured.makespan_s : nan},
      {"ideal_makespan_s", measured.ideal_makespan_s},
      {"makespan_over_ideal",
       measured.finished ? measured.makespan_s / measured.ideal_makespan_s : nan},
      {"wasted_share", measured.busy_s > 0 ? measured.wasted_s / measured.busy_s : 0.0},
      {"chunks_wrong", static_cast<double>(measured.chunks_wrong)},
      {"chunks_undecided", static_cast<double>(measured.chunks_undecided)},
      {"copies_started", static_cast<double>(measured.copies_started)},
      {"copies_timed_out", static_cast<double>(measured.copies_timed_out)},
  };
  return result;
}

}  // namespace

std::string_view ssi_fault_name(SsiFault fault) {
  switch (fault) {
    case SsiFault::kNone:
      return "none";
    case SsiFault::kStraggler:
      return "straggler";
    case SsiFault::kCrash:
      return "crash";
    case SsiFault::kWrongResults:
      return "wrong-results";
  }
  return "none";
}

std::string ssi_model_name(const SsiChunkedModel& model) {
  return std::string(model.consistency == ssi::ChunkConsistency::kMajority ? "majority"
                                                                           : "first-result") +
         "-r" + std::to_string(model.redundancy);
}

std::string format_rtt(Duration rtt) {
  return format_number(milliseconds(rtt)) + "ms";
}

std::vector<SsiRunSpec> expand_sweep(const SsiScenario& scenario) {
  std::vector<SsiRunSpec> runs;
  if (scenario.lockstep) {
    for (const Duration rtt : scenario.lockstep->rtts)
      for (const std::uint32_t replicas : scenario.lockstep->replicas)
        for (const std::uint64_t seed : scenario.seeds) {
          SsiRunSpec run;
          run.name = "lockstep/rtt-" + format_rtt(rtt) + "/replicas-" + std::to_string(replicas) +
                     "/seed-" + std::to_string(seed);
          run.lockstep = true;
          run.rtt = rtt;
          run.nodes = replicas;
          run.seed = seed;
          runs.push_back(run);
        }
  }
  if (scenario.chunked) {
    const SsiChunkedSweep& sweep = *scenario.chunked;
    std::vector<SsiFault> faults{SsiFault::kNone};
    if (sweep.straggler_speed) faults.push_back(SsiFault::kStraggler);
    if (sweep.crash_at) faults.push_back(SsiFault::kCrash);
    if (sweep.wrong_results) faults.push_back(SsiFault::kWrongResults);
    for (const Duration rtt : sweep.rtts)
      for (const std::uint32_t workers : sweep.workers)
        for (const std::uint64_t state : sweep.state_sizes)
          for (std::size_t model = 0; model < sweep.models.size(); ++model)
            for (const SsiFault fault : faults)
              for (const std::uint64_t seed : scenario.seeds) {
                SsiRunSpec run;
                run.name = "chunked/rtt-" + format_rtt(rtt) + "/workers-" +
                           std::to_string(workers) + "/state-" +
                           manifest::format_byte_quantity(state) + "/" +
                           ssi_model_name(sweep.models[model]) + "/" +
                           std::string(ssi_fault_name(fault)) + "/seed-" + std::to_string(seed);
                run.lockstep = false;
                run.rtt = rtt;
                run.nodes = workers;
                run.state_bytes = state;
                run.model = model;
                run.fault = fault;
                run.seed = seed;
                runs.push_back(run);
              }
  }
  return runs;
}

analysis::RunResult run_ssi(const SsiScenario& scenario, const SsiRunSpec& run) {
  return run.lockstep ? lockstep_result(scenario, run) : chunked_result(scenario, run);
}

}  // namespace mycelium::sim
