#include <algorithm>

#include <core/assert.hpp>
#include <core/ram/failover_monitor.hpp>
#include <core/ram/replication_messages.hpp>

namespace mycelium::ram {

namespace {

// How often silence is checked, as a fraction of the timeout: detection takes at most
// failure_timeout * (1 + 1/kChecksPerTimeout).
constexpr int kChecksPerTimeout = 4;

}  // namespace

std::string validate(const FailoverConfig& config, NodeId self) {
  if (!config.primary.valid() || config.primary == self) return "the primary must be another node";
  if (config.failure_timeout <= Duration::zero()) return "failure timeout must be positive";
  if (config.election_window <= Duration::zero()) return "election window must be positive";
  for (NodeId peer : config.peers) {
    if (peer == self || peer == config.primary) return "a peer must be another backup";
  }
  return {};
}

FailoverMonitor::FailoverMonitor(Environment& env, const ReplicationBackup& backup,
                                 FailoverConfig config, PromoteCallback on_promote)
    : env_(env),
      backup_(backup),
      config_(std::move(config)),
      on_promote_(std::move(on_promote)),
      watching_since_(env.now()) {
  MYCELIUM_ASSERT(validate(config_, env_.self()).empty());
  env_.bind(kFailoverPort, [this](const Message& message) { on_message(message); });
  check_timer_ =
      env_.schedule_periodic(config_.failure_timeout / kChecksPerTimeout, [this] { check(); });
}

FailoverMonitor::~FailoverMonitor() {
  env_.cancel_timer(check_timer_);
  env_.cancel_timer(decide_timer_);
  env_.cancel_timer(resend_timer_);
  env_.unbind(kFailoverPort);
}

void FailoverMonitor::check() {
  if (state_ != State::kWatching) return;
  // Nothing applied yet, so nothing to resume from: a backup set up before its primary starts
  // (a standby deployed first) waits for it however long it takes, and a primary gone before
  // its first epoch leaves nothing to take over.
  if (backup_.restore_point().epoch == 0) return;
  const TimePoint last_heard = std::max(backup_.last_heard_from_primary(), watching_since_);
  if (env_.now() - last_heard > failure_timeout_now()) start_election();
}

Duration FailoverMonitor::failure_timeout_now() const {
  // A primary that lately went quiet for longer than the timeout and then spoke again (it was
  // alive: a long read before the first epoch could be applied, say) may do so again: allow
  // twice that silence (SilenceTracker). Silences within the timeout change nothing, so a tight
  // timeout the user chose stays as tight.
  const Duration longest = backup_.recent_longest_silence();
  return longest > config_.failure_timeout ? kSilenceMargin * longest : config_.failure_timeout;
}

void FailoverMonitor::start_election() {
  MYCELIUM_ASSERT(state_ == State::kWatching);
  state_ = State::kElecting;
  suspected_at_ = env_.now();
  env_.cancel_timer(check_timer_);
  env_.metrics().add_counter("failover_elections_total", 1);
  // My claim is fixed now, for the whole election and every answer after it: epochs still on
  // their way from the primary may move my restore point on, but a claim that said more in its
  // later copies than in its first would let two backups decide differently (each following the
  // other, or both promoting).
  const RestorePoint mine = backup_.restore_point();
  claims_[env_.self()] = Claim{mine.epoch, mine.snapshot_time};
  send_claim_to_peers();
  resend_timer_ = env_.schedule_periodic(config_.election_window / kClaimSends, [this] {
    if (state_ == State::kElecting && claim_sends_ < kClaimSends) send_claim_to_peers();
  });
  decide_timer_ = env_.schedule_once(config_.election_window, [this] { decide(); });
}

void FailoverMonitor::send_claim_to_peers() {
  ++claim_sends_;
  for (NodeId peer : config_.peers)
    send_claim(peer);
}

void FailoverMonitor::send_claim(NodeId to) {
  // Every copy says the same: the claim fixed when my election started (or, decided by a
  // handover without one, my restore point when first asked, fixed from then on).
  const RestorePoint now = backup_.restore_point();
  const Claim& mine =
      claims_.try_emplace(env_.self(), Claim{now.epoch, now.snapshot_time}).first->second;
  PromotionClaim claim;
  claim.stream = config_.stream;
  claim.restore_epoch = mine.restore_epoch;
  claim.snapshot_time = mine.snapshot_time;
  send_payload(env_, to, kFailoverPort, encode(claim));
}

void FailoverMonitor::decide() {
  MYCELIUM_ASSERT(state_ == State::kElecting && !claims_.empty());
  // Highest restore epoch wins; among equals the lowest node id (the map's first).
  auto best = claims_.begin();
  for (auto it = claims_.begin(); it != claims_.end(); ++it) {
    if (it->second.restore_epoch > best->second.restore_epoch) best = it;
  }
  new_primary_ = best->first;
  decided_at_ = env_.now();
  env_.cancel_timer(resend_timer_);
  if (best->first == env_.self()) {
    state_ = State::kPromoted;
    env_.metrics().add_counter("failover_promotions_total", 1);
    if (on_promote_) on_promote_(backup_.restore_point());
  } else {
    state_ = State::kFollowing;
  }
}

void FailoverMonitor::on_handover(const Handover& handover) {
  if (state_ == State::kPromoted || state_ == State::kFollowing) return;  // decided already
  env_.cancel_timer(check_timer_);
  env_.cancel_timer(decide_timer_);
  env_.cancel_timer(resend_timer_);
  new_primary_ = handover.new_primary;
  decided_at_ = env_.now();
  handed_over_ = true;
  env_.metrics().add_counter("failover_handovers_total", 1);
  if (handover.new_primary == env_.self()) {
    state_ = State::kPromoted;
    if (on_promote_) on_promote_(backup_.restore_point());
  } else {
    state_ = State::kFollowing;
  }
}

void FailoverMonitor::on_message(const Message& message) {
  const DecodeResult decoded = decode_replication_message(message.payload);
  if (const Handover* handover =
          decoded.message ? std::get_if<Handover>(&*decoded.message) : nullptr;
      handover != nullptr && handover->stream == config_.stream &&
      message.from == config_.primary) {
    on_handover(*handover);
    return;
  }
  const PromotionClaim* claim =
      decoded.message ? std::get_if<PromotionClaim>(&*decoded.message) : nullptr;
  if (claim == nullptr || claim->stream != config_.stream || !is_peer(message.from)) {
    env_.metrics().add_counter("failover_messages_unexpected_total", 1);
    return;
  }
  if (state_ == State::kPromoted || state_ == State::kFollowing) {
    // The peer is still electing and may have missed every copy of my claim (or suspected the
    // primary after my window closed): answer, once per claim it sends, so it decides as I did.
    send_claim(message.from);
    return;
  }
  claims_[message.from] = Claim{claim->restore_epoch, claim->snapshot_time};
  // A peer lost the primary: so, very likely, did we; join now so that every claim is heard.
  if (state_ == State::kWatching) start_election();
}

bool FailoverMonitor::is_peer(NodeId node) const {
  return std::find(config_.peers.begin(), config_.peers.end(), node) != config_.peers.end();
}

}  // namespace mycelium::ram
