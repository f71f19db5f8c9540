#include <algorithm>

#include <core/assert.hpp>
#include <core/distribution/event_log.hpp>
#include <core/distribution/shard_placement.hpp>
#include <core/env/random_stream.hpp>
#include <core/fnv1a.hpp>
#include <core/wire/byte_io.hpp>

namespace mycelium::distribution {

namespace {

constexpr std::uint8_t kVersion = 1;

void send_message(Environment& env, NodeId to, const EventLogMessage& message) {
  send_payload(env, to, kEventLogPort, encode(message));
}

// Decodes `message` for a role, counting what is not a valid event-log message.
std::optional<EventLogMessage> decoded(Environment& env, const Message& message,
                                       std::uint32_t partitions) {
  std::optional<EventLogMessage> event = decode_event_log_message(message.payload);
  if (!event || event->partition >= partitions) {
    env.metrics().add_counter("distribution_event_log_messages_invalid_total", 1);
    return std::nullopt;
  }
  return event;
}

}  // namespace

std::uint32_t partition_of(manifest::LogPartitioning how, std::string_view aggregate,
                           std::uint64_t event_id, TimePoint at, std::uint32_t partitions,
                           Duration time_window) {
  MYCELIUM_ASSERT(partitions >= 1);
  switch (how) {
    case manifest::LogPartitioning::kByAggregate:
      return jump_consistent_hash(fnv1a_64(aggregate), partitions);
    case manifest::LogPartitioning::kByHash: {
      std::uint64_t state = event_id;  // mixed: consecutive ids spread over the partitions
      return jump_consistent_hash(splitmix64(state), partitions);
    }
    case manifest::LogPartitioning::kByTime:
      MYCELIUM_ASSERT(time_window > Duration::zero() && at >= TimePoint{});
      return static_cast<std::uint32_t>(
          static_cast<std::uint64_t>(at.time_since_epoch() / time_window) % partitions);
  }
  MYCELIUM_ASSERT(false);
  return 0;
}

std::vector<std::uint8_t> encode(const EventLogMessage& message) {
  wire::ByteWriter writer;
  writer.u8(kVersion);
  writer.u8(static_cast<std::uint8_t>(message.type));
  writer.varint(message.partition);
  writer.varint(message.sequence);
  writer.varint(message.offset);
  writer.varint(message.event_id);
  writer.varint(message.producer);
  return writer.take();
}

std::optional<EventLogMessage> decode_event_log_message(std::span<const std::uint8_t> bytes) {
  wire::ByteReader reader(bytes);
  const std::uint8_t version = reader.u8();
  const std::uint8_t type = reader.u8();
  const std::uint64_t partition = reader.varint();
  EventLogMessage message;
  message.sequence = reader.varint();
  message.offset = reader.varint();
  message.event_id = reader.varint();
  const std::uint64_t producer = reader.varint();
  if (!reader.ok() || !reader.at_end() || version != kVersion || type < 1 || type > 4 ||
      partition > UINT32_MAX || producer >= NodeId::kInvalidValue) {
    return std::nullopt;
  }
  message.type = static_cast<EventLogMessageType>(type);
  message.partition = static_cast<std::uint32_t>(partition);
  message.producer = static_cast<std::uint32_t>(producer);
  return message;
}

// --- owner --------------------------------------------------------------------------------------

EventLogOwner::EventLogOwner(Environment& env, EventLogConfig config)
    : env_(env), config_(std::move(config)), logs_(config_.partitions) {
  MYCELIUM_ASSERT(config_.partitions >= 1 && config_.owner_of);
  env_.bind(kEventLogPort, [this](const Message& message) { on_message(message); });
}

EventLogOwner::~EventLogOwner() {
  env_.unbind(kEventLogPort);
}

std::span<const LoggedEvent> EventLogOwner::log(std::uint32_t partition) const {
  return logs_.at(partition);
}

void EventLogOwner::on_message(const Message& message) {
  const std::optional<EventLogMessage> event = decoded(env_, message, config_.partitions);
  if (!event) return;
  if (config_.owner_of(event->partition) != env_.self()) {
    env_.metrics().add_counter("distribution_event_log_misrouted_total", 1);
    return;
  }
  if (event->type == EventLogMessageType::kAppend) on_append(message.from, *event);
  if (event->type == EventLogMessageType::kFetch) on_fetch(message.from, *event);
}

void EventLogOwner::on_append(NodeId producer, const EventLogMessage& append) {
  Stream& stream = streams_[{append.partition, producer}];
  std::vector<LoggedEvent>& log = logs_[append.partition];
  if (append.sequence < stream.next_sequence) {  // a copy of one appended: acknowledge again
    const auto done = stream.offsets.find(append.sequence);
    if (done != stream.offsets.end())
      acknowledge(producer, append.partition, append.sequence, done->second);
    return;
  }
  if (append.sequence > stream.next_sequence) {  // early: wait for the ones before it
    if (stream.early.size() < config_.max_early)
      stream.early.emplace(append.sequence, append.event_id);
    return;  // beyond the bound: the producer sends it again
  }
  // Its turn, then every early one whose turn comes after it. Bounded by max_early + 1.
  std::optional<std::uint64_t> event_id = append.event_id;
  while (event_id) {
    if (log.size() >= config_.max_log_events) {
      env_.metrics().add_counter("distribution_event_log_full_total", 1);
      return;  // not appended: acknowledged never, so retried by the producer
    }
    const LoggedEvent event{append.partition, log.size(), *event_id, producer,
                            stream.next_sequence};
    log.push_back(event);
    stream.offsets.emplace(event.sequence, event.offset);
    acknowledge(producer, event.partition, event.sequence, event.offset);
    for (const NodeId subscriber : config_.subscribers)
      publish(event, subscriber);
    ++stream.next_sequence;
    event_id.reset();
    const auto next = stream.early.find(stream.next_sequence);
    if (next != stream.early.end()) {
      event_id = next->second;
      stream.early.erase(next);
    }
  }
  // Early appends below the next sequence are copies already appended.
  std::erase_if(stream.early,
                [&stream](const auto& entry) { return entry.first < stream.next_sequence; });
}

void EventLogOwner::on_fetch(NodeId subscriber, const EventLogMessage& fetch) {
  const std::vector<LoggedEvent>& log = logs_[fetch.partition];
  const std::uint64_t end =
      std::min<std::uint64_t>(log.size(), fetch.offset + config_.max_fetch_events);
  for (std::uint64_t offset = fetch.offset; offset < end; ++offset)
    publish(log[offset], subscriber);
}

void EventLogOwner::acknowledge(NodeId producer, std::uint32_t partition, std::uint64_t sequence,
                                std::uint64_t offset) {
  EventLogMessage ack;
  ack.type = EventLogMessageType::kAppended;
  ack.partition = partition;
  ack.sequence = sequence;
  ack.offset = offset;
  send_message(env_, producer, ack);
}

void EventLogOwner::publish(const LoggedEvent& event, NodeId to) {
  EventLogMessage out;
  out.type = EventLogMessageType::kEvent;
  out.partition = event.partition;
  out.offset = event.offset;
  out.event_id = event.event_id;
  out.producer = event.producer.value;
  out.sequence = event.sequence;
  send_message(env_, to, out);
}

// --- producer -----------------------------------------------------------------------------------

EventLogProducer::EventLogProducer(Environment& env, EventLogConfig config)
    : env_(env), config_(std::move(config)), next_sequence_(config_.partitions, 1) {
  MYCELIUM_ASSERT(config_.partitions >= 1 && config_.owner_of);
  MYCELIUM_ASSERT(config_.retry_interval > Duration::zero());
  env_.bind(kEventLogPort, [this](const Message& message) { on_message(message); });
  tick_timer_ = env_.schedule_periodic(config_.retry_interval, [this] { on_tick(); });
}

EventLogProducer::~EventLogProducer() {
  env_.cancel_timer(tick_timer_);
  env_.unbind(kEventLogPort);
}

bool EventLogProducer::append(std::uint32_t partition, std::uint64_t event_id) {
  MYCELIUM_ASSERT(partition < config_.partitions);
  if (unacked_.size() >= config_.max_in_flight) return false;
  const std::uint64_t sequence = next_sequence_[partition]++;
  unacked_.emplace(std::pair{partition, sequence}, Unacked{event_id, env_.now()});
  send_append(partition, sequence, event_id);
  return true;
}

void EventLogProducer::send_append(std::uint32_t partition, std::uint64_t sequence,
                                   std::uint64_t event_id) {
  EventLogMessage out;
  out.type = EventLogMessageType::kAppend;
  out.partition = partition;
  out.sequence = sequence;
  out.event_id = event_id;
  send_message(env_, config_.owner_of(partition), out);
}

void EventLogProducer::on_message(const Message& message) {
  const std::optional<EventLogMessage> ack = decoded(env_, message, config_.partitions);
  if (!ack || ack->type != EventLogMessageType::kAppended) return;
  if (message.from != config_.owner_of(ack->partition)) return;
  if (unacked_.erase({ack->partition, ack->sequence}) == 1) ++acknowledged_;
}

void EventLogProducer::on_tick() {
  const TimePoint now = env_.now();
  for (auto& [key, unacked] : unacked_) {
    if (now - unacked.sent_at < config_.retry_interval) continue;
    unacked.sent_at = now;
    env_.metrics().add_counter("distribution_event_log_append_retries_total", 1);
    send_append(key.first, key.second, unacked.event_id);
  }
}

// --- subscriber ---------------------------------------------------------------------------------

EventLogSubscriber::EventLogSubscriber(Environment& env, EventLogConfig config, OnEvent on_event)
    : env_(env),
      config_(std::move(config)),
      on_event_(std::move(on_event)),
      next_offset_(config_.partitions, 0),
      early_(config_.partitions),
      last_fetch_(config_.partitions, TimePoint::min()) {
  MYCELIUM_ASSERT(config_.partitions >= 1 && config_.owner_of && on_event_);
  env_.bind(kEventLogPort, [this](const Message& message) { on_message(message); });
  tick_timer_ = env_.schedule_periodic(config_.retry_interval, [this] { on_tick(); });
}

EventLogSubscriber::~EventLogSubscriber() {
  env_.cancel_timer(tick_timer_);
  env_.unbind(kEventLogPort);
}

void EventLogSubscriber::on_message(const Message& message) {
  const std::optional<EventLogMessage> event = decoded(env_, message, config_.partitions);
  if (!event || event->type != EventLogMessageType::kEvent) return;
  if (message.from != config_.owner_of(event->partition)) return;
  const std::uint32_t partition = event->partition;
  std::uint64_t& next = next_offset_[partition];
  if (event->offset < next) return;  // a copy of one delivered
  std::map<std::uint64_t, LoggedEvent>& early = early_[partition];
  const LoggedEvent logged{partition, event->offset, event->event_id, NodeId{event->producer},
                           event->sequence};
  if (event->offset > next) {
    if (early.size() < config_.max_early) early.emplace(logged.offset, logged);
    fetch_missing(partition);
    return;
  }
  on_event_(logged);
  ++next;
  // Bounded by max_early: each turn delivers and removes one held event.
  for (auto held = early.find(next); held != early.end(); held = early.find(next)) {
    on_event_(held->second);
    early.erase(held);
    ++next;
  }
  early.erase(early.begin(), early.lower_bound(next));
}

void EventLogSubscriber::fetch_missing(std::uint32_t partition) {
  const TimePoint now = env_.now();
  if (last_fetch_[partition] != TimePoint::min() &&
      now - last_fetch_[partition] < config_.retry_interval)
    return;
  last_fetch_[partition] = now;
  EventLogMessage fetch;
  fetch.type = EventLogMessageType::kFetch;
  fetch.partition = partition;
  fetch.offset = next_offset_[partition];
  env_.metrics().add_counter("distribution_event_log_fetches_total", 1);
  send_message(env_, config_.owner_of(partition), fetch);
}

void EventLogSubscriber::on_tick() {
  // A gap not filled yet (its events and the fetch lost too) is asked for again; and every
  // sync_interval each partition is asked from its next offset anyway: a lost last event leaves
  // no later one to show the gap.
  const TimePoint now = env_.now();
  for (std::uint32_t partition = 0; partition < config_.partitions; ++partition) {
    if (!early_[partition].empty() || last_fetch_[partition] == TimePoint::min() ||
        now - last_fetch_[partition] >= config_.sync_interval) {
      fetch_missing(partition);
    }
  }
}

}  // namespace mycelium::distribution
