#include <cstdio>

#include <yaml-cpp/yaml.h>

#include <core/manifest/emit.hpp>
#include <core/manifest/quantity.hpp>

namespace mycelium::manifest {

namespace {

// Shortest text that parses back to the same double.
std::string exact_number(double value) {
  char buffer[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

template <typename Enum, std::size_t N>
void key_value(YAML::Emitter& out, const char* key, const EnumNames<Enum, N>& names, Enum value) {
  out << YAML::Key << key << YAML::Value << std::string(names.name(value));
}

void emit_header(YAML::Emitter& out, std::string_view kind, const ObjectMeta& metadata) {
  out << YAML::Key << "apiVersion" << YAML::Value << std::string(kApiVersion);
  out << YAML::Key << "kind" << YAML::Value << std::string(kind);
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << metadata.name;
  if (!metadata.namespace_.empty()) {
    out << YAML::Key << "namespace" << YAML::Value << metadata.namespace_;
  }
  if (!metadata.labels.empty()) {
    out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
    for (const auto& [key, value] : metadata.labels) {
      out << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << value;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

void emit_ports(YAML::Emitter& out, const char* key, const std::vector<std::uint16_t>& ports) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (std::uint16_t port : ports)
    out << port;
  out << YAML::EndSeq;
}

void emit_strategy(YAML::Emitter& out, const DistributionStrategy& strategy) {
  out << YAML::Key << "distributionStrategy" << YAML::Value << YAML::BeginMap;
  key_value(out, "type", kDistributionTypeNames, strategy.type);
  switch (strategy.type) {
    case DistributionType::kCustomSharding:
      out << YAML::Key << "shardCount" << YAML::Value << strategy.shard_count;
      key_value(out, "shardFunction", kShardFunctionNames, strategy.shard_function);
      key_value(out, "rebalancingStrategy", kRebalancingStrategyNames,
                strategy.rebalancing_strategy);
      break;
    case DistributionType::kPeerToPeer:
      key_value(out, "discoveryMechanism", kDiscoveryMechanismNames, strategy.discovery_mechanism);
      key_value(out, "consensusProtocol", kConsensusProtocolNames, strategy.consensus_protocol);
      break;
    case DistributionType::kMasterSlave:
      key_value(out, "masterSelection", kMasterSelectionNames, strategy.master_selection);
      key_value(out, "slaveCoordination", kSlaveCoordinationNames, strategy.slave_coordination);
      break;
    case DistributionType::kEventSourcing:
      key_value(out, "logPartitioning", kLogPartitioningNames, strategy.log_partitioning);
      key_value(out, "eventOrdering", kEventOrderingNames, strategy.event_ordering);
      break;
    case DistributionType::kStandardKubernetes:
      if (strategy.replica_count) {
        out << YAML::Key << "replicaCount" << YAML::Value << *strategy.replica_count;
      }
      if (strategy.placement_strategy) {
        key_value(out, "placementStrategy", kPlacementNames, *strategy.placement_strategy);
      }
      break;
  }
  out << YAML::EndMap;
}

void emit_spec(YAML::Emitter& out, const EndomyceteService& service) {
  emit_strategy(out, service.distribution_strategy);
  const ServiceSporeConfig& spore = service.service_spore;
  out << YAML::Key << "serviceSpore" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << spore.enabled;
  if (!spore.discovery_ports.empty()) emit_ports(out, "discoveryPorts", spore.discovery_ports);
  if (!spore.health_endpoint.empty()) {
    out << YAML::Key << "healthEndpoint" << YAML::Value << spore.health_endpoint;
  }
  out << YAML::EndMap;
  out << YAML::Key << "deployments" << YAML::Value << YAML::BeginSeq;
  for (const KubernetesDeployment& deployment : service.deployments) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << deployment.name;
    out << YAML::Key << "replicas" << YAML::Value << deployment.replicas;
    key_value(out, "placement", kPlacementNames, deployment.placement);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void emit_curve(YAML::Emitter& out, const ThrottlingCurve& curve) {
  out << YAML::Key << "throttlingCurve" << YAML::Value << YAML::BeginMap;
  key_value(out, "type", kCurveTypeNames, curve.type);
  if (curve.type == CurveType::kExponential) {
    out << YAML::Key << "exponent" << YAML::Value << exact_number(curve.exponent);
  }
  if (curve.type == CurveType::kCustom) {
    out << YAML::Key << "points" << YAML::Value << YAML::BeginSeq;
    for (const CurvePoint& point : curve.points) {
      out << YAML::Flow << YAML::BeginSeq << exact_number(point.x) << exact_number(point.intensity)
          << YAML::EndSeq;
    }
    out << YAML::EndSeq;
  }
  if (curve.type == CurveType::kAutoConverge) {
    out << YAML::Key << "initial" << YAML::Value << exact_number(curve.initial);
    out << YAML::Key << "increment" << YAML::Value << exact_number(curve.increment);
    out << YAML::Key << "tailSlow" << YAML::Value << curve.tail_slow;
  }
  if (curve.type == CurveType::kFeedback) {
    if (curve.setpoint) {
      out << YAML::Key << "setpoint" << YAML::Value << exact_number(*curve.setpoint);
    }
    out << YAML::Key << "proportionalGain" << YAML::Value << exact_number(curve.proportional_gain);
    out << YAML::Key << "integralGainPerSecond" << YAML::Value
        << exact_number(curve.integral_gain_per_s);
  }
  out << YAML::EndMap;
}

void emit_spec(YAML::Emitter& out, const EndophyteVM& vm) {
  const VirtualMachineSpec& spec = vm.vm_spec;
  out << YAML::Key << "vmSpec" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cpuCores" << YAML::Value << spec.cpu_cores;
  out << YAML::Key << "memorySize" << YAML::Value << format_byte_quantity(spec.memory_bytes);
  out << YAML::Key << "diskSize" << YAML::Value << format_byte_quantity(spec.disk_bytes);
  out << YAML::Key << "osConfig" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "type" << YAML::Value << spec.os_config.type;
  if (!spec.os_config.customization.empty()) {
    out << YAML::Key << "customization" << YAML::Value << spec.os_config.customization;
  }
  out << YAML::EndMap << YAML::EndMap;

  const DistributedRamConfig& ram = vm.distributed_ram;
  out << YAML::Key << "distributedRAM" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "bufferSize" << YAML::Value << format_byte_quantity(ram.buffer_bytes);
  out << YAML::Key << "throttleThreshold" << YAML::Value << exact_number(ram.throttle_threshold);
  emit_curve(out, ram.throttling_curve);
  out << YAML::Key << "maxIntensity" << YAML::Value << exact_number(ram.max_intensity);
  out << YAML::Key << "emergencyPauseEnabled" << YAML::Value << ram.emergency_pause_enabled;
  out << YAML::Key << "resumeLevel" << YAML::Value << exact_number(ram.resume_level);
  out << YAML::Key << "replicationInterval" << YAML::Value
      << format_duration(ram.replication_interval);
  key_value(out, "commitPolicy", kCommitPolicyNames, ram.commit_policy);
  out << YAML::EndMap;

  out << YAML::Key << "rhizomorphConnections" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "targetCount" << YAML::Value << vm.rhizomorph_connections.target_count;
  key_value(out, "loadBalancing", kLoadBalancingNames, vm.rhizomorph_connections.load_balancing);
  out << YAML::EndMap;

  out << YAML::Key << "backupStrategy" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "nodeCount" << YAML::Value << vm.backup_strategy.node_count;
  key_value(out, "selectionCriteria", kBackupSelectionNames, vm.backup_strategy.selection_criteria);
  out << YAML::EndMap;

  const PerformanceConfig& performance = vm.performance_config;
  out << YAML::Key << "performanceConfig" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cpuPinning" << YAML::Value << performance.cpu_pinning;
  out << YAML::Key << "hugePages" << YAML::Value << performance.huge_pages;
  out << YAML::Key << "sriovNetworking" << YAML::Value << performance.sriov_networking;
  out << YAML::EndMap;
  key_value(out, "latencyProfile", kLatencyProfileModeNames, vm.latency_profile);
}

void emit_duration(YAML::Emitter& out, const char* key,
                   const std::optional<std::chrono::nanoseconds>& duration) {
  if (duration) out << YAML::Key << key << YAML::Value << format_duration(*duration);
}

void emit_spec(YAML::Emitter& out, const Application& application) {
  key_value(out, "architecture", kArchitectureNames, application.architecture);
  switch (application.architecture) {
    case Architecture::kNativelyDistributed:
      key_value(out, "coordinationPattern", kCoordinationPatternNames,
                application.coordination_pattern);
      key_value(out, "consensus", kConsensusProtocolNames, application.consensus);
      if (application.replicas) {
        out << YAML::Key << "replicas" << YAML::Value << *application.replicas;
      }
      break;
    case Architecture::kMonolithic:
      out << YAML::Key << "faultToleranceRequired" << YAML::Value
          << application.fault_tolerance_required;
      break;
    case Architecture::kLegacy:
      out << YAML::Key << "faultToleranceRequired" << YAML::Value
          << application.fault_tolerance_required;
      out << YAML::Key << "osDependencies" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const std::string& dependency : application.os_dependencies)
        out << dependency;
      out << YAML::EndSeq;
      break;
  }
  out << YAML::Key << "stateSize" << YAML::Value << format_byte_quantity(application.state_bytes);
  out << YAML::Key << "cpuCores" << YAML::Value << application.cpu_cores;
  emit_duration(out, "rpo", application.rpo);
  emit_duration(out, "rto", application.rto);
  emit_duration(out, "latencyBudget", application.latency_budget);
  if (!application.ports.empty()) emit_ports(out, "ports", application.ports);
  if (!application.health_endpoint.empty()) {
    out << YAML::Key << "healthEndpoint" << YAML::Value << application.health_endpoint;
  }
}

}  // namespace

std::string to_yaml(const Object& object) {
  YAML::Emitter out;
  out.SetBoolFormat(YAML::TrueFalseBool);
  out << YAML::BeginMap;
  emit_header(out, kind_of(object), metadata_of(object));
  out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  std::visit([&out](const auto& value) { emit_spec(out, value); }, object);
  out << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace mycelium::manifest
