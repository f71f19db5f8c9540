#pragma once
// Internal to analysis/results: names shared by the writer and the reader (docs/results.md).

#include <cstddef>
#include <string>
#include <string_view>

namespace mycelium::analysis::schema {

// Prefix of the label attributes of a run group and of the label columns of /summary.
inline constexpr std::string_view kLabelPrefix = "label.";
// Links of a run group that are not series columns.
inline constexpr std::string_view kReservedRunLinks[] = {"time_s", "events", "summary"};
// The /summary column holding the run names.
inline constexpr std::string_view kRunNameColumn = "run_name";

// Shard attributes (ShardInfo): on / for a shard file, and @sweep_index on each of its runs.
inline constexpr std::string_view kShardIndexAttribute = "shard_index";
inline constexpr std::string_view kShardCountAttribute = "shard_count";
inline constexpr std::string_view kSweepRunCountAttribute = "sweep_run_count";
inline constexpr std::string_view kScenarioDigestAttribute = "scenario_digest";
inline constexpr std::string_view kSweepIndexAttribute = "sweep_index";

inline bool is_reserved_run_link(std::string_view name) {
  for (const std::string_view reserved : kReservedRunLinks) {
    if (name == reserved) return true;
  }
  return false;
}

// Name of the group of run `index` under /runs: at least four digits, "0000", "0001", ...
inline std::string run_group_name(std::size_t index) {
  std::string digits = std::to_string(index);
  if (digits.size() < 4) digits.insert(0, 4 - digits.size(), '0');
  return digits;
}

}  // namespace mycelium::analysis::schema
