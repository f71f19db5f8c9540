// Live reconfiguration of a running primary (ReplicationPrimary::reconfigure), on ManualNetwork:
// what changes at once, what from the next tick, and when it is refused.

#include <catch2/catch.hpp>

#include <tests/support/replication_cluster.hpp>

using namespace mycelium;
using namespace mycelium::ram;
using namespace mycelium::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kPage = ReplicationCluster::kPage;

// Gaps between consecutive ticks (one level sample per tick) from `after` on.
std::vector<Duration> tick_gaps(ReplicationCluster& cluster, TimePoint after) {
  std::vector<Duration> gaps;
  const auto& samples = cluster.series("replication_buffer_level_ratio");
  for (std::size_t i = 1; i < samples.size(); ++i) {
    if (samples[i - 1].first >= after) gaps.push_back(samples[i].first - samples[i - 1].first);
  }
  return gaps;
}

}  // namespace

TEST_CASE("a reconfigured interval takes effect from the next tick") {
  ReplicationCluster cluster(ReplicationCluster::test_config(1));
  cluster.run_guest(200ms, 2);
  for (const Duration gap : tick_gaps(cluster, TimePoint{}))
    CHECK(gap == 10ms);
  manifest::DistributedRamConfig ram = cluster.primary->config().ram;
  ram.replication_interval = 50ms;
  REQUIRE(cluster.primary->reconfigure(ram).empty());
  CHECK(cluster.primary->config().ram.replication_interval == 50ms);
  cluster.run_guest(500ms, 2);
  const std::vector<Duration> gaps = tick_gaps(cluster, TimePoint(200ms));
  CHECK(gaps.size() == 10);  // from the 200 ms tick: 250, 300, ..., 700 ms
  for (const Duration gap : gaps)
    CHECK(gap == 50ms);
  CHECK(cluster.counter(0, "replication_reconfigurations_total") == 1);
  // Epochs still commit at the new pace.
  cluster.network.advance(55ms);
  CHECK(cluster.primary->buffer().last_committed() == cluster.primary->buffer().last_launched());
}

TEST_CASE("a smaller buffer pauses the guest and a larger one lets it run") {
  ReplicationCluster cluster(ReplicationCluster::test_config(1));
  cluster.network.set_uplink_bandwidth(1000.0 * kPage);
  cluster.run_guest(500ms, 5);  // 500 pages/s on a 1000 pages/s link: the 64-page buffer copes
  REQUIRE(cluster.vm->pauses == 0);
  manifest::DistributedRamConfig ram = cluster.primary->config().ram;
  ram.buffer_bytes = 4 * kPage;  // less than one epoch's writes
  REQUIRE(cluster.primary->reconfigure(ram).empty());
  CHECK(cluster.primary->buffer().capacity_bytes() == 4 * kPage);
  cluster.run_guest(500ms, 5);
  CHECK(cluster.vm->pauses > 0);

  ram.buffer_bytes = 64 * kPage;
  REQUIRE(cluster.primary->reconfigure(ram).empty());
  cluster.run_guest(20ms, 5);  // a tick to resume, if the guest was paused
  const int pauses = cluster.vm->pauses;
  cluster.run_guest(1s, 5);
  CHECK(cluster.vm->pauses == pauses);
  CHECK_FALSE(cluster.vm->is_paused());
}

TEST_CASE("switching emergency pause off resumes a guest the primary paused") {
  ReplicationCluster cluster(ReplicationCluster::test_config(1));
  cluster.network.set_uplink_bandwidth(100.0 * kPage);  // 1 page per 10 ms
  cluster.run_guest(2s, 30);                            // far beyond it: the buffer fills
  REQUIRE(cluster.primary->guest_paused_by_replication());
  REQUIRE(cluster.vm->is_paused());
  manifest::DistributedRamConfig ram = cluster.primary->config().ram;
  ram.emergency_pause_enabled = false;
  REQUIRE(cluster.primary->reconfigure(ram).empty());
  CHECK_FALSE(cluster.vm->is_paused());
  CHECK_FALSE(cluster.primary->guest_paused_by_replication());
  // Best effort from now on: the oldest queued pages go, the level stays at or below 1.
  const std::size_t before = cluster.series("replication_buffer_level_ratio").size();
  cluster.run_guest(1s, 30);
  CHECK(cluster.counter(0, "replication_discarded_bytes_total") > 0);
  CHECK_FALSE(cluster.vm->is_paused());
  const auto& levels = cluster.series("replication_buffer_level_ratio");
  for (std::size_t i = before; i < levels.size(); ++i)
    CHECK(levels[i].second <= 1.0);
}

TEST_CASE("a reconfiguration is refused during a migration, after stop, or when it cannot run") {
  ReplicationCluster cluster(ReplicationCluster::test_config(2));
  cluster.run_guest(100ms, 2);
  const manifest::DistributedRamConfig original = cluster.primary->config().ram;

  manifest::DistributedRamConfig ram = original;
  ram.replication_interval = 0ms;
  CHECK(cluster.primary->reconfigure(ram) ==
        "replication interval must be between 1 ms and 1000 ms");
  ram = original;
  ram.buffer_bytes = kPage - 1;
  CHECK(cluster.primary->reconfigure(ram) == "buffer smaller than one page");
  CHECK(cluster.primary->config().ram == original);       // nothing changed
  CHECK(cluster.primary->reconfigure(original).empty());  // the same settings: nothing to do
  CHECK(cluster.counter(0, "replication_reconfigurations_total") == 0);

  MigrationConfig migration;
  migration.target = NodeId{2};
  REQUIRE(cluster.primary->start_migration(migration, [](const MigrationOutcome&) {}));
  ram = original;
  ram.replication_interval = 20ms;
  CHECK(cluster.primary->reconfigure(ram) == "a migration is running");
  cluster.primary->stop();
  CHECK(cluster.primary->reconfigure(ram) == "replication has stopped");
  CHECK(cluster.primary->config().ram == original);
}
