// The seed's four examples, shipped verbatim in scenarios/examples/, parse to exactly what the
// seed says and survive a round trip through the canonical YAML.

#include <catch2/catch.hpp>

#include <core/manifest/emit.hpp>
#include <core/manifest/manifest.hpp>
#include <tests/support/files.hpp>

using namespace mycelium::manifest;
using mycelium::testing::read_source_file;
using namespace std::chrono_literals;

namespace {

template <typename Kind>
Kind load_one(const std::string& relative) {
  const LoadResult result = load_manifests(read_source_file(relative), relative);
  INFO(result.diagnostics.format());
  REQUIRE(result.ok());
  REQUIRE(result.objects.size() == 1);
  REQUIRE(std::holds_alternative<Kind>(result.objects.front().object));
  return std::get<Kind>(result.objects.front().object);
}

constexpr std::uint64_t kGiB = 1ULL << 30;
constexpr std::uint64_t kMiB = 1ULL << 20;

}  // namespace

TEST_CASE("seed example: blockchain node (peer-to-peer EndomyceteService)",
          "[manifest][examples]") {
  const auto service = load_one<EndomyceteService>("scenarios/examples/blockchain-node.yaml");
  CHECK(service.metadata.name == "blockchain-node");
  CHECK(service.distribution_strategy.type == DistributionType::kPeerToPeer);
  CHECK(service.distribution_strategy.discovery_mechanism == DiscoveryMechanism::kDht);
  CHECK(service.distribution_strategy.consensus_protocol == ConsensusProtocol::kProofOfStake);
  CHECK(service.service_spore.enabled);
  CHECK(service.service_spore.discovery_ports == std::vector<std::uint16_t>{30303, 30304});
  REQUIRE(service.deployments.size() == 2);
  CHECK(service.deployments[0] ==
        KubernetesDeployment{"validator-nodes", 3, Placement::kAntiAffinity});
  CHECK(service.deployments[1] == KubernetesDeployment{"full-nodes", 5, Placement::kDistributed});
}

TEST_CASE("seed example: distributed database (custom sharding)", "[manifest][examples]") {
  const auto service = load_one<EndomyceteService>("scenarios/examples/distributed-db.yaml");
  CHECK(service.distribution_strategy.type == DistributionType::kCustomSharding);
  CHECK(service.distribution_strategy.shard_count == 8);
  CHECK(service.distribution_strategy.shard_function == ShardFunction::kConsistentHash);
  CHECK(service.distribution_strategy.rebalancing_strategy == RebalancingStrategy::kGradual);
  CHECK(service.service_spore.health_endpoint == "/health");
  REQUIRE(service.deployments.size() == 2);
  CHECK(service.deployments[0] == KubernetesDeployment{"shard-nodes", 8, Placement::kOnePerNode});
  CHECK(service.deployments[1] ==
        KubernetesDeployment{"coordinator-nodes", 3, Placement::kAntiAffinity});
}

TEST_CASE("seed example: legacy application VM (exponential curve, emergency pause)",
          "[manifest][examples]") {
  const auto vm = load_one<EndophyteVM>("scenarios/examples/legacy-app-vm.yaml");
  CHECK(vm.vm_spec.cpu_cores == 4);
  CHECK(vm.vm_spec.memory_bytes == 8 * kGiB);
  CHECK(vm.vm_spec.disk_bytes == 100 * kGiB);
  CHECK(vm.vm_spec.os_config == OsConfig{"ubuntu-20.04", "legacy-app-setup"});
  CHECK(vm.distributed_ram.buffer_bytes == 1 * kGiB);
  CHECK(vm.distributed_ram.throttle_threshold == 0.7);
  CHECK(vm.distributed_ram.throttling_curve.type == CurveType::kExponential);
  CHECK(vm.distributed_ram.emergency_pause_enabled);
  CHECK(vm.rhizomorph_connections == RhizomorphConfig{3, LoadBalancing::kAdaptiveBandwidth});
  CHECK(vm.backup_strategy == BackupStrategy{2, BackupSelection::kLatencyOptimized});
  CHECK(vm.performance_config == PerformanceConfig{});
}

TEST_CASE("seed example: game server VM (linear curve, best effort, performance config)",
          "[manifest][examples]") {
  const auto vm = load_one<EndophyteVM>("scenarios/examples/game-server-vm.yaml");
  CHECK(vm.vm_spec.cpu_cores == 8);
  CHECK(vm.vm_spec.memory_bytes == 16 * kGiB);
  CHECK(vm.distributed_ram.buffer_bytes == 512 * kMiB);
  CHECK(vm.distributed_ram.throttle_threshold == 0.6);
  CHECK(vm.distributed_ram.throttling_curve.type == CurveType::kLinear);
  CHECK_FALSE(vm.distributed_ram.emergency_pause_enabled);
  CHECK(vm.rhizomorph_connections == RhizomorphConfig{5, LoadBalancing::kLatencyOptimized});
  CHECK(vm.performance_config == PerformanceConfig{true, true, true});
  // Defaults where the seed is silent.
  CHECK(vm.backup_strategy == BackupStrategy{2, BackupSelection::kLatencyOptimized});
  CHECK(vm.distributed_ram.replication_interval == 100ms);
  CHECK(vm.distributed_ram.resume_level == 0.8);
}

TEST_CASE("every shipped manifest round-trips through its canonical YAML", "[manifest][examples]") {
  const auto file = GENERATE(
      as<std::string>{}, "scenarios/examples/blockchain-node.yaml",
      "scenarios/examples/distributed-db.yaml", "scenarios/examples/legacy-app-vm.yaml",
      "scenarios/examples/game-server-vm.yaml", "scenarios/applications/legacy-billing.yaml",
      "scenarios/applications/orders-service.yaml", "scenarios/applications/static-website.yaml",
      "scenarios/applications/kv-store.yaml", "scenarios/applications/ledger.yaml");
  INFO(file);
  const LoadResult original = load_manifests(read_source_file(file), file);
  INFO(original.diagnostics.format());
  REQUIRE(original.ok());
  REQUIRE(original.objects.size() == 1);
  const std::string canonical = to_yaml(original.objects.front().object);
  const LoadResult reparsed = load_manifests(canonical, "canonical.yaml");
  INFO(canonical);
  INFO(reparsed.diagnostics.format());
  REQUIRE(reparsed.ok());
  REQUIRE(reparsed.objects.size() == 1);
  CHECK(reparsed.objects.front().object == original.objects.front().object);
  // Canonical form is a fixed point.
  CHECK(to_yaml(reparsed.objects.front().object) == canonical);
}

TEST_CASE("a multi-document file yields one object per document, empty documents skipped",
          "[manifest]") {
  const std::string text = read_source_file("scenarios/examples/blockchain-node.yaml") + "---\n" +
                           read_source_file("scenarios/examples/game-server-vm.yaml") + "---\n";
  const LoadResult result = load_manifests(text, "both.yaml");
  INFO(result.diagnostics.format());
  REQUIRE(result.ok());
  REQUIRE(result.objects.size() == 2);
  CHECK(kind_of(result.objects[0].object) == "EndomyceteService");
  CHECK(kind_of(result.objects[1].object) == "EndophyteVM");
  CHECK(result.objects[1].where.line == 21);  // 19 lines, then "---"
}

TEST_CASE("spec.latencyProfile: auto is read, defaults to off, and round-trips",
          "[manifest][examples]") {
  const std::string file = "scenarios/examples/legacy-app-vm.yaml";
  CHECK(load_one<EndophyteVM>(file).latency_profile == LatencyProfileMode::kOff);
  const std::string text = read_source_file(file) + "  latencyProfile: auto\n";
  const LoadResult result = load_manifests(text, file);
  INFO(result.diagnostics.format());
  REQUIRE(result.ok());
  const auto& vm = std::get<EndophyteVM>(result.objects.front().object);
  CHECK(vm.latency_profile == LatencyProfileMode::kAuto);
  const LoadResult reparsed = load_manifests(to_yaml(result.objects.front().object), "c.yaml");
  REQUIRE(reparsed.ok());
  CHECK(std::get<EndophyteVM>(reparsed.objects.front().object) == vm);
}
