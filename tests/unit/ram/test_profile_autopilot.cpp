// The latency-profile autopilot on ManualNetwork: it measures the round trip to the backups,
// applies the profile it indicates to the running primary, and re-applies when the route changes.

#include <catch2/catch.hpp>

#include <core/placement/rtt_probe.hpp>
#include <core/ram/profile_autopilot.hpp>
#include <tests/support/replication_cluster.hpp>

using namespace mycelium;
using namespace mycelium::ram;
using namespace mycelium::testing;
using namespace std::chrono_literals;
using placement::LatencyProfile;

namespace {

constexpr std::uint64_t kGuestBytes = ReplicationCluster::kGuestPages * ReplicationCluster::kPage;

// Two backups answering round-trip probes, 100 ms epochs to begin with.
struct AutopilotCluster {
  explicit AutopilotCluster(Duration one_way_latency, bool apply = true,
                            std::uint64_t guest_memory_bytes = kGuestBytes)
      : cluster(config(), one_way_latency) {
    for (std::size_t node = 1; node <= 2; ++node)
      responders.push_back(std::make_unique<placement::RttResponder>(cluster.network.node(node)));
    AutopilotConfig autopilot_config;
    autopilot_config.base = cluster.primary->config().ram;
    autopilot_config.guest_memory_bytes = guest_memory_bytes;
    autopilot_config.apply = apply;
    autopilot_config.first_probe_delay = 100ms;
    autopilot_config.probe_period = 1s;
    // The timelines below assume a probe done within 100 ms (five pings 20 ms apart), not the
    // default's half second spread over the epochs of a busy real primary.
    autopilot_config.probe = placement::RttProbeConfig{};
    autopilot = std::make_unique<ProfileAutopilot>(cluster.network.node(0), *cluster.primary,
                                                   autopilot_config);
  }

  static PrimaryConfig config() {
    PrimaryConfig config = ReplicationCluster::test_config(2);
    config.ram.replication_interval = 100ms;
    config.ram.buffer_bytes = 256 * ReplicationCluster::kPage;
    return config;
  }

  ReplicationCluster cluster;
  std::vector<std::unique_ptr<placement::RttResponder>> responders;
  std::unique_ptr<ProfileAutopilot> autopilot;
};

}  // namespace

TEST_CASE("the autopilot applies the profile the round trip indicates, and follows a new route") {
  AutopilotCluster lan(100us);  // 0.2 ms round trips
  lan.cluster.run_guest(1s, 2);
  REQUIRE(lan.autopilot->detected() == LatencyProfile::kLan);
  REQUIRE(lan.autopilot->applications() == 1);
  const manifest::DistributedRamConfig& ram = lan.cluster.primary->config().ram;
  CHECK(ram.replication_interval == 10ms);
  CHECK(ram.buffer_bytes == 16ull << 20);  // 512Mi/s x 12 ms x 2, rounded up to 16Mi
  CHECK(ram.throttle_threshold == 0.6);
  CHECK(ram.throttling_curve.type == manifest::CurveType::kExponential);
  CHECK(ram.emergency_pause_enabled);
  CHECK(ram.max_intensity == AutopilotCluster::config().ram.max_intensity);  // kept from base
  CHECK(lan.autopilot->applied()->ram == ram);
  CHECK(lan.cluster.counter(0, "latency_profile_applications_total") == 1);

  // The same route: probes go on, nothing is re-applied.
  lan.cluster.run_guest(5s, 2);
  CHECK(lan.autopilot->applications() == 1);
  CHECK(lan.cluster.counter(0, "replication_reconfigurations_total") == 1);

  // The route to the backups becomes intercontinental (60 ms round trips). One slow probe
  // switches nothing; as the smoothed RTT climbs the detector passes through medium (beyond
  // 2.5 ms) to WAN (beyond 37.5 ms), three agreeing probes each time, and each is applied.
  lan.cluster.network.set_one_way_latency(30ms);
  lan.cluster.run_guest(1500ms, 2);
  CHECK(lan.autopilot->detected() == LatencyProfile::kLan);
  lan.cluster.run_guest(20s, 2);
  REQUIRE(lan.autopilot->detected() == LatencyProfile::kWan);
  CHECK(lan.autopilot->applications() == 3);
  std::vector<double> profiles;
  for (const auto& [at, profile] : lan.cluster.series("latency_profile"))
    if (profiles.empty() || profiles.back() != profile) profiles.push_back(profile);
  CHECK(profiles == std::vector<double>{0, 1, 2});  // lan, medium, wan
  CHECK(lan.cluster.primary->config().ram.replication_interval == 500ms);
  CHECK_FALSE(lan.cluster.primary->config().ram.emergency_pause_enabled);
  // Replication goes on at the new pace: everything the guest wrote commits.
  lan.cluster.run_guest(2s, 0);
  CHECK(lan.cluster.primary->buffer().uncommitted_bytes() == 0);
}

TEST_CASE("without apply the autopilot recommends and changes nothing") {
  AutopilotCluster lan(100us, false);
  lan.cluster.run_guest(2s, 2);
  REQUIRE(lan.autopilot->recommended().has_value());
  CHECK(lan.autopilot->recommended()->profile == LatencyProfile::kLan);
  CHECK(lan.autopilot->recommended()->ram.replication_interval == 10ms);
  CHECK(lan.autopilot->applications() == 0);
  CHECK_FALSE(lan.autopilot->applied().has_value());
  CHECK(lan.cluster.primary->config().ram == AutopilotCluster::config().ram);
}

TEST_CASE("a profile refused during a migration is applied once the migration has aborted") {
  AutopilotCluster lan(100us);
  lan.cluster.network.set_uplink_bandwidth(1000.0 * ReplicationCluster::kPage);
  MigrationConfig migration;
  migration.target = NodeId{2};
  migration.convergence_timeout = 1500ms;
  std::optional<MigrationOutcome> outcome;
  REQUIRE(lan.cluster.primary->start_migration(
      migration, [&outcome](const MigrationOutcome& done) { outcome = done; }));
  lan.cluster.run_guest(500ms, 40);  // 4000 pages/s: far more than the link carries
  CHECK(lan.autopilot->detected() == LatencyProfile::kLan);
  CHECK(lan.autopilot->applications() == 0);
  CHECK(lan.autopilot->last_refusal() == "a migration is running");
  lan.cluster.run_guest(2s, 40);
  REQUIRE(outcome.has_value());
  CHECK_FALSE(outcome->completed);
  CHECK(lan.autopilot->applications() == 1);
  CHECK(lan.autopilot->last_refusal().empty());
  CHECK(lan.cluster.primary->config().ram.replication_interval == 10ms);
}

TEST_CASE("a busier guest grows the applied buffer; a quieter one does not shrink it") {
  // The buffer cap is the autopilot's business: tell it the guest is large.
  AutopilotCluster lan(100us, true, 4ull << 30);
  lan.cluster.run_guest(1s, 2);
  REQUIRE(lan.autopilot->applications() == 1);
  CHECK(lan.cluster.primary->config().ram.buffer_bytes == 16ull << 20);  // the reference rate's
  // libvirt measures 100 MiB/s over 1 s: 100 MiB x 2 -> 208Mi, applied at the next probe.
  lan.autopilot->set_dirty_rate({100.0 * (1 << 20), 1s});
  lan.cluster.run_guest(1500ms, 2);
  CHECK(lan.autopilot->applications() == 2);
  CHECK(lan.cluster.primary->config().ram.buffer_bytes == 208ull << 20);
  CHECK(lan.cluster.primary->config().ram.replication_interval == 10ms);  // same profile
  // Quieter again: the recommendation shrinks, the applied buffer stays.
  lan.autopilot->set_dirty_rate({1.0 * (1 << 20), 1s});
  lan.cluster.run_guest(3s, 2);
  CHECK(lan.autopilot->recommended()->ram.buffer_bytes == 16ull << 20);
  CHECK(lan.autopilot->applications() == 2);
  CHECK(lan.cluster.primary->config().ram.buffer_bytes == 208ull << 20);
}

TEST_CASE("reads slower than the profile's interval raise it, and raise it again if they slow") {
  AutopilotCluster lan(100us, true, 4ull << 30);  // no cap on the buffer from the guest size
  lan.cluster.vm->read_cost = 30ms;               // a real host's scan of the guest
  lan.cluster.run_guest(1s, 2);
  REQUIRE(lan.autopilot->applications() == 1);
  CHECK(lan.autopilot->interval_floor() == 60ms);
  const manifest::DistributedRamConfig& ram = lan.cluster.primary->config().ram;
  CHECK(ram.replication_interval == 60ms);  // LAN's 10 ms, raised to 2 x 30 ms
  CHECK(ram.buffer_bytes == 64ull << 20);   // 512Mi/s x (60 + 2) ms x 2 = 63.5Mi
  CHECK(lan.cluster.primary->recent_read_cost(0.9) == 30ms);
  // Reads a little slower (floor 70 ms, within 25 % of 60 ms): nothing ratchets up.
  lan.cluster.vm->read_cost = 35ms;
  lan.cluster.run_guest(1500ms, 2);
  CHECK(lan.autopilot->interval_floor() == 70ms);
  CHECK(lan.autopilot->applications() == 1);
  // Much slower (floor 90 ms): the profile is applied again with the new floor.
  lan.cluster.vm->read_cost = 45ms;
  lan.cluster.run_guest(1500ms, 2);
  CHECK(lan.autopilot->applications() == 2);
  CHECK(lan.cluster.primary->config().ram.replication_interval == 90ms);
  // Faster reads again: nothing shrinks within the profile.
  lan.cluster.vm->read_cost = 1ms;
  lan.cluster.run_guest(5s, 2);
  CHECK(lan.autopilot->applications() == 2);
  CHECK(lan.cluster.primary->config().ram.replication_interval == 90ms);
}
