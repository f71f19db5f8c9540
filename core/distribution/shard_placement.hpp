#pragma once
// Custom sharding's placement (issue 8, item 5; docs/distribution.md): which node owns each of
// `shards` shards, for a set of nodes, such that a membership change moves few shards.
//  * kRing: consistent hashing with virtual nodes. Every node stands at `points_per_node` points
//    of a 64-bit ring (a hash of its id and the point's index); a shard belongs to the first
//    point at or after its own hash. Adding a node moves only the shards it takes; removing one
//    moves only the shards it had.
//  * kJump: jump consistent hash (Lamping and Veach, 2014) over the nodes in id order: perfect
//    balance and minimal movement when nodes are added or removed at the end of that order; a
//    node removed from the middle shifts the ones after it (more movement: measured).
// Keys map to shards by hash (shard_of_key), so a shard is the unit of movement.

#include <cstdint>
#include <vector>

#include <core/env/node_id.hpp>

namespace mycelium::distribution {

enum class ShardPlacementKind { kRing, kJump };

// The owner of every shard (index = shard id), for `nodes` (distinct, at least one).
std::vector<NodeId> place_shards(ShardPlacementKind kind, const std::vector<NodeId>& nodes,
                                 std::uint32_t shards, std::uint32_t points_per_node = 1024);

// Jump consistent hash: a bucket in [0, buckets) for `key`, buckets >= 1.
std::uint32_t jump_consistent_hash(std::uint64_t key, std::uint32_t buckets);

// The shard of a key: its hash modulo the shard count (shards >= 1).
std::uint32_t shard_of_key(std::uint64_t key, std::uint32_t shards);

// How even a placement is: the standard deviation of the shards per node over their mean, every
// node of `nodes` counted (one that owns nothing counts as 0).
double imbalance(const std::vector<NodeId>& owners, const std::vector<NodeId>& nodes);

// The fraction of shards whose owner differs between two placements of the same shards.
double moved_fraction(const std::vector<NodeId>& before, const std::vector<NodeId>& after);

}  // namespace mycelium::distribution
