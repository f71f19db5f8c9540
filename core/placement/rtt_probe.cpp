#include <algorithm>

#include <core/assert.hpp>
#include <core/placement/rtt_probe.hpp>
#include <core/wire/byte_io.hpp>

namespace mycelium::placement {

namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kPing = 1;
constexpr std::uint8_t kPong = 2;
constexpr std::uint32_t kMaxProbesPerTarget = 1000;

void send_to(Environment& env, NodeId to, Port port, const ProbeMessage& body) {
  send_payload(env, to, port, encode(body));
}

}  // namespace

std::vector<std::uint8_t> encode(const ProbeMessage& message) {
  MYCELIUM_ASSERT(message.sent_at >= kTimeZero);
  wire::ByteWriter writer;
  writer.u8(kVersion);
  writer.u8(message.pong ? kPong : kPing);
  writer.u32(message.sequence);
  writer.varint(static_cast<std::uint64_t>(message.sent_at.time_since_epoch().count()));
  return writer.take();
}

std::optional<ProbeMessage> decode_probe_message(std::span<const std::uint8_t> bytes) {
  wire::ByteReader reader(bytes);
  const std::uint8_t version = reader.u8();
  const std::uint8_t type = reader.u8();
  ProbeMessage message;
  message.sequence = reader.u32();
  const std::uint64_t sent_ns = reader.varint();
  if (!reader.ok() || !reader.at_end() || version != kVersion || (type != kPing && type != kPong) ||
      sent_ns > static_cast<std::uint64_t>(Duration::max().count())) {
    return std::nullopt;
  }
  message.pong = type == kPong;
  message.sent_at = TimePoint(Duration(static_cast<std::int64_t>(sent_ns)));
  return message;
}

RttResponder::RttResponder(Environment& env) : env_(env) {
  env_.bind(kRttProbePort, [this](const Message& message) {
    const std::optional<ProbeMessage> ping = decode_probe_message(message.payload);
    if (!ping || ping->pong) {
      env_.metrics().add_counter("rtt_probe_messages_unexpected_total", 1);
      return;
    }
    ProbeMessage pong = *ping;
    pong.pong = true;
    send_to(env_, message.from, kRttProbeReplyPort, pong);
  });
}

RttResponder::~RttResponder() {
  env_.unbind(kRttProbePort);
}

RttProbe::RttProbe(Environment& env, RttProbeConfig config, Done done)
    : env_(env), config_(std::move(config)), done_(std::move(done)) {
  MYCELIUM_ASSERT(config_.probes_per_target >= 1 &&
                  config_.probes_per_target <= kMaxProbesPerTarget);
  MYCELIUM_ASSERT(config_.probe_interval > Duration::zero());
  env_.bind(kRttProbeReplyPort, [this](const Message& message) { on_message(message); });
  for (NodeId target : config_.targets)
    answers_[target];
  // Round k leaves at k x interval; the last answers may take answer_timeout more.
  for (std::uint32_t round = 0; round < config_.probes_per_target; ++round) {
    timers_.push_back(env_.schedule_once(config_.probe_interval * round, [this] { send_round(); }));
  }
  timers_.push_back(env_.schedule_once(
      config_.probe_interval * (config_.probes_per_target - 1) + config_.answer_timeout,
      [this] { finish(); }));
}

RttProbe::~RttProbe() {
  for (TimerId timer : timers_)
    env_.cancel_timer(timer);
  env_.unbind(kRttProbeReplyPort);
}

void RttProbe::send_round() {
  const ProbeMessage ping{false, rounds_sent_++, env_.now()};
  for (NodeId target : config_.targets)
    send_to(env_, target, kRttProbePort, ping);
}

void RttProbe::on_message(const Message& message) {
  const std::optional<ProbeMessage> pong = decode_probe_message(message.payload);
  const auto target = answers_.find(message.from);
  if (finished_ || !pong || !pong->pong || target == answers_.end() ||
      pong->sequence >= rounds_sent_ || pong->sent_at > env_.now()) {
    env_.metrics().add_counter("rtt_probe_messages_unexpected_total", 1);
    return;
  }
  target->second.push_back(env_.now() - pong->sent_at);
  // Done early once every target answered every probe.
  for (const auto& [node, times] : answers_) {
    if (times.size() < config_.probes_per_target) return;
  }
  finish();
}

void RttProbe::finish() {
  if (finished_) return;
  finished_ = true;
  for (TimerId timer : timers_)
    env_.cancel_timer(timer);
  std::vector<RttMeasurement> measurements;
  for (NodeId target : config_.targets) {
    std::vector<Duration>& times = answers_[target];
    RttMeasurement measurement{target, std::nullopt, static_cast<std::uint32_t>(times.size())};
    if (!times.empty()) measurement.rtt = *std::min_element(times.begin(), times.end());
    measurements.push_back(measurement);
  }
  if (done_) done_(measurements);
}

}  // namespace mycelium::placement
