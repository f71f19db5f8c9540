#pragma once
// The distribution scenario (kind DistributionScenario, docs/scenarios.md): one sweep per
// distribution strategy of the EndomyceteService (issue 8, item 5; docs/distribution.md), each
// run writing its figures into the results file (docs/results.md). Any part may be left out:
//  * sharding (custom-sharding): shard placement over N nodes by consistent hashing with
//    virtual nodes or jump hash: balance (std-dev / mean of shards per node), the fraction moved
//    by one join and one leave against the ideal, and how long a gradual rebalance of the join
//    takes at its rate limit (placement only: no network);
//  * lease (master-slave): master selection by lease in SimGrid over two zones, the smaller cut
//    off for a while and the master crashed: never two masters at once or per term (counted),
//    the time without a master after the crash;
//  * dht (peer-to-peer): Kademlia lookups in SimGrid from a small bootstrap, some nodes crashed
//    unseen: the fraction of lookups that found exactly the k closest live nodes, queries and
//    time per lookup;
//  * event log (event-sourcing): producers append to partitions owned by other nodes, under
//    datagram loss; subscribers must see each partition in offset order, each event once:
//    order violations and duplicates (counted; the guarantee says 0), events delivered, and
//    the append-to-delivery latency.
// Every point x seed is one run; run_distribution gives the results file's run.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <analysis/results/results.hpp>
#include <core/distribution/shard_placement.hpp>
#include <core/env/time.hpp>
#include <core/manifest/endomycete_service.hpp>

namespace mycelium::sim {

// One way to place shards: a ring with `points` virtual nodes per node, or jump hash.
struct ShardingMethod {
  distribution::ShardPlacementKind kind = distribution::ShardPlacementKind::kRing;
  std::uint32_t points = 256;  // ring only
};

struct ShardingSweep {
  std::vector<std::uint32_t> nodes;  // N before the join and the leave
  std::uint32_t shards = 65536;
  std::vector<ShardingMethod> methods;
  // The gradual rebalance after the join: at most moves_per_step moves every step_interval.
  std::uint32_t moves_per_step = 64;
  Duration step_interval = std::chrono::seconds(1);
};

struct LeaseSweep {
  std::vector<std::uint32_t> nodes;  // members, each count at least 2
  Duration duration = std::chrono::seconds(40);
  Duration rtt = std::chrono::milliseconds(1);  // within a zone; 10x between the zones
  std::vector<double> losses{0.0};              // datagram loss probability
  // The smaller zone (nodes / 2 members) cut off from the larger over [cut_at, heal_at).
  std::optional<Duration> cut_at;
  std::optional<Duration> heal_at;
  std::optional<Duration> crash_master_at;  // the master of that moment is crashed
  Duration lease_duration = std::chrono::seconds(2);
  Duration sample_every = std::chrono::milliseconds(10);
};

struct DhtSweep {
  std::vector<std::uint32_t> nodes;
  std::uint32_t bucket_size = 8;  // k
  std::uint32_t parallelism = 3;  // alpha
  std::uint32_t bootstrap = 3;    // peers each node starts from
  std::uint32_t lookups = 100;
  std::vector<double> crashed_fractions{0.0};  // crashed after the network formed, unseen
  Duration rtt = std::chrono::milliseconds(1);
};

struct EventLogSweep {
  std::uint32_t owners = 4;  // nodes owning the partitions (round robin)
  std::uint32_t producers = 3;
  std::uint32_t subscribers = 2;
  std::uint32_t partitions = 8;
  manifest::LogPartitioning partitioning = manifest::LogPartitioning::kByAggregate;
  std::uint32_t aggregates = 100;                  // by-aggregate: keys the events belong to
  Duration time_window = std::chrono::seconds(1);  // by-time: one partition per window
  std::uint32_t events_per_producer = 1000;
  Duration append_every = std::chrono::milliseconds(10);  // per producer
  std::vector<double> losses{0.0};
  Duration rtt = std::chrono::milliseconds(1);
  Duration drain = std::chrono::seconds(10);  // after the last append, to deliver everything
};

struct DistributionScenario {
  std::string name;
  std::vector<std::uint64_t> seeds;
  std::optional<ShardingSweep> sharding;
  std::optional<LeaseSweep> lease;
  std::optional<DhtSweep> dht;
  std::optional<EventLogSweep> event_log;
};

enum class DistributionPart { kSharding, kLease, kDht, kEventLog };

struct DistributionRunSpec {
  std::string name;  // unique in the scenario
  DistributionPart part = DistributionPart::kSharding;
  std::uint32_t nodes = 0;      // sharding, lease, dht
  std::size_t method = 0;       // sharding: index in methods
  double loss = 0;              // lease, event log
  double crashed_fraction = 0;  // dht
  std::uint64_t seed = 0;
};

// Sharding points first (nodes, method, seed), then lease (nodes, loss, seed), dht (nodes,
// crashed fraction, seed), event log (loss, seed).
std::vector<DistributionRunSpec> expand_sweep(const DistributionScenario& scenario);

std::string_view distribution_part_name(DistributionPart part);  // "sharding", "event-log"...
std::string sharding_method_name(const ShardingMethod& method);  // "ring-256", "jump"

analysis::RunResult run_distribution(const DistributionScenario& scenario,
                                     const DistributionRunSpec& run);

}  // namespace mycelium::sim
