#include <utility>

#include <sim/env/arrival_queue.hpp>

namespace mycelium::sim {

void ArrivalQueue::push(TimePoint arrival, std::uint64_t sequence, Message message) {
  std::uint32_t slot = 0;
  if (free_slots_.empty()) {
    MYCELIUM_ASSERT(slots_.size() < UINT32_MAX);
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(std::move(message));
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = std::move(message);
  }
  queue_.push(Entry{arrival, sequence, slot});
}

std::optional<TimePoint> ArrivalQueue::next_arrival() {
  if (queue_.empty()) return std::nullopt;
  return queue_.top().arrival;
}

void ArrivalQueue::pop_due(TimePoint now, std::vector<Message>& due) {
  // Bounded by the queue's size: each turn removes one entry.
  while (!queue_.empty() && queue_.top().arrival <= now) {
    const std::uint32_t slot = queue_.pop().slot;
    due.push_back(std::move(slots_[slot]));
    release(slot);
  }
}

void ArrivalQueue::release(std::uint32_t slot) {
  // A moved-from vector may keep its buffer; free it now rather than when the slot is reused.
  slots_[slot] = Message{};
  free_slots_.push_back(slot);
}

void ArrivalQueue::clear() {
  queue_.clear();
  slots_.clear();
  free_slots_.clear();
}

}  // namespace mycelium::sim
