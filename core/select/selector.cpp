#include <algorithm>

#include <core/manifest/quantity.hpp>
#include <core/select/selector.hpp>

namespace mycelium::select {

namespace {

using manifest::Application;
using manifest::Architecture;
using manifest::ConsensusProtocol;
using manifest::CoordinationPattern;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr std::uint64_t kMiB = 1ULL << 20;
constexpr std::uint64_t kGiB = 1ULL << 30;
// A latency budget below this cannot absorb a throttling step: throttle early and gently.
constexpr nanoseconds kTightLatencyBudget = milliseconds(10);
// Below this, pin vCPUs and back guest RAM with huge pages to cut jitter.
constexpr nanoseconds kVeryTightLatencyBudget = milliseconds(1);
// A pod reschedule (detect, schedule, pull, start) rarely beats this.
constexpr nanoseconds kPodRestartTime = std::chrono::seconds(30);

std::string name_of(ConsensusProtocol consensus) {
  return std::string(manifest::kConsensusProtocolNames.name(consensus));
}

std::string bytes(std::uint64_t value) {
  return manifest::format_byte_quantity(value);
}
std::string duration(nanoseconds value) {
  return manifest::format_duration(value);
}

std::string plural(std::uint32_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

bool is_tight(const std::optional<nanoseconds>& budget, nanoseconds bound) {
  return budget && *budget < bound;
}

// --- Endomycete: natively distributed ---------------------------------------------------------

std::uint32_t default_replicas(ConsensusProtocol consensus) {
  switch (consensus) {
    case ConsensusProtocol::kPbft:
      return 4;  // 3f + 1 with f = 1
    default:
      return 3;  // smallest majority quorum that survives one failure
  }
}

manifest::Object endomycete_for(const Application& app, std::vector<std::string>& decisions) {
  manifest::EndomyceteService service;
  service.metadata.name = app.metadata.name;
  service.metadata.namespace_ = app.metadata.namespace_;
  service.metadata.labels = app.metadata.labels;

  const std::uint32_t replicas = app.replicas.value_or(default_replicas(app.consensus));
  if (app.replicas) {
    decisions.push_back(std::to_string(replicas) + " replicas, as the application asks.");
  } else {
    decisions.push_back(std::to_string(replicas) + " replicas: the smallest count with which " +
                        name_of(app.consensus) + " consensus survives one failed instance.");
  }
  const bool majority_quorum =
      app.consensus == ConsensusProtocol::kRaft || app.consensus == ConsensusProtocol::kPaxos;
  if (majority_quorum && replicas % 2 == 0) {
    // A majority quorum of n tolerates (n - 1) / 2 failures: n and n - 1 tolerate the same.
    decisions.push_back("Note: " + std::to_string(replicas) + " replicas with " +
                        name_of(app.consensus) + " tolerate " +
                        plural((replicas - 1) / 2, "failure") + ", as " +
                        std::to_string(replicas - 1) + " would; an odd count is cheaper.");
  }
  if (app.consensus == ConsensusProtocol::kPbft && replicas < 4) {
    decisions.push_back(
        "Note: pbft needs at least 4 replicas (3f + 1) to tolerate one faulty "
        "instance; " +
        std::to_string(replicas) + " tolerate none.");
  }

  manifest::DistributionStrategy& strategy = service.distribution_strategy;
  manifest::KubernetesDeployment deployment;
  deployment.replicas = replicas;
  const bool has_consensus = app.consensus != ConsensusProtocol::kNone;
  switch (app.coordination_pattern) {
    case CoordinationPattern::kSharding:
      strategy.type = manifest::DistributionType::kCustomSharding;
      strategy.shard_count = replicas;
      deployment.name = "shard-nodes";
      deployment.placement = manifest::Placement::kOnePerNode;
      decisions.push_back(
          "custom-sharding with one shard per replica, consistent hashing and "
          "gradual rebalancing; one shard per node so a node failure costs one "
          "shard.");
      break;
    case CoordinationPattern::kPeerToPeer:
      strategy.type = manifest::DistributionType::kPeerToPeer;
      strategy.discovery_mechanism = manifest::DiscoveryMechanism::kDht;
      strategy.consensus_protocol = app.consensus;
      deployment.name = "peer-nodes";
      deployment.placement =
          has_consensus ? manifest::Placement::kAntiAffinity : manifest::Placement::kDistributed;
      decisions.push_back("peer-to-peer with DHT discovery and " + name_of(app.consensus) +
                          " consensus.");
      break;
    case CoordinationPattern::kMasterReplica:
      strategy.type = manifest::DistributionType::kMasterSlave;
      strategy.master_selection = majority_quorum ? manifest::MasterSelection::kElection
                                                  : manifest::MasterSelection::kLowestOrdinal;
      if (app.rpo && *app.rpo == nanoseconds(0)) {
        strategy.slave_coordination = manifest::SlaveCoordination::kSynchronous;
        decisions.push_back(
            "master-slave with synchronous replication: RPO 0 allows no "
            "acknowledged write to be lost.");
      } else if (app.rpo) {
        strategy.slave_coordination = manifest::SlaveCoordination::kSemiSynchronous;
        decisions.push_back(
            "master-slave with semi-synchronous replication: one replica "
            "acknowledges each write, bounding loss within RPO " +
            duration(*app.rpo) + ".");
      } else {
        strategy.slave_coordination = manifest::SlaveCoordination::kAsynchronous;
        decisions.push_back("master-slave with asynchronous replication: no RPO target given.");
      }
      deployment.name = "replica-nodes";
      deployment.placement = manifest::Placement::kAntiAffinity;
      break;
    case CoordinationPattern::kEventSourcing:
      strategy.type = manifest::DistributionType::kEventSourcing;
      strategy.log_partitioning = manifest::LogPartitioning::kByAggregate;
      strategy.event_ordering =
          has_consensus ? manifest::EventOrdering::kTotal : manifest::EventOrdering::kPerPartition;
      deployment.name = "log-nodes";
      deployment.placement = manifest::Placement::kDistributed;
      decisions.push_back(std::string("event-sourcing partitioned by aggregate with ") +
                          (has_consensus ? "total" : "per-partition") + " event ordering.");
      break;
    case CoordinationPattern::kReplicas:
      strategy.type = manifest::DistributionType::kStandardKubernetes;
      strategy.replica_count = replicas;
      strategy.placement_strategy = manifest::Placement::kDistributed;
      deployment.name = "replicas";
      deployment.placement = manifest::Placement::kDistributed;
      decisions.push_back("standard-kubernetes replicas spread over zones and nodes.");
      break;
  }
  if (deployment.placement == manifest::Placement::kAntiAffinity) {
    decisions.push_back("anti-affinity placement: no two instances share a node.");
  }
  service.deployments.push_back(deployment);

  service.service_spore.enabled = true;
  service.service_spore.discovery_ports = app.ports;
  service.service_spore.health_endpoint =
      app.health_endpoint.empty() ? "/health" : app.health_endpoint;
  decisions.push_back("Service Spore on, health checked at " +
                      service.service_spore.health_endpoint + ".");
  return service;
}

// --- Endophyte: monolithic with fault tolerance, or legacy ---------------------------------------

std::uint64_t round_up(std::uint64_t value, std::uint64_t unit) {
  return (value + unit - 1) / unit * unit;
}

manifest::Object endophyte_for(const Application& app, std::vector<std::string>& decisions) {
  manifest::EndophyteVM vm;
  vm.metadata.name = app.metadata.name;
  vm.metadata.namespace_ = app.metadata.namespace_;
  vm.metadata.labels = app.metadata.labels;

  manifest::VirtualMachineSpec& spec = vm.vm_spec;
  spec.cpu_cores = app.cpu_cores;
  // State plus a quarter for the OS and caches, in whole GiB.
  const std::uint64_t state = std::min<std::uint64_t>(app.state_bytes, 4096 * kGiB);
  spec.memory_bytes = std::max(kGiB, round_up(state + state / 4, kGiB));
  decisions.push_back("memorySize " + bytes(spec.memory_bytes) + ": state " + bytes(state) +
                      " plus 25% for the OS, in whole GiB.");
  spec.disk_bytes = std::max(20 * kGiB, 2 * spec.memory_bytes);
  decisions.push_back("diskSize " + bytes(spec.disk_bytes) +
                      ": room for the OS and a full memory dump; adjust to the application.");
  if (app.architecture == Architecture::kLegacy) {
    // The parser guarantees at least one OS dependency for legacy applications.
    spec.os_config.type = app.os_dependencies.empty() ? "linux" : app.os_dependencies.front();
    spec.os_config.customization = app.metadata.name.substr(0, 57) + "-setup";
    decisions.push_back("osConfig " + spec.os_config.type +
                        ": the legacy OS the application depends on.");
  } else {
    spec.os_config.type = "linux";
  }

  manifest::DistributedRamConfig& ram = vm.distributed_ram;
  ram.buffer_bytes = std::clamp(spec.memory_bytes / 8, 64 * kMiB, 4 * kGiB) / kMiB * kMiB;
  decisions.push_back("bufferSize " + bytes(ram.buffer_bytes) +
                      ": an eighth of guest memory, within 64Mi..4Gi.");

  if (app.rpo) {
    const nanoseconds half = *app.rpo / 2;
    ram.replication_interval =
        std::clamp(half, nanoseconds(milliseconds(1)), nanoseconds(milliseconds(1000)));
    decisions.push_back("replicationInterval " + duration(ram.replication_interval) +
                        ": an epoch is committed about two intervals after its first write, "
                        "which keeps the loss within RPO " +
                        duration(*app.rpo) + ".");
    if (*app.rpo < milliseconds(2)) {
      decisions.push_back("Note: RPO " + duration(*app.rpo) +
                          " is below what epoch replication can promise (one 1ms interval plus a "
                          "round trip); expect up to about 2ms.");
    }
  } else {
    ram.replication_interval = milliseconds(100);
    decisions.push_back("replicationInterval 100ms: the default, no RPO target given.");
  }

  const bool tight = is_tight(app.latency_budget, kTightLatencyBudget);
  if (tight) {
    ram.throttle_threshold = 0.6;
    ram.throttling_curve.type = manifest::CurveType::kLinear;
    decisions.push_back("linear throttling from buffer level 0.6: latency budget " +
                        duration(*app.latency_budget) +
                        " favours early, gentle slowdown over late, steep throttling.");
  } else {
    ram.throttle_threshold = 0.7;
    ram.throttling_curve.type = manifest::CurveType::kExponential;
    ram.throttling_curve.exponent = 2.0;
    decisions.push_back(
        "exponential throttling (exponent 2) from buffer level 0.7: the guest "
        "runs at full speed until the buffer is well filled.");
  }

  ram.emergency_pause_enabled = app.fault_tolerance_required || app.rpo.has_value();
  decisions.push_back(ram.emergency_pause_enabled
                          ? "emergency pause on: a full buffer pauses the guest rather than lose "
                            "committed state."
                          : "best effort (emergency pause off): no fault-tolerance requirement "
                            "or RPO given, so the guest never stops; backups may go stale.");

  vm.backup_strategy.node_count = 2;
  vm.backup_strategy.selection_criteria = tight ? manifest::BackupSelection::kLatencyOptimized
                                                : manifest::BackupSelection::kZoneDiverse;
  vm.rhizomorph_connections.target_count = vm.backup_strategy.node_count + 1;
  vm.rhizomorph_connections.load_balancing = tight ? manifest::LoadBalancing::kLatencyOptimized
                                                   : manifest::LoadBalancing::kAdaptiveBandwidth;
  decisions.push_back(std::string("2 backup nodes chosen ") +
                      (tight ? "by latency" : "in distinct zones") +
                      ", 3 rhizomorph connections "
                      "balanced " +
                      (tight ? "by latency." : "by measured bandwidth."));
  if (app.rto) {
    decisions.push_back("RTO " + duration(*app.rto) +
                        ": failover resumes a backup from its replicated RAM, seconds at most.");
  }

  if (is_tight(app.latency_budget, kVeryTightLatencyBudget)) {
    vm.performance_config.cpu_pinning = true;
    vm.performance_config.huge_pages = true;
    decisions.push_back(
        "cpuPinning and hugePages on: a sub-millisecond latency budget leaves "
        "no room for scheduler jitter or TLB misses.");
  }
  return vm;
}

// --- standard Kubernetes: monolithic, no fault tolerance needed ----------------------------------

manifest::Object standard_for(const Application& app, std::vector<std::string>& decisions) {
  manifest::EndomyceteService service;
  service.metadata.name = app.metadata.name;
  service.metadata.namespace_ = app.metadata.namespace_;
  service.metadata.labels = app.metadata.labels;
  service.distribution_strategy.type = manifest::DistributionType::kStandardKubernetes;
  service.distribution_strategy.replica_count = 1;
  service.distribution_strategy.placement_strategy = manifest::Placement::kDistributed;
  service.deployments.push_back(
      manifest::KubernetesDeployment{"app", 1, manifest::Placement::kDistributed});
  service.service_spore.enabled = false;
  service.service_spore.health_endpoint = app.health_endpoint;
  decisions.push_back(
      "1 replica as a plain Kubernetes workload: a monolith keeps its state in "
      "one instance and Kubernetes restarts it on failure.");
  decisions.push_back("Service Spore off: a single instance has no peers to discover.");
  if (app.rto && *app.rto < kPodRestartTime) {
    decisions.push_back("Note: RTO " + duration(*app.rto) +
                        " may be shorter than a pod "
                        "reschedule (about " +
                        duration(kPodRestartTime) +
                        "); set "
                        "faultToleranceRequired: true for an Endophyte with RAM failover.");
  }
  if (app.rpo) {
    decisions.push_back("Note: RPO " + duration(*app.rpo) +
                        " is not protected: in-memory state "
                        "is lost on restart; set faultToleranceRequired: true to replicate it.");
  }
  return service;
}

}  // namespace

std::string_view model_name(DeploymentModel model) {
  switch (model) {
    case DeploymentModel::kEndomycete:
      return "Endomycete";
    case DeploymentModel::kEndophyte:
      return "Endophyte";
    case DeploymentModel::kStandardKubernetes:
      return "StandardKubernetes";
  }
  return "?";
}

Recommendation recommend(const Application& app) {
  Recommendation recommendation;
  switch (app.architecture) {
    case Architecture::kNativelyDistributed:
      recommendation.model = DeploymentModel::kEndomycete;
      recommendation.rationale = "Application has built-in distribution capabilities";
      recommendation.configuration = endomycete_for(app, recommendation.decisions);
      break;
    case Architecture::kMonolithic:
      if (app.fault_tolerance_required) {
        recommendation.model = DeploymentModel::kEndophyte;
        recommendation.rationale = "Monolithic application requiring high availability";
        recommendation.configuration = endophyte_for(app, recommendation.decisions);
      } else {
        recommendation.model = DeploymentModel::kStandardKubernetes;
        recommendation.rationale = "Standard deployment sufficient for requirements";
        recommendation.configuration = standard_for(app, recommendation.decisions);
      }
      break;
    case Architecture::kLegacy:
      recommendation.model = DeploymentModel::kEndophyte;
      recommendation.rationale = "Legacy application requires VM environment";
      recommendation.configuration = endophyte_for(app, recommendation.decisions);
      break;
  }
  return recommendation;
}

}  // namespace mycelium::select
