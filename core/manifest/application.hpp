#pragma once
// kind: Application — what a user knows about an application, the input of the deployment model
// selector (seed: ApplicationSpec and AppCharacteristics).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <core/manifest/endomycete_service.hpp>
#include <core/manifest/enum_names.hpp>
#include <core/manifest/object_meta.hpp>

namespace mycelium::manifest {

enum class Architecture { kNativelyDistributed, kMonolithic, kLegacy };
inline constexpr EnumNames<Architecture, 3> kArchitectureNames{{{
    {Architecture::kNativelyDistributed, "natively-distributed"},
    {Architecture::kMonolithic, "monolithic"},
    {Architecture::kLegacy, "legacy"},
}}};

enum class CoordinationPattern {
  kSharding,
  kPeerToPeer,
  kMasterReplica,
  kEventSourcing,
  kReplicas
};
inline constexpr EnumNames<CoordinationPattern, 5> kCoordinationPatternNames{{{
    {CoordinationPattern::kSharding, "sharding"},
    {CoordinationPattern::kPeerToPeer, "peer-to-peer"},
    {CoordinationPattern::kMasterReplica, "master-replica"},
    {CoordinationPattern::kEventSourcing, "event-sourcing"},
    {CoordinationPattern::kReplicas, "replicas"},
}}};

struct Application {
  ObjectMeta metadata;
  Architecture architecture = Architecture::kMonolithic;
  // natively-distributed only
  CoordinationPattern coordination_pattern = CoordinationPattern::kReplicas;
  ConsensusProtocol consensus = ConsensusProtocol::kNone;
  std::optional<std::uint32_t> replicas;
  // monolithic and legacy
  bool fault_tolerance_required = false;
  // legacy only
  std::vector<std::string> os_dependencies;
  // all architectures
  std::uint64_t state_bytes = 1ULL << 30;
  std::uint32_t cpu_cores = 2;
  std::optional<std::chrono::nanoseconds> rpo;             // tolerated data loss on failure
  std::optional<std::chrono::nanoseconds> rto;             // tolerated time to recover
  std::optional<std::chrono::nanoseconds> latency_budget;  // per-request latency the app can spare
  std::vector<std::uint16_t> ports;
  std::string health_endpoint;

  bool operator==(const Application&) const = default;
};

}  // namespace mycelium::manifest
