// The deployment model selector: every branch of the seed's algorithm, the configuration derived
// from the application's targets, and the promise that the generated manifest is valid.

#include <algorithm>

#include <catch2/catch.hpp>

#include <core/manifest/emit.hpp>
#include <core/manifest/manifest.hpp>
#include <core/select/selector.hpp>
#include <tests/support/files.hpp>

using namespace mycelium;
using namespace mycelium::manifest;
using namespace std::chrono_literals;

namespace {

Application application(const std::string& spec_yaml) {
  const std::string yaml =
      "apiVersion: mycelium.network/v1\nkind: Application\nmetadata:\n"
      "  name: app\nspec:\n" +
      spec_yaml;
  const LoadResult result = load_manifests(yaml, "app.yaml");
  INFO(result.diagnostics.format());
  REQUIRE(result.ok());
  return std::get<Application>(result.objects.front().object);
}

// The generated manifest passes the validator and is the object the selector returned.
void require_valid(const select::Recommendation& recommendation) {
  const std::string yaml = to_yaml(recommendation.configuration);
  const LoadResult reparsed = load_manifests(yaml, "generated.yaml");
  INFO(yaml);
  INFO(reparsed.diagnostics.format());
  REQUIRE(reparsed.ok());
  REQUIRE(reparsed.objects.size() == 1);
  CHECK(reparsed.objects.front().object == recommendation.configuration);
}

bool mentions(const select::Recommendation& recommendation, const std::string& text) {
  return std::any_of(
      recommendation.decisions.begin(), recommendation.decisions.end(),
      [&](const std::string& decision) { return decision.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("natively distributed -> Endomycete, strategy from the coordination pattern",
          "[select]") {
  struct Expectation {
    const char* pattern;
    DistributionType type;
    Placement placement;
  };
  const auto expectation = GENERATE(
      Expectation{"sharding", DistributionType::kCustomSharding, Placement::kOnePerNode},
      Expectation{"peer-to-peer", DistributionType::kPeerToPeer, Placement::kAntiAffinity},
      Expectation{"master-replica", DistributionType::kMasterSlave, Placement::kAntiAffinity},
      Expectation{"event-sourcing", DistributionType::kEventSourcing, Placement::kDistributed},
      Expectation{"replicas", DistributionType::kStandardKubernetes, Placement::kDistributed});
  INFO(expectation.pattern);
  const auto recommendation = select::recommend(
      application(std::string("  architecture: natively-distributed\n  coordinationPattern: ") +
                  expectation.pattern + "\n  consensus: raft\n"));
  CHECK(recommendation.model == select::DeploymentModel::kEndomycete);
  CHECK(recommendation.rationale == "Application has built-in distribution capabilities");
  const auto& service = std::get<EndomyceteService>(recommendation.configuration);
  CHECK(service.distribution_strategy.type == expectation.type);
  REQUIRE(service.deployments.size() == 1);
  CHECK(service.deployments[0].replicas == 3);  // raft: smallest quorum surviving one failure
  CHECK(service.deployments[0].placement == expectation.placement);
  CHECK(service.service_spore.enabled);
  CHECK(service.service_spore.health_endpoint == "/health");
  require_valid(recommendation);
}

TEST_CASE("Endomycete replica count follows the consensus protocol", "[select]") {
  const auto pbft =
      select::recommend(application("  architecture: natively-distributed\n  coordinationPattern: "
                                    "peer-to-peer\n  consensus: pbft\n"));
  CHECK(std::get<EndomyceteService>(pbft.configuration).deployments[0].replicas == 4);
  CHECK(std::get<EndomyceteService>(pbft.configuration).distribution_strategy.consensus_protocol ==
        ConsensusProtocol::kPbft);

  const auto even_raft = select::recommend(application(
      "  architecture: natively-distributed\n  coordinationPattern: sharding\n  consensus: raft\n"
      "  replicas: 4\n"));
  CHECK(std::get<EndomyceteService>(even_raft.configuration).distribution_strategy.shard_count ==
        4);
  CHECK(mentions(even_raft, "4 replicas with raft tolerate 1 failure, as 3 would"));
  require_valid(even_raft);
}

TEST_CASE("master-replica coordination follows the RPO", "[select]") {
  const auto coordination = [](const std::string& rpo_line) {
    const auto recommendation = select::recommend(application(
        "  architecture: natively-distributed\n  coordinationPattern: master-replica\n" +
        rpo_line));
    return std::get<EndomyceteService>(recommendation.configuration)
        .distribution_strategy.slave_coordination;
  };
  CHECK(coordination("  rpo: 0s\n") == SlaveCoordination::kSynchronous);
  CHECK(coordination("  rpo: 1s\n") == SlaveCoordination::kSemiSynchronous);
  CHECK(coordination("") == SlaveCoordination::kAsynchronous);
}

TEST_CASE("monolithic with fault tolerance -> Endophyte sized from the application", "[select]") {
  const auto recommendation = select::recommend(
      application("  architecture: monolithic\n  faultToleranceRequired: true\n  stateSize: 8Gi\n"
                  "  cpuCores: 6\n  rpo: 300ms\n"));
  CHECK(recommendation.model == select::DeploymentModel::kEndophyte);
  CHECK(recommendation.rationale == "Monolithic application requiring high availability");
  const auto& vm = std::get<EndophyteVM>(recommendation.configuration);
  CHECK(vm.vm_spec.cpu_cores == 6);
  CHECK(vm.vm_spec.memory_bytes == 10ULL << 30);            // 8Gi + 25% = 10Gi
  CHECK(vm.distributed_ram.buffer_bytes == 1280ULL << 20);  // an eighth of 10Gi
  CHECK(vm.distributed_ram.replication_interval == 150ms);  // half the RPO
  CHECK(vm.distributed_ram.emergency_pause_enabled);
  CHECK(vm.distributed_ram.throttling_curve.type == CurveType::kExponential);
  CHECK(vm.backup_strategy.selection_criteria == BackupSelection::kZoneDiverse);
  CHECK(vm.rhizomorph_connections.target_count == 3);
  require_valid(recommendation);
}

TEST_CASE("a tight latency budget gives early linear throttling and latency-first placement",
          "[select]") {
  const auto recommendation = select::recommend(application(
      "  architecture: monolithic\n  faultToleranceRequired: true\n  latencyBudget: 500us\n"));
  const auto& vm = std::get<EndophyteVM>(recommendation.configuration);
  CHECK(vm.distributed_ram.throttling_curve.type == CurveType::kLinear);
  CHECK(vm.distributed_ram.throttle_threshold == 0.6);
  CHECK(vm.backup_strategy.selection_criteria == BackupSelection::kLatencyOptimized);
  CHECK(vm.rhizomorph_connections.load_balancing == LoadBalancing::kLatencyOptimized);
  CHECK(vm.performance_config.cpu_pinning);  // below 1ms
  CHECK(vm.performance_config.huge_pages);
  require_valid(recommendation);
}

TEST_CASE("an RPO below what epochs can promise is clamped and said", "[select]") {
  const auto recommendation = select::recommend(
      application("  architecture: monolithic\n  faultToleranceRequired: true\n  rpo: 1ms\n"));
  CHECK(std::get<EndophyteVM>(recommendation.configuration).distributed_ram.replication_interval ==
        1ms);
  CHECK(mentions(recommendation, "below what epoch replication can promise"));
  require_valid(recommendation);
}

TEST_CASE("monolithic without fault tolerance -> standard Kubernetes", "[select]") {
  const auto recommendation = select::recommend(
      application("  architecture: monolithic\n  faultToleranceRequired: false\n  rto: 5s\n"));
  CHECK(recommendation.model == select::DeploymentModel::kStandardKubernetes);
  CHECK(recommendation.rationale == "Standard deployment sufficient for requirements");
  const auto& service = std::get<EndomyceteService>(recommendation.configuration);
  CHECK(service.distribution_strategy.type == DistributionType::kStandardKubernetes);
  CHECK(service.distribution_strategy.replica_count == 1u);
  CHECK_FALSE(service.service_spore.enabled);
  CHECK(mentions(recommendation, "may be shorter than a pod reschedule"));
  require_valid(recommendation);
}

TEST_CASE("legacy -> Endophyte on the OS it depends on, best effort unless protected", "[select]") {
  const auto unprotected =
      select::recommend(application("  architecture: legacy\n  osDependencies: [windows-xp]\n"));
  CHECK(unprotected.model == select::DeploymentModel::kEndophyte);
  CHECK(unprotected.rationale == "Legacy application requires VM environment");
  const auto& vm = std::get<EndophyteVM>(unprotected.configuration);
  CHECK(vm.vm_spec.os_config.type == "windows-xp");
  CHECK(vm.vm_spec.memory_bytes == 2ULL << 30);  // default 1Gi state + 25%, rounded up
  CHECK_FALSE(vm.distributed_ram.emergency_pause_enabled);
  require_valid(unprotected);

  const auto protected_legacy = select::recommend(application(
      "  architecture: legacy\n  osDependencies: [windows-xp]\n  faultToleranceRequired: true\n"));
  CHECK(std::get<EndophyteVM>(protected_legacy.configuration)
            .distributed_ram.emergency_pause_enabled);
}

TEST_CASE("every shipped application example gets a valid recommendation", "[select]") {
  const auto file = GENERATE(
      as<std::string>{}, "scenarios/applications/legacy-billing.yaml",
      "scenarios/applications/orders-service.yaml", "scenarios/applications/static-website.yaml",
      "scenarios/applications/kv-store.yaml", "scenarios/applications/ledger.yaml");
  INFO(file);
  const LoadResult loaded = load_manifests(testing::read_source_file(file), file);
  REQUIRE(loaded.ok());
  const auto recommendation =
      select::recommend(std::get<Application>(loaded.objects.front().object));
  CHECK_FALSE(recommendation.decisions.empty());
  require_valid(recommendation);
}
