// Custom sharding (core/distribution): jump hash's defining property, the ring moving only the
// shards a joining or leaving node takes or had, balance and movement against the ideal within
// bands drawn from the sampling noise, and the rebalancer's immediate, gradual and manual moves.

#include <map>
#include <vector>

#include <catch2/catch.hpp>

#include <core/distribution/shard_placement.hpp>
#include <core/distribution/shard_rebalancer.hpp>
#include <tests/support/manual_environment.hpp>

using namespace mycelium;
using namespace mycelium::distribution;
using namespace std::chrono_literals;

namespace {

std::vector<NodeId> nodes_up_to(std::uint32_t n) {
  std::vector<NodeId> nodes;
  for (std::uint32_t i = 0; i < n; ++i)
    nodes.push_back(NodeId{i});
  return nodes;
}

}  // namespace

TEST_CASE("jump hash: a key moves only to the new last bucket when a bucket is added",
          "[distribution]") {
  for (std::uint64_t key = 0; key < 2000; ++key) {
    std::uint32_t previous = jump_consistent_hash(key * 7919, 1);
    CHECK(previous == 0);
    for (std::uint32_t buckets = 2; buckets <= 64; ++buckets) {
      const std::uint32_t bucket = jump_consistent_hash(key * 7919, buckets);
      REQUIRE(bucket < buckets);
      CHECK((bucket == previous || bucket == buckets - 1));
      previous = bucket;
    }
  }
}

TEST_CASE(
    "ring: a joining node takes shards from others, a leaving node's shards go elsewhere, "
    "nothing else moves",
    "[distribution]") {
  const auto nodes = nodes_up_to(16);
  const auto before = place_shards(ShardPlacementKind::kRing, nodes, 8192);
  auto joined = nodes;
  joined.push_back(NodeId{16});
  const auto after_join = place_shards(ShardPlacementKind::kRing, joined, 8192);
  std::size_t taken = 0;
  for (std::size_t shard = 0; shard < before.size(); ++shard) {
    if (before[shard] != after_join[shard]) {
      CHECK(after_join[shard] == NodeId{16});
      ++taken;
    }
  }
  CHECK(taken ==
        static_cast<std::size_t>(std::count(after_join.begin(), after_join.end(), NodeId{16})));
  auto left = nodes;
  left.erase(left.begin() + 5);
  const auto after_leave = place_shards(ShardPlacementKind::kRing, left, 8192);
  for (std::size_t shard = 0; shard < before.size(); ++shard)
    if (before[shard] != after_leave[shard]) CHECK(before[shard] == NodeId{5});
}

TEST_CASE("ring with 1024 points per node: balanced, and one change moves about its share",
          "[distribution]") {
  // Sampling noise: a node's share of the ring varies by ~1/sqrt(1024) = 3 %, and 1024 shards
  // per node by another ~3 %: a 15 % band is about three standard deviations.
  const auto nodes = nodes_up_to(64);
  const std::uint32_t shards = 65536;
  const auto before = place_shards(ShardPlacementKind::kRing, nodes, shards);
  CHECK(imbalance(before, nodes) < 0.10);
  auto joined = nodes;
  joined.push_back(NodeId{64});
  const double join =
      moved_fraction(before, place_shards(ShardPlacementKind::kRing, joined, shards));
  CHECK(join * 65 == Approx(1.0).margin(0.15));
  auto left = nodes;
  left.erase(left.begin() + 32);
  const double leave =
      moved_fraction(before, place_shards(ShardPlacementKind::kRing, left, shards));
  CHECK(leave * 64 == Approx(1.0).margin(0.15));
  // One point per node is far worse: the spread the virtual nodes are for.
  CHECK(imbalance(place_shards(ShardPlacementKind::kRing, nodes, shards, 1), nodes) > 0.5);
}

TEST_CASE("jump hash: near-perfect balance and joins; a leave in the middle reshuffles",
          "[distribution]") {
  const auto nodes = nodes_up_to(8);
  const std::uint32_t shards = 65536;
  const auto before = place_shards(ShardPlacementKind::kJump, nodes, shards);
  CHECK(imbalance(before, nodes) < 0.02);
  auto joined = nodes;
  joined.push_back(NodeId{8});
  CHECK(moved_fraction(before, place_shards(ShardPlacementKind::kJump, joined, shards)) * 9 ==
        Approx(1.0).margin(0.05));
  auto last_left = nodes;
  last_left.pop_back();
  CHECK(moved_fraction(before, place_shards(ShardPlacementKind::kJump, last_left, shards)) * 8 ==
        Approx(1.0).margin(0.05));
  auto middle_left = nodes;
  middle_left.erase(middle_left.begin() + 4);
  CHECK(moved_fraction(before, place_shards(ShardPlacementKind::kJump, middle_left, shards)) >
        0.25);
}

TEST_CASE("rebalancer: immediate moves everything at once, gradual k per step, manual on demand",
          "[distribution]") {
  const std::vector<NodeId> owners(10, NodeId{1});
  std::vector<NodeId> target = owners;
  for (std::size_t shard = 0; shard < 7; ++shard)
    target[shard] = NodeId{2};

  SECTION("immediate") {
    testing::ManualEnvironment env(NodeId{0});
    std::vector<std::uint32_t> moved;
    ShardRebalancer rebalancer(env, {manifest::RebalancingStrategy::kImmediate, 1, 1s}, owners,
                               [&](std::uint32_t shard, NodeId from, NodeId to) {
                                 CHECK(from == NodeId{1});
                                 CHECK(to == NodeId{2});
                                 moved.push_back(shard);
                               });
    rebalancer.set_target(target);
    CHECK(moved.empty());  // never inside the call
    env.advance(0ms);
    CHECK(moved.size() == 7);
    CHECK(rebalancer.converged());
    CHECK(rebalancer.owners() == target);
  }
  SECTION("gradual: at most 3 per second, done after 3 steps") {
    testing::ManualEnvironment env(NodeId{0});
    std::map<std::int64_t, int> per_second;
    ShardRebalancer rebalancer(env, {manifest::RebalancingStrategy::kGradual, 3, 1s}, owners,
                               [&](std::uint32_t, NodeId, NodeId) {
                                 ++per_second[std::chrono::duration_cast<std::chrono::seconds>(
                                                  env.now().time_since_epoch())
                                                  .count()];
                               });
    rebalancer.set_target(target);
    env.advance(10s);
    CHECK(per_second == std::map<std::int64_t, int>{{1, 3}, {2, 3}, {3, 1}});
    CHECK(rebalancer.converged());
    CHECK(env.recorded_metrics().counter("distribution_shards_moved_total") == 7);
  }
  SECTION("manual: nothing until asked") {
    testing::ManualEnvironment env(NodeId{0});
    int moves = 0;
    ShardRebalancer rebalancer(env, {manifest::RebalancingStrategy::kManual, 1, 1s}, owners,
                               [&](std::uint32_t, NodeId, NodeId) { ++moves; });
    rebalancer.set_target(target);
    env.advance(10s);
    CHECK(moves == 0);
    CHECK(rebalancer.pending() == 7);
    rebalancer.apply_pending();
    CHECK(moves == 7);
  }
  SECTION("a new target during a gradual rebalance replaces the old one") {
    testing::ManualEnvironment env(NodeId{0});
    ShardRebalancer rebalancer(env, {manifest::RebalancingStrategy::kGradual, 2, 1s}, owners, {});
    rebalancer.set_target(target);
    env.advance(1s);                // shards 0 and 1 moved to node 2
    rebalancer.set_target(owners);  // node 2 left again: back to node 1
    env.advance(5s);
    CHECK(rebalancer.owners() == owners);
  }
}
