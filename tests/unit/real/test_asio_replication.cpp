// Endophyte RAM replication, unchanged core, over the real runtime: a primary and two backups
// on AsioEnvironments, chunks and their guest pages on 4 TCP lanes per backup, acknowledgements
// and heartbeats on UDP, all on loopback. The guest is the demo workload writing stamped pages
// into memory; the primary finds them by scan-and-diff and sends each epoch's copy taken at the
// read (MemoryGuest), each backup writes them in epoch order (ReplicaWriter). While the workload
// writes, every replica is a consistent snapshot (no page newer than its header); once it stops
// and the buffer drains, each equals the guest's memory byte for byte.

#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <core/ram/replication_backup.hpp>
#include <core/ram/replication_primary.hpp>
#include <real/env/asio_environment.hpp>
#include <real/replication/guest_pages.hpp>
#include <real/replication/memory_guest.hpp>
#include <real/workload/stamped_pages.hpp>
#include <tests/unit/real/asio_test_support.hpp>

using namespace mycelium;
using namespace mycelium::real;
using namespace mycelium::real::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kPageBytes = 4096;
constexpr std::uint64_t kGuestPages = 2048;  // 8 MiB
constexpr std::uint32_t kBackups = 2;
constexpr std::uint32_t kLanes = 4;

struct Backup {
  std::unique_ptr<AsioEnvironment> env;
  std::vector<std::uint8_t> replica = std::vector<std::uint8_t>(kGuestPages * kPageBytes, 0);
  std::unique_ptr<ReplicaWriter> writer;
  std::unique_ptr<ram::ReplicationBackup> backup;
};

}  // namespace

TEST_CASE("asio replication: replicas are snapshots while the guest writes, and equal it after") {
  boost::asio::io_context io;
  std::vector<std::uint8_t> memory(kGuestPages * kPageBytes, 0);
  DemoWorkload workload(memory, kPageBytes, 3);
  MemoryGuest guest(memory, kPageBytes);
  AsioEnvironment primary_env(io,
                              AsioEnvironmentConfig{NodeId{0}, any_loopback_port(), {}, 5, &guest});
  primary_env.set_bulk_source(ram::kReplicationPort, guest.source());
  std::vector<Backup> backups(kBackups);
  for (std::uint32_t b = 0; b < kBackups; ++b) {
    Backup& backup = backups[b];
    backup.env = std::make_unique<AsioEnvironment>(
        io, AsioEnvironmentConfig{NodeId{b + 1}, any_loopback_port(), {}, 5});
    backup.writer = std::make_unique<ReplicaWriter>(backup.replica);
    backup.env->set_bulk_sink(ram::kReplicationPort, backup.writer->sink());
    // Backup 1 has its chunks read straight into its staging, backup 2 through the lane's own
    // buffer: both paths must give the same replica.
    if (b == 0)
      backup.env->set_bulk_destination(ram::kReplicationPort, backup.writer->destination());
    backup.env->add_peer(NodeId{0}, primary_env.local_endpoint());
    primary_env.add_peer(NodeId{b + 1}, backup.env->local_endpoint());
    backup.backup = std::make_unique<ram::ReplicationBackup>(*backup.env, NodeId{0}, 1);
    backup.backup->on_apply(
        [writer = backup.writer.get()](const ram::EpochChunk& chunk) { writer->apply(chunk); });
  }
  ram::PrimaryConfig config;
  config.ram.buffer_bytes = 4ULL << 20;
  config.ram.replication_interval = 10ms;
  config.ram.throttling_curve.type = manifest::CurveType::kLinear;
  config.backups = {NodeId{1}, NodeId{2}};
  config.connections_per_backup = kLanes;
  config.initial_rate_bytes_per_s = 200e6;  // loopback
  REQUIRE(ram::validate(config, &guest).empty());
  ram::ReplicationPrimary primary(primary_env, config);

  // The workload writes 40 pages every 5 ms (32 MiB/s) for a second. Every 50 ms meanwhile,
  // each replica that holds anything must be a snapshot: whole pages, none newer than the
  // header the same epochs brought (pages read at send time instead of at the read fail this).
  std::vector<std::uint64_t> page_of_sequence{0};  // [s]: the page write s went to
  workload.on_write = [&page_of_sequence](std::uint64_t page, std::uint64_t sequence) {
    REQUIRE(sequence == page_of_sequence.size());
    page_of_sequence.push_back(page);
  };
  // A snapshot as of header sequence H holds, in each page, its last write up to H: a write
  // missing or one from after H means the pages were not all copied at the same instant.
  const auto is_snapshot = [&page_of_sequence](std::span<const std::uint8_t> replica) {
    const ImageCheck check = check_image(replica, kPageBytes);
    if (!check.consistent()) return false;
    std::vector<std::uint64_t> expected(kGuestPages, 0);
    for (std::uint64_t s = 1; s <= check.header_sequence; ++s)
      expected[page_of_sequence[s]] = s;
    for (std::uint64_t page = 1; page < kGuestPages; ++page) {
      if (read_stamp(replica.subspan(page * kPageBytes, kPageBytes), page) != expected[page])
        return false;
    }
    return true;
  };
  TimerId writing = primary_env.schedule_periodic(1ms, [&workload] { workload.write(8); });
  std::size_t snapshots_checked = 0;
  TimerId checking = primary_env.schedule_periodic(50ms, [&] {
    for (const Backup& backup : backups) {
      if (backup.backup->applied_through() == 0) continue;
      CHECK(is_snapshot(backup.replica));
      ++snapshots_checked;
    }
  });
  run_for(io, 1000ms);
  primary_env.cancel_timer(writing);
  primary_env.cancel_timer(checking);
  CHECK(snapshots_checked >= 20);
  run_for(io, 50ms);  // a few ticks read the last writes
  const auto drained = [&] {
    if (primary.buffer().buffered_bytes() != 0) return false;
    for (const Backup& backup : backups) {
      if (backup.backup->applied_through() != primary.buffer().last_launched()) return false;
    }
    return primary.buffer().last_committed() == primary.buffer().last_launched();
  };
  REQUIRE(run_until(io, drained, 10000ms));
  CHECK(guest.epochs_held() == 0);  // every epoch released once both backups had it
  for (const Backup& backup : backups) {
    CHECK(std::equal(memory.begin(), memory.end(), backup.replica.begin(), backup.replica.end()));
    CHECK(backup.writer->pages_written() > 0);
    CHECK(backup.writer->refused_chunks() == 0);
    CHECK(backup.writer->staged_bytes() == 0);
    CHECK(backup.env->agent_metrics().counter("lane_messages_received_total") > 0);
  }
  CHECK(backups[0].env->agent_metrics().counter("lane_bulk_read_to_destination_total") > 0);
  CHECK(backups[1].env->agent_metrics().counter("lane_bulk_read_to_destination_total") == 0);
  INFO("epochs " << primary.buffer().last_launched() << ", lanes open "
                 << primary_env.lanes().open_outgoing());
  // About one per 10 ms tick of real time (about 105 here); at least a fifth of them however busy
  // the host is (a loaded CI host once launched 47 where this asked for 50).
  CHECK(primary.buffer().last_launched() > 20);
  CHECK(primary_env.lanes().open_outgoing() >= kBackups * 2);  // chunks spread over lanes
  CHECK(primary_env.agent_metrics().counter("messages_dropped_no_bulk_total") == 0);
}
