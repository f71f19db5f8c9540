#include <array>

#include <core/manifest/parsers.hpp>

namespace mycelium::manifest::detail {

namespace {

// Which strategy type each parameter belongs to, so a parameter given to the wrong type gets a
// message naming the right one rather than "unknown field".
struct StrategyParameter {
  std::string_view key;
  DistributionType owner;
};
constexpr std::array<StrategyParameter, 11> kStrategyParameters{{
    {"shardCount", DistributionType::kCustomSharding},
    {"shardFunction", DistributionType::kCustomSharding},
    {"rebalancingStrategy", DistributionType::kCustomSharding},
    {"discoveryMechanism", DistributionType::kPeerToPeer},
    {"consensusProtocol", DistributionType::kPeerToPeer},
    {"masterSelection", DistributionType::kMasterSlave},
    {"slaveCoordination", DistributionType::kMasterSlave},
    {"logPartitioning", DistributionType::kEventSourcing},
    {"eventOrdering", DistributionType::kEventSourcing},
    {"replicaCount", DistributionType::kStandardKubernetes},
    {"placementStrategy", DistributionType::kStandardKubernetes},
}};

constexpr std::int64_t kMaxReplicas = 100000;

// Returns where replicaCount was given, for the cross-check against spec.deployments.
std::optional<SourceLocation> parse_strategy(Reader& reader, const YAML::Node& node,
                                             const SourceLocation& where,
                                             DistributionStrategy& out) {
  std::vector<std::string_view> known{"type"};
  for (const StrategyParameter& parameter : kStrategyParameters)
    known.push_back(parameter.key);
  MappingReader strategy(reader, node, "spec.distributionStrategy", where, known);
  if (!strategy.valid()) return std::nullopt;
  if (!strategy.required("type", out.type, EnumField{reader, kDistributionTypeNames})) {
    return std::nullopt;
  }

  for (const StrategyParameter& parameter : kStrategyParameters) {
    const auto entry = strategy.find(parameter.key);
    if (entry && parameter.owner != out.type) {
      reader.error(entry->second, strategy.child_path(parameter.key),
                   "is a parameter of type " +
                       std::string(kDistributionTypeNames.name(parameter.owner)) + ", not of " +
                       std::string(kDistributionTypeNames.name(out.type)));
    }
  }

  switch (out.type) {
    case DistributionType::kCustomSharding:
      strategy.required("shardCount", out.shard_count,
                        IntegerField<std::uint32_t>{reader, 1, 65536});
      strategy.optional("shardFunction", out.shard_function,
                        EnumField{reader, kShardFunctionNames});
      strategy.optional("rebalancingStrategy", out.rebalancing_strategy,
                        EnumField{reader, kRebalancingStrategyNames});
      break;
    case DistributionType::kPeerToPeer:
      strategy.optional("discoveryMechanism", out.discovery_mechanism,
                        EnumField{reader, kDiscoveryMechanismNames});
      strategy.optional("consensusProtocol", out.consensus_protocol,
                        EnumField{reader, kConsensusProtocolNames});
      break;
    case DistributionType::kMasterSlave:
      strategy.optional("masterSelection", out.master_selection,
                        EnumField{reader, kMasterSelectionNames});
      strategy.optional("slaveCoordination", out.slave_coordination,
                        EnumField{reader, kSlaveCoordinationNames});
      break;
    case DistributionType::kEventSourcing:
      strategy.optional("logPartitioning", out.log_partitioning,
                        EnumField{reader, kLogPartitioningNames});
      strategy.optional("eventOrdering", out.event_ordering,
                        EnumField{reader, kEventOrderingNames});
      break;
    case DistributionType::kStandardKubernetes: {
      std::uint32_t replica_count = 0;
      if (strategy.optional("replicaCount", replica_count,
                            IntegerField<std::uint32_t>{reader, 1, kMaxReplicas})) {
        out.replica_count = replica_count;
      }
      Placement placement = Placement::kDistributed;
      if (strategy.optional("placementStrategy", placement, EnumField{reader, kPlacementNames})) {
        out.placement_strategy = placement;
      }
      break;
    }
  }
  const auto replica_count = strategy.find("replicaCount");
  if (!replica_count) return std::nullopt;
  return replica_count->second;
}

void parse_spore(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                 ServiceSporeConfig& out) {
  MappingReader spore(reader, node, "spec.serviceSpore", where,
                      {"enabled", "discoveryPorts", "healthEndpoint"});
  if (!spore.valid()) return;
  spore.optional("enabled", out.enabled, BoolField{reader});
  spore.optional("discoveryPorts", out.discovery_ports, PortListField{reader});
  spore.optional("healthEndpoint", out.health_endpoint, HttpPathField{reader});
}

void parse_deployments(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                       std::vector<KubernetesDeployment>& out) {
  const std::string path = "spec.deployments";
  if (!node.IsSequence() || node.size() == 0) {
    reader.error(where, path,
                 "expected a non-empty list of deployments, got " + describe_node(node));
    return;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    MappingReader item(reader, node[i], item_path, where, {"name", "replicas", "placement"});
    if (!item.valid()) continue;
    KubernetesDeployment deployment;
    item.required("name", deployment.name, NameField{reader});
    item.required("replicas", deployment.replicas,
                  IntegerField<std::uint32_t>{reader, 1, kMaxReplicas});
    item.optional("placement", deployment.placement, EnumField{reader, kPlacementNames});
    for (const KubernetesDeployment& earlier : out) {
      if (!deployment.name.empty() && earlier.name == deployment.name) {
        reader.error(item.find("name")->second, item.child_path("name"),
                     "duplicate deployment name \"" + deployment.name + "\"");
      }
    }
    out.push_back(deployment);
  }
}

}  // namespace

void parse_endomycete_spec(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                           EndomyceteService& out) {
  MappingReader spec(reader, node, "spec", where,
                     {"distributionStrategy", "serviceSpore", "deployments"});
  if (!spec.valid()) return;
  std::optional<SourceLocation> replica_count_where;
  if (const auto strategy = spec.find("distributionStrategy")) {
    replica_count_where =
        parse_strategy(reader, strategy->first, strategy->second, out.distribution_strategy);
  } else {
    spec.report_missing("distributionStrategy", "a mapping with a type");
  }
  if (const auto spore = spec.find("serviceSpore")) {
    parse_spore(reader, spore->first, spore->second, out.service_spore);
  }
  const auto deployments = spec.find("deployments");
  if (!deployments) {
    spec.report_missing("deployments", "a non-empty list of deployments");
    return;
  }
  parse_deployments(reader, deployments->first, deployments->second, out.deployments);

  const DistributionStrategy& strategy = out.distribution_strategy;
  if (strategy.type == DistributionType::kStandardKubernetes && strategy.replica_count &&
      replica_count_where) {
    std::uint64_t total = 0;
    for (const KubernetesDeployment& deployment : out.deployments)
      total += deployment.replicas;
    if (total != *strategy.replica_count) {
      reader.error(*replica_count_where, "spec.distributionStrategy.replicaCount",
                   "expected the total replicas of spec.deployments (" + std::to_string(total) +
                       "), got " + std::to_string(*strategy.replica_count));
    }
  }
}

}  // namespace mycelium::manifest::detail
