#include <algorithm>

#include <core/assert.hpp>
#include <core/ssi/lockstep_client.hpp>

namespace mycelium::ssi {

LockstepClient::LockstepClient(Environment& env, LockstepClientConfig config, OnAnswer on_answer)
    : env_(env), config_(std::move(config)), on_answer_(std::move(on_answer)) {
  MYCELIUM_ASSERT(!config_.replicas.empty());
  MYCELIUM_ASSERT(config_.think_time >= Duration::zero());
  MYCELIUM_ASSERT(config_.retry_timeout > Duration::zero());
  env_.bind(kLockstepClientPort, [this](const Message& message) { on_message(message); });
}

LockstepClient::~LockstepClient() {
  env_.cancel_timer(retry_timer_);
  env_.cancel_timer(next_timer_);
  env_.unbind(kLockstepClientPort);
}

void LockstepClient::start() {
  MYCELIUM_ASSERT(!outstanding_ && !next_timer_.valid());
  next_timer_ = env_.schedule_once(Duration::zero(), [this] { submit_next(); });
}

void LockstepClient::submit_next() {
  next_timer_ = TimerId{};
  if (config_.max_inputs != 0 && answered_ >= config_.max_inputs) return;
  outstanding_ = LockstepInput{env_.self().value, next_seq_++, env_.random().next_u64()};
  submitted_at_ = env_.now();
  retries_ = 0;
  send_outstanding();
}

void LockstepClient::send_outstanding() {
  MYCELIUM_ASSERT(outstanding_);
  const std::vector<std::uint8_t> payload = encode(SubmitMessage{*outstanding_});
  for (const NodeId replica : config_.replicas) {
    send_payload(env_, replica, kLockstepPort, payload);
  }
  retry_timer_ = env_.schedule_once(config_.retry_timeout, [this] {
    retry_timer_ = TimerId{};
    ++retries_;
    env_.metrics().add_counter("ssi_lockstep_client_retries_total", 1);
    send_outstanding();
  });
}

void LockstepClient::on_message(const Message& message) {
  const std::optional<LockstepMessage> decoded = decode_lockstep(message.payload);
  const ReplyMessage* reply = decoded ? std::get_if<ReplyMessage>(&*decoded) : nullptr;
  const bool from_replica = std::find(config_.replicas.begin(), config_.replicas.end(),
                                      message.from) != config_.replicas.end();
  if (!reply || !from_replica) {
    env_.metrics().add_counter("ssi_lockstep_client_messages_invalid_total", 1);
    return;
  }
  if (!outstanding_ || reply->client_seq != outstanding_->client_seq) return;  // a late duplicate
  env_.cancel_timer(retry_timer_);
  retry_timer_ = TimerId{};
  const LockstepAnswer answer{outstanding_->client_seq, outstanding_->value, reply->step,
                              env_.now() - submitted_at_, retries_};
  outstanding_.reset();
  ++answered_;
  if (on_answer_) on_answer_(answer);
  next_timer_ = env_.schedule_once(config_.think_time, [this] { submit_next(); });
}

}  // namespace mycelium::ssi
