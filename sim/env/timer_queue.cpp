#include <utility>

#include <core/assert.hpp>
#include <sim/env/timer_queue.hpp>

namespace mycelium::sim {

TimerQueue::TimerQueue(std::size_t owner_count) : generation_(owner_count, 0) {}

TimerId TimerQueue::insert(Owner owner, TimePoint deadline, Duration period,
                           TimerCallback callback) {
  MYCELIUM_ASSERT(owner < generation_.size());
  const std::uint32_t slot = allocate_slot();
  Record& record = records_[slot];
  record.sequence = ++last_sequence_;
  record.owner = owner;
  record.generation = generation_[owner];
  record.period = period;
  record.callback = std::move(callback);
  queue_.push(Entry{deadline, record.sequence, slot});
  return id_of(slot, record.reuses);
}

TimerId TimerQueue::unused_id() {
  return TimerId{(std::uint64_t{1} << 63) | ++last_unused_id_};
}

bool TimerQueue::cancel(Owner owner, TimerId id) {
  MYCELIUM_ASSERT(owner < generation_.size());
  if (!id.valid() || (id.value >> 63) != 0) return false;  // never a timer, or unused_id()'s
  const std::uint64_t slot_plus_one = id.value & 0xffff'ffff;
  if (slot_plus_one == 0 || slot_plus_one > records_.size()) return false;
  const auto slot = static_cast<std::uint32_t>(slot_plus_one - 1);
  Record& record = records_[slot];
  // A free slot, a later timer in the slot, or another owner's timer: not this one.
  if (record.sequence == 0 || record.reuses != (id.value >> 32) || record.owner != owner) {
    return false;
  }
  const bool pending = record.generation == generation_[owner];
  free_slot(slot);  // its queue entry is now stale (sequence 0 never matches)
  return pending;
}

void TimerQueue::drop_owner(Owner owner) {
  MYCELIUM_ASSERT(owner < generation_.size());
  ++generation_[owner];
}

std::uint32_t TimerQueue::allocate_slot() {
  if (!free_slots_.empty()) {
    const std::uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  MYCELIUM_ASSERT(records_.size() < UINT32_MAX);
  records_.emplace_back();
  return static_cast<std::uint32_t>(records_.size() - 1);
}

void TimerQueue::free_slot(std::uint32_t slot) {
  Record& record = records_[slot];
  record.sequence = 0;
  record.callback = nullptr;  // releases what the callback captured now, not at reuse
  if (++record.reuses < kMaxReuses) free_slots_.push_back(slot);
}

TimerQueue::Record* TimerQueue::live_record(const Entry& entry) {
  Record& record = records_[entry.slot];
  if (record.sequence != entry.sequence) return nullptr;  // cancelled, re-armed, slot reused
  if (record.generation != generation_[record.owner]) {
    free_slot(entry.slot);  // dropped with its owner
    return nullptr;
  }
  return &record;
}

void TimerQueue::discard_stale() {
  // Bounded by the queue's size: each turn removes one entry.
  while (!queue_.empty() && live_record(queue_.top()) == nullptr)
    queue_.pop();
}

std::optional<TimePoint> TimerQueue::next_deadline() {
  discard_stale();
  if (queue_.empty()) return std::nullopt;
  return queue_.top().deadline;
}

std::optional<TimerQueue::Due> TimerQueue::pop_due(TimePoint now) {
  discard_stale();
  if (queue_.empty() || queue_.top().deadline > now) return std::nullopt;
  const Entry entry = queue_.pop();
  Record* record = live_record(entry);
  MYCELIUM_ASSERT(record != nullptr);  // discard_stale left a live entry on top
  if (record->period > Duration::zero()) {
    // Re-armed from its own deadline, not from now: the schedule never drifts.
    record->sequence = ++last_sequence_;
    queue_.push(Entry{entry.deadline + record->period, record->sequence, entry.slot});
    return Due{record->owner, entry.deadline, record->callback};
  }
  Due due{record->owner, entry.deadline, std::move(record->callback)};
  free_slot(entry.slot);
  return due;
}

}  // namespace mycelium::sim
