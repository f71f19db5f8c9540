#include <sim/scenario/spore_observer.hpp>

namespace mycelium::sim {

using spore::MemberState;

namespace {

template <typename Field>
std::uint64_t sum(const std::deque<SporeTally>& tallies, Field field) {
  std::uint64_t total = 0;
  for (const SporeTally& tally : tallies)
    total += tally.*field;
  return total;
}

}  // namespace

std::optional<TimePoint> SporeTruth::crash_first_suspected() const {
  std::optional<TimePoint> first;
  for (const SporeTally& tally : tallies) {
    if (tally.crash_first_suspected && (!first || *tally.crash_first_suspected < *first))
      first = tally.crash_first_suspected;
  }
  return first;
}

std::uint64_t SporeTruth::false_suspicions() const {
  return sum(tallies, &SporeTally::false_suspicions);
}

std::uint64_t SporeTruth::false_deaths() const {
  return sum(tallies, &SporeTally::false_deaths);
}

std::uint64_t SporeTruth::messages_sent() const {
  return sum(tallies, &SporeTally::messages_sent);
}

std::uint64_t SporeTruth::bytes_sent() const {
  return sum(tallies, &SporeTally::bytes_sent);
}

void ObservedEnvironment::add_counter(std::string_view name, std::int64_t delta) {
  tally_.counter_totals.add_counter(name, delta);
  if (node_ == nullptr) return;  // still being constructed: nobody is suspected yet
  if (name == "spore_probes_failed_total") {
    probe_failed_candidates_ = gone_in_state(MemberState::kAlive);
  } else if (name == "spore_suspicions_total" && probe_failed_candidates_) {
    judge_suspicion();
  } else if (name == "spore_members_declared_dead_total") {
    // Counted before the entry turns dead: judge once this instant's callback is done.
    pending_deaths_.push_back(PendingDeath{gone_in_state(MemberState::kSuspect)});
    if (pending_deaths_.size() == 1)
      inner_.schedule_once(Duration::zero(), [this] { judge_deaths(); });
  }
}

std::vector<NodeId> ObservedEnvironment::gone_in_state(MemberState state) const {
  std::vector<NodeId> found;
  for (NodeId member : truth_.gone) {
    const auto info = node_->membership().member(member);
    if (member != self() && info && info->state == state) found.push_back(member);
  }
  return found;
}

// The suspicion that follows a failed probe is about the probe's target, made now: if a gone
// member that was alive in our view has just turned suspect, that was it.
void ObservedEnvironment::judge_suspicion() {
  const std::vector<NodeId> candidates = std::move(*probe_failed_candidates_);
  probe_failed_candidates_.reset();
  for (NodeId member : candidates) {
    const auto info = node_->membership().member(member);
    if (info && info->state == MemberState::kSuspect && info->state_since == now()) {
      if (member == truth_.crash_target && !tally_.crash_first_suspected) {
        tally_.crash_first_suspected = now();
      }
      return;
    }
  }
  ++tally_.false_suspicions;
}

void ObservedEnvironment::judge_deaths() {
  if (node_ != nullptr) {
    for (const PendingDeath& death : pending_deaths_) {
      bool gone_member = false;
      for (NodeId member : death.candidates) {
        const auto info = node_->membership().member(member);
        gone_member = gone_member ||
                      (info && info->state == MemberState::kDead && info->state_since == now());
      }
      if (!gone_member) ++tally_.false_deaths;
    }
  }
  pending_deaths_.clear();
}

}  // namespace mycelium::sim
