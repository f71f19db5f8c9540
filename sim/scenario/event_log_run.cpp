// A DistributionScenario's event-log run (event sourcing) in SimGrid: `producers` nodes each
// append events_per_producer events, one every append_every, to partitions (partition_of) owned
// round robin by `owners` nodes, which publish them to `subscribers` nodes, all under datagram
// loss. Checked at every subscriber: each partition's events in offset order with no gap (order
// violations), each event once (duplicates), each producer's events of a partition in the order
// it appended them (producer order violations); the guarantee says all three stay 0. Measured:
// the fraction delivered by the end, and the time from append to delivery.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <core/distribution/event_log.hpp>
#include <core/env/random_stream.hpp>
#include <sim/env/simulation.hpp>
#include <sim/scenario/distribution_runs.hpp>
#include <sim/scenario/percentile.hpp>
#include <sim/scenario/units.hpp>

namespace mycelium::sim {

namespace {

constexpr double kNicBytesPerS = 1.25e9;
constexpr Duration kSampleEvery = std::chrono::milliseconds(100);

// What one subscriber has seen, and what it found wrong.
struct SubscriberCheck {
  std::vector<std::uint64_t> next_offset;                                          // per partition
  std::unordered_set<std::uint64_t> seen;                                          // event ids
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> last_sequence;  // (producer,
                                                                                   // partition)
  std::uint64_t order_violations = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t producer_order_violations = 0;
};

}  // namespace

void run_event_log(const EventLogSweep& sweep, const DistributionRunSpec& run,
                   analysis::RunResult& result) {
  const std::uint32_t owners = sweep.owners;
  const std::uint32_t first_producer = owners;
  const std::uint32_t first_subscriber = owners + sweep.producers;
  const std::uint32_t n = first_subscriber + sweep.subscribers;
  PlatformSpec platform = uniform_platform(1, n, kNicBytesPerS);
  platform.intra_zone = LinkProfile{to_seconds(sweep.rtt) / 2, kNicBytesPerS};
  Simulation simulation(platform, run.seed, NetworkModel::kDatagram);
  simulation.set_message_loss(run.loss);
  RandomStream random = RandomStream::derive(run.seed, NodeId{0}, "scenario.event-log");

  distribution::EventLogConfig config;
  config.partitions = sweep.partitions;
  config.owner_of = [owners](std::uint32_t partition) { return NodeId{partition % owners}; };
  for (std::uint32_t s = 0; s < sweep.subscribers; ++s)
    config.subscribers.push_back(NodeId{first_subscriber + s});

  std::unordered_map<std::uint64_t, TimePoint> appended_at;  // event id -> append time
  std::vector<double> latencies_ms;
  std::vector<SubscriberCheck> checks(sweep.subscribers);
  std::uint64_t delivered = 0;

  std::vector<std::unique_ptr<distribution::EventLogOwner>> owner_nodes;
  for (std::uint32_t o = 0; o < owners; ++o)
    owner_nodes.push_back(
        std::make_unique<distribution::EventLogOwner>(simulation.node(NodeId{o}), config));
  std::vector<std::unique_ptr<distribution::EventLogProducer>> producers;
  for (std::uint32_t p = 0; p < sweep.producers; ++p)
    producers.push_back(std::make_unique<distribution::EventLogProducer>(
        simulation.node(NodeId{first_producer + p}), config));
  std::vector<std::unique_ptr<distribution::EventLogSubscriber>> subscribers;
  for (std::uint32_t s = 0; s < sweep.subscribers; ++s) {
    checks[s].next_offset.assign(sweep.partitions, 0);
    subscribers.push_back(std::make_unique<distribution::EventLogSubscriber>(
        simulation.node(NodeId{first_subscriber + s}), config,
        [&, &check = checks[s]](const distribution::LoggedEvent& event) {
          if (event.offset != check.next_offset[event.partition]) ++check.order_violations;
          check.next_offset[event.partition] = event.offset + 1;
          if (!check.seen.insert(event.event_id).second) {
            ++check.duplicates;
            return;
          }
          const auto key = std::make_pair(event.producer.value, event.partition);
          const auto last = check.last_sequence.find(key);
          if (last != check.last_sequence.end() && event.sequence <= last->second)
            ++check.producer_order_violations;
          check.last_sequence[key] = event.sequence;
          ++delivered;
          latencies_ms.push_back(to_seconds(simulation.now() - appended_at.at(event.event_id)) *
                                 1000.0);
        }));
  }

  std::vector<std::uint32_t> appended(sweep.producers, 0);
  std::uint64_t refused = 0;
  std::uint64_t total_appended = 0;
  const std::uint64_t total_events =
      static_cast<std::uint64_t>(sweep.producers) * sweep.events_per_producer;
  std::vector<double> appended_series;
  std::vector<double> delivered_series;
  TimePoint next_sample{};
  const auto sample = [&] {
    if (simulation.now() < next_sample) return;
    result.time_s.push_back(to_seconds(simulation.now()));
    appended_series.push_back(static_cast<double>(total_appended));
    delivered_series.push_back(static_cast<double>(delivered));
    next_sample = simulation.now() + kSampleEvery;
  };
  // Bounded: each step appends at least one event unless every producer is full, and a full
  // producer drains within its retries; the step count is capped anyway.
  const std::uint64_t max_steps = 4 * total_events + 1000;
  for (std::uint64_t step = 0; total_appended < total_events && step < max_steps; ++step) {
    for (std::uint32_t p = 0; p < sweep.producers; ++p) {
      if (appended[p] == sweep.events_per_producer) continue;
      const std::uint64_t event_id =
          static_cast<std::uint64_t>(p) * sweep.events_per_producer + appended[p] + 1;
      const std::string aggregate =
          "aggregate-" + std::to_string(random.uniform_int(0, sweep.aggregates - 1));
      const std::uint32_t partition =
          distribution::partition_of(sweep.partitioning, aggregate, event_id, simulation.now(),
                                     sweep.partitions, sweep.time_window);
      if (!producers[p]->append(partition, event_id)) {
        ++refused;  // too many unacknowledged: again at the next step
        continue;
      }
      appended_at.emplace(event_id, simulation.now());
      ++appended[p];
      ++total_appended;
    }
    sample();
    simulation.run_for(sweep.append_every);
  }
  const double last_append_s = to_seconds(simulation.now());
  result.events.emplace_back("last_append", last_append_s);
  const TimePoint drain_end = simulation.now() + sweep.drain;
  while (simulation.now() < drain_end) {
    simulation.run_until(std::min(drain_end, simulation.now() + kSampleEvery));
    sample();
  }

  SubscriberCheck total;
  for (const SubscriberCheck& check : checks) {
    total.order_violations += check.order_violations;
    total.duplicates += check.duplicates;
    total.producer_order_violations += check.producer_order_violations;
  }
  std::size_t logged = 0;
  for (std::uint32_t partition = 0; partition < sweep.partitions; ++partition)
    logged += owner_nodes[partition % owners]->log(partition).size();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  result.series.push_back({"events_appended", "1", std::move(appended_series)});
  result.series.push_back({"events_delivered", "1", std::move(delivered_series)});
  const double expected = static_cast<double>(total_appended) * sweep.subscribers;
  result.summary = {
      {"loss", run.loss},
      {"partitions", static_cast<double>(sweep.partitions)},
      {"events_appended", static_cast<double>(total_appended)},
      {"appends_refused", static_cast<double>(refused)},
      {"events_logged", static_cast<double>(logged)},
      {"delivered_fraction",
       expected == 0 ? kNotApplicable : static_cast<double>(delivered) / expected},
      {"order_violations", static_cast<double>(total.order_violations)},
      {"duplicates", static_cast<double>(total.duplicates)},
      {"producer_order_violations", static_cast<double>(total.producer_order_violations)},
      {"delivery_latency_p50_ms", percentile_of_sorted(latencies_ms, 0.50)},
      {"delivery_latency_p99_ms", percentile_of_sorted(latencies_ms, 0.99)},
      {"delivery_latency_max_ms", latencies_ms.empty() ? kNotApplicable : latencies_ms.back()},
  };
}

}  // namespace mycelium::sim
