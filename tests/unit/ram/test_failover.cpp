// Failover on ManualNetwork: backups notice a silent primary, exchange claims, and exactly the
// most up-to-date one promotes, no sooner than the failure timeout and without losing a
// committed epoch; heartbeats keep a busy primary from being suspected.

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <catch2/catch.hpp>

#include <core/ram/failover_monitor.hpp>
#include <core/ram/replication_backup.hpp>
#include <core/ram/replication_primary.hpp>
#include <tests/support/manual_environment.hpp>

using namespace mycelium;
using namespace mycelium::ram;
using namespace mycelium::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kPage = 4096;

// Node 0 is the primary, nodes 1..3 its backups, each with a failover monitor.
struct Cluster {
  explicit Cluster(std::size_t backup_count = 3) : network(backup_count + 1, 1ms) {
    vm = &network.node(0).attach_vm(4096 * kPage, kPage);
    PrimaryConfig config;
    config.ram.buffer_bytes = 256 * kPage;
    config.ram.replication_interval = 10ms;
    config.ram.throttling_curve.type = manifest::CurveType::kLinear;
    for (std::size_t b = 1; b <= backup_count; ++b)
      config.backups.push_back(NodeId{static_cast<std::uint32_t>(b)});
    primary = std::make_unique<ReplicationPrimary>(network.node(0), config);
    for (NodeId node : config.backups) {
      backups.push_back(
          std::make_unique<ReplicationBackup>(network.node(node.value), NodeId{0}, 1));
    }
    for (std::size_t i = 0; i < backup_count; ++i) {
      FailoverConfig failover;
      failover.primary = NodeId{0};
      for (NodeId node : config.backups) {
        if (node != config.backups[i]) failover.peers.push_back(node);
      }
      monitors.push_back(std::make_unique<FailoverMonitor>(
          network.node(i + 1), *backups[i], failover,
          [this, i](const RestorePoint& from) { promotions.emplace_back(i + 1, from); }));
    }
  }

  void crash_primary() {
    primary->stop();
    network.set_drop_filter([](const Message& m) { return m.from == NodeId{0}; });
    crashed_at = network.now();
  }

  ManualNetwork network;
  FakeVm* vm = nullptr;
  std::unique_ptr<ReplicationPrimary> primary;
  std::vector<std::unique_ptr<ReplicationBackup>> backups;
  std::vector<std::unique_ptr<FailoverMonitor>> monitors;
  std::vector<std::pair<std::size_t, RestorePoint>> promotions;
  TimePoint crashed_at{};
};

}  // namespace

TEST_CASE("a live primary is never suspected") {
  Cluster cluster;
  cluster.network.advance(5s);
  CHECK(cluster.promotions.empty());
  for (const auto& monitor : cluster.monitors)
    CHECK(monitor->state() == FailoverMonitor::State::kWatching);
}

TEST_CASE("backups that have applied no epoch never suspect: a standby waits for its primary") {
  Cluster cluster;
  cluster.crash_primary();  // before its first epoch: nothing ever reaches the backups
  cluster.network.advance(5s);
  CHECK(cluster.promotions.empty());
  for (std::size_t i = 0; i < cluster.monitors.size(); ++i) {
    CHECK(cluster.backups[i]->restore_point().epoch == 0);
    CHECK(cluster.monitors[i]->state() == FailoverMonitor::State::kWatching);
  }
}

TEST_CASE("a busy primary whose epochs take seconds to cross the link is not suspected") {
  Cluster cluster;
  cluster.network.set_uplink_bandwidth(200.0 * kPage);  // 200 pages/s, 3 backups
  for (std::uint64_t page = 0; page < 250; ++page)
    cluster.vm->dirty(page);
  cluster.network.advance(5s);  // the first epoch alone takes ~3.75 s to reach every backup
  CHECK(cluster.promotions.empty());
  CHECK(cluster.backups[2]->applied_through() >= 1);
}

TEST_CASE("after a primary crash exactly the most up-to-date backup promotes") {
  Cluster cluster;
  for (std::uint64_t page = 0; page < 20; ++page)
    cluster.vm->dirty(page);
  cluster.network.advance(200ms);
  // Backup 3 stops receiving data just before the crash: it falls behind the other two.
  cluster.network.set_drop_filter([](const Message& m) { return m.to == NodeId{3}; });
  for (std::uint64_t page = 20; page < 40; ++page)
    cluster.vm->dirty(page);
  cluster.network.advance(100ms);
  const std::uint64_t committed_before = cluster.primary->buffer().last_committed();
  cluster.crash_primary();
  cluster.network.advance(2s);

  REQUIRE(cluster.promotions.size() == 1);
  const auto& [node, restore] = cluster.promotions.front();
  CHECK(node == 1);  // backups 1 and 2 are equally up to date: the lower id wins
  CHECK(restore.epoch >= committed_before);  // no committed epoch lost
  CHECK(restore.epoch > cluster.backups[2]->restore_point().epoch);
  for (const auto& monitor : cluster.monitors)
    CHECK(monitor->new_primary() == NodeId{1});
  CHECK(cluster.monitors[1]->state() == FailoverMonitor::State::kFollowing);

  // Suspected once the last word (at most one heartbeat interval, 100 ms, before the crash) is
  // older than the timeout (500 ms), within one check period (125 ms); decided one election
  // window (200 ms) later.
  const Duration took = *cluster.monitors[0]->decided_at() - cluster.crashed_at;
  CHECK(took >= 500ms - 100ms + 200ms);
  CHECK(took <= 500ms + 125ms + 200ms + 10ms);
}

TEST_CASE("a primary that goes quiet for 1.5 s at every read is not suspected; its crash is") {
  // A real primary reads a large guest's memory on its one thread (1.5 s for 8 GiB): no heartbeat
  // leaves meanwhile. Modelled here by losing everything it sends for 1.5 s of every 3 s, from
  // just after its first heartbeat (sent at once) until the crash.
  Cluster cluster(2);
  const auto quiet = [](TimePoint at) {
    const auto into_cycle = (at - TimePoint(1ms)) % std::chrono::milliseconds(3000);
    return at > TimePoint(1ms) && into_cycle < 1500ms;
  };
  cluster.network.set_drop_filter([&cluster, &quiet](const Message& m) {
    return m.from == NodeId{0} && quiet(cluster.network.now());
  });
  for (std::uint64_t page = 0; page < 20; ++page)
    cluster.vm->dirty(page);
  for (int second = 0; second < 20; ++second) {
    cluster.vm->dirty(static_cast<std::uint64_t>(second));
    cluster.network.advance(1s);
  }
  CHECK(cluster.backups[0]->restore_point().epoch > 0);
  CHECK(cluster.backups[0]->recent_longest_silence() >= 1500ms);
  CHECK(cluster.promotions.empty());  // with the 500 ms timeout alone: suspected at every read
  for (const auto& monitor : cluster.monitors)
    CHECK(monitor->state() == FailoverMonitor::State::kWatching);

  cluster.crash_primary();
  cluster.network.advance(5s);
  REQUIRE(cluster.promotions.size() == 1);
  // Suspected after twice the longest silence (3 s and a bit, the last word being up to 1.5 s
  // before the crash), decided one election window later.
  const Duration took = *cluster.monitors[0]->decided_at() - cluster.crashed_at;
  CHECK(took >= 3s - 1500ms);
  CHECK(took <= 3s + 125ms + 200ms + 10ms);
}

TEST_CASE("claims whose first copies are lost are resent: still exactly one backup promotes") {
  Cluster cluster;
  for (std::uint64_t page = 0; page < 20; ++page)
    cluster.vm->dirty(page);
  cluster.network.advance(300ms);
  // The primary dies, and the first three copies of every claim between two backups are lost:
  // with a single copy each backup would hear no rival and all three would promote.
  std::map<std::pair<std::uint32_t, std::uint32_t>, int> claims_seen;
  cluster.primary->stop();
  cluster.network.set_drop_filter([&claims_seen](const Message& m) {
    if (m.from == NodeId{0}) return true;
    return m.port == kFailoverPort && ++claims_seen[{m.from.value, m.to.value}] <= 3;
  });
  cluster.network.advance(2s);

  REQUIRE(cluster.promotions.size() == 1);
  CHECK(cluster.promotions.front().first == 1);
  for (const auto& monitor : cluster.monitors)
    CHECK(monitor->new_primary() == NodeId{1});
  for (const auto& [link, copies] : claims_seen)
    CHECK(copies == FailoverMonitor::kClaimSends);  // bounded: no copy beyond the window
}

TEST_CASE("a backup that suspects the primary late hears the decided backups' claims") {
  Cluster cluster;
  for (std::uint64_t page = 0; page < 20; ++page)
    cluster.vm->dirty(page);
  cluster.network.advance(300ms);  // every backup applies the same epochs; the guest then idles
  // Backups 1 and 3 lose the primary; backup 2 still hears its heartbeats (but no more data, so
  // it is no more up to date than they are), and their claims do not reach it.
  cluster.network.set_drop_filter([](const Message& m) {
    if (m.from == NodeId{0}) {
      const DecodeResult decoded = decode_replication_message(m.payload);
      return m.to != NodeId{2} || !decoded.message ||
             !std::holds_alternative<PrimaryHeartbeat>(*decoded.message);
    }
    return m.port == kFailoverPort && m.to == NodeId{2};
  });
  cluster.network.advance(2s);
  REQUIRE(cluster.promotions.size() == 1);
  CHECK(cluster.promotions.front().first == 1);
  CHECK(cluster.monitors[1]->state() == FailoverMonitor::State::kWatching);
  CHECK(cluster.backups[1]->restore_point().epoch <= cluster.backups[0]->restore_point().epoch);

  // Now backup 2 loses the primary too. Its own claim alone would elect it; the decided
  // backups answer with theirs, so it follows backup 1 (as up to date, lower id).
  cluster.crash_primary();
  cluster.network.advance(2s);
  CHECK(cluster.promotions.size() == 1);
  CHECK(cluster.monitors[1]->state() == FailoverMonitor::State::kFollowing);
  CHECK(cluster.monitors[1]->new_primary() == NodeId{1});
}

TEST_CASE("a backup whose last epochs arrive after it claimed still decides as its peer does") {
  Cluster cluster(2);
  for (std::uint64_t page = 0; page < 20; ++page)
    cluster.vm->dirty(page);
  cluster.network.advance(200ms);
  // The primary's last epochs reach backup 2 but are held up on their way to backup 1 (a
  // backlog in its socket, a busy host), then the primary dies.
  std::vector<Message> held_up;
  cluster.network.set_drop_filter([&held_up](const Message& m) {
    if (m.from != NodeId{0} || m.to != NodeId{1}) return false;
    held_up.push_back(m);
    return true;
  });
  for (std::uint64_t page = 20; page < 40; ++page)
    cluster.vm->dirty(page);
  cluster.network.advance(100ms);
  cluster.crash_primary();
  REQUIRE(cluster.backups[1]->restore_point().epoch > cluster.backups[0]->restore_point().epoch);
  const std::uint64_t claimed = cluster.backups[0]->restore_point().epoch;
  for (int ms = 0; ms < 2000 && cluster.monitors[0]->state() == FailoverMonitor::State::kWatching;
       ++ms)
    cluster.network.advance(1ms);
  REQUIRE(cluster.monitors[0]->state() == FailoverMonitor::State::kElecting);
  // Backup 1 has sent its first claim; now the held-up epochs arrive and it catches up with
  // backup 2. Its claim must not change: had its later copies said the newer epoch, backup 2
  // would follow backup 1 (as up to date, lower id) while backup 1 follows backup 2 (its first
  // claim being older): no primary at all.
  for (const Message& message : held_up)
    cluster.network.node(1).deliver(message);
  CHECK(cluster.backups[0]->restore_point().epoch > claimed);
  cluster.network.advance(2s);

  REQUIRE(cluster.promotions.size() == 1);
  CHECK(cluster.promotions.front().first == 2);
  CHECK(cluster.monitors[0]->new_primary() == NodeId{2});
  CHECK(cluster.monitors[1]->new_primary() == NodeId{2});
  CHECK(cluster.monitors[0]->state() == FailoverMonitor::State::kFollowing);
}

TEST_CASE("claims from strangers or for another stream are ignored") {
  Cluster cluster;
  PromotionClaim claim;
  claim.stream = 1;
  claim.restore_epoch = 1000;
  Message message;
  message.to = NodeId{1};
  message.port = kFailoverPort;
  message.payload = encode(claim);
  cluster.network.node(0).send(message);  // the primary is not a peer
  claim.stream = 2;
  message.payload = encode(claim);
  cluster.network.node(2).send(message);  // a peer, but another stream
  cluster.network.advance(100ms);
  CHECK(cluster.monitors[0]->state() == FailoverMonitor::State::kWatching);
  CHECK(cluster.network.node(1).recorded_metrics().counter("failover_messages_unexpected_total") ==
        2);
}

TEST_CASE("a completed migration hands over: the target promotes, the others follow, no election") {
  Cluster cluster;
  for (std::uint64_t page = 0; page < 30; ++page)
    cluster.vm->dirty(page);
  cluster.network.advance(300ms);
  std::optional<MigrationOutcome> outcome;
  MigrationConfig migrate;
  migrate.target = NodeId{3};  // not the lowest id: an election would pick backup 1
  REQUIRE(cluster.primary->start_migration(
      migrate, [&outcome](const MigrationOutcome& done) { outcome = done; }));
  cluster.network.advance(2s);
  REQUIRE(outcome.has_value());
  REQUIRE(outcome->completed);

  REQUIRE(cluster.promotions.size() == 1);
  CHECK(cluster.promotions.front().first == 3);
  CHECK(cluster.promotions.front().second.epoch == outcome->final_epoch);
  for (const auto& monitor : cluster.monitors)
    CHECK(monitor->new_primary() == NodeId{3});
  CHECK(cluster.monitors[0]->state() == FailoverMonitor::State::kFollowing);
  CHECK(cluster.monitors[2]->state() == FailoverMonitor::State::kPromoted);
  CHECK(cluster.monitors[2]->handed_over());
  // Decided by the handover, at once: nobody suspected the primary or held an election.
  for (std::uint32_t node = 1; node <= 3; ++node) {
    CHECK(cluster.network.node(node).recorded_metrics().counter("failover_elections_total") == 0);
    CHECK(cluster.network.node(node).recorded_metrics().counter("failover_handovers_total") == 1);
  }
  CHECK(*cluster.monitors[2]->decided_at() - outcome->finished_at < 50ms);
}

TEST_CASE("a handover from anyone but the primary is ignored") {
  Cluster cluster;
  Message forged;
  forged.to = NodeId{2};
  forged.port = kFailoverPort;
  forged.payload = encode(Handover{1, 5, NodeId{2}});
  cluster.network.node(1).send(forged);  // node 1 is a backup, not the primary
  cluster.network.advance(100ms);
  CHECK(cluster.promotions.empty());
  CHECK(cluster.monitors[1]->state() == FailoverMonitor::State::kWatching);
}
