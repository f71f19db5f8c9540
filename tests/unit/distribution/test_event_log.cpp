// Event sourcing's log (core/distribution/event_log.hpp) on ManualNetwork with datagrams lost,
// reordered and duplicated: every subscriber gets each partition's events in offset order, each
// once, with no gap; offsets are dense; a producer's events of one aggregate keep its order.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <core/distribution/event_log.hpp>
#include <core/env/random_stream.hpp>
#include <tests/support/manual_environment.hpp>

using namespace mycelium;
using namespace mycelium::distribution;
using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t kPartitions = 4;
constexpr std::uint32_t kOwners = 2;     // nodes 0, 1: partition p is node p % 2's
constexpr std::size_t kProducers = 3;    // nodes 2, 3, 4
constexpr std::size_t kSubscribers = 2;  // nodes 5, 6
constexpr std::size_t kAggregates = 10;
constexpr std::uint64_t kEventsPerProducer = 120;

EventLogConfig log_config() {
  EventLogConfig config;
  config.partitions = kPartitions;
  config.owner_of = [](std::uint32_t partition) { return NodeId{partition % kOwners}; };
  for (std::size_t i = 0; i < kSubscribers; ++i)
    config.subscribers.push_back(NodeId{static_cast<std::uint32_t>(kOwners + kProducers + i)});
  config.retry_interval = 50ms;
  config.sync_interval = 200ms;
  config.max_early = 16;  // small, so that the bounds are exercised too
  return config;
}

struct Appended {
  std::uint64_t event_id = 0;
  std::string aggregate;
  std::uint32_t partition = 0;
};

struct LogRun {
  explicit LogRun(double loss, std::uint64_t seed)
      : network(kOwners + kProducers + kSubscribers, 2ms, seed), loss_random(seed * 7 + 1) {
    network.set_reordering(8ms, 0.2, seed);
    network.set_drop_filter([this, loss](const Message&) { return loss_random.bernoulli(loss); });
    for (std::size_t i = 0; i < kOwners; ++i)
      owners.push_back(std::make_unique<EventLogOwner>(network.node(i), log_config()));
    for (std::size_t i = 0; i < kProducers; ++i)
      producers.push_back(
          std::make_unique<EventLogProducer>(network.node(kOwners + i), log_config()));
    for (std::size_t i = 0; i < kSubscribers; ++i) {
      subscribers.push_back(std::make_unique<EventLogSubscriber>(
          network.node(kOwners + kProducers + i), log_config(),
          [this, i](const LoggedEvent& event) { received[i].push_back(event); }));
    }
  }

  // Each producer appends kEventsPerProducer events, one every 5 ms, to random aggregates.
  void produce() {
    RandomStream choose(99);
    for (std::uint64_t n = 0; n < kEventsPerProducer; ++n) {
      for (std::size_t p = 0; p < kProducers; ++p) {
        Appended event;
        event.event_id = (p + 1) * 1'000'000 + n;  // increasing per producer
        event.aggregate = "aggregate-" + std::to_string(choose.uniform_int(0, kAggregates - 1));
        event.partition = partition_of(manifest::LogPartitioning::kByAggregate, event.aggregate,
                                       event.event_id, network.now(), kPartitions, 1s);
        REQUIRE(producers[p]->append(event.partition, event.event_id));
        appended[p].push_back(event);
      }
      network.advance(5ms);
    }
    network.advance(10s);  // retries, fetches and syncs settle everything
  }

  testing::ManualNetwork network;
  RandomStream loss_random;
  std::vector<std::unique_ptr<EventLogOwner>> owners;
  std::vector<std::unique_ptr<EventLogProducer>> producers;
  std::vector<std::unique_ptr<EventLogSubscriber>> subscribers;
  std::map<std::size_t, std::vector<LoggedEvent>> received;
  std::map<std::size_t, std::vector<Appended>> appended;
};

void check_guarantees(LogRun& run) {
  std::size_t logged = 0;
  std::map<std::uint64_t, LoggedEvent> by_id;
  for (std::uint32_t partition = 0; partition < kPartitions; ++partition) {
    const auto log = run.owners[partition % kOwners]->log(partition);
    for (std::size_t offset = 0; offset < log.size(); ++offset) {
      REQUIRE(log[offset].offset == offset);                             // dense from 0
      REQUIRE(by_id.emplace(log[offset].event_id, log[offset]).second);  // once each
    }
    logged += log.size();
  }
  CHECK(logged == kProducers * kEventsPerProducer);
  // Every append is in its partition, and a producer's events of one aggregate are in its order.
  for (std::size_t p = 0; p < kProducers; ++p) {
    std::map<std::string, std::uint64_t> last_offset;
    for (const Appended& event : run.appended[p]) {
      REQUIRE(by_id.contains(event.event_id));
      const LoggedEvent& in_log = by_id.at(event.event_id);
      CHECK(in_log.partition == event.partition);
      if (last_offset.contains(event.aggregate))
        CHECK(in_log.offset > last_offset[event.aggregate]);
      last_offset[event.aggregate] = in_log.offset;
    }
    CHECK(run.producers[p]->in_flight() == 0);
  }
  // Every subscriber: each partition's events in offset order, each once, none missing.
  for (std::size_t s = 0; s < kSubscribers; ++s) {
    std::vector<std::uint64_t> next(kPartitions, 0);
    for (const LoggedEvent& event : run.received[s]) {
      REQUIRE(event.offset == next[event.partition]);
      REQUIRE(by_id.at(event.event_id).offset == event.offset);
      ++next[event.partition];
    }
    CHECK(run.received[s].size() == logged);
  }
}

}  // namespace

TEST_CASE("event log: per-partition order, each event once, over a reordering network",
          "[distribution]") {
  LogRun run(0.0, 1);
  run.produce();
  CHECK(run.network.duplicated() > 0);
  check_guarantees(run);
}

TEST_CASE("event log: the guarantees hold with 20 % of datagrams lost, for three seeds",
          "[distribution]") {
  for (const std::uint64_t seed : {2, 3, 4}) {
    LogRun run(0.2, seed);
    run.produce();
    CHECK(run.network.dropped() > 0);
    check_guarantees(run);
  }
}

TEST_CASE("event log: partitioning by aggregate, by hash and by time", "[distribution]") {
  using manifest::LogPartitioning;
  // By aggregate: one aggregate, one partition, whatever the event.
  const std::uint32_t first = partition_of(LogPartitioning::kByAggregate, "order-17", 1, {}, 8, 1s);
  for (std::uint64_t id = 2; id < 100; ++id)
    CHECK(partition_of(LogPartitioning::kByAggregate, "order-17", id, TimePoint(5s), 8, 1s) ==
          first);
  // By hash: events of one aggregate spread over every partition.
  std::set<std::uint32_t> seen;
  for (std::uint64_t id = 0; id < 200; ++id)
    seen.insert(partition_of(LogPartitioning::kByHash, "order-17", id, {}, 8, 1s));
  CHECK(seen.size() == 8);
  // By time: consecutive windows, round robin.
  CHECK(partition_of(LogPartitioning::kByTime, "x", 0, TimePoint(0s), 4, 10s) == 0);
  CHECK(partition_of(LogPartitioning::kByTime, "x", 0, TimePoint(25s), 4, 10s) == 2);
  CHECK(partition_of(LogPartitioning::kByTime, "x", 0, TimePoint(45s), 4, 10s) == 0);
}

TEST_CASE("event log: its codec reads back what it writes and refuses anything else",
          "[distribution]") {
  EventLogMessage message{EventLogMessageType::kEvent, 3, 17, 123456, 99, 42};
  const std::vector<std::uint8_t> bytes = encode(message);
  CHECK(decode_event_log_message(bytes) == message);
  std::vector<std::uint8_t> bad_type = bytes;
  bad_type[1] = 9;
  CHECK_FALSE(decode_event_log_message(bad_type));
  std::vector<std::uint8_t> longer = bytes;
  longer.push_back(0);
  CHECK_FALSE(decode_event_log_message(longer));
  CHECK_FALSE(decode_event_log_message(std::span(bytes).first(bytes.size() - 1)));
}
