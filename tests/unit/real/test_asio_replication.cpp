// Endophyte RAM replication, unchanged core, over the real runtime: a primary and two backups
// on AsioEnvironments, chunks and their guest pages on 4 TCP lanes per backup, acknowledgements
// and heartbeats on UDP, all on loopback. The guest is a test double whose RAM is a buffer here;
// the pages travel for real (guest_page_source at the primary, ReplicaWriter at each backup).
// When the guest stops writing and the buffer drains, each replica equals the guest's memory
// byte for byte.

#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <core/ram/replication_backup.hpp>
#include <core/ram/replication_primary.hpp>
#include <real/env/asio_environment.hpp>
#include <real/replication/guest_pages.hpp>
#include <tests/unit/real/asio_test_support.hpp>
#include <tests/unit/real/memory_guest.hpp>

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

TEST_CASE("asio replication: replicas equal the guest after it stops, pages sent on 4 lanes") {
  boost::asio::io_context io;
  MemoryGuest guest(kGuestPages, kPageBytes);
  AsioEnvironment primary_env(io,
                              AsioEnvironmentConfig{NodeId{0}, any_loopback_port(), {}, 5, &guest});
  primary_env.set_bulk_source(ram::kReplicationPort, guest_page_source(guest.memory()));
  std::vector<Backup> backups(kBackups);
  for (std::uint32_t b = 0; b < kBackups; ++b) {
    Backup& backup = backups[b];
    backup.env = std::make_unique<AsioEnvironment>(
        io, AsioEnvironmentConfig{NodeId{b + 1}, any_loopback_port(), {}, 5});
    backup.writer = std::make_unique<ReplicaWriter>(backup.replica);
    backup.env->set_bulk_sink(ram::kReplicationPort, backup.writer->sink());
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

  // The guest writes 40 pages every 5 ms (32 MiB/s) for a second, then stops.
  TimerId writing = primary_env.schedule_periodic(5ms, [&guest] { guest.write(40); });
  run_for(io, 1000ms);
  primary_env.cancel_timer(writing);
  const auto drained = [&] {
    if (guest.dirty_pages() != 0 || primary.buffer().buffered_bytes() != 0) return false;
    for (const Backup& backup : backups) {
      if (backup.backup->applied_through() != primary.buffer().last_launched()) return false;
    }
    return primary.buffer().last_committed() == primary.buffer().last_launched();
  };
  REQUIRE(run_until(io, drained, 10000ms));

  const std::span<const std::uint8_t> memory = guest.memory();
  for (const Backup& backup : backups) {
    CHECK(std::equal(memory.begin(), memory.end(), backup.replica.begin(), backup.replica.end()));
    CHECK(backup.writer->pages_written() > 0);
    CHECK(backup.writer->refused_chunks() == 0);
    CHECK(backup.writer->staged_bytes() == 0);
    CHECK(backup.env->agent_metrics().counter("lane_messages_received_total") > 0);
  }
  INFO("epochs " << primary.buffer().last_launched() << ", lanes open "
                 << primary_env.lanes().open_outgoing());
  CHECK(primary.buffer().last_launched() > 50);                // about one per 10 ms tick
  CHECK(primary_env.lanes().open_outgoing() >= kBackups * 2);  // chunks spread over lanes
  CHECK(primary_env.agent_metrics().counter("messages_dropped_no_bulk_total") == 0);
}
