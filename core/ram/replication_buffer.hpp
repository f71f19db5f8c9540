#pragma once
// The primary's replication buffer: guest writes that not every backup has acknowledged yet.
//
//   guest writes --queue_dirty--> queued set   (a page re-dirtied before launch is kept once)
//                --launch------> epoch n       (in flight: a copy of its pages, sent to every
//                                               backup, waiting for their acknowledgements)
//                --acknowledged by the required backups--> committed (in epoch order)
//                --acknowledged by every live backup----> released (its bytes leave the buffer)
//
// Best effort (no emergency pause) may discard the oldest queued pages when the buffer is over
// capacity. They go to the stale set, and every epoch launched while it is not empty is marked
// unrestorable (backups miss those pages, so it is not a consistent snapshot). Stale pages are
// queued again when they fit (resync: the next epoch reads their current contents).
//
// Pure data structure: no Environment, no time source of its own; the primary drives it.

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include <core/env/time.hpp>
#include <core/ram/ordered_page_set.hpp>

namespace mycelium::ram {

struct EpochRecord {
  std::uint64_t id = 0;
  TimePoint snapshot_time{};         // the guest memory instant this epoch captures
  TimePoint oldest_write_time{};     // its writes happened no earlier than this
  bool restorable = true;            // a consistent snapshot a backup may fail over to
  std::vector<std::uint64_t> pages;  // sorted, unique
  std::vector<bool> acked_by;        // per backup slot
  std::uint32_t ack_count = 0;
  bool committed = false;
};

class ReplicationBuffer {
 public:
  ReplicationBuffer(std::uint64_t capacity_bytes, std::uint64_t page_size_bytes,
                    std::uint64_t guest_pages, std::size_t backup_count);

  // Adds the pages the guest wrote in (since, now] (sorted, unique, below guest_pages). Returns
  // the bytes that were not already queued. Pass the list by move: into an empty queue it is
  // adopted without a copy (OrderedPageSet::insert_sorted).
  std::uint64_t queue_dirty(std::vector<std::uint64_t> pages, TimePoint since);
  // Best effort: discards the oldest queued pages until the buffer is within capacity (or the
  // queue is empty) and returns the bytes discarded.
  std::uint64_t discard_oldest_to_fit();
  // Best effort: queues stale pages again as long as the buffer stays within capacity, oldest
  // first, and returns the bytes re-queued.
  std::uint64_t requeue_stale_that_fit(TimePoint since);

  // The queued set becomes the next epoch, a snapshot at `now`. Launching an empty queue is
  // allowed (a heartbeat epoch).
  const EpochRecord& launch(TimePoint now);
  // Backup slot `backup` holds all of `epoch`. False if the epoch is unknown (released) or was
  // already acknowledged by that backup.
  bool acknowledge(std::size_t backup, std::uint64_t epoch);
  // Commits, in order, every epoch acknowledged by at least `required_acks` backups, and returns
  // how many were committed by this call.
  std::size_t commit_ready(std::uint32_t required_acks);
  // Frees committed epochs that every live backup acknowledged (in order, oldest first).
  void release(const std::vector<bool>& live_backups);
  // Unacknowledged in-flight epochs of one backup (its window).
  std::size_t unacknowledged_by(std::size_t backup) const;

  const EpochRecord* find(std::uint64_t epoch) const;
  const std::deque<EpochRecord>& in_flight() const { return in_flight_; }

  std::uint64_t capacity_bytes() const { return capacity_bytes_; }
  // A new capacity (at least one page) for what follows; nothing buffered is dropped, so the
  // level may exceed 1 until the primary pauses the guest or (best effort) discards the oldest
  // queued pages at its next tick.
  void set_capacity(std::uint64_t capacity_bytes);
  std::uint64_t page_size_bytes() const { return page_size_bytes_; }
  std::uint64_t queued_bytes() const { return queued_.size() * page_size_bytes_; }
  std::uint64_t in_flight_bytes() const { return in_flight_pages_ * page_size_bytes_; }
  std::uint64_t buffered_bytes() const { return queued_bytes() + in_flight_bytes(); }
  std::uint64_t stale_bytes() const { return stale_.size() * page_size_bytes_; }
  // Buffered bytes / capacity. May exceed 1 with emergency pause (the guest dirtied a whole
  // epoch before the primary could pause it); best effort keeps it at or below 1.
  double level() const;
  // Not yet committed: queued plus launched-but-uncommitted.
  std::uint64_t uncommitted_bytes() const;
  // Time of the oldest write not yet committed, if any.
  std::optional<TimePoint> oldest_uncommitted_write() const;

  std::uint64_t last_launched() const { return last_launched_; }
  std::uint64_t last_committed() const { return last_committed_; }
  // Snapshot time of the last committed epoch (kTimeZero before any).
  TimePoint last_committed_snapshot() const { return last_committed_snapshot_; }
  bool stale() const { return !stale_.empty(); }

 private:
  std::optional<std::size_t> index_of(std::uint64_t epoch) const;
  static std::optional<std::uint64_t> pop_oldest(OrderedPageSet& set);

  std::uint64_t capacity_bytes_;
  std::uint64_t page_size_bytes_;
  std::size_t backup_count_;

  OrderedPageSet queued_;
  std::optional<TimePoint> queued_oldest_write_;
  OrderedPageSet stale_;

  std::deque<EpochRecord> in_flight_;       // launched and not released, by id
  std::vector<std::uint64_t> spare_pages_;  // the last released epoch's list, for reuse
  std::uint64_t in_flight_pages_ = 0;
  std::uint64_t last_launched_ = 0;
  std::uint64_t last_committed_ = 0;
  TimePoint last_committed_snapshot_{};
};

}  // namespace mycelium::ram
