#include <algorithm>
#include <type_traits>

#include <core/assert.hpp>
#include <core/ssi/lockstep_replica.hpp>

namespace mycelium::ssi {

LockstepReplica::LockstepReplica(Environment& env, LockstepConfig config)
    : env_(env), config_(std::move(config)), last_heard_(env.now()) {
  MYCELIUM_ASSERT(!config_.members.empty());
  MYCELIUM_ASSERT(std::find(config_.members.begin(), config_.members.end(), env_.self()) !=
                  config_.members.end());
  MYCELIUM_ASSERT(config_.apply_duration >= Duration::zero());
  MYCELIUM_ASSERT(config_.heartbeat_interval > Duration::zero());
  MYCELIUM_ASSERT(config_.sequencer_timeout > 2 * config_.heartbeat_interval);
  MYCELIUM_ASSERT(config_.max_queued_inputs > 0 && config_.max_clients > 0);
  env_.bind(kLockstepPort, [this](const Message& message) { on_message(message); });
  tick_timer_ = env_.schedule_periodic(config_.heartbeat_interval, [this] { on_tick(); });
}

LockstepReplica::~LockstepReplica() {
  env_.cancel_timer(tick_timer_);
  env_.cancel_timer(apply_timer_);
  env_.unbind(kLockstepPort);
}

bool LockstepReplica::is_sequencer() const {
  return view_active_ && sequencer_of(view_) == env_.self();
}

std::optional<std::uint64_t> LockstepReplica::hash_at(std::uint64_t step) const {
  if (step == 0) return LockstepState{}.hash();
  for (const auto& [applied, hash] : hash_history_)
    if (applied == step) return hash;
  return std::nullopt;
}

NodeId LockstepReplica::sequencer_of(std::uint64_t view) const {
  return config_.members[view % config_.members.size()];
}

void LockstepReplica::send(NodeId to, const LockstepMessage& message, Port port) {
  send_payload(env_, to, port, encode(message));
}

void LockstepReplica::broadcast(const LockstepMessage& message) {
  for (const NodeId member : config_.members)
    if (member != env_.self()) send(member, message);
}

void LockstepReplica::on_message(const Message& message) {
  const std::optional<LockstepMessage> decoded = decode_lockstep(message.payload);
  if (!decoded) {
    env_.metrics().add_counter("ssi_lockstep_messages_invalid_total", 1);
    return;
  }
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, SubmitMessage>) {
          // The answer goes to the input's client: only that client may submit for it.
          if (body.input.client != message.from.value) {
            env_.metrics().add_counter("ssi_lockstep_messages_invalid_total", 1);
            return;
          }
          on_submit(body.input);
        } else if constexpr (std::is_same_v<T, OrderMessage>) {
          on_order(message.from, body);
        } else if constexpr (std::is_same_v<T, AckMessage>) {
          on_ack(message.from, body);
        } else if constexpr (std::is_same_v<T, CommitMessage>) {
          // A commit is a fact whatever the view it was made in.
          if (body.view == view_ && message.from == sequencer_of(view_)) last_heard_ = env_.now();
          learn_committed(body.step, body.input);
        } else if constexpr (std::is_same_v<T, HeartbeatMessage>) {
          on_heartbeat(message.from, body);
        } else if constexpr (std::is_same_v<T, ViewChangeMessage>) {
          on_view_change(message.from, body);
        } else if constexpr (std::is_same_v<T, NewViewMessage>) {
          on_new_view(message.from, body);
        } else {
          env_.metrics().add_counter("ssi_lockstep_messages_unexpected_total", 1);
        }
      },
      *decoded);
}

// --- the sequencer ---

bool LockstepReplica::already_known(const LockstepInput& input) const {
  const auto same = [&](const LockstepInput& other) {
    return other.client == input.client && other.client_seq == input.client_seq;
  };
  if (in_flight_ && same(in_flight_->input)) return true;
  if (std::any_of(queue_.begin(), queue_.end(), same)) return true;
  return std::any_of(apply_queue_.begin(), apply_queue_.end(),
                     [&](const auto& entry) { return same(entry.second); });
}

void LockstepReplica::on_submit(const LockstepInput& input) {
  if (!is_sequencer()) return;  // every replica hears every submit; only the sequencer orders
  if (const auto record = state_.client(input.client);
      record && input.client_seq <= record->client_seq) {
    // Applied already (a retry whose answer was lost): answer again.
    if (input.client_seq == record->client_seq) {
      send(NodeId{input.client}, ReplyMessage{input.client_seq, record->step, state_.hash()},
           kLockstepClientPort);
    }
    return;
  }
  if (already_known(input)) return;
  if (queue_.size() >= config_.max_queued_inputs ||
      (!state_.knows_client(input.client) && state_.client_count() >= config_.max_clients)) {
    env_.metrics().add_counter("ssi_lockstep_submits_dropped_total", 1);
    return;
  }
  queue_.push_back(input);
  try_order();
}

void LockstepReplica::try_order() {
  // A new view starts once this replica knows every step committed before it (the commits in
  // flight arrive) and has proposed again what may have been committed beyond.
  if (!is_sequencer() || in_flight_ || committed_step_ < view_floor_) return;
  if (repropose_) {
    const LockstepPending again = *repropose_;
    repropose_.reset();
    if (again.step == committed_step_ + 1) return propose(again.step, again.input);
  }
  if (queue_.empty()) return;
  const LockstepInput input = queue_.front();
  queue_.pop_front();
  propose(committed_step_ + 1, input);
}

void LockstepReplica::propose(std::uint64_t step, const LockstepInput& input) {
  MYCELIUM_ASSERT(is_sequencer() && !in_flight_);
  in_flight_ = LockstepPending{step, view_, input};
  acks_.clear();
  OrderMessage order{view_, step, input, std::nullopt};
  if (committed_step_ + 1 == step) order.previous = committed_input_;
  broadcast(order);
  pending_ = in_flight_;  // the sequencer holds its own proposal like any replica
  pending_acked_ = false;
  try_ack();
}

void LockstepReplica::on_ack(NodeId from, const AckMessage& ack) {
  if (!is_sequencer() || ack.view != view_ || ack.step == 0) return;  // steps count from 1
  // Every ack's hash is checked, also those that come after the step was committed without them.
  check_hash(ack.step - 1, ack.hash_before);
  if (!in_flight_ || ack.step != in_flight_->step) return;
  acks_.insert(from);
  if (acks_.size() >= majority()) commit_in_flight();
}

void LockstepReplica::commit_in_flight() {
  const LockstepPending committed = *in_flight_;
  in_flight_.reset();
  acks_.clear();
  broadcast(CommitMessage{view_, committed.step, committed.input});
  replies_owed_[committed.step] = committed.input;
  env_.metrics().add_counter("ssi_lockstep_steps_committed_total", 1);
  learn_committed(committed.step, committed.input);
  try_order();
}

// Compares a replica's hash after `step` with this replica's: now if this one has applied
// `step`, else once it has (finish_apply).
void LockstepReplica::check_hash(std::uint64_t step, std::uint64_t hash) {
  if (const std::optional<std::uint64_t> own = hash_at(step)) {
    env_.metrics().add_counter("ssi_lockstep_hash_checks_total", 1);
    if (*own != hash) {
      ++divergences_;
      env_.metrics().add_counter("ssi_lockstep_divergences_total", 1);
    }
  } else if (step > state_.step() && unverified_.size() < config_.members.size()) {
    unverified_.emplace_back(step, hash);
  }
}

// --- every replica ---

void LockstepReplica::on_order(NodeId from, const OrderMessage& order) {
  if (order.view < view_) return;  // from a sequencer since replaced
  if (from != sequencer_of(order.view)) return;
  if (order.view > view_ || !view_active_) enter_view(order.view);
  last_heard_ = env_.now();
  if (order.previous && order.step >= 2) learn_committed(order.step - 1, *order.previous);
  if (order.step != committed_step_ + 1) return;  // stale, or beyond a gap the commits will fill
  pending_ = LockstepPending{order.step, order.view, order.input};
  pending_acked_ = false;
  try_ack();
}

void LockstepReplica::try_ack() {
  // Lock-step: acknowledge step s only once s - 1 is applied here.
  if (!pending_ || pending_acked_ || pending_->view != view_ || !view_active_) return;
  if (state_.step() + 1 != pending_->step || apply_timer_.valid()) return;
  pending_acked_ = true;
  const AckMessage ack{view_, pending_->step, state_.hash()};
  if (sequencer_of(view_) == env_.self()) {
    on_ack(env_.self(), ack);
  } else {
    send(sequencer_of(view_), ack);
  }
}

void LockstepReplica::learn_committed(std::uint64_t step, const LockstepInput& input) {
  if (step <= committed_step_) return;
  if (step > committed_step_ + 1) {
    if (early_commits_.size() < config_.max_early_commits) {
      early_commits_.emplace(step, input);
    } else {
      env_.metrics().add_counter("ssi_lockstep_commits_dropped_total", 1);
    }
    return;
  }
  committed_step_ = step;
  committed_input_ = input;
  apply_queue_.emplace_back(step, input);
  if (is_sequencer()) try_order();
  if (pending_ && pending_->step <= step) {
    pending_.reset();
    pending_acked_ = false;
  }
  if (const auto next = early_commits_.find(step + 1); next != early_commits_.end()) {
    const LockstepInput next_input = next->second;
    early_commits_.erase(early_commits_.begin(), std::next(next));
    learn_committed(step + 1, next_input);  // bounded by max_early_commits
  }
  start_apply();
}

void LockstepReplica::start_apply() {
  if (apply_timer_.valid() || apply_queue_.empty()) return;
  apply_timer_ = env_.schedule_once(config_.apply_duration, [this] { finish_apply(); });
}

void LockstepReplica::finish_apply() {
  apply_timer_ = TimerId{};
  MYCELIUM_ASSERT(!apply_queue_.empty());
  const auto [step, input] = apply_queue_.front();
  apply_queue_.pop_front();
  state_.apply(step, input);
  hash_history_.emplace_back(step, state_.hash());
  if (hash_history_.size() > kHashHistory) hash_history_.pop_front();
  std::vector<std::pair<std::uint64_t, std::uint64_t>> due;
  std::swap(due, unverified_);
  for (const auto& [unverified_step, hash] : due)
    check_hash(unverified_step, hash);
  env_.metrics().add_counter("ssi_lockstep_steps_applied_total", 1);
  if (const auto owed = replies_owed_.find(step); owed != replies_owed_.end()) {
    send(NodeId{owed->second.client}, ReplyMessage{owed->second.client_seq, step, state_.hash()},
         kLockstepClientPort);
    replies_owed_.erase(owed);
  }
  start_apply();
  try_ack();
}

// --- failure detection and view changes ---

void LockstepReplica::on_heartbeat(NodeId from, const HeartbeatMessage& heartbeat) {
  if (heartbeat.view < view_ || from != sequencer_of(heartbeat.view)) return;
  if (heartbeat.view > view_ || !view_active_) enter_view(heartbeat.view);
  last_heard_ = env_.now();
}

void LockstepReplica::on_tick() {
  if (is_sequencer()) {
    broadcast(HeartbeatMessage{view_, committed_step_});
    return;
  }
  if (env_.now() - last_heard_ > config_.sequencer_timeout) start_view_change(view_ + 1);
}

// Joins `view` as an active view led by someone else (or by this replica, after its NewView).
void LockstepReplica::enter_view(std::uint64_t view) {
  MYCELIUM_ASSERT(view >= view_);
  if (view > view_) {
    in_flight_.reset();
    acks_.clear();
    queue_.clear();  // clients retry; the new sequencer orders their inputs again
    repropose_.reset();
    unverified_.clear();
    if (pending_ && pending_->view < view) {
      pending_.reset();  // the new sequencer proposes it again if it must
      pending_acked_ = false;
    }
  }
  view_ = view;
  view_active_ = true;
  reports_.clear();
  last_heard_ = env_.now();
}

void LockstepReplica::start_view_change(std::uint64_t view) {
  MYCELIUM_ASSERT(view > view_);
  view_ = view;
  view_active_ = false;
  in_flight_.reset();
  acks_.clear();
  queue_.clear();
  reports_.clear();
  repropose_.reset();
  unverified_.clear();
  last_heard_ = env_.now();  // the new sequencer has a timeout's time to start the view
  env_.metrics().add_counter("ssi_lockstep_view_changes_started_total", 1);
  const ViewChangeMessage report{view, committed_step_, committed_input_, pending_};
  if (sequencer_of(view) == env_.self()) {
    on_view_change(env_.self(), report);
  } else {
    send(sequencer_of(view), report);
  }
}

void LockstepReplica::on_view_change(NodeId from, const ViewChangeMessage& report) {
  if (report.view < view_ || sequencer_of(report.view) != env_.self()) return;
  if (report.view > view_) start_view_change(report.view);  // adds this replica's own report
  if (view_active_) {
    // A late report: the view has started; tell the reporter how.
    send(from, NewViewMessage{view_, committed_step_, committed_input_});
    if (in_flight_) {
      OrderMessage order{view_, in_flight_->step, in_flight_->input, std::nullopt};
      if (committed_step_ + 1 == in_flight_->step) order.previous = committed_input_;
      send(from, order);
    }
    return;
  }
  reports_[from] = report;
  if (reports_.size() >= majority()) complete_view_change();
}

void LockstepReplica::complete_view_change() {
  // The highest committed step any reporter knows, and its input.
  std::uint64_t committed = 0;
  std::optional<LockstepInput> committed_input;
  for (const auto& [node, report] : reports_) {
    if (report.committed_step > committed ||
        (report.committed_step == committed && !committed_input)) {
      committed = report.committed_step;
      committed_input = report.committed_input;
    }
  }
  // The input acknowledged beyond it in the highest view: it may have been committed.
  std::optional<LockstepPending> again;
  for (const auto& [node, report] : reports_) {
    if (report.pending && report.pending->step == committed + 1 &&
        (!again || report.pending->view > again->view)) {
      again = report.pending;
    }
  }
  enter_view(view_);
  env_.metrics().add_counter("ssi_lockstep_view_changes_completed_total", 1);
  view_floor_ = committed;
  repropose_ = again;
  broadcast(NewViewMessage{view_, committed, committed_input});
  if (committed_input) learn_committed(committed, *committed_input);
  try_order();
}

void LockstepReplica::on_new_view(NodeId from, const NewViewMessage& new_view) {
  if (new_view.view < view_ || from != sequencer_of(new_view.view)) return;
  enter_view(new_view.view);
  if (pending_ && pending_->view < new_view.view) {
    pending_.reset();
    pending_acked_ = false;
  }
  if (new_view.committed_input) learn_committed(new_view.committed_step, *new_view.committed_input);
}

}  // namespace mycelium::ssi
