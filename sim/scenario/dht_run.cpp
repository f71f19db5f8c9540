// A DistributionScenario's dht run: Kademlia discovery (peer-to-peer) in SimGrid. Nodes join one
// after another, each from `bootstrap` earlier nodes (what its Service Spores reported); once the
// network has formed, a fraction of the nodes crash unseen; then lookups for random keys start
// from random live nodes, one every 10 ms. Measured: the fraction that found exactly the k live
// nodes closest to the key (by brute force), queries and time per lookup.
#include <algorithm>
#include <cmath>
#include <memory>
#include <set>

#include <core/distribution/dht.hpp>
#include <core/env/random_stream.hpp>
#include <sim/env/simulation.hpp>
#include <sim/scenario/distribution_runs.hpp>
#include <sim/scenario/percentile.hpp>
#include <sim/scenario/units.hpp>

namespace mycelium::sim {

namespace {

constexpr double kNicBytesPerS = 1.25e9;
constexpr Duration kJoinEvery = std::chrono::milliseconds(20);
constexpr Duration kSettle = std::chrono::seconds(5);  // after the last join
constexpr Duration kLookupEvery = std::chrono::milliseconds(10);
constexpr Duration kLookupDeadline = std::chrono::seconds(30);  // after the last lookup starts

struct LookupRecord {
  distribution::DhtKey target = 0;
  TimePoint started;
  std::optional<TimePoint> done;
  std::vector<NodeId> found;
  std::size_t queries = 0;
};

}  // namespace

void run_dht(const DhtSweep& sweep, const DistributionRunSpec& run, analysis::RunResult& result) {
  const std::uint32_t n = run.nodes;
  PlatformSpec platform = uniform_platform(1, n, kNicBytesPerS);
  platform.intra_zone = LinkProfile{to_seconds(sweep.rtt) / 2, kNicBytesPerS};
  Simulation simulation(platform, run.seed, NetworkModel::kDatagram);
  RandomStream random = RandomStream::derive(run.seed, NodeId{0}, "scenario.dht");
  distribution::DhtConfig config;
  config.bucket_size = sweep.bucket_size;
  config.parallelism = sweep.parallelism;

  std::vector<std::unique_ptr<distribution::DhtNode>> nodes(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::vector<NodeId> bootstrap;
    for (std::uint32_t b = 0; b < sweep.bootstrap && i > 0; ++b)
      bootstrap.push_back(NodeId{static_cast<std::uint32_t>(random.uniform_int(0, i - 1))});
    nodes[i] = std::make_unique<distribution::DhtNode>(simulation.node(NodeId{i}), config,
                                                       std::move(bootstrap));
    simulation.run_for(kJoinEvery);
  }
  simulation.run_for(kSettle);
  double known_total = 0;
  for (const auto& node : nodes)
    known_total += static_cast<double>(node->known_nodes());
  const double formed_s = to_seconds(simulation.now());
  result.events.emplace_back("network_formed", formed_s);

  // The crashed nodes: a random subset, never every node.
  const auto crash_count = std::min<std::uint32_t>(
      n - 1, static_cast<std::uint32_t>(std::llround(run.crashed_fraction * n)));
  std::vector<std::uint32_t> order(n);
  for (std::uint32_t i = 0; i < n; ++i)
    order[i] = i;
  random.shuffle(std::span(order));
  std::set<std::uint32_t> crashed(order.begin(), order.begin() + crash_count);
  for (const std::uint32_t node : crashed) {
    nodes[node].reset();
    simulation.crash_node(NodeId{node});
  }
  std::vector<std::uint32_t> live;
  for (std::uint32_t i = 0; i < n; ++i)
    if (!crashed.contains(i)) live.push_back(i);

  std::vector<LookupRecord> lookups(sweep.lookups);
  std::size_t refused = 0;
  for (std::uint32_t l = 0; l < sweep.lookups; ++l) {
    LookupRecord& record = lookups[l];
    record.target = random.next_u64();
    record.started = simulation.now();
    const std::uint32_t from = live[random.uniform_int(0, live.size() - 1)];
    const bool started = nodes[from]->lookup(
        record.target,
        [&record, &simulation](const std::vector<NodeId>& closest, std::size_t queries) {
          record.done = simulation.now();
          record.found = closest;
          record.queries = queries;
        });
    if (!started) ++refused;
    simulation.run_for(kLookupEvery);
  }
  simulation.run_for(kLookupDeadline);

  // The truth: the k live nodes closest to each key.
  std::vector<NodeId> live_ids;
  for (const std::uint32_t i : live)
    live_ids.push_back(NodeId{i});
  std::size_t exact = 0;
  std::size_t finished = 0;
  std::vector<double> queries;
  std::vector<double> latencies_ms;
  for (const LookupRecord& record : lookups) {
    if (!record.done) continue;
    ++finished;
    std::vector<NodeId> truth = live_ids;
    const std::size_t k = std::min<std::size_t>(sweep.bucket_size, truth.size());
    std::partial_sort(truth.begin(), truth.begin() + static_cast<std::ptrdiff_t>(k), truth.end(),
                      [&record](NodeId a, NodeId b) {
                        return (distribution::dht_key_of(a) ^ record.target) <
                               (distribution::dht_key_of(b) ^ record.target);
                      });
    truth.resize(k);
    if (record.found == truth) ++exact;
    queries.push_back(static_cast<double>(record.queries));
    latencies_ms.push_back(to_seconds(*record.done - record.started) * 1000.0);
  }
  std::sort(queries.begin(), queries.end());
  std::sort(latencies_ms.begin(), latencies_ms.end());
  double queries_total = 0;
  for (const double q : queries)
    queries_total += q;
  const auto count = static_cast<double>(sweep.lookups);
  result.summary = {
      {"nodes", static_cast<double>(n)},
      {"crashed", static_cast<double>(crash_count)},
      {"known_nodes_mean", known_total / static_cast<double>(n)},
      {"lookups", count},
      {"lookups_refused", static_cast<double>(refused)},
      {"lookups_finished_fraction", static_cast<double>(finished) / count},
      {"exact_fraction", static_cast<double>(exact) / count},
      {"queries_mean",
       finished == 0 ? kNotApplicable : queries_total / static_cast<double>(finished)},
      {"queries_p99", percentile_of_sorted(queries, 0.99)},
      {"lookup_latency_p50_ms", percentile_of_sorted(latencies_ms, 0.50)},
      {"lookup_latency_p99_ms", percentile_of_sorted(latencies_ms, 0.99)},
      {"log2_nodes", std::log2(static_cast<double>(n))},
  };
}

}  // namespace mycelium::sim
