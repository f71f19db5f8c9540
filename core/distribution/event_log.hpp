#pragma once
// Event sourcing's log (issue 8, item 5; docs/distribution.md): events partitioned by key, and an
// order guarantee per partition, over a network that loses, reorders and duplicates datagrams.
// Sans-IO.
//
//  * partition_of: by-aggregate (every event of one aggregate in one partition: jump hash of its
//    key), by-hash (events spread by their own id) or by-time (consecutive time windows go to
//    consecutive partitions, round robin).
//  * The owner of a partition (one node per partition, e.g. from ShardPlacement) gives each event
//    appended to it the partition's next offset: offsets are dense from 0, and every subscriber
//    sees a partition's events in offset order, each once, with no gap (the guarantee
//    `eventOrdering: per-partition` names). A producer's appends to one partition are numbered
//    (its stream sequence); the owner appends them in that order, whatever order they arrive in,
//    and once each however often they arrive: so a producer's events of one aggregate keep the
//    producer's order in the log.
//  * A producer resends what is not acknowledged after `retry_interval`; a subscriber that sees a
//    gap (an offset beyond the next it expects) asks the owner for the missing events from the
//    next one (Fetch), at most once per `retry_interval`, and holds what came early; it also asks
//    every `sync_interval` (the last events of a partition lost leave no later one to show it).
// Every queue is bounded: the owner's log (max_log_events per partition: appends beyond are
// refused, counted, and retried by the producer), early appends per producer stream and early
// events per subscriber partition (max_early: beyond, dropped and fetched again), the producer's
// unacknowledged appends (max_in_flight: append() returns false beyond).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <core/env/environment.hpp>
#include <core/manifest/endomycete_service.hpp>

namespace mycelium::distribution {

inline constexpr Port kEventLogPort{7330};

std::uint32_t partition_of(manifest::LogPartitioning how, std::string_view aggregate,
                           std::uint64_t event_id, TimePoint at, std::uint32_t partitions,
                           Duration time_window);

// The wire: u8 version (=1) | u8 type | varint partition | varint sequence | varint offset |
// varint event_id | varint producer. decode_event_log_message() returns nullopt for anything else.
enum class EventLogMessageType : std::uint8_t {
  kAppend = 1,    // producer -> owner: sequence (its stream's), event_id
  kAppended = 2,  // owner -> producer: sequence, offset
  kEvent = 3,     // owner -> subscriber: offset, event_id, producer, sequence
  kFetch = 4,     // subscriber -> owner: offset (the first one missing)
};
struct EventLogMessage {
  EventLogMessageType type = EventLogMessageType::kAppend;
  std::uint32_t partition = 0;
  std::uint64_t sequence = 0;
  std::uint64_t offset = 0;
  std::uint64_t event_id = 0;
  std::uint32_t producer = 0;  // a NodeId's value
  constexpr auto operator<=>(const EventLogMessage&) const = default;
};
std::vector<std::uint8_t> encode(const EventLogMessage& message);
std::optional<EventLogMessage> decode_event_log_message(std::span<const std::uint8_t> bytes);

// One event as the log holds it and subscribers receive it.
struct LoggedEvent {
  std::uint32_t partition = 0;
  std::uint64_t offset = 0;
  std::uint64_t event_id = 0;
  NodeId producer;
  std::uint64_t sequence = 0;  // in the producer's stream to this partition
};

struct EventLogConfig {
  std::uint32_t partitions = 1;
  std::function<NodeId(std::uint32_t partition)> owner_of;  // every role needs it
  std::vector<NodeId> subscribers;                          // the owner publishes to them
  Duration retry_interval = std::chrono::milliseconds(200);
  Duration sync_interval = std::chrono::seconds(1);  // subscribers ask for a partition's tail
  std::size_t max_log_events = 1 << 20;              // per partition
  std::size_t max_early = 1024;
  std::size_t max_in_flight = 4096;
  std::size_t max_fetch_events = 64;  // events sent per Fetch
};

// The owner of the partitions owner_of() maps to this node.
class EventLogOwner {
 public:
  EventLogOwner(Environment& env, EventLogConfig config);
  ~EventLogOwner();
  EventLogOwner(const EventLogOwner&) = delete;
  EventLogOwner& operator=(const EventLogOwner&) = delete;

  std::span<const LoggedEvent> log(std::uint32_t partition) const;

 private:
  struct Stream {                     // one producer's appends to one partition
    std::uint64_t next_sequence = 1;  // the next to append
    std::map<std::uint64_t, std::uint64_t>
        early;  // sequence -> event id, arrived before their turn
    std::map<std::uint64_t, std::uint64_t> offsets;  // sequence -> offset, for re-acknowledging
  };
  void on_message(const Message& message);
  void on_append(NodeId producer, const EventLogMessage& append);
  void on_fetch(NodeId subscriber, const EventLogMessage& fetch);
  void acknowledge(NodeId producer, std::uint32_t partition, std::uint64_t sequence,
                   std::uint64_t offset);
  void publish(const LoggedEvent& event, NodeId to);

  Environment& env_;
  EventLogConfig config_;
  std::vector<std::vector<LoggedEvent>> logs_;  // per partition (owned or not: empty if not)
  std::map<std::pair<std::uint32_t, NodeId>, Stream> streams_;
};

class EventLogProducer {
 public:
  EventLogProducer(Environment& env, EventLogConfig config);
  ~EventLogProducer();
  EventLogProducer(const EventLogProducer&) = delete;
  EventLogProducer& operator=(const EventLogProducer&) = delete;

  // Appends an event to `partition` (from partition_of); false when max_in_flight are unacked.
  bool append(std::uint32_t partition, std::uint64_t event_id);
  std::size_t in_flight() const { return unacked_.size(); }
  std::uint64_t acknowledged() const { return acknowledged_; }

 private:
  struct Unacked {
    std::uint64_t event_id = 0;
    TimePoint sent_at{};
  };
  void on_message(const Message& message);
  void send_append(std::uint32_t partition, std::uint64_t sequence, std::uint64_t event_id);
  void on_tick();

  Environment& env_;
  EventLogConfig config_;
  TimerId tick_timer_;
  std::vector<std::uint64_t> next_sequence_;                            // per partition
  std::map<std::pair<std::uint32_t, std::uint64_t>, Unacked> unacked_;  // (partition, sequence)
  std::uint64_t acknowledged_ = 0;
};

class EventLogSubscriber {
 public:
  using OnEvent = std::function<void(const LoggedEvent& event)>;

  EventLogSubscriber(Environment& env, EventLogConfig config, OnEvent on_event);
  ~EventLogSubscriber();
  EventLogSubscriber(const EventLogSubscriber&) = delete;
  EventLogSubscriber& operator=(const EventLogSubscriber&) = delete;

  std::uint64_t next_offset(std::uint32_t partition) const { return next_offset_.at(partition); }

 private:
  void on_message(const Message& message);
  void fetch_missing(std::uint32_t partition);
  void on_tick();

  Environment& env_;
  EventLogConfig config_;
  OnEvent on_event_;
  TimerId tick_timer_;
  std::vector<std::uint64_t> next_offset_;                   // per partition
  std::vector<std::map<std::uint64_t, LoggedEvent>> early_;  // per partition, by offset
  std::vector<TimePoint> last_fetch_;                        // per partition
};

}  // namespace mycelium::distribution
