#pragma once
// The messages in flight under the datagram network model (network_model.hpp): each with its
// arrival time, delivered in (arrival, send sequence) order, so messages arriving at one instant
// come out in the order they were sent. No SimGrid in here: the EventLoop pushes what a node
// sends and pops what is due.
//
// Cost: a calendar queue (calendar_queue.hpp) of 24-byte keys (arrival, sequence, slot) over a slab
// of messages reused through a free list. push is O(1), pop O(log n) in the messages of one 1 ms
// slot, and neither allocates once the slab and the slots have grown to the peak in flight (the
// message's own payload aside). remove_if (a crash, a link going down: rare) scans everything,
// O(n).

#include <cstdint>
#include <optional>
#include <vector>

#include <core/assert.hpp>
#include <core/env/message.hpp>
#include <core/env/time.hpp>
#include <sim/env/calendar_queue.hpp>

namespace mycelium::sim {

class ArrivalQueue {
 public:
  // `sequence` is the send order: unique and increasing across pushes.
  void push(TimePoint arrival, std::uint64_t sequence, Message message);

  std::size_t size() const { return queue_.size(); }
  bool empty() const { return queue_.empty(); }
  std::optional<TimePoint> next_arrival();

  // Appends to `due` every message arriving at or before `now`, in (arrival, sequence) order.
  void pop_due(TimePoint now, std::vector<Message>& due);

  // Removes every message for which `cut(message)` is true, calling `removed(message)` for each
  // (in slot order: callers only count). O(n).
  template <typename Cut, typename Removed>
  void remove_if(Cut cut, Removed removed);

  void clear();

 private:
  struct Entry {
    TimePoint arrival;
    std::uint64_t sequence;
    std::uint32_t slot;  // index into slots_
  };
  // Earliest (arrival, sequence) first. A function object, not a function: GCC inlines it into
  // the heap's loops (through a function pointer it did not: 5 % of a million-node run).
  struct Before {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.arrival != b.arrival ? a.arrival < b.arrival : a.sequence < b.sequence;
    }
  };
  struct ArrivalOf {
    TimePoint operator()(const Entry& entry) const { return entry.arrival; }
  };
  void release(std::uint32_t slot);

  CalendarQueue<Entry, Before, ArrivalOf> queue_;
  std::vector<Message> slots_;  // a free slot holds a moved-from (empty) message
  std::vector<std::uint32_t> free_slots_;
};

template <typename Cut, typename Removed>
void ArrivalQueue::remove_if(Cut cut, Removed removed) {
  // Keys are unique (sequence), so removing some cannot change the order of the rest.
  queue_.keep_if([this, &cut, &removed](const Entry& entry) {
    const Message& message = slots_[entry.slot];
    if (!cut(message)) return true;
    removed(message);
    release(entry.slot);
    return false;
  });
}

}  // namespace mycelium::sim
