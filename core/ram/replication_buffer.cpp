#include <algorithm>

#include <core/assert.hpp>
#include <core/ram/replication_buffer.hpp>

namespace mycelium::ram {

ReplicationBuffer::ReplicationBuffer(std::uint64_t capacity_bytes, std::uint64_t page_size_bytes,
                                     std::uint64_t guest_pages, std::size_t backup_count)
    : capacity_bytes_(capacity_bytes),
      page_size_bytes_(page_size_bytes),
      backup_count_(backup_count),
      queued_(guest_pages),
      stale_(guest_pages) {
  MYCELIUM_ASSERT(capacity_bytes_ >= page_size_bytes_ && page_size_bytes_ > 0);
  MYCELIUM_ASSERT(backup_count_ > 0);
}

void ReplicationBuffer::set_capacity(std::uint64_t capacity_bytes) {
  MYCELIUM_ASSERT(capacity_bytes >= page_size_bytes_);
  capacity_bytes_ = capacity_bytes;
}

std::uint64_t ReplicationBuffer::queue_dirty(std::vector<std::uint64_t> pages, TimePoint since) {
  const std::uint64_t added = queued_.insert_sorted(std::move(pages));
  if (added > 0 && !queued_oldest_write_) queued_oldest_write_ = since;
  return added * page_size_bytes_;
}

std::uint64_t ReplicationBuffer::discard_oldest_to_fit() {
  std::uint64_t discarded = 0;
  while (buffered_bytes() > capacity_bytes_ && !queued_.empty()) {
    const std::optional<std::uint64_t> page = queued_.pop_oldest();
    MYCELIUM_ASSERT(page.has_value());
    stale_.insert(*page);
    discarded += page_size_bytes_;
  }
  if (queued_.empty()) queued_oldest_write_.reset();
  return discarded;
}

std::uint64_t ReplicationBuffer::requeue_stale_that_fit(TimePoint since) {
  std::uint64_t requeued = 0;
  while (!stale_.empty() && buffered_bytes() + page_size_bytes_ <= capacity_bytes_) {
    const std::optional<std::uint64_t> page = stale_.pop_oldest();
    MYCELIUM_ASSERT(page.has_value());
    if (queued_.insert(*page)) requeued += page_size_bytes_;
  }
  if (requeued > 0 && !queued_oldest_write_) queued_oldest_write_ = since;
  return requeued;
}

const EpochRecord& ReplicationBuffer::launch(TimePoint now) {
  EpochRecord record;
  record.id = ++last_launched_;
  record.snapshot_time = now;
  record.oldest_write_time = queued_oldest_write_.value_or(now);
  record.restorable = stale_.empty();
  record.pages = queued_.take_sorted(std::move(spare_pages_));
  spare_pages_ = {};
  record.acked_by.assign(backup_count_, false);
  queued_oldest_write_.reset();
  in_flight_pages_ += record.pages.size();
  in_flight_.push_back(std::move(record));
  return in_flight_.back();
}

std::optional<std::size_t> ReplicationBuffer::index_of(std::uint64_t epoch) const {
  if (in_flight_.empty() || epoch < in_flight_.front().id || epoch > in_flight_.back().id)
    return std::nullopt;
  const std::size_t index = epoch - in_flight_.front().id;
  MYCELIUM_ASSERT(in_flight_[index].id == epoch);  // in-flight ids are consecutive
  return index;
}

const EpochRecord* ReplicationBuffer::find(std::uint64_t epoch) const {
  const std::optional<std::size_t> index = index_of(epoch);
  return index ? &in_flight_[*index] : nullptr;
}

bool ReplicationBuffer::acknowledge(std::size_t backup, std::uint64_t epoch) {
  MYCELIUM_ASSERT(backup < backup_count_);
  const std::optional<std::size_t> index = index_of(epoch);
  if (!index || in_flight_[*index].acked_by[backup]) return false;
  EpochRecord& record = in_flight_[*index];
  record.acked_by[backup] = true;
  ++record.ack_count;
  return true;
}

std::size_t ReplicationBuffer::commit_ready(std::uint32_t required_acks) {
  MYCELIUM_ASSERT(required_acks >= 1 && required_acks <= backup_count_);
  std::size_t committed = 0;
  for (EpochRecord& record : in_flight_) {
    if (record.committed) continue;
    if (record.ack_count < required_acks) break;  // commits happen in epoch order
    record.committed = true;
    last_committed_ = record.id;
    last_committed_snapshot_ = record.snapshot_time;
    ++committed;
  }
  return committed;
}

void ReplicationBuffer::release(const std::vector<bool>& live_backups) {
  MYCELIUM_ASSERT(live_backups.size() == backup_count_);
  while (!in_flight_.empty() && in_flight_.front().committed) {
    const EpochRecord& oldest = in_flight_.front();
    for (std::size_t b = 0; b < backup_count_; ++b) {
      if (live_backups[b] && !oldest.acked_by[b]) return;
    }
    in_flight_pages_ -= oldest.pages.size();
    if (oldest.pages.capacity() > spare_pages_.capacity())
      spare_pages_ = std::move(in_flight_.front().pages);
    in_flight_.pop_front();
  }
}

std::size_t ReplicationBuffer::unacknowledged_by(std::size_t backup) const {
  MYCELIUM_ASSERT(backup < backup_count_);
  return static_cast<std::size_t>(
      std::count_if(in_flight_.begin(), in_flight_.end(),
                    [backup](const EpochRecord& record) { return !record.acked_by[backup]; }));
}

double ReplicationBuffer::level() const {
  return static_cast<double>(buffered_bytes()) / static_cast<double>(capacity_bytes_);
}

std::uint64_t ReplicationBuffer::uncommitted_bytes() const {
  std::uint64_t pages = queued_.size();
  for (const EpochRecord& record : in_flight_) {
    if (!record.committed) pages += record.pages.size();
  }
  return pages * page_size_bytes_;
}

std::optional<TimePoint> ReplicationBuffer::oldest_uncommitted_write() const {
  for (const EpochRecord& record : in_flight_) {
    if (!record.committed && !record.pages.empty()) return record.oldest_write_time;
  }
  return queued_oldest_write_;
}

}  // namespace mycelium::ram
