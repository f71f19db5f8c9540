#include <sstream>

#include <sim/scenario/distribution_runs.hpp>
#include <sim/scenario/distribution_scenario.hpp>
#include <sim/scenario/spore_scenario.hpp>
#include <sim/scenario/ssi_scenario.hpp>

namespace mycelium::sim {

namespace {

std::string seed_part(std::uint64_t seed) {
  return "/seed-" + std::to_string(seed);
}

// The configuration a run used, as YAML: what the results file keeps beside its figures.
std::string run_config(const DistributionScenario& scenario, const DistributionRunSpec& run) {
  std::ostringstream out;
  out << "part: " << distribution_part_name(run.part) << "\n";
  switch (run.part) {
    case DistributionPart::kSharding: {
      const ShardingSweep& sweep = *scenario.sharding;
      out << "nodes: " << run.nodes << "\nshards: " << sweep.shards
          << "\nmethod: " << sharding_method_name(sweep.methods[run.method])
          << "\nmovesPerStep: " << sweep.moves_per_step
          << "\nstepInterval: " << format_rtt(sweep.step_interval) << "\n";
      break;
    }
    case DistributionPart::kLease: {
      const LeaseSweep& sweep = *scenario.lease;
      out << "nodes: " << run.nodes << "\nloss: " << format_loss(run.loss)
          << "\nduration: " << format_rtt(sweep.duration) << "\nrtt: " << format_rtt(sweep.rtt)
          << "\nleaseDuration: " << format_rtt(sweep.lease_duration)
          << "\nsampleEvery: " << format_rtt(sweep.sample_every) << "\n";
      if (sweep.cut_at) out << "cutAt: " << format_rtt(*sweep.cut_at) << "\n";
      if (sweep.heal_at) out << "healAt: " << format_rtt(*sweep.heal_at) << "\n";
      if (sweep.crash_master_at)
        out << "crashMasterAt: " << format_rtt(*sweep.crash_master_at) << "\n";
      break;
    }
    case DistributionPart::kDht: {
      const DhtSweep& sweep = *scenario.dht;
      out << "nodes: " << run.nodes << "\ncrashed: " << format_loss(run.crashed_fraction)
          << "\nbucketSize: " << sweep.bucket_size << "\nparallelism: " << sweep.parallelism
          << "\nbootstrap: " << sweep.bootstrap << "\nlookups: " << sweep.lookups
          << "\nrtt: " << format_rtt(sweep.rtt) << "\n";
      break;
    }
    case DistributionPart::kEventLog: {
      const EventLogSweep& sweep = *scenario.event_log;
      out << "loss: " << format_loss(run.loss) << "\nowners: " << sweep.owners
          << "\nproducers: " << sweep.producers << "\nsubscribers: " << sweep.subscribers
          << "\npartitions: " << sweep.partitions
          << "\npartitioning: " << manifest::kLogPartitioningNames.name(sweep.partitioning)
          << "\naggregates: " << sweep.aggregates
          << "\ntimeWindow: " << format_rtt(sweep.time_window)
          << "\neventsPerProducer: " << sweep.events_per_producer
          << "\nappendEvery: " << format_rtt(sweep.append_every)
          << "\nrtt: " << format_rtt(sweep.rtt) << "\ndrain: " << format_rtt(sweep.drain) << "\n";
      break;
    }
  }
  out << "seed: " << run.seed << "\n";
  return out.str();
}

}  // namespace

std::string_view distribution_part_name(DistributionPart part) {
  switch (part) {
    case DistributionPart::kSharding:
      return "sharding";
    case DistributionPart::kLease:
      return "lease";
    case DistributionPart::kDht:
      return "dht";
    case DistributionPart::kEventLog:
      return "event-log";
  }
  return "?";
}

std::string sharding_method_name(const ShardingMethod& method) {
  if (method.kind == distribution::ShardPlacementKind::kJump) return "jump";
  return "ring-" + std::to_string(method.points);
}

std::vector<DistributionRunSpec> expand_sweep(const DistributionScenario& scenario) {
  std::vector<DistributionRunSpec> runs;
  if (scenario.sharding) {
    for (const std::uint32_t nodes : scenario.sharding->nodes) {
      for (std::size_t method = 0; method < scenario.sharding->methods.size(); ++method) {
        for (const std::uint64_t seed : scenario.seeds) {
          DistributionRunSpec run;
          run.part = DistributionPart::kSharding;
          run.nodes = nodes;
          run.method = method;
          run.seed = seed;
          run.name = "sharding/nodes-" + std::to_string(nodes) + "/" +
                     sharding_method_name(scenario.sharding->methods[method]) + seed_part(seed);
          runs.push_back(std::move(run));
        }
      }
    }
  }
  if (scenario.lease) {
    for (const std::uint32_t nodes : scenario.lease->nodes) {
      for (const double loss : scenario.lease->losses) {
        for (const std::uint64_t seed : scenario.seeds) {
          DistributionRunSpec run;
          run.part = DistributionPart::kLease;
          run.nodes = nodes;
          run.loss = loss;
          run.seed = seed;
          run.name = "lease/nodes-" + std::to_string(nodes) + "/loss-" + format_loss(loss) +
                     seed_part(seed);
          runs.push_back(std::move(run));
        }
      }
    }
  }
  if (scenario.dht) {
    for (const std::uint32_t nodes : scenario.dht->nodes) {
      for (const double crashed : scenario.dht->crashed_fractions) {
        for (const std::uint64_t seed : scenario.seeds) {
          DistributionRunSpec run;
          run.part = DistributionPart::kDht;
          run.nodes = nodes;
          run.crashed_fraction = crashed;
          run.seed = seed;
          run.name = "dht/nodes-" + std::to_string(nodes) + "/crashed-" + format_loss(crashed) +
                     seed_part(seed);
          runs.push_back(std::move(run));
        }
      }
    }
  }
  if (scenario.event_log) {
    for (const double loss : scenario.event_log->losses) {
      for (const std::uint64_t seed : scenario.seeds) {
        DistributionRunSpec run;
        run.part = DistributionPart::kEventLog;
        run.nodes = scenario.event_log->owners + scenario.event_log->producers +
                    scenario.event_log->subscribers;
        run.loss = loss;
        run.seed = seed;
        run.name = "event-log/loss-" + format_loss(loss) + seed_part(seed);
        runs.push_back(std::move(run));
      }
    }
  }
  return runs;
}

analysis::RunResult run_distribution(const DistributionScenario& scenario,
                                     const DistributionRunSpec& run) {
  analysis::RunResult result;
  result.name = run.name;
  result.seed = run.seed;
  result.labels = {{"part", std::string(distribution_part_name(run.part))},
                   {"seed", std::to_string(run.seed)}};
  result.resolved_config_yaml = run_config(scenario, run);
  switch (run.part) {
    case DistributionPart::kSharding:
      result.labels["nodes"] = std::to_string(run.nodes);
      result.labels["method"] = sharding_method_name(scenario.sharding->methods[run.method]);
      run_sharding(*scenario.sharding, run, result);
      break;
    case DistributionPart::kLease:
      result.labels["nodes"] = std::to_string(run.nodes);
      result.labels["loss"] = format_loss(run.loss);
      run_lease(*scenario.lease, run, result);
      break;
    case DistributionPart::kDht:
      result.labels["nodes"] = std::to_string(run.nodes);
      result.labels["crashed"] = format_loss(run.crashed_fraction);
      run_dht(*scenario.dht, run, result);
      break;
    case DistributionPart::kEventLog:
      result.labels["loss"] = format_loss(run.loss);
      run_event_log(*scenario.event_log, run, result);
      break;
  }
  return result;
}

}  // namespace mycelium::sim
