#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include <core/assert.hpp>
#include <core/distribution/shard_placement.hpp>
#include <core/env/random_stream.hpp>

namespace mycelium::distribution {

namespace {

std::uint64_t hash2(std::uint64_t a, std::uint64_t b) {
  std::uint64_t state = a * 0xff51afd7ed558ccdULL + b;
  return splitmix64(state);
}

// Where each shard sits on the ring: its own point, independent of the nodes.
std::uint64_t shard_point(std::uint32_t shard) {
  return hash2(0x73686172645f7074ULL, shard);  // "shard_pt"
}

std::vector<NodeId> place_on_ring(const std::vector<NodeId>& nodes, std::uint32_t shards,
                                  std::uint32_t points_per_node) {
  std::vector<std::pair<std::uint64_t, NodeId>> ring;
  ring.reserve(nodes.size() * points_per_node);
  for (const NodeId node : nodes)
    for (std::uint32_t i = 0; i < points_per_node; ++i)
      ring.emplace_back(hash2(node.value, i), node);
  std::sort(ring.begin(), ring.end(), [](const auto& a, const auto& b) {
    return a.first < b.first || (a.first == b.first && a.second < b.second);
  });
  std::vector<NodeId> owners(shards);
  for (std::uint32_t shard = 0; shard < shards; ++shard) {
    const std::uint64_t point = shard_point(shard);
    auto at = std::lower_bound(ring.begin(), ring.end(), point,
                               [](const auto& entry, std::uint64_t p) { return entry.first < p; });
    if (at == ring.end()) at = ring.begin();  // the ring wraps
    owners[shard] = at->second;
  }
  return owners;
}

}  // namespace

std::uint32_t jump_consistent_hash(std::uint64_t key, std::uint32_t buckets) {
  MYCELIUM_ASSERT(buckets >= 1);
  std::int64_t b = -1;
  std::int64_t j = 0;
  while (j < static_cast<std::int64_t>(buckets)) {  // O(log buckets) rounds
    b = j;
    key = key * 2862933555777941757ULL + 1;
    j = static_cast<std::int64_t>(
        static_cast<double>(b + 1) *
        (static_cast<double>(1LL << 31) / static_cast<double>((key >> 33) + 1)));
  }
  return static_cast<std::uint32_t>(b);
}

std::uint32_t shard_of_key(std::uint64_t key, std::uint32_t shards) {
  MYCELIUM_ASSERT(shards >= 1);
  std::uint64_t state = key;
  return static_cast<std::uint32_t>(splitmix64(state) % shards);
}

std::vector<NodeId> place_shards(ShardPlacementKind kind, const std::vector<NodeId>& nodes,
                                 std::uint32_t shards, std::uint32_t points_per_node) {
  MYCELIUM_ASSERT(!nodes.empty());
  MYCELIUM_ASSERT(points_per_node >= 1);
  if (kind == ShardPlacementKind::kRing) return place_on_ring(nodes, shards, points_per_node);
  std::vector<NodeId> ordered = nodes;
  std::sort(ordered.begin(), ordered.end());
  std::vector<NodeId> owners(shards);
  for (std::uint32_t shard = 0; shard < shards; ++shard)
    owners[shard] = ordered[jump_consistent_hash(shard_point(shard),
                                                 static_cast<std::uint32_t>(ordered.size()))];
  return owners;
}

double imbalance(const std::vector<NodeId>& owners, const std::vector<NodeId>& nodes) {
  MYCELIUM_ASSERT(!nodes.empty());
  std::map<NodeId, double> counts;
  for (const NodeId node : nodes)
    counts[node] = 0;
  for (const NodeId owner : owners)
    counts[owner] += 1;
  const double mean = static_cast<double>(owners.size()) / static_cast<double>(nodes.size());
  if (mean == 0) return 0;
  double squares = 0;
  for (const auto& [node, count] : counts)
    squares += (count - mean) * (count - mean);
  return std::sqrt(squares / static_cast<double>(nodes.size())) / mean;
}

double moved_fraction(const std::vector<NodeId>& before, const std::vector<NodeId>& after) {
  MYCELIUM_ASSERT(before.size() == after.size());
  if (before.empty()) return 0;
  std::size_t moved = 0;
  for (std::size_t i = 0; i < before.size(); ++i)
    moved += before[i] != after[i] ? 1 : 0;
  return static_cast<double>(moved) / static_cast<double>(before.size());
}

}  // namespace mycelium::distribution
