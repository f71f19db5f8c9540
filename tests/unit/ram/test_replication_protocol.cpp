// The replication protocol end to end on ManualNetwork: a primary with a fake guest and its
// backups, a hand-turned clock, optional loss and uplink bandwidth.

#include <memory>
#include <optional>
#include <set>

#include <catch2/catch.hpp>

#include <tests/support/replication_cluster.hpp>

using namespace mycelium;
using namespace mycelium::ram;
using namespace mycelium::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kPage = ReplicationCluster::kPage;
constexpr std::uint64_t kGuestPages = ReplicationCluster::kGuestPages;
using Cluster = ReplicationCluster;

PrimaryConfig base_config(std::size_t backup_count) {
  return ReplicationCluster::test_config(backup_count);
}

}  // namespace

TEST_CASE("every dirtied page reaches every backup and the epoch commits") {
  Cluster cluster(base_config(2));
  for (std::uint64_t page = 0; page < 10; ++page)
    cluster.vm->dirty(page);
  cluster.network.advance(105ms);  // past the t = 100 ms tick's round trip

  const ReplicationBuffer& buffer = cluster.primary->buffer();
  CHECK(buffer.last_launched() >= 1);
  CHECK(buffer.last_committed() == buffer.last_launched());
  CHECK(buffer.buffered_bytes() == 0);
  for (const auto& backup : cluster.backups) {
    CHECK(backup->applied_through() == buffer.last_launched());
    CHECK(backup->bytes_received() == 10 * kPage);
    // The first tick (t = 10 ms) read the pages: that is the instant the backups can restore.
    CHECK(backup->restore_point().snapshot_time >= TimePoint(10ms));
  }
}

TEST_CASE("each launched epoch is captured with its pages, and released once every backup has it") {
  // The real backend copies an epoch's pages at capture and frees them at release: both must come
  // exactly once per epoch, capture with the epoch's page list, release only after the backups
  // acknowledged it.
  Cluster cluster(base_config(2));
  for (std::uint64_t page = 0; page < 10; ++page)
    cluster.vm->dirty(page);
  cluster.network.advance(11ms);  // the t = 10 ms tick launched epoch 1, not yet acknowledged
  REQUIRE(cluster.vm->captured.contains(1));
  CHECK(cluster.vm->captured.at(1) == std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK_FALSE(cluster.vm->released.contains(1));
  cluster.run_guest(500ms, 5);
  const ReplicationBuffer& buffer = cluster.primary->buffer();
  REQUIRE(buffer.last_launched() > 10);
  for (std::uint64_t epoch = 1; epoch <= buffer.last_launched(); ++epoch) {
    INFO("epoch " << epoch);
    CHECK(cluster.vm->captured.contains(epoch));
    // Released exactly when it left the buffer: the ones still in flight are kept.
    CHECK(cluster.vm->released.contains(epoch) == (buffer.find(epoch) == nullptr));
  }
}

TEST_CASE("a page re-dirtied within an epoch or while queued is sent once") {
  PrimaryConfig config = base_config(1);
  config.max_epochs_in_flight = 1;
  Cluster cluster(config, 50ms);  // a long round trip keeps the window full
  for (int i = 0; i < 10; ++i)
    cluster.vm->dirty(5);
  cluster.network.advance(10ms);  // epoch 1 = {5} launched, in flight for 100 ms
  for (int tick = 0; tick < 5; ++tick) {
    cluster.vm->dirty(7);  // queued behind epoch 1, five ticks in a row
    cluster.network.advance(10ms);
  }
  cluster.network.advance(305ms);
  CHECK(cluster.backups[0]->bytes_received() == 2 * kPage);  // page 5 once, page 7 once
  CHECK(cluster.primary->buffer().last_committed() >= 2);
  CHECK(cluster.primary->buffer().buffered_bytes() == 0);
}

TEST_CASE("commit policy all waits for every backup, quorum for a majority") {
  SECTION("all") {
    Cluster cluster(base_config(3));
    cluster.network.set_drop_filter([](const Message& m) { return m.to == NodeId{3}; });
    cluster.run_guest(200ms, 2);
    CHECK(cluster.primary->buffer().last_launched() >= 1);
    CHECK(cluster.primary->buffer().last_committed() == 0);
  }
  SECTION("quorum") {
    PrimaryConfig config = base_config(3);
    config.ram.commit_policy = manifest::CommitPolicy::kQuorum;
    Cluster cluster(config);
    cluster.network.set_drop_filter([](const Message& m) { return m.to == NodeId{3}; });
    cluster.run_guest(200ms, 2);
    CHECK(cluster.primary->buffer().last_committed() >= 10);
  }
}

TEST_CASE("a failed backup stops holding commits back") {
  Cluster cluster(base_config(2));
  cluster.network.set_drop_filter([](const Message& m) { return m.to == NodeId{2}; });
  cluster.run_guest(100ms, 2);
  CHECK(cluster.primary->buffer().last_committed() == 0);
  cluster.primary->mark_backup_failed(NodeId{2});
  cluster.run_guest(100ms, 2);
  CHECK(cluster.primary->buffer().last_committed() >= 5);
  CHECK(cluster.counter(0, "replication_backups_failed_total") == 1);
}

TEST_CASE("a lost chunk is retransmitted and the epoch still commits") {
  Cluster cluster(base_config(1));
  bool dropped_one = false;
  cluster.network.set_drop_filter([&dropped_one](const Message& m) {
    if (dropped_one || m.to != NodeId{1} || m.bulk_bytes == 0) return false;
    dropped_one = true;
    return true;
  });
  for (std::uint64_t page = 0; page < 8; ++page)
    cluster.vm->dirty(page);
  cluster.network.advance(2005ms);
  CHECK(dropped_one);
  CHECK(cluster.counter(0, "replication_chunks_retransmitted_total") >= 1);
  CHECK(cluster.backups[0]->bytes_received() == 8 * kPage);
  CHECK(cluster.primary->buffer().last_committed() == cluster.primary->buffer().last_launched());
}

TEST_CASE("below the link rate the buffer stays under the threshold and nothing is throttled") {
  Cluster cluster(base_config(2));
  cluster.network.set_uplink_bandwidth(1000.0 * kPage);  // 1000 pages/s
  cluster.run_guest(2s, 2);                              // 200 pages/s per backup
  for (const auto& [at, level] : cluster.series("replication_buffer_level_ratio")) {
    CHECK(level < 0.6);
  }
  CHECK(cluster.vm->throttle_intensity() == 0.0);
  CHECK(cluster.vm->pauses == 0);
}

TEST_CASE("above the link rate the guest is throttled") {
  PrimaryConfig config = base_config(1);
  config.ram.emergency_pause_enabled = false;
  Cluster cluster(config);
  cluster.network.set_uplink_bandwidth(1000.0 * kPage);  // 10 pages per 10 ms
  cluster.run_guest(5s, 30);                             // 3000 pages/s
  CHECK(cluster.vm->throttle_intensity() > 0.5);
}

TEST_CASE("emergency pause stops the guest at a full buffer and resumes at the resume level") {
  PrimaryConfig config = base_config(1);
  config.ram.max_intensity = 0.3;  // throttling alone cannot keep up
  Cluster cluster(config);
  cluster.network.set_uplink_bandwidth(500.0 * kPage);
  cluster.run_guest(5s, 30);
  REQUIRE(cluster.vm->pauses >= 1);
  CHECK(cluster.counter(0, "replication_emergency_pauses_total") == cluster.vm->pauses);

  const auto& paused = cluster.series("guest_paused");
  const auto& level = cluster.series("replication_buffer_level_ratio");
  REQUIRE(paused.size() == level.size());
  int resumes = 0;
  for (std::size_t i = 1; i < paused.size(); ++i) {
    if (paused[i - 1].second == 0.0 && paused[i].second == 1.0) CHECK(level[i].second >= 1.0);
    if (paused[i - 1].second == 1.0 && paused[i].second == 0.0) {
      ++resumes;
      CHECK(level[i].second <= 0.8);
    }
  }
  CHECK(resumes >= 1);
  // No page was discarded and every launched epoch is restorable.
  CHECK(cluster.counter(0, "replication_discarded_bytes_total") == 0);
  cluster.network.advance(2005ms);
  CHECK(cluster.backups[0]->restore_point().epoch == cluster.primary->buffer().last_launched());
}

TEST_CASE("best effort discards instead of pausing, then resyncs to a restorable epoch") {
  PrimaryConfig config = base_config(1);
  config.ram.emergency_pause_enabled = false;
  config.ram.max_intensity = 0.3;
  Cluster cluster(config);
  cluster.network.set_uplink_bandwidth(500.0 * kPage);
  cluster.run_guest(3s, 30);
  CHECK(cluster.vm->pauses == 0);
  CHECK(cluster.counter(0, "replication_discarded_bytes_total") > 0);
  for (const auto& [at, level] : cluster.series("replication_buffer_level_ratio")) {
    CHECK(level <= 1.0);
  }
  const ReplicationBackup& backup = *cluster.backups[0];
  CHECK(backup.restore_point().epoch < backup.applied_through());  // stale: behind what it holds

  // The guest goes quiet: resync catches up (the stale set can be far larger than the buffer).
  cluster.run_guest(20s, 0);
  cluster.network.advance(5ms);
  CHECK(cluster.primary->buffer().stale_bytes() == 0);
  CHECK(cluster.counter(0, "replication_resync_bytes_total") > 0);
  CHECK(backup.restore_point().epoch == cluster.primary->buffer().last_launched());
}

TEST_CASE("the backup ignores chunks from anyone but its primary") {
  Cluster cluster(base_config(1));
  EpochChunk chunk;
  chunk.stream = 1;
  chunk.epoch = 1;
  Message forged;
  forged.to = NodeId{1};
  forged.port = kReplicationPort;
  forged.payload = encode(chunk);
  cluster.network.node(0).send(forged);  // node 0 is the primary: accepted
  cluster.network.node(1).send(forged);  // from itself: refused
  forged.payload = {1, 2, 3};
  cluster.network.node(0).send(forged);  // malformed
  cluster.network.advance(5ms);
  CHECK(cluster.counter(1, "replication_messages_unexpected_total") == 1);
  CHECK(cluster.counter(1, "replication_messages_malformed_total") == 1);
}

TEST_CASE("killing one of three rhizomorph connections mid-epoch loses no page") {
  PrimaryConfig config = base_config(1);
  config.connections_per_backup = 3;
  config.ram.buffer_bytes = 1024 * kPage;
  Cluster cluster(config);
  cluster.network.set_uplink_bandwidth(3000.0 * kPage);
  std::set<std::uint64_t> applied_pages;
  cluster.backups[0]->on_apply([&applied_pages](const EpochChunk& chunk) {
    applied_pages.insert(chunk.pages.begin(), chunk.pages.end());
  });
  cluster.run_guest(1s, 20);  // 2000 pages/s: chunks of ~7 pages on each connection
  const std::uint64_t committed_before = cluster.primary->buffer().last_committed();

  // Connection 1 breaks: what it carries is lost, and the backend tells the primary.
  const auto on_connection_1 = [](const Message& m) {
    return m.to == NodeId{1} && m.bulk_bytes > 0 && m.lane == 1;
  };
  REQUIRE(cluster.network.drop_in_flight(on_connection_1) > 0);
  cluster.primary->connection_failed(NodeId{1}, 1);
  const rhizo::ConnectionSet& connections = cluster.primary->connections(NodeId{1});
  CHECK(connections.usable_count() == 2);
  CHECK(connections.health(1) == rhizo::Health::kFailed);

  cluster.run_guest(1s, 20);
  // Throughput recovered on the other two: commits kept their pace.
  const std::uint64_t committed_after = cluster.primary->buffer().last_committed();
  CHECK(committed_after - committed_before >= 80);  // ~100 epochs a second before the failure

  cluster.run_guest(500ms, 0);   // quiet: everything drains
  cluster.network.advance(5ms);  // past the last tick's round trip
  CHECK(cluster.backups[0]->applied_through() == cluster.primary->buffer().last_launched());
  std::set<std::uint64_t> written;
  for (std::uint64_t page = 0; page < cluster.driver->pages_written(); ++page)
    written.insert(page % kGuestPages);
  CHECK(applied_pages == written);
  CHECK(cluster.counter(0, "rhizomorph_connections_failed_total") == 1);
}

TEST_CASE("a connection that keeps timing out is failed and its share moves to the others") {
  PrimaryConfig config = base_config(1);
  config.connections_per_backup = 3;
  config.min_retransmit_timeout = 50ms;
  Cluster cluster(config);
  // Connection 2 silently loses everything (no close is ever reported).
  cluster.network.set_drop_filter(
      [](const Message& m) { return m.to == NodeId{1} && m.lane == 2; });
  cluster.run_guest(1s, 30);
  const rhizo::ConnectionSet& connections = cluster.primary->connections(NodeId{1});
  CHECK(connections.failures(2) >= 1);
  CHECK(cluster.primary->buffer().last_committed() >= 50);
  CHECK(cluster.counter(0, "replication_chunks_retransmitted_total") >= 3);
  cluster.run_guest(500ms, 0);
  cluster.network.advance(5ms);
  CHECK(cluster.backups[0]->applied_through() == cluster.primary->buffer().last_launched());
}

TEST_CASE("a backup that stops answering is declared failed and commits resume without it") {
  PrimaryConfig config = base_config(2);
  config.backup_failure_timeout = 1s;
  Cluster cluster(config);
  cluster.run_guest(2s, 2);  // idle stretches included: a quiet backup is never suspected
  CHECK(cluster.counter(0, "replication_backups_failed_total") == 0);
  cluster.network.set_drop_filter([](const Message& m) { return m.to == NodeId{2}; });
  cluster.run_guest(500ms, 2);
  const std::uint64_t stalled = cluster.primary->buffer().last_committed();
  cluster.run_guest(500ms, 2);
  CHECK(cluster.primary->buffer().last_committed() == stalled);  // commit policy all waits
  cluster.run_guest(1s, 2);
  CHECK(cluster.counter(0, "replication_backups_failed_total") == 1);
  CHECK(cluster.primary->buffer().last_committed() > stalled + 10);
}
