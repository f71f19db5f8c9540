#include <algorithm>

#include <core/assert.hpp>
#include <core/distribution/lease_election.hpp>
#include <core/wire/byte_io.hpp>

namespace mycelium::distribution {

namespace {

constexpr std::uint8_t kVersion = 1;

}  // namespace

std::vector<std::uint8_t> encode(const LeaseMessage& message) {
  wire::ByteWriter writer;
  writer.u8(kVersion);
  writer.u8(static_cast<std::uint8_t>(message.type));
  writer.varint(message.term);
  writer.varint(message.attempt);
  if (message.type == LeaseMessageType::kRequest) writer.u8(message.holder ? 1 : 0);
  return writer.take();
}

std::optional<LeaseMessage> decode_lease_message(std::span<const std::uint8_t> bytes) {
  wire::ByteReader reader(bytes);
  const std::uint8_t version = reader.u8();
  const std::uint8_t type = reader.u8();
  LeaseMessage message;
  message.term = reader.varint();
  message.attempt = reader.varint();
  const bool request = type == static_cast<std::uint8_t>(LeaseMessageType::kRequest);
  const std::uint8_t holder = request ? reader.u8() : 0;
  if (!reader.ok() || !reader.at_end() || version != kVersion || holder > 1 || type < 1 ||
      type > 3) {
    return std::nullopt;
  }
  message.type = static_cast<LeaseMessageType>(type);
  message.holder = holder == 1;
  return message;
}

LeaseElection::LeaseElection(Environment& env, LeaseConfig config, OnChange on_change)
    : env_(env),
      config_(std::move(config)),
      on_change_(std::move(on_change)),
      replay_window_(std::max<std::size_t>(1, config_.members.size())),
      // As the spore's: above every number a previous life of this node sent, which the others'
      // replay windows would refuse.
      next_sequence_(
          spore::first_sequence(config_.first_sequence, env.now().time_since_epoch().count())) {
  MYCELIUM_ASSERT(!config_.members.empty());
  MYCELIUM_ASSERT(config_.authenticator != nullptr);
  MYCELIUM_ASSERT(config_.safety_margin >= Duration::zero() &&
                  config_.safety_margin < config_.lease_duration);
  MYCELIUM_ASSERT(config_.renew_interval > Duration::zero() &&
                  config_.renew_interval < config_.lease_duration - config_.safety_margin);
  MYCELIUM_ASSERT(config_.election_timeout > Duration::zero());
  last_heard_master_ = env_.now();
  election_wait_ = draw_election_wait();
  env_.bind(kLeasePort, [this](const Message& message) { on_message(message); });
  tick_timer_ = env_.schedule_periodic(config_.renew_interval / 4, [this] { on_tick(); });
}

LeaseElection::~LeaseElection() {
  env_.cancel_timer(tick_timer_);
  env_.unbind(kLeasePort);
}

bool LeaseElection::is_master() const {
  return lease_end_.has_value() && env_.now() < *lease_end_;
}

std::optional<NodeId> LeaseElection::backed_master() const {
  if (!promised_to_ || env_.now() >= bound_until_) return std::nullopt;
  return promised_to_;
}

void LeaseElection::send(NodeId to, const LeaseMessage& message) {
  const spore::SealedHeader header{spore::SealedProtocol::kLease, config_.network_id, env_.self(),
                                   next_sequence_++};
  send_payload(env_, to, kLeasePort, spore::seal(header, encode(message), *config_.authenticator));
}

void LeaseElection::on_message(const Message& message) {
  const spore::OpenedDatagram opened =
      spore::open_sealed(message.payload, spore::SealedProtocol::kLease, message.from,
                         config_.network_id, *config_.authenticator, replay_window_);
  if (opened.refusal != spore::SealedRefusal::kNone) {
    env_.metrics().add_counter("distribution_lease_messages_refused_total", 1);
    env_.metrics().add_counter("distribution_lease_messages_refused_" +
                                   std::string(spore::refusal_name(opened.refusal)) + "_total",
                               1);
    return;
  }
  const std::optional<LeaseMessage> decoded = decode_lease_message(opened.body);
  if (!decoded) {
    env_.metrics().add_counter("distribution_lease_messages_invalid_total", 1);
    return;
  }
  switch (decoded->type) {
    case LeaseMessageType::kRequest:
      on_request(message.from, decoded->term, decoded->attempt, decoded->holder);
      break;
    case LeaseMessageType::kGrant:
      on_grant(message.from, decoded->term, decoded->attempt);
      break;
    case LeaseMessageType::kRefuse:
      on_refuse(decoded->term);
      break;
  }
}

// A member waits until every grant it could have given has stopped binding (lease_duration), then
// a random part of election_timeout, so that one candidate usually asks before the others: with
// a shorter wait, candidates met members still bound by the last failed election and failed in
// turn (measured: no master for 10 s after a partition).
Duration LeaseElection::draw_election_wait() {
  return config_.lease_duration +
         Duration(static_cast<Duration::rep>(
             env_.random().uniform_real() * static_cast<double>(config_.election_timeout.count())));
}

bool LeaseElection::may_grant(NodeId candidate, std::uint64_t term) const {
  const bool bound_elsewhere =
      promised_to_ && *promised_to_ != candidate && env_.now() < bound_until_;
  if (bound_elsewhere) return false;
  if (term > promised_term_) return true;
  // A renewal of the same lease, or the term this node had promised itself and gave up.
  return term == promised_term_ && (!promised_to_ || promised_to_ == candidate);
}

void LeaseElection::on_request(NodeId from, std::uint64_t term, std::uint64_t attempt,
                               bool holder) {
  term_ = std::max(term_, term);
  if (from != env_.self() && candidate_ && !is_master() && (holder || term > my_term_)) {
    // A master is alive, or a newer election is on: give up this candidacy, and the binding to
    // itself it gave (its late grants are not counted: candidate_ is false, so no lease can come
    // of it). Kept, candidates that keep binding themselves split the votes: measured in SimGrid,
    // no master for 6 s after a crash.
    candidate_ = false;
    if (promised_to_ == env_.self()) {
      // The promise to itself is void too: this node will never be master of that term (its
      // candidacy is over and late grants are not counted), so the term may go to the master.
      // Kept, it refused the master's renewals of the same term for as long as that lasted: one
      // member fewer behind the lease, found by a test asking every member whom it backs.
      promised_to_.reset();
      bound_until_ = env_.now();
    }
  }
  if (holder && from != env_.self()) last_heard_master_ = env_.now();
  if (!may_grant(from, term)) {
    if (from != env_.self())
      send(from, LeaseMessage{LeaseMessageType::kRefuse, promised_term_, attempt, false});
    return;
  }
  promised_to_ = from;
  promised_term_ = term;
  bound_until_ = env_.now() + config_.lease_duration;
  if (from != env_.self()) last_heard_master_ = env_.now();
  send(from, LeaseMessage{LeaseMessageType::kGrant, term, attempt, false});
}

void LeaseElection::on_grant(NodeId from, std::uint64_t term, std::uint64_t attempt) {
  if (term != my_term_ || attempt != attempt_ || (!candidate_ && !lease_end_)) return;
  grants_.insert(from);
  if (grants_.size() < config_.members.size() / 2 + 1) return;
  const bool was_master = is_master();
  // Every grant counted was given after the request left: each granter is bound past this end.
  lease_end_ = attempt_sent_at_ + config_.lease_duration - config_.safety_margin;
  next_renewal_ = attempt_sent_at_ + config_.renew_interval;
  candidate_ = false;
  last_heard_master_ = env_.now();
  if (!was_master && is_master()) {
    env_.metrics().add_counter("distribution_lease_terms_won_total", 1);
    if (on_change_) on_change_(true, my_term_);
  }
}

void LeaseElection::on_refuse(std::uint64_t promised_term) {
  term_ = std::max(term_, promised_term);
  if (lease_end_ && promised_term > my_term_) rebid_ = true;
}

void LeaseElection::request_lease() {
  if (lease_end_ && rebid_) {
    // A member promised a higher term: bid above it, holding the current lease meanwhile.
    my_term_ = ++term_;
    rebid_ = false;
  }
  ++attempt_;
  attempt_sent_at_ = env_.now();
  grants_.clear();
  const bool holder = is_master();
  for (const NodeId member : config_.members) {
    if (member == env_.self()) continue;
    send(member, LeaseMessage{LeaseMessageType::kRequest, my_term_, attempt_, holder});
  }
  on_request(env_.self(), my_term_, attempt_, holder);  // its own grant, if it may
}

void LeaseElection::start_election() {
  term_ = std::max(term_, std::max(my_term_, promised_term_)) + 1;
  my_term_ = term_;
  candidate_ = true;
  lease_end_.reset();
  election_wait_ = draw_election_wait();
  env_.metrics().add_counter("distribution_lease_elections_started_total", 1);
  request_lease();
}

void LeaseElection::step_down() {
  lease_end_.reset();
  rebid_ = false;
  last_heard_master_ = env_.now();
  if (on_change_) on_change_(false, my_term_);
}

void LeaseElection::on_tick() {
  const TimePoint now = env_.now();
  if (lease_end_) {
    if (now >= *lease_end_) {
      step_down();
    } else if (now >= next_renewal_) {
      next_renewal_ = now + config_.renew_interval;
      request_lease();
    }
    return;
  }
  const TimePoint since = candidate_ ? attempt_sent_at_ : last_heard_master_;
  if (now - since > election_wait_) start_election();
}

}  // namespace mycelium::distribution
