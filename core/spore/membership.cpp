#include <algorithm>
#include <cmath>
#include <utility>

#include <core/assert.hpp>
#include <core/spore/membership.hpp>
#include <core/spore/suspicion.hpp>

namespace mycelium::spore {

namespace {

std::shared_ptr<const MembershipConfig> non_null(std::shared_ptr<const MembershipConfig> config) {
  MYCELIUM_ASSERT(config != nullptr);
  return config;
}

// Without a codec to ask (unit tests), a piggybacked update is about this big on the wire
// (type-free varint fields), and a message without gossip about this.
constexpr std::size_t kEstimatedUpdateBytes = 24;
constexpr std::size_t kEstimatedMessageBytes = 64;

// At equal incarnation, what overrides what.
int precedence(MemberState state) {
  switch (state) {
    case MemberState::kAlive:
      return 0;
    case MemberState::kSuspect:
      return 1;
    case MemberState::kDead:
      return 2;
    case MemberState::kLeft:
      return 3;
  }
  return 0;
}

bool gone(MemberState state) {
  return state == MemberState::kDead || state == MemberState::kLeft;
}

}  // namespace

std::string validate(const MembershipConfig& config) {
  if (config.probe_interval <= Duration::zero()) return "probe_interval must be positive";
  if (config.probe_timeout <= Duration::zero() || config.probe_timeout >= config.probe_interval)
    return "probe_timeout must be positive and shorter than probe_interval";
  if (config.indirect_checks == 0) return "indirect_checks must be at least 1";
  if (!(config.suspicion_multiplier > 0)) return "suspicion_multiplier must be positive";
  if (!(config.suspicion_max_multiplier >= 1)) return "suspicion_max_multiplier must be at least 1";
  if (config.retransmit_multiplier == 0) return "retransmit_multiplier must be at least 1";
  if (config.push_pull_interval <= Duration::zero()) return "push_pull_interval must be positive";
  if (config.gossip_interval <= Duration::zero()) return "gossip_interval must be positive";
  if (config.gone_member_retention < Duration::zero())
    return "gone_member_retention must not be negative";
  if (config.max_members < 2) return "max_members must be at least 2";
  if (config.view_members == 1) return "view_members must be 0 (full membership) or at least 2";
  if (config.view_members > 0 && config.view_members >= config.max_members)
    return "view_members must be below max_members";
  if (config.view_members > 0 && config.expected_members < config.view_members)
    return "expected_members must be at least view_members with a partial view";
  if (config.view_members > 0 && config.max_rumors == 0)
    return "max_rumors must be at least 1 with a partial view";
  if (!(config.witness_after_fraction >= 0 &&
        config.witness_after_fraction <= config.suspicion_max_multiplier))
    return "witness_after_fraction must be between 0 and suspicion_max_multiplier";
  if (config.max_push_pull_members == 0) return "max_push_pull_members must be at least 1";
  if (config.max_queued_updates == 0) return "max_queued_updates must be at least 1";
  if (config.max_message_bytes < 256) return "max_message_bytes must be at least 256";
  return {};
}

Membership::Membership(Environment& env, MembershipConfig config, MembershipHooks hooks,
                       std::vector<NodeId> seeds, std::vector<NodeId> known_members)
    : Membership(env, std::make_shared<const MembershipConfig>(std::move(config)), std::move(hooks),
                 std::move(seeds), std::move(known_members)) {}

Membership::Membership(Environment& env, std::shared_ptr<const MembershipConfig> config,
                       MembershipHooks hooks, std::vector<NodeId> seeds,
                       std::vector<NodeId> known_members)
    : env_(env),
      config_holder_(non_null(std::move(config))),
      config_(*config_holder_),
      hooks_(std::move(hooks)),
      random_(env.random().next_u64()),
      gossip_(config_.max_queued_updates) {
  MYCELIUM_ASSERT(validate(config_).empty());
  MYCELIUM_ASSERT(hooks_.send != nullptr);
  if (!hooks_.update_bytes)
    hooks_.update_bytes = [](const MemberUpdate&) { return kEstimatedUpdateBytes; };
  if (!hooks_.message_bytes)
    hooks_.message_bytes = [](const SporeMessage&) { return kEstimatedMessageBytes; };
  self_ = MemberInfo{env_.self(), MemberState::kAlive, 0, env_.now()};
  // A joining member announces itself; one that starts from known members is known to them
  // already (in a settled million-member network, a million announcements relayed to everyone
  // would be 10^12 messages).
  if (!seeds.empty() || known_members.empty())
    gossip(MemberUpdate{self_.id, self_.incarnation, MemberState::kAlive, self_.id});
  const std::size_t table_bound = partial_view() ? config_.view_members : config_.max_members - 1;
  for (const NodeId member : known_members) {
    if (entries_.size() >= table_bound) break;
    if (member.valid() && member != self_.id && find(member) == nullptr)
      add_entry(member, 0, member);
  }
  for (const NodeId seed : seeds) {
    if (seed == self_.id) continue;
    seeds_.push_back(seed);
    push_pull(seed, false);
  }
  // The first probe and push-pull come after a random part of their interval, as memberlist
  // staggers its tickers: members started together (every member of a simulation, a fleet
  // rebooted at once) would otherwise probe in lockstep, and news published on a tick would
  // always find, or always miss, the probes of that tick.
  schedule_next_probe(stagger(scaled(config_.probe_interval)));
  if (!gossip_.empty()) gossip_waiting();
  push_pull_timer_ = env_.schedule_once(stagger(config_.push_pull_interval), [this] {
    push_pull_with_random_member();
    push_pull_timer_ = env_.schedule_periodic(config_.push_pull_interval,
                                              [this] { push_pull_with_random_member(); });
  });
}

Duration Membership::stagger(Duration interval) {
  MYCELIUM_ASSERT(interval > Duration::zero());
  // In (0, interval]: never at once, as the members' first news must have time to arrive.
  return Duration(static_cast<Duration::rep>(
      env_.random().uniform_int(1, static_cast<std::uint64_t>(interval.count()))));
}

void Membership::push_pull_with_random_member() {
  const std::vector<NodeId> partner = random_members(1, self_.id, self_.id);
  if (!partner.empty()) push_pull(partner.front(), false);
}

Membership::~Membership() {
  env_.cancel_timer(probe_timer_);
  env_.cancel_timer(push_pull_timer_);
  env_.cancel_timer(gossip_timer_);
  env_.cancel_timer(notes_timer_);
  if (probe_) env_.cancel_timer(probe_->timeout_timer);
  for (auto& [sequence, indirect] : indirect_)
    env_.cancel_timer(indirect.nack_timer);
  for (Entry& entry : entries_)
    cancel_suspicion_timer(entry);
}

// --- probing ----------------------------------------------------------------------------------

Duration Membership::scaled(Duration base) const {
  return base * (1 + static_cast<std::int64_t>(local_health_));
}

void Membership::adjust_health(int delta) {
  const std::int64_t health = static_cast<std::int64_t>(local_health_) + delta;
  local_health_ = static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(health, 0, static_cast<std::int64_t>(config_.max_local_health)));
  env_.metrics().set_gauge("spore_local_health", local_health_);
}

void Membership::schedule_next_probe(Duration delay) {
  probe_timer_ = env_.schedule_once(delay, [this] { start_probe(); });
}

std::optional<NodeId> Membership::next_probe_target() {
  // Walk a shuffled list of the members; reshuffle after each full round (SWIM's randomised
  // round-robin: every member is probed within a bounded number of periods). Gone members are
  // skipped, not removed, so the walk stays O(1) amortised.
  if (const std::optional<NodeId> first = std::exchange(priority_probe_, std::nullopt)) {
    const Entry* entry = find(*first);
    if (entry != nullptr && !gone(entry->info.state)) return *first;
  }
  for (std::size_t attempts = 0; attempts <= probe_order_.size(); ++attempts) {
    if (probe_cursor_ >= probe_order_.size()) {
      reap_gone_members();
      probe_order_.clear();
      for (const Entry& entry : entries_) {
        if (!gone(entry.info.state)) probe_order_.push_back(entry.info.id);
      }
      random_.shuffle(std::span(probe_order_));
      probe_cursor_ = 0;
      if (probe_order_.empty()) return std::nullopt;
    }
    const NodeId candidate = probe_order_[probe_cursor_++];
    const Entry* entry = find(candidate);
    if (entry != nullptr && !gone(entry->info.state)) return candidate;
  }
  return std::nullopt;
}

void Membership::reap_gone_members() {
  const TimePoint now = env_.now();
  for (std::size_t i = 0; i < entries_.size();) {
    const Entry& entry = entries_[i];
    if (!gone(entry.info.state) || now - entry.info.state_since < config_.gone_member_retention) {
      ++i;
      continue;
    }
    MYCELIUM_ASSERT(!entry.suspicion);
    gossip_.erase(entry.info.id);
    remove_entry(i);  // the last entry takes slot i: look at it next
    env_.metrics().add_counter("spore_members_forgotten_total", 1);
  }
  forget_old_rumors();
}

void Membership::remove_entry(std::size_t index) {
  MYCELIUM_ASSERT(index < entries_.size());
  Entry& entry = entries_[index];
  cancel_suspicion_timer(entry);
  if (gone(entry.info.state)) --gone_count_;
  entry_of_.erase(entry.info.id);
  if (index + 1 != entries_.size()) {
    entry = std::move(entries_.back());
    entry_of_.set(entry.info.id, static_cast<std::uint32_t>(index));
  }
  entries_.pop_back();
  // probe_order_ keeps the id: the walk skips members no longer in the table.
}

void Membership::forget_old_rumors() {
  const TimePoint now = env_.now();
  // Bounded: each element is looked at once; stale ones (the rumor changed since) just go.
  while (!rumor_order_.empty()) {
    const auto [member, changed_at] = rumor_order_.front();
    const auto it = rumors_.find(member);
    const bool current = it != rumors_.end() && it->second.info.state_since == changed_at;
    if (current && now - changed_at < config_.gone_member_retention &&
        rumors_.size() <= config_.max_rumors)
      break;
    if (current) rumors_.erase(it);
    rumor_order_.pop_front();
  }
}

void Membership::start_probe() {
  if (left_) return;
  const std::optional<NodeId> target = next_probe_target();
  if (!target) {
    // Alone: the push-pulls that joined us through the seeds were lost (a seed not up yet, a
    // lossy link), or every member we knew is gone. Ask the next seed, once per period, until
    // somebody answers: the periodic push-pull picks a partner among the members we know, none.
    if (!seeds_.empty()) {
      push_pull(seeds_[join_attempts_++ % seeds_.size()], false);
      env_.metrics().add_counter("spore_join_retries_total", 1);
    }
    schedule_next_probe(scaled(config_.probe_interval));
    return;
  }
  Probe probe;
  probe.target = *target;
  probe.sequence = next_sequence_++;
  probe.timeout_timer =
      env_.schedule_once(scaled(config_.probe_timeout), [this] { on_probe_timeout(); });
  probe_ = probe;
  env_.metrics().add_counter("spore_probes_total", 1);
  Ping ping{probe.sequence, *target, {}};
  // Probing a suspect: tell it so directly (as memberlist does), so it can refute at once rather
  // than wait for the gossip to find it.
  if (const Entry* entry = find(*target);
      entry != nullptr && entry->info.state == MemberState::kSuspect) {
    ping.gossip.members.push_back(MemberUpdate{entry->info.id, entry->info.incarnation,
                                               MemberState::kSuspect, entry->reporter});
  }
  send(*target, std::move(ping));
  // The period ends one scaled interval after it started, acked or not.
  probe_timer_ = env_.schedule_once(scaled(config_.probe_interval), [this] { end_probe_period(); });
}

void Membership::on_probe_timeout() {
  if (!probe_ || probe_->acked) return;
  const std::vector<NodeId> helpers =
      random_members(config_.indirect_checks, self_.id, probe_->target);
  probe_->expected_nacks = helpers.size();
  for (const NodeId helper : helpers)
    send(helper, PingRequest{probe_->sequence, probe_->target, {}});
  // Its ack carries the probe's sequence, so on_ack takes it like the first ping's.
  if (config_.fallback_ping) {
    send(probe_->target, Ping{probe_->sequence, probe_->target, {}});
    env_.metrics().add_counter("spore_fallback_pings_total", 1);
  }
  env_.metrics().add_counter("spore_indirect_probes_total",
                             static_cast<std::int64_t>(helpers.size()));
}

void Membership::end_probe_period() {
  if (probe_) {
    env_.cancel_timer(probe_->timeout_timer);
    if (probe_->acked) {
      adjust_health(-1);
    } else {
      // Lifeguard: a helper that did not even nack suggests our own links or CPU are the
      // problem; without helpers, only the failed probe counts.
      const std::size_t missed_nacks = probe_->expected_nacks - probe_->nacks;
      adjust_health(probe_->expected_nacks == 0 ? 1 : static_cast<int>(missed_nacks));
      // A suspect we fail to reach too: our suspicion confirms the others' (Lifeguard counts
      // independent suspecters; we are one unless we started it).
      Entry* entry = find(probe_->target);
      if (entry != nullptr && !gone(entry->info.state)) {
        env_.metrics().add_counter("spore_probes_failed_total", 1);
        const NodeId target = entry->info.id;
        apply(MemberUpdate{target, entry->info.incarnation, MemberState::kSuspect, self_.id});
        entry = find(target);
        if (scoped_suspicions() && entry != nullptr && entry->info.state == MemberState::kSuspect) {
          // The helpers that nacked reached us but not the target: independent witnesses.
          const std::size_t nackers = std::min(probe_->nacks, Probe::kMaxNackers);
          for (std::size_t i = 0; i < nackers; ++i)
            confirm_suspicion(*entry, probe_->nackers[i], false);
        }
      }
    }
    probe_.reset();
  }
  start_probe();
}

void Membership::suspicion_notes_waiting() {
  if (!scoped_suspicions() || left_ || notes_timer_.valid()) return;
  notes_timer_ = env_.schedule_once(config_.probe_interval, [this] {
    notes_timer_ = {};
    send_suspicion_notes();
  });
}

void Membership::send_suspicion_notes() {
  // Each member we suspect hears it from us (it would otherwise hear it only when a holder
  // relays it its way, which strangers no longer do), and answers us. Every unscaled protocol
  // period, not every probe period: under heavy loss local health stretches the probe period up
  // to (1 + max_local_health) times, and a suspect told once in 9 s got one or two chances to
  // refute before the shortest suspicion timeout.
  witnesses_.clear();  // last period's witnesses nacked by now, or never will
  bool suspecting = false;
  for (const Entry& entry : entries_) {
    if (entry.info.state != MemberState::kSuspect) continue;
    suspecting = true;
    tell_suspect(entry);
    ask_witness(entry);
  }
  if (suspecting) suspicion_notes_waiting();
}

void Membership::ask_witness(const Entry& entry) {
  MYCELIUM_ASSERT(entry.suspicion);
  if (config_.witness_after_fraction <= 0 ||
      entry.suspicion->confirmations.size() >= config_.indirect_checks ||
      witnesses_.size() >= kMaxWitnessesPerPeriod)
    return;
  const Duration min =
      min_suspicion_timeout(config_.suspicion_multiplier, network_size(), config_.probe_interval);
  if (env_.now() - entry.suspicion->since <
      from_seconds(to_seconds(min) * config_.witness_after_fraction))
    return;
  const std::vector<NodeId> witness = random_members(1, self_.id, entry.info.id);
  if (witness.empty()) return;
  const std::uint32_t sequence = next_sequence_++;
  witnesses_.push_back(Witness{witness.front(), entry.info.id, sequence});
  send(witness.front(), PingRequest{sequence, entry.info.id, {}});
  env_.metrics().add_counter("spore_witness_requests_total", 1);
}

void Membership::tell_suspect(const Entry& entry) {
  Gossip note;
  note.gossip.members.push_back(
      MemberUpdate{entry.info.id, entry.info.incarnation, MemberState::kSuspect, self_.id});
  send(entry.info.id, std::move(note), Piggybacking::kNo);
}

void Membership::send_update(NodeId member, const MemberUpdate& update) {
  Gossip note;
  note.gossip.members.push_back(update);
  send(member, std::move(note));
}

std::vector<NodeId> Membership::random_members(std::size_t count, NodeId exclude_a,
                                               NodeId exclude_b) {
  // Reservoir-free: a few random draws over the table, skipping gone and excluded members,
  // bounded so a table of mostly dead members cannot loop long.
  std::vector<NodeId> chosen;
  if (entries_.empty()) return chosen;
  const std::size_t max_draws = 4 * count + entries_.size() / 8 + 8;
  for (std::size_t draw = 0; draw < max_draws && chosen.size() < count; ++draw) {
    const Entry& entry = entries_[random_.uniform_int(0, entries_.size() - 1)];
    const NodeId id = entry.info.id;
    if (gone(entry.info.state) || id == exclude_a || id == exclude_b) continue;
    if (std::find(chosen.begin(), chosen.end(), id) != chosen.end()) continue;
    chosen.push_back(id);
  }
  return chosen;
}

// --- messages ---------------------------------------------------------------------------------

void Membership::on_message(NodeId from, const SporeMessage& message) {
  std::visit(
      [this, from](const auto& body) {
        using Body = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<Body, Ping>) {
          on_ping(from, body);
        } else if constexpr (std::is_same_v<Body, PingRequest>) {
          on_ping_request(from, body);
        } else if constexpr (std::is_same_v<Body, Ack>) {
          on_ack(from, body);
        } else if constexpr (std::is_same_v<Body, Nack>) {
          on_nack(from, body);
        } else if constexpr (std::is_same_v<Body, PushPull>) {
          on_push_pull(from, body);
        }  // Gossip: only its updates, below
        if constexpr (!std::is_same_v<Body, Nack> && !std::is_same_v<Body, PushPull>) {
          for (const MemberUpdate& update : body.gossip.members)
            apply(update, Origin::kGossip, from);
        }
      },
      message);
}

void Membership::on_ping(NodeId from, const Ping& ping) {
  if (ping.target != self_.id) {
    env_.metrics().add_counter("spore_pings_misdirected_total", 1);
    return;
  }
  send(from, Ack{ping.sequence, self_.id, {}});
}

void Membership::on_ping_request(NodeId from, const PingRequest& request) {
  if (request.target == self_.id) {  // asked to probe ourselves: answer directly
    send(from, Ack{request.sequence, self_.id, {}});
    return;
  }
  const std::uint32_t sequence = next_sequence_++;
  IndirectProbe indirect{from, request.sequence, request.target, {}};
  // Lifeguard: nack before the requester's period ends, so it learns we are alive in time.
  indirect.nack_timer = env_.schedule_once(config_.probe_timeout * 4 / 5, [this, sequence] {
    const auto it = indirect_.find(sequence);
    if (it == indirect_.end()) return;
    send(it->second.requester, Nack{it->second.requester_sequence, it->second.target});
    indirect_.erase(it);
  });
  indirect_.emplace(sequence, indirect);
  send(request.target, Ping{sequence, request.target, {}});
}

void Membership::on_ack(NodeId from, const Ack& ack) {
  if (const auto it = indirect_.find(ack.sequence);
      it != indirect_.end() && it->second.target == ack.target) {
    env_.cancel_timer(it->second.nack_timer);
    send(it->second.requester, Ack{it->second.requester_sequence, ack.target, {}});
    indirect_.erase(it);
    return;
  }
  if (probe_ && probe_->sequence == ack.sequence && probe_->target == ack.target) {
    probe_->acked = true;
    return;
  }
  if (take_witness(from, ack.sequence, ack.target)) return;  // it will refute our note itself
  env_.metrics().add_counter("spore_acks_late_total", 1);
}

void Membership::on_nack(NodeId from, const Nack& nack) {
  if (probe_ && probe_->sequence == nack.sequence && probe_->target == nack.target &&
      probe_->nacks < probe_->expected_nacks) {
    if (probe_->nacks < Probe::kMaxNackers) probe_->nackers[probe_->nacks] = from;
    ++probe_->nacks;
    return;
  }
  if (take_witness(from, nack.sequence, nack.target)) {
    Entry* entry = find(nack.target);
    if (entry != nullptr && entry->info.state == MemberState::kSuspect)
      confirm_suspicion(*entry, from, false);
  }
}

bool Membership::take_witness(NodeId from, std::uint32_t sequence, NodeId target) {
  const auto it = std::find_if(witnesses_.begin(), witnesses_.end(), [&](const Witness& w) {
    return w.sequence == sequence && w.witness == from && w.suspect == target;
  });
  if (it == witnesses_.end()) return false;
  witnesses_.erase(it);
  return true;
}

void Membership::push_pull(NodeId with, bool is_reply) {
  PushPull message;
  message.is_reply = is_reply;
  message.members.push_back(MemberUpdate{
      self_.id, self_.incarnation, left_ ? MemberState::kLeft : MemberState::kAlive, self_.id});
  // A random sample of what we know, bounded: anti-entropy repairs over many rounds.
  const std::size_t want = std::min(config_.max_push_pull_members - 1, entries_.size());
  std::vector<std::size_t> indices(entries_.size());
  for (std::size_t i = 0; i < indices.size(); ++i)
    indices[i] = i;
  for (std::size_t i = 0; i < want; ++i) {
    std::swap(indices[i], indices[i + random_.uniform_int(0, indices.size() - 1 - i)]);
    const Entry& entry = entries_[indices[i]];
    message.members.push_back(
        MemberUpdate{entry.info.id, entry.info.incarnation, entry.info.state, entry.reporter});
  }
  env_.metrics().add_counter("spore_push_pulls_total", 1);
  send(with, std::move(message));
}

void Membership::gossip_waiting() {
  // Rounds run only while something waits: a quiet member has no gossip timer at all (a million
  // members ticking every 200 ms for nothing would be most of a simulation's events).
  if (config_.gossip_fanout == 0 || gossip_timer_.valid()) return;
  gossip_timer_ = env_.schedule_once(config_.gossip_interval, [this] {
    gossip_timer_ = {};
    gossip_round();
  });
}

bool Membership::anything_to_gossip() const {
  return !gossip_.empty() || (hooks_.node_gossip_pending && hooks_.node_gossip_pending());
}

void Membership::gossip_round() {
  if (!anything_to_gossip()) return;
  for (const NodeId member : random_members(config_.gossip_fanout, self_.id, self_.id)) {
    if (!anything_to_gossip()) break;
    send(member, Gossip{});
  }
  if (anything_to_gossip()) gossip_waiting();
}

void Membership::on_push_pull(NodeId from, const PushPull& push_pull) {
  for (const MemberUpdate& update : push_pull.members)
    apply(update, Origin::kPushPull);
  if (!push_pull.is_reply && !left_) this->push_pull(from, true);
}

// --- state ------------------------------------------------------------------------------------

Membership::Entry* Membership::find(NodeId id) {
  const std::optional<std::uint32_t> index = entry_of_.find(id);
  return index ? &entries_[*index] : nullptr;
}

void Membership::apply(const MemberUpdate& update, Origin origin, NodeId from) {
  if (!update.member.valid()) return;
  if (update.member == self_.id) {
    // Others think we are suspect or dead: refute with a higher incarnation (unless leaving).
    const bool accused =
        update.state == MemberState::kSuspect || update.state == MemberState::kDead;
    if (!accused || left_) return;
    const NodeId accuser = from.valid() ? from : update.reporter;
    if (update.incarnation >= self_.incarnation) {
      refute(update.incarnation, accuser);
    } else if (scoped_suspicions() && from.valid()) {
      // Refuted already, but this holder did not hear it: the news of it goes to our view.
      send_update(from, MemberUpdate{self_.id, self_.incarnation, MemberState::kAlive, self_.id});
    }
    return;
  }
  Entry* entry = find(update.member);
  if (entry == nullptr) {
    apply_unknown(update, origin);
    return;
  }
  const MemberInfo& known = entry->info;
  const bool newer = update.incarnation > known.incarnation;
  const bool same = update.incarnation == known.incarnation;
  if (update.state == MemberState::kSuspect && same && known.state == MemberState::kSuspect) {
    confirm_suspicion(*entry, update.reporter);
    return;
  }
  if (update.state == MemberState::kDead && update.incarnation < known.incarnation &&
      !gone(known.state)) {
    // Declared dead at an incarnation older than ours: that proves nothing (it may have refuted
    // since), but somebody could not reach it, and the news of its death will not be repeated
    // to us. Probe it next rather than in up to a round of the view (a round is V periods,
    // each up to 9 s under loss): a crash is then ours to declare (measured: 3 members of 1000
    // at 30 % loss still held a member crashed 40 s before as alive).
    priority_probe_ = update.member;
    // Suspecting it ourselves, the declarer is one more member that failed to reach it.
    if (known.state == MemberState::kSuspect) confirm_suspicion(*entry, update.reporter, false);
    return;
  }
  if (!newer && !(same && precedence(update.state) > precedence(known.state))) return;
  switch (update.state) {
    case MemberState::kSuspect:
      suspect(*entry, update);
      break;
    case MemberState::kAlive:
    case MemberState::kDead:
    case MemberState::kLeft:
      set_state(*entry, update.state, update.incarnation, update.reporter);
      break;
  }
}

void Membership::apply_unknown(const MemberUpdate& update, Origin origin) {
  if (!partial_view()) {
    if (gone(update.state)) return;  // news of a stranger's death: nothing to forget
    if (entries_.size() + 1 >= config_.max_members) {
      env_.metrics().add_counter("spore_members_refused_total", 1);
      return;
    }
  } else if (update.state != MemberState::kAlive || !news_to_us(update) ||
             refutation_of_stranger(update, origin) || !make_room_for(update.member)) {
    // Only live news earns a place (a suspect is being decided by those who know it); news we
    // already relayed, or that lost to what we relayed, earns nothing.
    apply_rumor(update, origin);
    return;
  }
  rumors_.erase(update.member);  // in the table now (its order element turns stale)
  Entry& entry = add_entry(update.member, update.incarnation, update.reporter);
  if (update.state == MemberState::kSuspect) {
    suspect(entry, update);
  } else {
    // Relayed as news, except in a partial view when it came from a push-pull sample: that is a
    // member the network knows already, and every admission from the samples of a round of
    // push-pulls relayed to everyone made a storm (measured: 2000 members went from 2 to
    // hundreds of messages each per second at the first push-pull round).
    if (origin == Origin::kGossip || !partial_view())
      gossip(MemberUpdate{update.member, update.incarnation, MemberState::kAlive, update.member});
    if (hooks_.member_changed) hooks_.member_changed(entry.info);
  }
}

bool Membership::refutation_of_stranger(const MemberUpdate& update, Origin origin) const {
  // Scoped suspicions: gossip of a live member with an incarnation above 0 answers a suspicion
  // (newcomers start at 0), which is its holders' business. Admitting its member with
  // probability view / N, as news of a newcomer is, made a member suspected often (a slow one,
  // whose late acks fail every probe) famous: each refutation added it to a few more views,
  // whose owners then suspected it too (measured: 1000 members at 10 % loss, each slow member
  // in 500-700 views after 60 s, and 7 suspicions of live members held per member). Push-pull
  // samples still bring such members into views.
  return scoped_suspicions() && origin == Origin::kGossip && update.state == MemberState::kAlive &&
         update.incarnation > 0;
}

Membership::Entry& Membership::add_entry(NodeId member, std::uint64_t incarnation,
                                         NodeId reporter) {
  MYCELIUM_ASSERT(entries_.size() < UINT32_MAX);
  entry_of_.set(member, static_cast<std::uint32_t>(entries_.size()));
  entries_.push_back(
      Entry{MemberInfo{member, MemberState::kAlive, incarnation, env_.now()}, reporter, {}});
  // Probed within this round too, at a random place (as memberlist does): appended in the order
  // members are learned, every member of a network that joined together would walk the same
  // order, and the last ones would go unprobed for a whole round.
  // O(1): appended, then swapped with a random not-yet-probed slot (an inside-out shuffle step).
  probe_order_.push_back(member);
  const auto slot =
      static_cast<std::size_t>(random_.uniform_int(probe_cursor_, probe_order_.size() - 1));
  std::swap(probe_order_[slot], probe_order_.back());
  return entries_.back();
}

bool Membership::make_room_for(NodeId member) {
  MYCELIUM_ASSERT(partial_view() && find(member) == nullptr);
  if (entries_.size() < config_.view_members) return true;
  // Full: the newcomer replaces a random alive entry with probability view / N. Every member
  // that hears of a newcomer does this, so it lands in about view_members views, as the others
  // are; suspects and gone entries stay (they are being decided, or guard against stale news).
  const double keep_out = 1.0 - static_cast<double>(config_.view_members) /
                                    static_cast<double>(std::max<std::size_t>(1, network_size()));
  if (random_.uniform_real() < keep_out) return false;
  const std::size_t index = random_.uniform_int(0, entries_.size() - 1);
  const Entry& evicted = entries_[index];
  if (evicted.info.state != MemberState::kAlive) return false;
  // Remembered as a rumor already relayed, so the news about it still circulating is not
  // taken for news again (it would circulate for ever, each copy evicting someone else).
  remember_rumor(MemberUpdate{evicted.info.id, evicted.info.incarnation, evicted.info.state,
                              evicted.reporter});
  remove_entry(index);
  env_.metrics().add_counter("spore_view_replacements_total", 1);
  return true;
}

bool Membership::news_to_us(const MemberUpdate& update) const {
  const auto it = rumors_.find(update.member);
  if (it == rumors_.end()) return true;
  const MemberInfo& known = it->second.info;
  return update.incarnation > known.incarnation ||
         (update.incarnation == known.incarnation &&
          precedence(update.state) > precedence(known.state));
}

void Membership::remember_rumor(const MemberUpdate& update) {
  const TimePoint now = env_.now();
  rumors_[update.member] =
      Rumor{MemberInfo{update.member, update.state, update.incarnation, now}, update.reporter};
  rumor_order_.emplace_back(update.member, now);
  forget_old_rumors();
}

bool Membership::confirms_rumor(const MemberUpdate& update) {
  const auto it = rumors_.find(update.member);
  if (it == rumors_.end() || update.state != MemberState::kSuspect) return false;
  Rumor& rumor = it->second;
  if (rumor.info.state != MemberState::kSuspect || rumor.info.incarnation != update.incarnation ||
      update.reporter == rumor.reporter)
    return false;
  const std::size_t expected =
      std::min<std::size_t>(config_.indirect_checks, Rumor::kMaxConfirmations);
  const auto end = rumor.confirmations.begin() + rumor.confirmation_count;
  if (rumor.confirmation_count >= expected ||
      std::find(rumor.confirmations.begin(), end, update.reporter) != end)
    return false;
  rumor.confirmations[rumor.confirmation_count++] = update.reporter;
  return true;
}

void Membership::apply_rumor(const MemberUpdate& update, Origin origin) {
  if (scoped_suspicions()) {
    // A stranger's suspicion is its holders' business, and so is a refutation of one (a live
    // member with an incarnation above 0 we hold nothing about: not a newcomer, which starts at
    // 0). Relayed by everyone, the network's false suspicions would reach every member.
    if (update.state == MemberState::kSuspect) return;
    if (update.state == MemberState::kAlive && update.incarnation > 0 &&
        rumors_.find(update.member) == rumors_.end())
      return;
  } else if (origin == Origin::kGossip && confirms_rumor(update)) {
    gossip(update);  // relayed like news: it is news to the members that hold the suspect
    env_.metrics().add_counter("spore_rumors_relayed_total", 1);
    return;
  }
  if (!news_to_us(update)) return;
  // Relay it: whoever holds the member in its view needs it (and, for deaths, every member that
  // holds the member's service instances). Not what a push-pull sample says of a live or suspect
  // member, though: that is the partner's state, not news, and every sample relayed to the whole
  // network would make each push-pull dozens of floods (measured: traffic per member growing
  // without bound within seconds at 5000 members). Deaths learned that way still spread. What
  // is not relayed is not remembered either: dozens of remembered strangers per push-pull were
  // most of a member's memory at 100 000 members.
  if (origin == Origin::kPushPull && !gone(update.state)) return;
  const auto it = rumors_.find(update.member);
  const bool changed = it == rumors_.end() || it->second.info.state != update.state;
  remember_rumor(update);
  gossip(update);
  env_.metrics().add_counter("spore_rumors_relayed_total", 1);
  if (changed && hooks_.member_changed)
    hooks_.member_changed(MemberInfo{update.member, update.state, update.incarnation, env_.now()});
}

void Membership::refute(std::uint64_t accused_incarnation, NodeId accuser) {
  self_.incarnation = std::max(self_.incarnation, accused_incarnation) + 1;
  adjust_health(1);  // Lifeguard: being suspected hints that we are the slow one
  env_.metrics().add_counter("spore_refutations_total", 1);
  const MemberUpdate alive{self_.id, self_.incarnation, MemberState::kAlive, self_.id};
  gossip(alive);
  // Scoped: the accuser holds a timer that would declare us dead, and our gossip goes to our
  // own view, which need not hold it: answer it directly.
  if (scoped_suspicions() && accuser.valid() && accuser != self_.id) send_update(accuser, alive);
}

void Membership::change_state(Entry& entry, MemberState state) {
  if (gone(entry.info.state) && !gone(state)) --gone_count_;
  if (!gone(entry.info.state) && gone(state)) ++gone_count_;
  entry.info.state = state;
  MYCELIUM_ASSERT(gone_count_ <= entries_.size());
}

void Membership::suspect(Entry& entry, const MemberUpdate& update) {
  cancel_suspicion_timer(entry);
  change_state(entry, MemberState::kSuspect);
  entry.info.incarnation = update.incarnation;
  entry.info.state_since = env_.now();
  entry.reporter = update.reporter;
  entry.suspicion = std::make_unique<Suspicion>();
  entry.suspicion->since = env_.now();
  schedule_suspicion_timeout(entry);
  if (scoped_suspicions() && !left_) {
    tell_suspect(entry);
    suspicion_notes_waiting();
  }
  gossip(update);
  env_.metrics().add_counter("spore_suspicions_total", 1);
  if (hooks_.member_changed) hooks_.member_changed(entry.info);
}

void Membership::confirm_suspicion(Entry& entry, NodeId reporter, bool relay) {
  MYCELIUM_ASSERT(entry.suspicion);
  if (reporter == entry.reporter) return;  // the one who started it is not a confirmation
  std::vector<NodeId>& confirmations = entry.suspicion->confirmations;
  const std::size_t expected = config_.indirect_checks;
  if (confirmations.size() >= expected) return;
  if (std::find(confirmations.begin(), confirmations.end(), reporter) != confirmations.end())
    return;
  confirmations.push_back(reporter);
  cancel_suspicion_timer(entry);
  schedule_suspicion_timeout(entry);
  // Re-gossip so others count this confirmation too.
  if (relay)
    gossip(MemberUpdate{entry.info.id, entry.info.incarnation, MemberState::kSuspect, reporter});
}

void Membership::schedule_suspicion_timeout(Entry& entry) {
  const Duration min =
      min_suspicion_timeout(config_.suspicion_multiplier, network_size(), config_.probe_interval);
  const Duration max = from_seconds(to_seconds(min) * config_.suspicion_max_multiplier);
  Suspicion& suspicion = *entry.suspicion;
  const Duration timeout =
      suspicion_timeout(min, max, suspicion.confirmations.size(), config_.indirect_checks);
  const Duration remaining = std::max(Duration::zero(), suspicion.since + timeout - env_.now());
  const NodeId member = entry.info.id;
  suspicion.timer = env_.schedule_once(remaining, [this, member] { on_suspicion_timeout(member); });
}

void Membership::cancel_suspicion_timer(Entry& entry) {
  if (!entry.suspicion) return;
  env_.cancel_timer(entry.suspicion->timer);
  entry.suspicion->timer = {};
}

void Membership::on_suspicion_timeout(NodeId member) {
  Entry* entry = find(member);
  if (entry == nullptr || entry->info.state != MemberState::kSuspect) return;
  // A member that left judges nobody: it no longer probes, nor tells its suspects, so it would
  // not hear them refute (with scoped suspicions nobody else relays the refutation to it).
  if (left_) return;
  entry->suspicion->timer = {};
  env_.metrics().add_counter("spore_members_declared_dead_total", 1);
  apply(MemberUpdate{member, entry->info.incarnation, MemberState::kDead, self_.id});
}

void Membership::set_state(Entry& entry, MemberState state, std::uint64_t incarnation,
                           NodeId reporter) {
  MYCELIUM_ASSERT(state != MemberState::kSuspect);  // suspect() starts suspicions
  cancel_suspicion_timer(entry);
  entry.suspicion.reset();
  const bool changed = entry.info.state != state;
  change_state(entry, state);
  entry.info.incarnation = incarnation;
  entry.reporter = reporter;
  if (changed) entry.info.state_since = env_.now();
  gossip(MemberUpdate{entry.info.id, incarnation, state, reporter});
  if (changed && hooks_.member_changed) hooks_.member_changed(entry.info);
}

void Membership::leave() {
  if (left_) return;
  left_ = true;
  self_.incarnation += 1;
  self_.state = MemberState::kLeft;
  gossip(MemberUpdate{self_.id, self_.incarnation, MemberState::kLeft, self_.id});
  env_.cancel_timer(probe_timer_);
  env_.cancel_timer(notes_timer_);
  notes_timer_ = {};
  for (Entry& entry : entries_)  // and its suspicions die with its membership
    cancel_suspicion_timer(entry);
  // Tell a few members directly: gossip alone would wait for their probes of us.
  for (const NodeId member : random_members(config_.indirect_checks, self_.id, self_.id))
    push_pull(member, true);
}

// --- gossip -----------------------------------------------------------------------------------

void Membership::gossip(const MemberUpdate& update) {
  gossip_.push(update.member, update);
  gossip_waiting();
}

std::uint32_t Membership::retransmit_limit() const {
  const double n = static_cast<double>(network_size());
  return config_.retransmit_multiplier *
         static_cast<std::uint32_t>(std::max(1.0, std::ceil(std::log10(n + 1.0))));
}

std::vector<MemberUpdate> Membership::take_gossip(std::size_t budget_bytes) {
  return gossip_.take(budget_bytes, retransmit_limit(), hooks_.update_bytes);
}

void Membership::send(NodeId to, SporeMessage message, Piggybacking piggyback) {
  if (piggyback == Piggybacking::kNo) {
    hooks_.send(to, std::move(message), piggyback);
    return;
  }
  const std::size_t base = hooks_.message_bytes(message);
  const std::size_t budget =
      config_.max_message_bytes > base ? config_.max_message_bytes - base : 0;
  std::visit(
      [this, budget](auto& body) {
        using Body = std::decay_t<decltype(body)>;
        if constexpr (!std::is_same_v<Body, Nack> && !std::is_same_v<Body, PushPull>) {
          std::size_t used = 0;
          for (const MemberUpdate& update : body.gossip.members)
            used += hooks_.update_bytes(update);
          const std::vector<MemberUpdate> more = take_gossip(budget > used ? budget - used : 0);
          body.gossip.members.insert(body.gossip.members.end(), more.begin(), more.end());
        }
      },
      message);
  hooks_.send(to, std::move(message), piggyback);
}

// --- queries ----------------------------------------------------------------------------------

std::vector<MemberInfo> Membership::members() const {
  std::vector<MemberInfo> all;
  all.reserve(entries_.size() + 1);
  all.push_back(self_);
  for (const Entry& entry : entries_)
    all.push_back(entry.info);
  return all;
}

std::optional<MemberInfo> Membership::member(NodeId id) const {
  if (id == self_.id) return self_;
  const std::optional<std::uint32_t> index = entry_of_.find(id);
  if (!index) return std::nullopt;
  return entries_[*index].info;
}

std::size_t Membership::suspicion_confirmations(NodeId member) const {
  const std::optional<std::uint32_t> index = entry_of_.find(member);
  if (!index) return 0;
  const Entry& entry = entries_[*index];
  return entry.suspicion ? entry.suspicion->confirmations.size() : 0;
}

std::optional<MemberInfo> Membership::news(NodeId id) const {
  if (std::optional<MemberInfo> info = member(id)) return info;
  const auto it = rumors_.find(id);
  if (it == rumors_.end()) return std::nullopt;
  return it->second.info;
}

std::size_t Membership::network_size() const {
  return partial_view() ? std::max(live_count(), config_.expected_members) : live_count();
}

std::size_t Membership::live_count() const {
  return (left_ ? 0 : 1) + entries_.size() - gone_count_;
}

}  // namespace mycelium::spore
