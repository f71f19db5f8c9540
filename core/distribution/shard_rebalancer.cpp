#include <core/assert.hpp>
#include <core/distribution/shard_rebalancer.hpp>

namespace mycelium::distribution {

ShardRebalancer::ShardRebalancer(Environment& env, RebalancerConfig config,
                                 std::vector<NodeId> owners, OnMove on_move)
    : env_(env),
      config_(config),
      owners_(std::move(owners)),
      target_(owners_),
      on_move_(std::move(on_move)) {
  MYCELIUM_ASSERT(config_.moves_per_step >= 1);
  MYCELIUM_ASSERT(config_.step_interval > Duration::zero());
}

ShardRebalancer::~ShardRebalancer() {
  env_.cancel_timer(timer_);
}

std::size_t ShardRebalancer::pending() const {
  std::size_t count = 0;
  for (std::size_t shard = 0; shard < owners_.size(); ++shard)
    count += owners_[shard] != target_[shard] ? 1 : 0;
  return count;
}

void ShardRebalancer::set_target(std::vector<NodeId> target) {
  MYCELIUM_ASSERT(target.size() == owners_.size());
  target_ = std::move(target);
  if (converged() || timer_.valid()) return;  // a running gradual schedule picks it up
  switch (config_.strategy) {
    case manifest::RebalancingStrategy::kImmediate:
      schedule_step(Duration::zero());
      break;
    case manifest::RebalancingStrategy::kGradual:
      schedule_step(config_.step_interval);
      break;
    case manifest::RebalancingStrategy::kManual:
      break;
  }
}

void ShardRebalancer::apply_pending() {
  env_.cancel_timer(timer_);
  timer_ = TimerId{};
  step(owners_.size());
}

void ShardRebalancer::schedule_step(Duration delay) {
  timer_ = env_.schedule_once(delay, [this] {
    timer_ = TimerId{};
    const bool gradual = config_.strategy == manifest::RebalancingStrategy::kGradual;
    step(gradual ? config_.moves_per_step : owners_.size());
    if (gradual && !converged()) schedule_step(config_.step_interval);
  });
}

void ShardRebalancer::step(std::size_t max_moves) {
  std::size_t moved = 0;
  for (std::size_t shard = 0; shard < owners_.size() && moved < max_moves; ++shard) {
    if (owners_[shard] == target_[shard]) continue;
    const NodeId from = owners_[shard];
    owners_[shard] = target_[shard];
    ++moved;
    env_.metrics().add_counter("distribution_shards_moved_total", 1);
    if (on_move_) on_move_(static_cast<std::uint32_t>(shard), from, owners_[shard]);
  }
}

}  // namespace mycelium::distribution
