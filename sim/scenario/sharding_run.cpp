// A DistributionScenario's sharding run: how evenly a placement spreads the shards over N nodes,
// how many one join and one leave move against the ideal (1/(N+1) and 1/N), and how long the
// join's gradual rebalance takes in simulated time at its rate limit.
#include <algorithm>
#include <set>

#include <core/distribution/shard_placement.hpp>
#include <core/distribution/shard_rebalancer.hpp>
#include <core/env/random_stream.hpp>
#include <sim/env/simulation.hpp>
#include <sim/scenario/distribution_runs.hpp>
#include <sim/scenario/units.hpp>

namespace mycelium::sim {

namespace {

// `count` distinct valid node ids drawn from the seed: where a node lands on the ring depends on
// its id, so each seed is another cluster.
std::vector<NodeId> random_node_ids(std::uint32_t count, RandomStream& random) {
  std::set<std::uint32_t> seen;
  std::vector<NodeId> ids;
  ids.reserve(count);
  while (ids.size() < count) {
    const auto value = static_cast<std::uint32_t>(random.uniform_int(0, NodeId::kInvalidValue - 1));
    if (seen.insert(value).second) ids.push_back(NodeId{value});
  }
  return ids;
}

}  // namespace

void run_sharding(const ShardingSweep& sweep, const DistributionRunSpec& run,
                  analysis::RunResult& result) {
  using distribution::imbalance;
  using distribution::moved_fraction;
  using distribution::place_shards;
  const ShardingMethod& method = sweep.methods[run.method];
  RandomStream random = RandomStream::derive(run.seed, NodeId{0}, "scenario.sharding.ids");
  // One id more than the run's nodes, in increasing order; the last (largest) is the node that
  // joins, as a new StatefulSet ordinal comes after the others: jump hash numbers its buckets in
  // that order and moves 1/(N+1) only for a node added at the end.
  std::vector<NodeId> ids = random_node_ids(run.nodes + 1, random);
  std::sort(ids.begin(), ids.end(), [](NodeId a, NodeId b) { return a.value < b.value; });
  const NodeId joiner = ids.back();
  ids.pop_back();
  const auto before = place_shards(method.kind, ids, sweep.shards, method.points);

  std::vector<NodeId> joined = ids;
  joined.push_back(joiner);
  const auto after_join = place_shards(method.kind, joined, sweep.shards, method.points);
  // The node that leaves: the one in the middle of the order, the worst case for jump hash
  // (which renumbers every bucket after it), an ordinary one for the ring.
  std::vector<NodeId> left = ids;
  double leave_moved = kNotApplicable;
  if (ids.size() > 1) {
    left.erase(left.begin() + static_cast<std::ptrdiff_t>(ids.size() / 2));
    leave_moved =
        moved_fraction(before, place_shards(method.kind, left, sweep.shards, method.points));
  }
  const double join_moved = moved_fraction(before, after_join);
  const double n = static_cast<double>(run.nodes);

  // The join's gradual rebalance, step by step on the simulated clock.
  Simulation simulation(uniform_platform(1, 1, 1.25e9), run.seed, NetworkModel::kDatagram);
  std::size_t moves = 0;
  distribution::ShardRebalancer rebalancer(
      simulation.node(NodeId{0}),
      distribution::RebalancerConfig{manifest::RebalancingStrategy::kGradual, sweep.moves_per_step,
                                     sweep.step_interval},
      before, [&moves](std::uint32_t, NodeId, NodeId) { ++moves; });
  rebalancer.set_target(after_join);
  const std::size_t total_moves = rebalancer.pending();
  std::vector<double> done_fraction;
  // Bounded: one step moves at least one shard, so this many intervals always suffice.
  const std::size_t max_steps = total_moves / sweep.moves_per_step + 3;
  double rebalance_s = total_moves == 0 ? 0.0 : kNotApplicable;
  for (std::size_t step = 0; step <= max_steps; ++step) {
    simulation.run_until(TimePoint(sweep.step_interval * static_cast<std::int64_t>(step)));
    result.time_s.push_back(to_seconds(simulation.now()));
    done_fraction.push_back(
        total_moves == 0 ? 1.0 : static_cast<double>(moves) / static_cast<double>(total_moves));
    if (rebalancer.converged()) {
      if (total_moves > 0) rebalance_s = to_seconds(simulation.now());
      break;
    }
  }
  result.series.push_back({"moves_done_fraction", "1", std::move(done_fraction)});
  result.summary = {
      {"nodes", n},
      {"shards", static_cast<double>(sweep.shards)},
      {"points_per_node", method.kind == distribution::ShardPlacementKind::kRing
                              ? static_cast<double>(method.points)
                              : kNotApplicable},
      {"imbalance", imbalance(before, ids)},
      {"join_moved_fraction", join_moved},
      {"join_moved_over_ideal", join_moved * (n + 1)},
      {"leave_moved_fraction", leave_moved},
      {"leave_moved_over_ideal", leave_moved * n},
      {"gradual_moves", static_cast<double>(total_moves)},
      {"gradual_rebalance_s", rebalance_s},
  };
}

}  // namespace mycelium::sim
