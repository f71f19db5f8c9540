// `mycelium sweep SCENARIO --shard i/n`: runs shard i of n of the scenario's sweep (runs i, i+n,
// i+2n, ...) like `mycelium run` runs all of them, and writes a shard file that `mycelium merge`
// joins with the others into what `mycelium run` writes. `--emit k8s-job --shards n` writes the
// Kubernetes manifests that run the n shards on a cluster instead.

#include <filesystem>
#include <iostream>

#include <analysis/results/results.hpp>
#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/k8s_job.hpp>
#include <apps/mycelium/run_pool.hpp>
#include <apps/mycelium/scenario_bundle.hpp>
#include <apps/mycelium/scenario_digest.hpp>
#include <apps/mycelium/scenario_references.hpp>
#include <apps/mycelium/scenario_source.hpp>
#include <apps/mycelium/shard.hpp>

namespace mycelium::cli {

namespace {

namespace fs = std::filesystem;

// Options of the other mode are refused rather than ignored: a silently ignored --image or
// --shard would be a surprise on a cluster.
void check_options(const SweepOptions& options) {
  const bool emit = !options.emit.empty();
  if (emit && !options.shard.empty()) {
    throw UserError(
        "--shard selects the one shard to run; with --emit k8s-job, give --shards n "
        "(the Job runs every shard)");
  }
  if (!emit) {
    if (options.shard.empty()) {
      throw UserError(
          "sweep needs --shard i/n (run shard i of n) or --emit k8s-job --shards n "
          "(write a Kubernetes Job that runs them all)");
    }
    const auto emit_only = [](bool given, const std::string& option) {
      if (given) throw UserError(option + " applies only with --emit k8s-job");
    };
    emit_only(options.shards != 0, "--shards");
    emit_only(!options.image.empty(), "--image");
    emit_only(!options.results_claim.empty(), "--results-claim");
  } else if (options.shards == 0) {
    throw UserError("--emit k8s-job needs --shards n, the number of shards (pods) to run");
  }
}

int run_shard(const SweepOptions& options) {
  const Shard shard = parse_shard(options.shard);
  std::optional<ScenarioSource> source = load_scenario(options.scenario_file);
  if (!source) return kExitUserError;
  const std::string digest = scenario_digest(source->text, scenario_references(*source));
  const std::vector<PoolRun> sweep = sweep_runs(*source);
  const std::vector<std::uint64_t> indices = shard_run_indices(shard, sweep.size());
  std::vector<PoolRun> runs;
  for (const std::uint64_t index : indices)
    runs.push_back(sweep[index]);

  const std::string& name = source->name();
  const std::string shard_name =
      "shard " + std::to_string(shard.index) + " of " + std::to_string(shard.count);
  const fs::path output =
      options.output_file.empty()
          ? fs::path("results") / (name + ".shard-" + std::to_string(shard.index) + "-of-" +
                                   std::to_string(shard.count) + ".h5")
          : fs::path(options.output_file);
  std::optional<std::vector<analysis::RunResult>> results = run_for_output(
      name, runs, output, options.jobs, options.quiet,
      source->kind_name() + " " + name + ", " + shard_name + ": " + std::to_string(runs.size()) +
          " of " + std::to_string(sweep.size()) + " runs");
  if (!results) return kExitUserError;

  analysis::ResultsFile file;
  file.mycelium_version = MYCELIUM_VERSION;
  file.scenario_name = name;
  file.runs = std::move(*results);
  file.shard = analysis::ShardInfo{shard.index, shard.count, sweep.size(), digest, indices};
  try {
    analysis::write_results(output, file);
  } catch (const analysis::ResultsError& failure) {
    throw UserError(failure.what());  // e.g. an output folder that is not writable
  }
  std::cout << "shard results: " << output.string() << " (" << shard_name << ": "
            << file.runs.size() << " of " << sweep.size() << " runs";
  // Still a valid shard: merge needs every shard, empty ones included.
  if (runs.empty()) std::cout << "; the sweep has fewer runs than shards";
  std::cout << ")\n";
  return kExitOk;
}

int emit_k8s_job(const SweepOptions& options) {
  std::optional<ScenarioSource> source = load_scenario(options.scenario_file);
  if (!source) return kExitUserError;
  const std::vector<ScenarioReference> references = scenario_references(*source);
  const std::string digest = scenario_digest(source->text, references);
  const ScenarioBundle bundle = bundle_scenario(*source, references);
  check_bundle_is_complete(bundle, *source, digest);

  K8sSweepJob job;
  job.scenario_name = source->name();
  job.scenario_digest = digest;
  job.sweep_run_count = sweep_runs(*source).size();
  job.shards = options.shards;
  job.image = options.image.empty() ? kDefaultImage : options.image;
  job.results_claim = options.results_claim.empty() ? kDefaultResultsClaim : options.results_claim;
  job.jobs_per_pod = options.jobs == 0 ? 1 : options.jobs;
  const std::string manifests = k8s_sweep_manifests(bundle, job);

  if (job.shards > job.sweep_run_count) {
    std::cerr << "mycelium: note: " << job.shards << " shards for " << job.sweep_run_count
              << " runs: shards " << job.sweep_run_count << " to " << job.shards - 1
              << " will be empty\n";
  }
  if (options.output_file.empty()) {
    std::cout << manifests;
  } else {
    write_file_atomically(options.output_file, manifests);
    if (!options.quiet) {
      std::cerr << "wrote " << options.output_file << ": ConfigMap and Indexed Job for "
                << job.shards << " shards of " << job.sweep_run_count << " runs ("
                << bundle.files.size() << " files in the ConfigMap)\n";
    }
  }
  return kExitOk;
}

}  // namespace

int run_sweep(const SweepOptions& options) {
  check_options(options);
  return options.emit.empty() ? run_shard(options) : emit_k8s_job(options);
}

}  // namespace mycelium::cli
