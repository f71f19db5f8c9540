#pragma once
// kind: EndomyceteService — a natively distributed application deployed on Kubernetes with a
// Service Spore per instance (seed: EndomyceteDeployment, NativeDistributionStrategy).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <core/manifest/enum_names.hpp>
#include <core/manifest/object_meta.hpp>

namespace mycelium::manifest {

enum class DistributionType {
  kCustomSharding,
  kPeerToPeer,
  kMasterSlave,
  kEventSourcing,
  kStandardKubernetes
};
inline constexpr EnumNames<DistributionType, 5> kDistributionTypeNames{{{
    {DistributionType::kCustomSharding, "custom-sharding"},
    {DistributionType::kPeerToPeer, "peer-to-peer"},
    {DistributionType::kMasterSlave, "master-slave"},
    {DistributionType::kEventSourcing, "event-sourcing"},
    {DistributionType::kStandardKubernetes, "standard-kubernetes"},
}}};

enum class ShardFunction { kConsistentHash, kHashModulo, kRange };
inline constexpr EnumNames<ShardFunction, 3> kShardFunctionNames{{{
    {ShardFunction::kConsistentHash, "consistent-hash"},
    {ShardFunction::kHashModulo, "hash-modulo"},
    {ShardFunction::kRange, "range"},
}}};

enum class RebalancingStrategy { kGradual, kImmediate, kManual };
inline constexpr EnumNames<RebalancingStrategy, 3> kRebalancingStrategyNames{{{
    {RebalancingStrategy::kGradual, "gradual"},
    {RebalancingStrategy::kImmediate, "immediate"},
    {RebalancingStrategy::kManual, "manual"},
}}};

enum class DiscoveryMechanism { kDht, kGossip, kBootstrapList, kServiceSpore };
inline constexpr EnumNames<DiscoveryMechanism, 4> kDiscoveryMechanismNames{{{
    {DiscoveryMechanism::kDht, "dht"},
    {DiscoveryMechanism::kGossip, "gossip"},
    {DiscoveryMechanism::kBootstrapList, "bootstrap-list"},
    {DiscoveryMechanism::kServiceSpore, "service-spore"},
}}};

enum class ConsensusProtocol {
  kNone,
  kRaft,
  kPaxos,
  kPbft,
  kProofOfStake,
  kProofOfWork,
  kProofOfAuthority
};
inline constexpr EnumNames<ConsensusProtocol, 7> kConsensusProtocolNames{{{
    {ConsensusProtocol::kNone, "none"},
    {ConsensusProtocol::kRaft, "raft"},
    {ConsensusProtocol::kPaxos, "paxos"},
    {ConsensusProtocol::kPbft, "pbft"},
    {ConsensusProtocol::kProofOfStake, "proof-of-stake"},
    {ConsensusProtocol::kProofOfWork, "proof-of-work"},
    {ConsensusProtocol::kProofOfAuthority, "proof-of-authority"},
}}};

enum class MasterSelection { kElection, kStatic, kLowestOrdinal };
inline constexpr EnumNames<MasterSelection, 3> kMasterSelectionNames{{{
    {MasterSelection::kElection, "election"},
    {MasterSelection::kStatic, "static"},
    {MasterSelection::kLowestOrdinal, "lowest-ordinal"},
}}};

enum class SlaveCoordination { kSynchronous, kSemiSynchronous, kAsynchronous };
inline constexpr EnumNames<SlaveCoordination, 3> kSlaveCoordinationNames{{{
    {SlaveCoordination::kSynchronous, "synchronous"},
    {SlaveCoordination::kSemiSynchronous, "semi-synchronous"},
    {SlaveCoordination::kAsynchronous, "asynchronous"},
}}};

enum class LogPartitioning { kByAggregate, kByHash, kByTime };
inline constexpr EnumNames<LogPartitioning, 3> kLogPartitioningNames{{{
    {LogPartitioning::kByAggregate, "by-aggregate"},
    {LogPartitioning::kByHash, "by-hash"},
    {LogPartitioning::kByTime, "by-time"},
}}};

enum class EventOrdering { kTotal, kPerPartition, kCausal };
inline constexpr EnumNames<EventOrdering, 3> kEventOrderingNames{{{
    {EventOrdering::kTotal, "total"},
    {EventOrdering::kPerPartition, "per-partition"},
    {EventOrdering::kCausal, "causal"},
}}};

enum class Placement { kAntiAffinity, kDistributed, kOnePerNode };
inline constexpr EnumNames<Placement, 3> kPlacementNames{{{
    {Placement::kAntiAffinity, "anti-affinity"},
    {Placement::kDistributed, "distributed"},
    {Placement::kOnePerNode, "one-per-node"},
}}};

// The strategy's type and the parameters of that type; parameters of other types stay at their
// defaults and are neither read nor written.
struct DistributionStrategy {
  DistributionType type = DistributionType::kStandardKubernetes;
  // custom-sharding
  std::uint32_t shard_count = 0;
  ShardFunction shard_function = ShardFunction::kConsistentHash;
  RebalancingStrategy rebalancing_strategy = RebalancingStrategy::kGradual;
  // peer-to-peer
  DiscoveryMechanism discovery_mechanism = DiscoveryMechanism::kDht;
  ConsensusProtocol consensus_protocol = ConsensusProtocol::kNone;
  // master-slave
  MasterSelection master_selection = MasterSelection::kElection;
  SlaveCoordination slave_coordination = SlaveCoordination::kAsynchronous;
  // event-sourcing
  LogPartitioning log_partitioning = LogPartitioning::kByAggregate;
  EventOrdering event_ordering = EventOrdering::kPerPartition;
  // standard-kubernetes (optional; when set, must agree with spec.deployments)
  std::optional<std::uint32_t> replica_count;
  std::optional<Placement> placement_strategy;

  bool operator==(const DistributionStrategy&) const = default;
};

struct ServiceSporeConfig {
  bool enabled = true;
  std::vector<std::uint16_t> discovery_ports;
  std::string health_endpoint;  // HTTP path beginning with '/'; empty when not set

  bool operator==(const ServiceSporeConfig&) const = default;
};

struct KubernetesDeployment {
  std::string name;
  std::uint32_t replicas = 1;
  Placement placement = Placement::kDistributed;

  bool operator==(const KubernetesDeployment&) const = default;
};

struct EndomyceteService {
  ObjectMeta metadata;
  DistributionStrategy distribution_strategy;
  ServiceSporeConfig service_spore;
  std::vector<KubernetesDeployment> deployments;

  bool operator==(const EndomyceteService&) const = default;
};

}  // namespace mycelium::manifest
