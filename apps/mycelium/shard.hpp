#pragma once
// Which runs of a sweep one shard holds: shard i of n runs i, i+n, i+2n, ... of the sweep's
// order, like a Kubernetes Indexed Job's completion index i of n completions. The shards of
// one sweep together hold every run exactly once.

#include <cstdint>
#include <string>
#include <vector>

namespace mycelium::cli {

struct Shard {
  std::uint64_t index = 0;  // 0 .. count-1
  std::uint64_t count = 1;  // at least 1
};

// Parses "i/n": two decimal numbers, nothing else (no sign, space or suffix), n >= 1, i < n.
// Throws UserError naming the option, the text and the expected form.
Shard parse_shard(const std::string& text);

// The sweep indices of `shard`'s runs, ascending; empty when the sweep has no more runs than
// `shard.index`.
std::vector<std::uint64_t> shard_run_indices(const Shard& shard, std::uint64_t sweep_run_count);

}  // namespace mycelium::cli
