#pragma once
// A replication scenario: what users write in scenarios/*.yaml (docs/scenarios.md), resolved into
// plain data. A scenario is a sweep: every network x workload x configuration x seed is one run.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <core/env/time.hpp>
#include <core/manifest/endophyte_vm.hpp>
#include <sim/env/platform_spec.hpp>
#include <sim/workload/workload_spec.hpp>

namespace mycelium::sim {

struct NetworkSpec {
  std::string name;
  LinkProfile link;                  // between the primary's site and the backups' site
  double nic_bandwidth_bytes_per_s;  // every node's network interface
};

struct NamedWorkload {
  std::string name;
  WorkloadSpec spec;
};

struct ReplicationConfiguration {
  std::string name;
  manifest::DistributedRamConfig ram;
  // targetCount connections per backup and how epochs are split across them.
  manifest::RhizomorphConfig rhizomorph;
  // How many backups, chosen from the scenario's candidates by which criterion.
  manifest::BackupStrategy backup_strategy;
  // Measure the RTT to the chosen backups and apply the LAN / medium / WAN profile's settings
  // (core/placement/latency_profile.hpp) over `ram` before replication starts.
  bool auto_latency_profile = false;
};

// Nodes that may host backups, in one zone (failure domain) away from the primary's site.
struct CandidateSite {
  std::string zone;
  std::uint32_t count = 1;
  // The link between the primary's site and this zone; the network's link when not set.
  std::optional<double> latency_s;
  std::optional<double> bandwidth_bytes_per_s;
  double load = 0.0;                             // what least-loaded selection ranks by
  std::uint64_t free_memory_bytes = 1ULL << 40;  // a backup needs the guest's memory
};

// Events injected at a time: a host crashing (the primary's or a backup's), the link between
// the primary's site and a zone going down for a while, or a planned migration of the guest to
// one of its backups (two-phase convergence).
enum class FaultKind { kCrashPrimary, kCrashBackup, kMigrate, kLinkDown, kLinkLatency };

struct FaultSpec {
  FaultKind kind = FaultKind::kCrashPrimary;
  Duration at{};
  std::uint32_t target_backup = 1;                          // kCrashBackup, kMigrate: 1-based
  Duration convergence_timeout = std::chrono::seconds(30);  // kMigrate
  std::string zone;                                         // kLinkDown, kLinkLatency
  Duration down_for{};                                      // kLinkDown
  Duration latency{};                                       // kLinkLatency: the new one-way
};

struct Scenario {
  std::string name;
  Duration duration{};
  Duration sample_interval = std::chrono::milliseconds(100);
  std::vector<std::uint64_t> seeds;
  std::uint32_t backup_count = 2;
  std::uint32_t connections_per_backup = 2;  // default of every configuration's targetCount
  // The backups declare the primary dead after this long without hearing from it.
  Duration failure_timeout = std::chrono::milliseconds(500);
  // How long they collect each other's claims before the most up-to-date one takes over.
  Duration election_window = std::chrono::milliseconds(200);
  // latencyProfile: auto: how often the primary's autopilot measures its backups again (as
  // myceliumd's 30 s by default).
  Duration profile_probe_period = std::chrono::seconds(30);
  std::vector<NetworkSpec> networks;
  std::vector<NamedWorkload> workloads;
  std::vector<ReplicationConfiguration> configurations;
  std::vector<FaultSpec> faults;
  // Empty: `backup_count` nodes in one site ("site-b"), all of them backups.
  std::vector<CandidateSite> candidates;
};

// One point of the sweep.
struct RunSpec {
  std::string name;  // "network/workload/configuration/seed-N", unique in the scenario
  const NetworkSpec* network = nullptr;
  const NamedWorkload* workload = nullptr;
  const ReplicationConfiguration* configuration = nullptr;
  std::uint64_t seed = 0;
};

// The cartesian product, in file order: networks, then workloads, configurations, seeds.
std::vector<RunSpec> expand_sweep(const Scenario& scenario);

}  // namespace mycelium::sim
