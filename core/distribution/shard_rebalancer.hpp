#pragma once
// Moves shards from their current owners to a new placement after a membership change (issue 8,
// item 5; docs/distribution.md), as the EndomyceteService's rebalancingStrategy says:
//  * immediate: every move at once (as the next event);
//  * gradual: at most `moves_per_step` moves every `step_interval`, in shard order, so the data
//    transfers they start stay rate-limited;
//  * manual: nothing until apply_pending().
// `on_move(shard, from, to)` is where the application transfers the shard; ownership changes when
// it is called. Sans-IO: the steps are Environment timers.

#include <cstdint>
#include <functional>
#include <vector>

#include <core/env/environment.hpp>
#include <core/manifest/endomycete_service.hpp>

namespace mycelium::distribution {

struct RebalancerConfig {
  manifest::RebalancingStrategy strategy = manifest::RebalancingStrategy::kGradual;
  std::uint32_t moves_per_step = 1;  // gradual
  Duration step_interval = std::chrono::seconds(1);
};

class ShardRebalancer {
 public:
  using OnMove = std::function<void(std::uint32_t shard, NodeId from, NodeId to)>;

  ShardRebalancer(Environment& env, RebalancerConfig config, std::vector<NodeId> owners,
                  OnMove on_move);
  ~ShardRebalancer();
  ShardRebalancer(const ShardRebalancer&) = delete;
  ShardRebalancer& operator=(const ShardRebalancer&) = delete;

  // The placement to reach (one owner per shard, as many shards as now); replaces any earlier
  // target whose moves have not happened yet.
  void set_target(std::vector<NodeId> target);
  // Manual rebalancing (any strategy): every pending move now.
  void apply_pending();

  const std::vector<NodeId>& owners() const { return owners_; }
  std::size_t pending() const;
  bool converged() const { return pending() == 0; }

 private:
  void schedule_step(Duration delay);
  void step(std::size_t max_moves);

  Environment& env_;
  RebalancerConfig config_;
  std::vector<NodeId> owners_;
  std::vector<NodeId> target_;
  OnMove on_move_;
  TimerId timer_;
};

}  // namespace mycelium::distribution
