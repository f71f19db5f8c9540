// Planned migration by two-phase convergence, on ManualNetwork: converge, pause, final transfer,
// done; or abort with the guest still running on the source.

#include <memory>
#include <optional>

#include <catch2/catch.hpp>

#include <core/ram/replication_backup.hpp>
#include <core/ram/replication_primary.hpp>
#include <tests/support/guest_driver.hpp>
#include <tests/support/manual_environment.hpp>

using namespace mycelium;
using namespace mycelium::ram;
using namespace mycelium::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kGuestPages = 4096;

struct Cluster {
  explicit Cluster(double max_intensity = 0.9) : network(3, 1ms) {
    vm = &network.node(0).attach_vm(kGuestPages * kPage, kPage);
    driver.emplace(network, *vm, kGuestPages);
    PrimaryConfig config;
    config.ram.buffer_bytes = 256 * kPage;
    config.ram.replication_interval = 10ms;
    config.ram.throttle_threshold = 0.6;
    config.ram.max_intensity = max_intensity;
    config.ram.throttling_curve.type = manifest::CurveType::kLinear;
    config.backups = {NodeId{1}, NodeId{2}};
    primary = std::make_unique<ReplicationPrimary>(network.node(0), config);
    for (std::uint32_t b = 1; b <= 2; ++b)
      backups.push_back(std::make_unique<ReplicationBackup>(network.node(b), NodeId{0}, 1));
    network.set_uplink_bandwidth(2000.0 * kPage);  // 10 pages per 10 ms per backup
  }

  // The guest writes `pages_per_step` new pages every 10 ms, scaled by (1 - intensity).
  void run_guest(Duration duration, double pages_per_step) {
    driver->run(duration, pages_per_step);
  }

  ManualNetwork network;
  FakeVm* vm = nullptr;
  std::unique_ptr<ReplicationPrimary> primary;
  std::vector<std::unique_ptr<ReplicationBackup>> backups;
  std::optional<MigrationOutcome> outcome;
  std::optional<GuestDriver> driver;  // once the guest exists
};

}  // namespace

TEST_CASE("a migration converges, pauses for the final transfer and completes on the target") {
  Cluster cluster;
  cluster.run_guest(1s, 15);  // 1500 pages/s against 1000 per backup: the buffer fills
  REQUIRE(cluster.primary->buffer().level() > 0.3);
  MigrationConfig config;
  config.target = NodeId{2};
  REQUIRE(cluster.primary->start_migration(
      config, [&cluster](const MigrationOutcome& outcome) { cluster.outcome = outcome; }));
  CHECK_FALSE(cluster.primary->start_migration(config, {}));  // one at a time
  cluster.run_guest(10s, 15);

  REQUIRE(cluster.outcome.has_value());
  const MigrationOutcome& outcome = *cluster.outcome;
  CHECK(outcome.completed);
  REQUIRE(outcome.paused_at.has_value());
  CHECK(outcome.blackout() > Duration::zero());
  CHECK(outcome.blackout() < 200ms);  // at most 5 % of the buffer left to send at 2000 pages/s
  // The target holds every epoch, including the last pages written before the pause.
  CHECK(cluster.backups[1]->applied_through() == outcome.final_epoch);
  CHECK(cluster.vm->is_paused());  // the source's copy stays stopped: the target runs it now
  CHECK(cluster.network.node(0).recorded_metrics().counter("migrations_completed_total") == 1);
}

TEST_CASE("a migration that cannot converge aborts with the guest running on the source") {
  Cluster cluster(0.2);  // throttling cannot bring 3000 pages/s under the link
  cluster.run_guest(500ms, 30);
  MigrationConfig config;
  config.target = NodeId{1};
  config.convergence_timeout = 1s;
  REQUIRE(cluster.primary->start_migration(
      config, [&cluster](const MigrationOutcome& outcome) { cluster.outcome = outcome; }));
  cluster.run_guest(2s, 30);

  REQUIRE(cluster.outcome.has_value());
  CHECK_FALSE(cluster.outcome->completed);
  CHECK(cluster.outcome->abort_reason.find("did not converge") != std::string::npos);
  CHECK_FALSE(cluster.primary->migrating());
  // Replication carries on as before the attempt.
  const std::uint64_t launched = cluster.primary->buffer().last_launched();
  cluster.run_guest(1s, 5);
  CHECK(cluster.primary->buffer().last_launched() > launched);
  CHECK(cluster.network.node(0).recorded_metrics().counter("migrations_aborted_total") == 1);
}

TEST_CASE("a final transfer that takes too long aborts and resumes the guest on the source") {
  Cluster cluster;
  cluster.run_guest(300ms, 5);
  MigrationConfig config;
  config.target = NodeId{1};
  config.converge_level = 0.9;           // phase 2 starts at once ...
  config.final_transfer_timeout = 50ms;  // ... and cannot finish in time:
  cluster.network.set_drop_filter([](const Message& m) { return m.to == NodeId{1}; });
  cluster.run_guest(100ms, 5);
  REQUIRE(cluster.primary->start_migration(
      config, [&cluster](const MigrationOutcome& outcome) { cluster.outcome = outcome; }));
  cluster.run_guest(500ms, 5);
  REQUIRE(cluster.outcome.has_value());
  CHECK_FALSE(cluster.outcome->completed);
  CHECK(cluster.outcome->abort_reason.find("final transfer") != std::string::npos);
  CHECK(cluster.outcome->paused_at.has_value());
  CHECK_FALSE(cluster.vm->is_paused());
}

TEST_CASE("only a live backup can be a migration target") {
  Cluster cluster;
  MigrationConfig config;
  config.target = NodeId{0};
  CHECK_FALSE(cluster.primary->start_migration(config, {}));
  cluster.primary->mark_backup_failed(NodeId{1});
  config.target = NodeId{1};
  CHECK_FALSE(cluster.primary->start_migration(config, {}));
}
