#include <utility>

#include <core/assert.hpp>
#include <sim/env/timer_queue.hpp>

namespace mycelium::sim {

TimerQueue::TimerQueue(std::size_t owner_count) : generation_(owner_count, 0) {}

void TimerQueue::insert(Owner owner, TimerId id, TimePoint deadline, Duration period,
                        TimerCallback callback) {
  MYCELIUM_ASSERT(owner < generation_.size());
  MYCELIUM_ASSERT(id.valid());
  const Key key{owner, id.value};
  const std::uint64_t sequence = ++last_sequence_;
  const bool inserted =
      live_.try_emplace(key, Record{sequence, generation_[owner], period, std::move(callback)})
          .second;
  MYCELIUM_ASSERT(inserted);  // owners never reuse an id
  heap_.push(Entry{deadline, sequence, key});
}

bool TimerQueue::cancel(Owner owner, TimerId id) {
  MYCELIUM_ASSERT(owner < generation_.size());
  const auto it = live_.find(Key{owner, id.value});
  if (it == live_.end()) return false;
  const bool pending = it->second.generation == generation_[owner];
  live_.erase(it);
  return pending;
}

void TimerQueue::drop_owner(Owner owner) {
  MYCELIUM_ASSERT(owner < generation_.size());
  ++generation_[owner];
}

bool TimerQueue::is_live(const Entry& entry, Record** record) {
  const auto it = live_.find(entry.key);
  if (it == live_.end() || it->second.sequence != entry.sequence)
    return false;  // cancelled/re-armed
  if (it->second.generation != generation_[entry.key.owner]) {
    live_.erase(it);  // dropped with its owner
    return false;
  }
  *record = &it->second;
  return true;
}

void TimerQueue::discard_stale() {
  Record* record = nullptr;
  while (!heap_.empty() && !is_live(heap_.top(), &record)) {
    heap_.pop();
  }
}

std::optional<TimePoint> TimerQueue::next_deadline() {
  discard_stale();
  if (heap_.empty()) return std::nullopt;
  return heap_.top().deadline;
}

std::optional<TimerQueue::Due> TimerQueue::pop_due(TimePoint now) {
  discard_stale();
  if (heap_.empty() || heap_.top().deadline > now) return std::nullopt;
  const Entry entry = heap_.top();
  heap_.pop();
  Record* record = nullptr;
  const bool live = is_live(entry, &record);
  MYCELIUM_ASSERT(live);
  if (record->period > Duration::zero()) {
    // Re-armed from its own deadline, not from now: the schedule never drifts.
    record->sequence = ++last_sequence_;
    heap_.push(Entry{entry.deadline + record->period, record->sequence, entry.key});
    return Due{entry.key.owner, entry.deadline, record->callback};
  }
  Due due{entry.key.owner, entry.deadline, std::move(record->callback)};
  live_.erase(entry.key);
  return due;
}

}  // namespace mycelium::sim
