// `mycelium merge SHARD.h5... -o OUT.h5`: joins the shard files of one sweep (`mycelium sweep
// --shard i/n`, one per i) into the results file `mycelium run` writes for the same scenario,
// byte for byte: same version, scenario name and runs, in sweep order, without shard
// attributes. Refuses anything that would not give that file: shards of another scenario or
// shard count, a missing or duplicate shard, a run twice or not at all, a file that is no shard.

#include <filesystem>
#include <iostream>
#include <map>

#include <analysis/results/results.hpp>
#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/print_spore_summary.hpp>

namespace mycelium::cli {

namespace {

namespace fs = std::filesystem;

struct ShardFile {
  std::string path;
  analysis::ResultsFile results;
  const analysis::ShardInfo& shard() const { return *results.shard; }
};

std::string shard_name(const analysis::ShardInfo& shard) {
  return "shard " + std::to_string(shard.index) + " of " + std::to_string(shard.count);
}

ShardFile read_shard(const std::string& path) {
  ShardFile file{path, {}};
  try {
    file.results = analysis::read_results(path);
  } catch (const analysis::ResultsError& error) {
    throw UserError(error.what());
  }
  if (!file.results.shard) {
    throw UserError(path +
                    ": not a shard file (no shard attributes: it was not written by "
                    "`mycelium sweep --shard`)");
  }
  return file;
}

// Everything must match the first file: it decides what the others are compared with.
void check_same_sweep(const ShardFile& first, const ShardFile& file) {
  const analysis::ShardInfo& a = first.shard();
  const analysis::ShardInfo& b = file.shard();
  const std::string both =
      file.path + " (" + shard_name(b) + ") and " + first.path + " (" + shard_name(a) + ")";
  if (b.scenario_digest != a.scenario_digest ||
      file.results.scenario_name != first.results.scenario_name) {
    throw UserError(file.path + ": shard of another scenario: scenario \"" +
                    file.results.scenario_name + "\" with digest " + b.scenario_digest + ", but " +
                    first.path + " has scenario \"" + first.results.scenario_name +
                    "\" with digest " + a.scenario_digest);
  }
  if (b.count != a.count) {
    throw UserError(both + " split the sweep into different numbers of shards");
  }
  if (b.sweep_run_count != a.sweep_run_count) {
    throw UserError(both + " disagree on the number of runs of the sweep (" +
                    std::to_string(b.sweep_run_count) + " and " +
                    std::to_string(a.sweep_run_count) + ")");
  }
  if (file.results.mycelium_version != first.results.mycelium_version) {
    throw UserError(both + " were written by different versions of Mycelium (" +
                    file.results.mycelium_version + " and " + first.results.mycelium_version + ")");
  }
}

// Every shard index 0 .. n-1 exactly once.
void check_shard_set(const std::vector<ShardFile>& files) {
  const std::uint64_t count = files.front().shard().count;
  std::map<std::uint64_t, const ShardFile*> by_index;
  for (const ShardFile& file : files) {
    const auto [it, inserted] = by_index.emplace(file.shard().index, &file);
    if (!inserted) {
      throw UserError(file.path + ": duplicate " + shard_name(file.shard()) + ", " +
                      it->second->path + " is that shard too");
    }
  }
  std::string missing;
  std::size_t missing_count = 0;
  for (std::uint64_t index = 0; index < count; ++index) {
    if (by_index.count(index) != 0) continue;
    if (++missing_count <= 10) missing += (missing.empty() ? "" : ", ") + std::to_string(index);
  }
  if (missing_count > 0) {
    throw UserError(std::string("missing ") + (missing_count == 1 ? "shard " : "shards ") +
                    missing + (missing_count > 10 ? " ..." : "") + " of " + std::to_string(count) +
                    " (got " + std::to_string(files.size()) +
                    (files.size() == 1 ? " shard file" : " shard files") + " of scenario \"" +
                    files.front().results.scenario_name + "\")");
  }
}

// The runs in sweep order; every sweep index 0 .. total-1 held by exactly one run.
std::vector<analysis::RunResult> interleave(std::vector<ShardFile>& files) {
  const std::uint64_t total = files.front().shard().sweep_run_count;
  std::vector<analysis::RunResult> runs(total);
  std::vector<const std::string*> held_by(total, nullptr);
  for (ShardFile& file : files) {
    const analysis::ShardInfo& shard = file.shard();
    for (std::size_t i = 0; i < file.results.runs.size(); ++i) {
      const std::uint64_t index = shard.sweep_indices[i];
      if (held_by[index] != nullptr) {
        throw UserError(file.path + ": run \"" + file.results.runs[i].name + "\" has sweep index " +
                        std::to_string(index) + ", which " + *held_by[index] + " holds too");
      }
      held_by[index] = &file.path;
      runs[index] = std::move(file.results.runs[i]);
    }
  }
  for (std::uint64_t index = 0; index < total; ++index) {
    if (held_by[index] == nullptr) {
      throw UserError("no shard file holds run " + std::to_string(index) + " of the sweep's " +
                      std::to_string(total) + " runs");
    }
  }
  return runs;
}

}  // namespace

int run_merge(const MergeOptions& options) {
  std::vector<ShardFile> files;
  for (const std::string& path : options.shard_files) {
    files.push_back(read_shard(path));
    check_same_sweep(files.front(), files.back());
  }
  check_shard_set(files);

  analysis::ResultsFile merged;
  merged.mycelium_version = files.front().results.mycelium_version;
  merged.scenario_name = files.front().results.scenario_name;
  merged.runs = interleave(files);

  const fs::path output(options.output_file);
  create_output_folder(output);
  try {
    analysis::write_results(output, merged);
  } catch (const analysis::ResultsError& failure) {
    throw UserError(failure.what());  // e.g. an output folder that is not writable
  }
  print_results_summary(merged);
  std::cout << "\nresults: " << output.string() << " (" << merged.runs.size() << " runs from "
            << files.size() << " shards)\n";
  return kExitOk;
}

}  // namespace mycelium::cli
