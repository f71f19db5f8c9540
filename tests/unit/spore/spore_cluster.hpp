#pragma once
// A test cluster of Membership instances on ManualEnvironments with one shared clock, exchanging
// SporeMessage values directly (no codec: the membership logic is tested apart from the wire),
// with a fixed one-way latency, crashes, and a drop filter for partitions and lossy links.
// Events (timers and deliveries) run in time order; ties: messages first, then nodes in order.

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <core/spore/membership.hpp>
#include <tests/support/manual_environment.hpp>

namespace mycelium::spore::testing {

using mycelium::testing::ManualEnvironment;

class SporeCluster {
 public:
  using DropFilter = std::function<bool(NodeId from, NodeId to, const SporeMessage&)>;

  // Who a member knows at start instead of joining: Membership's known_members.
  using StartingView = std::function<std::vector<NodeId>(std::size_t node)>;

  // Everyone joins through node 0, or, given `starting_view`, starts knowing those members.
  SporeCluster(std::size_t size, MembershipConfig config, Duration one_way_latency,
               StartingView starting_view = {})
      : latency_(one_way_latency) {
    for (std::size_t i = 0; i < size; ++i)
      environments_.push_back(std::make_unique<ManualEnvironment>(
          NodeId{static_cast<std::uint32_t>(i)}, /*seed=*/1000 + i));
    members_.resize(size);
    for (std::size_t i = 0; i < size; ++i) {
      std::vector<NodeId> seeds;
      if (i != 0 && !starting_view) seeds.push_back(NodeId{0});
      start(i, config, seeds, starting_view ? starting_view(i) : std::vector<NodeId>{});
    }
  }

  void start(std::size_t node, MembershipConfig config, std::vector<NodeId> seeds,
             std::vector<NodeId> known_members = {}) {
    MembershipHooks hooks;
    hooks.send = [this, node](NodeId to, SporeMessage message, Piggybacking) {
      ++sent_;
      const NodeId from{static_cast<std::uint32_t>(node)};
      if (drop_ && drop_(from, to, message)) return;
      flight_.emplace(std::pair{now_ + latency_, order_++}, InFlight{from, to, std::move(message)});
    };
    members_[node] = std::make_unique<Membership>(*environments_[node], config, std::move(hooks),
                                                  std::move(seeds), std::move(known_members));
  }

  void crash(std::size_t node) { members_[node].reset(); }
  bool crashed(std::size_t node) const { return members_[node] == nullptr; }
  void set_drop_filter(DropFilter drop) { drop_ = std::move(drop); }

  void run_for(Duration duration) { run_until(now_ + duration); }
  void run_until(TimePoint until) {
    for (std::size_t events = 0; step(until); ++events)
      MYCELIUM_ASSERT(events < 50'000'000);
    set_clocks(until);
  }
  // Runs until `condition` holds or `limit` passes; returns whether it held, and when.
  std::optional<TimePoint> run_until(const std::function<bool()>& condition, Duration limit) {
    const TimePoint until = now_ + limit;
    while (!condition()) {
      if (!step(until)) {
        set_clocks(until);
        return condition() ? std::optional(now_) : std::nullopt;
      }
    }
    return now_;
  }

  Membership& member(std::size_t node) { return *members_[node]; }
  ManualEnvironment& environment(std::size_t node) { return *environments_[node]; }
  std::size_t size() const { return members_.size(); }
  TimePoint now() const { return now_; }
  std::size_t sent() const { return sent_; }

  // What `observer` believes about `subject` (kAlive for self; nullopt when unknown).
  std::optional<MemberState> view(std::size_t observer, std::size_t subject) {
    const auto info = members_[observer]->member(NodeId{static_cast<std::uint32_t>(subject)});
    if (!info) return std::nullopt;
    return info->state;
  }
  // Every running member sees `subject` in `state`.
  bool all_see(std::size_t subject, MemberState state) {
    for (std::size_t i = 0; i < size(); ++i) {
      if (crashed(i) || i == subject) continue;
      if (view(i, subject) != state) return false;
    }
    return true;
  }

 private:
  struct InFlight {
    NodeId from;
    NodeId to;
    SporeMessage message;
  };

  bool step(TimePoint until) {
    std::optional<TimePoint> next_timer;
    std::size_t timer_node = 0;
    for (std::size_t i = 0; i < size(); ++i) {
      if (crashed(i)) continue;
      const auto deadline = environments_[i]->next_deadline();
      if (deadline && (!next_timer || *deadline < *next_timer)) {
        next_timer = deadline;
        timer_node = i;
      }
    }
    const bool message_first =
        !flight_.empty() && (!next_timer || flight_.begin()->first.first <= *next_timer);
    if (message_first) {
      if (flight_.begin()->first.first > until) return false;
      auto node = flight_.extract(flight_.begin());
      set_clocks(node.key().first);
      const InFlight& message = node.mapped();
      if (!crashed(message.to.value))
        members_[message.to.value]->on_message(message.from, message.message);
      return true;
    }
    if (!next_timer || *next_timer > until) return false;
    set_clocks(*next_timer);
    environments_[timer_node]->fire_next_due(*next_timer);
    return true;
  }

  void set_clocks(TimePoint at) {
    now_ = std::max(now_, at);
    for (auto& environment : environments_)
      environment->set_now(now_);
  }

  Duration latency_;
  TimePoint now_{};
  std::uint64_t order_ = 0;
  std::size_t sent_ = 0;
  DropFilter drop_;
  std::vector<std::unique_ptr<ManualEnvironment>> environments_;
  std::vector<std::unique_ptr<Membership>> members_;
  std::multimap<std::pair<TimePoint, std::uint64_t>, InFlight> flight_;
};

}  // namespace mycelium::spore::testing
