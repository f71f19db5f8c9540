// Custom sharding's placement (core/distribution/shard_placement.hpp; issue 8, item 5): how even
// it is and how much one membership change moves, against the ideal, for consistent hashing with
// 1 to 256 points per node and for jump hash. Figures, not timings.
//
//   distribution_sharding [SHARDS]     (default 65536)
//
// Per N: the standard deviation of shards per node over the mean, and the fraction of shards
// moved when a node joins (ideal 1/(N+1)) and when one leaves (ideal 1/N; for jump hash the node
// in the middle of the order, the case it is worst at), each as a ratio to its ideal.

#include <cstdio>
#include <string>
#include <vector>

#include <core/distribution/shard_placement.hpp>

int main(int argc, char** argv) {
  using namespace mycelium;
  using distribution::ShardPlacementKind;
  const auto shards = static_cast<std::uint32_t>(argc > 1 ? std::stoul(argv[1]) : 65536);
  struct Method {
    const char* name;
    ShardPlacementKind kind;
    std::uint32_t points;
  };
  const std::vector<Method> methods = {{"ring, 1 point", ShardPlacementKind::kRing, 1},
                                       {"ring, 16 points", ShardPlacementKind::kRing, 16},
                                       {"ring, 256 points", ShardPlacementKind::kRing, 256},
                                       {"ring, 1024 points", ShardPlacementKind::kRing, 1024},
                                       {"jump hash", ShardPlacementKind::kJump, 1}};
  std::printf(
      "%u shards; imbalance = std-dev / mean of shards per node; moves as a ratio to the "
      "ideal\n",
      shards);
  std::printf("%-18s %5s %10s %16s %16s\n", "placement", "N", "imbalance", "join (x 1/(N+1))",
              "leave (x 1/N)");
  for (const Method& method : methods) {
    for (const std::uint32_t n : {8U, 64U, 512U}) {
      std::vector<NodeId> nodes;
      for (std::uint32_t i = 0; i < n; ++i)
        nodes.push_back(NodeId{i});
      const auto before = distribution::place_shards(method.kind, nodes, shards, method.points);
      std::vector<NodeId> joined = nodes;
      joined.push_back(NodeId{n});
      const auto after_join =
          distribution::place_shards(method.kind, joined, shards, method.points);
      std::vector<NodeId> left = nodes;
      left.erase(left.begin() + n / 2);
      const auto after_leave = distribution::place_shards(method.kind, left, shards, method.points);
      std::printf("%-18s %5u %10.3f %16.3f %16.3f\n", method.name, n,
                  distribution::imbalance(before, nodes),
                  distribution::moved_fraction(before, after_join) * (n + 1),
                  distribution::moved_fraction(before, after_leave) * n);
    }
  }
  return 0;
}
