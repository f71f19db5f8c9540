#pragma once
// A Service Spore scale scenario (kind SporeScenario, docs/scenarios.md): N members gossiping
// membership and one service registration under packet loss, with a graceful leave, a crash and
// optionally a partition and churn at given times. A sweep: every members x packetLoss x seed
// is one run.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <core/env/time.hpp>
#include <core/spore/membership_config.hpp>
#include <sim/env/network_model.hpp>

namespace mycelium::sim {

enum class SporeProfile { kLan, kWan };

// Every inter-zone link down at `at`, back up `down_for` later.
struct SporePartition {
  Duration at{};
  Duration down_for{};
};

// Between `from` and `until`, three independent Poisson processes: random members crash, random
// members leave gracefully, and new members join (through the seed members).
struct SporeChurn {
  double crashes_per_second = 0.0;
  double joins_per_second = 0.0;
  double leaves_per_second = 0.0;
  Duration from{};
  std::optional<Duration> until;  // the end of the run when unset
};

// A fraction of the members are CPU-starved: each handles its datagrams and its one-shot timers
// `delay` late (the case Lifeguard's local health is for).
struct SporeSlowMembers {
  double fraction = 0.0;
  Duration delay{};
};

struct SporeScenario {
  std::string name;
  Duration duration{};
  Duration sample_interval = std::chrono::milliseconds(100);
  std::vector<std::uint64_t> seeds;
  std::vector<std::uint32_t> members;  // the sweep over N
  std::vector<double> packet_loss;     // the sweep over the loss probability of each datagram
  SporeProfile profile = SporeProfile::kLan;
  std::uint32_t members_per_zone = 1000;
  // Members 0 .. seed_members-1 are the seeds: everybody joins through them at t = 0...
  std::uint32_t seed_members = 3;
  // ... unless the run starts from a settled network: each member already knows view_members
  // random members (every member with full views), with no join traffic.
  bool settled_start = false;
  // 0: every member knows every other (a full member table); else partial views of this many
  // members (MembershipConfig::view_members, spore.md), which is what lets N grow past ~3000.
  std::uint32_t view_members = 0;
  // With partial views: suspicions stay with the suspect's holders (MembershipConfig::
  // scoped_suspicions); false relays them to every member, for comparison.
  bool scoped_suspicions = true;
  // With scoped suspicions: after this fraction of the shortest suspicion timeout, a suspecter
  // asks witnesses (MembershipConfig::witness_after_fraction); 0 asks none.
  double suspicion_witness_after = spore::MembershipConfig{}.witness_after_fraction;
  // Spore traffic is small datagrams: the datagram model by default (simulation.hpp).
  NetworkModel network_model = NetworkModel::kDatagram;
  // The datagram model only: each run is cut into this many partitions of whole zones (at most
  // one per zone), run side by side on as many threads (event_loop.hpp, "Partitions"). Results
  // depend on it (the order of same-instant events, the loss draws: a stream per partition),
  // and repeat for a given value.
  std::uint32_t threads = 1;
  // Member 1 registers one instance, member N-1 leaves, member N-2 crashes (spore_run.hpp).
  Duration register_at{};
  Duration leave_at{};
  Duration crash_at{};
  std::optional<SporePartition> partition;
  std::optional<SporeChurn> churn;
  std::optional<SporeSlowMembers> slow_members;
};

// One point of the sweep.
struct SporeRunSpec {
  std::string name;  // "members-<N>/loss-<p>/seed-<s>", unique in the scenario
  std::uint32_t members = 0;
  double packet_loss = 0.0;
  std::uint64_t seed = 0;
};

// The cartesian product, in file order: members, then packetLoss, then seeds.
std::vector<SporeRunSpec> expand_sweep(const SporeScenario& scenario);

// How a loss probability (or another fraction: a DistributionScenario's crashed share) is written
// in run names and labels: shortest round-trip decimal ("0", "0.1", "0.3").
std::string format_loss(double probability);

}  // namespace mycelium::sim
