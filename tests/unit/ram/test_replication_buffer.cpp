// ReplicationBuffer: coalescing, in-order commit, release by live backups, and best effort's
// discard / stale / resync bookkeeping.

#include <catch2/catch.hpp>

#include <core/ram/replication_buffer.hpp>

using namespace mycelium;
using namespace mycelium::ram;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kPage = 4096;
TimePoint at_ms(int ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}

}  // namespace

TEST_CASE("pages re-dirtied before launch are queued once") {
  ReplicationBuffer buffer(100 * kPage, kPage, 1000, 2);
  const std::vector<std::uint64_t> first = {1, 2, 3};
  const std::vector<std::uint64_t> second = {2, 3, 4};
  CHECK(buffer.queue_dirty(first, at_ms(0)) == 3 * kPage);
  CHECK(buffer.queue_dirty(second, at_ms(10)) == 1 * kPage);
  CHECK(buffer.queued_bytes() == 4 * kPage);
  const EpochRecord& epoch = buffer.launch(at_ms(20));
  CHECK(epoch.id == 1);
  CHECK(epoch.pages == std::vector<std::uint64_t>{1, 2, 3, 4});
  CHECK(epoch.oldest_write_time == at_ms(0));
  CHECK(epoch.snapshot_time == at_ms(20));
  CHECK(buffer.queued_bytes() == 0);
  CHECK(buffer.in_flight_bytes() == 4 * kPage);
  CHECK(buffer.level() == Approx(0.04));
}

TEST_CASE("epochs commit in order once the required backups hold them") {
  ReplicationBuffer buffer(100 * kPage, kPage, 1000, 2);
  const std::vector<std::uint64_t> pages = {7};
  buffer.queue_dirty(pages, at_ms(0));
  buffer.launch(at_ms(10));
  buffer.queue_dirty(pages, at_ms(10));
  buffer.launch(at_ms(20));

  CHECK(buffer.acknowledge(0, 2));
  CHECK_FALSE(buffer.acknowledge(0, 2));  // a duplicate
  CHECK(buffer.commit_ready(1) == 0);     // epoch 1 first
  CHECK(buffer.acknowledge(0, 1));
  CHECK(buffer.commit_ready(1) == 2);
  CHECK(buffer.last_committed() == 2);
  CHECK(buffer.last_committed_snapshot() == at_ms(20));
  CHECK(buffer.uncommitted_bytes() == 0);

  // Committed but backup 1 (live) has not acknowledged: still buffered.
  buffer.release({true, true});
  CHECK(buffer.in_flight_bytes() == 2 * kPage);
  buffer.release({true, false});  // backup 1 declared failed
  CHECK(buffer.in_flight_bytes() == 0);
  CHECK(buffer.find(1) == nullptr);
  CHECK_FALSE(buffer.acknowledge(1, 1));  // released epochs are unknown
}

TEST_CASE("the oldest uncommitted write is the lag's age") {
  ReplicationBuffer buffer(100 * kPage, kPage, 1000, 1);
  CHECK_FALSE(buffer.oldest_uncommitted_write().has_value());
  const std::vector<std::uint64_t> pages = {1};
  buffer.queue_dirty(pages, at_ms(5));
  CHECK(buffer.oldest_uncommitted_write() == at_ms(5));
  buffer.launch(at_ms(10));
  buffer.queue_dirty(std::vector<std::uint64_t>{2}, at_ms(10));
  CHECK(buffer.oldest_uncommitted_write() == at_ms(5));
  buffer.acknowledge(0, 1);
  buffer.commit_ready(1);
  CHECK(buffer.oldest_uncommitted_write() == at_ms(10));
}

TEST_CASE("best effort discards the oldest queued pages, then resyncs them") {
  ReplicationBuffer buffer(4 * kPage, kPage, 1000, 1);
  buffer.queue_dirty(std::vector<std::uint64_t>{10, 11}, at_ms(0));
  buffer.queue_dirty(std::vector<std::uint64_t>{20, 21, 22, 23}, at_ms(10));
  CHECK(buffer.level() == Approx(1.5));
  CHECK(buffer.discard_oldest_to_fit() == 2 * kPage);
  CHECK(buffer.level() == Approx(1.0));
  CHECK(buffer.stale_bytes() == 2 * kPage);
  CHECK(buffer.stale());

  const EpochRecord& unrestorable = buffer.launch(at_ms(20));
  CHECK(unrestorable.pages == std::vector<std::uint64_t>{20, 21, 22, 23});
  CHECK_FALSE(unrestorable.restorable);
  CHECK(buffer.requeue_stale_that_fit(at_ms(20)) == 0);  // no room yet

  buffer.acknowledge(0, 1);
  buffer.commit_ready(1);
  buffer.release({true});
  CHECK(buffer.requeue_stale_that_fit(at_ms(30)) == 2 * kPage);
  CHECK_FALSE(buffer.stale());
  const EpochRecord& resync = buffer.launch(at_ms(30));
  CHECK(resync.pages == std::vector<std::uint64_t>{10, 11});
  CHECK(resync.restorable);
}

TEST_CASE("a window counts the epochs a backup has not acknowledged") {
  ReplicationBuffer buffer(100 * kPage, kPage, 1000, 2);
  buffer.launch(at_ms(0));
  buffer.launch(at_ms(10));
  buffer.acknowledge(1, 1);
  CHECK(buffer.unacknowledged_by(0) == 2);
  CHECK(buffer.unacknowledged_by(1) == 1);
}
