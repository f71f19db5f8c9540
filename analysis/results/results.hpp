#pragma once
// The results file: what a simulation run writes and what analysis tools and notebooks read.
// One HDF5 file per scenario, schema "mycelium-results"; the layout is documented, object by
// object, in docs/results.md, and analysis/read_results.py reads the same files from Python.

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mycelium::analysis {

// Value of the root attribute `schema`.
inline constexpr std::string_view kResultsSchema = "mycelium-results";
// Value of the root attribute `schema_version` this build writes. It is a major version: a
// reader refuses every version it does not list in kReadableResultsSchemaVersions.
inline constexpr std::int64_t kResultsSchemaVersion = 1;
inline constexpr std::int64_t kReadableResultsSchemaVersions[] = {1};

// One sampled quantity of a run, sampled at the run's time_s.
struct TimeSeriesColumn {
  std::string name;  // e.g. "buffer_level"; a dataset name, so no '/'
  std::string unit;  // e.g. "1", "bytes", "ms"; "" is allowed and means dimensionless
  std::vector<double> values;
};

// Everything one simulation run produced.
struct RunResult {
  std::string name;  // unique in the file, e.g. "lan/steady/linear/seed-1"
  std::map<std::string, std::string>
      labels;                        // sweep coordinates: curve, workload, network, seed...
  std::string resolved_config_yaml;  // the full configuration the run used
  std::uint64_t seed = 0;
  std::vector<double> time_s;            // sample times in seconds, finite, non-decreasing
  std::vector<TimeSeriesColumn> series;  // each values.size() == time_s.size()
  std::vector<std::pair<std::string, double>> summary;  // ordered metrics; the name carries the
                                                        // unit (slowdown_pct, lag_p99_ms, ...);
                                                        // NaN means "not applicable"
  std::vector<std::pair<std::string, double>> events;   // (kind, time_s): "primary_crash", ...
};

// A run's label `key`; "" when it has none (as in the /summary table).
inline std::string run_label(const RunResult& run, std::string_view key) {
  const auto found = run.labels.find(std::string(key));
  return found == run.labels.end() ? std::string() : found->second;
}

// A run's summary metric `name`; NaN ("not applicable") when it has none.
inline double run_metric(const RunResult& run, std::string_view name) {
  for (const auto& [metric, value] : run.summary)
    if (metric == name) return value;
  return std::numeric_limits<double>::quiet_NaN();
}

// Present only in the file of one shard of a sweep (`mycelium sweep --shard i/n`): what
// `mycelium merge` needs to refuse shards of different sweeps and to put the runs back in sweep
// order. Files without it are ordinary results files; readers that do not know it ignore it.
struct ShardInfo {
  std::uint64_t index = 0;            // i of --shard i/n, below count
  std::uint64_t count = 1;            // n of --shard i/n, at least 1
  std::uint64_t sweep_run_count = 0;  // runs in the whole sweep, over all shards
  std::string scenario_digest;        // identifies the scenario the sweep ran, e.g.
                                      // "fnv1a64:0123456789abcdef"; compared, never parsed
  // Per run of ResultsFile::runs, in the same order: its index in the whole sweep, strictly
  // increasing and below sweep_run_count.
  std::vector<std::uint64_t> sweep_indices;
};

struct ResultsFile {
  std::string mycelium_version;
  std::string scenario_name;
  std::vector<RunResult> runs;
  std::optional<ShardInfo> shard = std::nullopt;
};

// The /summary group: one row per run, in run order, ready for a comparison table.
struct SummaryTable {
  std::vector<std::string> run_names;
  // Label columns (the union of label keys over the runs, by key); "" where a run lacks the key.
  std::map<std::string, std::vector<std::string>> labels;
  // Metric columns in order of first appearance over the runs; NaN where a run lacks the metric.
  std::vector<std::pair<std::string, std::vector<double>>> metrics;
};

// Every failure to write or read a results file; the message names the file and what failed.
class ResultsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes `results` to `path`, replacing it atomically: the data goes to `<path>.tmp-<pid>` in the
// same directory, which is renamed over `path` once complete and synced, and removed on any
// failure. The output is byte-for-byte deterministic: the same ResultsFile gives the same bytes.
// Validates first (unique run names, series lengths equal to time_s, names usable as HDF5 links,
// no NUL in strings...) and throws ResultsError without touching the disk if anything is wrong.
// One writer per path at a time: the temporary name is per process, not per thread.
void write_results(const std::filesystem::path& path, const ResultsFile& results);

// Reads a whole results file. Throws ResultsError if the file is missing, is not HDF5, is not a
// Mycelium results file, has a schema version this build does not read, or is inconsistent
// (a series whose length differs from time_s, a missing attribute, ...).
ResultsFile read_results(const std::filesystem::path& path);

// Reads only the /summary group (cheap: no time series), with the same checks on the file.
SummaryTable read_summary_table(const std::filesystem::path& path);

}  // namespace mycelium::analysis
