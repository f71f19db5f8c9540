#pragma once
// The messages in flight under the datagram network model (network_model.hpp): each with its
// arrival time, delivered in (arrival, send sequence) order, so messages arriving at one instant
// come out in the order they were sent. No SimGrid in here: the EventLoop pushes what a node
// sends and pops what is due.
//
// Cost: a 4-ary heap (quaternary_heap.hpp) of 24-byte keys (arrival, sequence, slot) over a slab of
// messages reused through a free list. push and pop are O(log n) and allocate nothing once the slab
// and heap have grown to the peak number in flight (the message's own payload aside). remove_if (a
// crash, a link going down: rare) scans everything and rebuilds the heap in O(n).

#include <cstdint>
#include <optional>
#include <vector>

#include <core/assert.hpp>
#include <core/env/message.hpp>
#include <core/env/time.hpp>
#include <sim/env/quaternary_heap.hpp>

namespace mycelium::sim {

class ArrivalQueue {
 public:
  // `sequence` is the send order: unique and increasing across pushes.
  void push(TimePoint arrival, std::uint64_t sequence, Message message);

  std::size_t size() const { return heap_.size(); }
  bool empty() const { return heap_.empty(); }
  std::optional<TimePoint> next_arrival() const;

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
  void release(std::uint32_t slot);

  std::vector<Entry> heap_;
  std::vector<Message> slots_;  // a free slot holds a moved-from (empty) message
  std::vector<std::uint32_t> free_slots_;
};

template <typename Cut, typename Removed>
void ArrivalQueue::remove_if(Cut cut, Removed removed) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < heap_.size(); ++i) {
    const Entry entry = heap_[i];
    if (cut(static_cast<const Message&>(slots_[entry.slot]))) {
      removed(static_cast<const Message&>(slots_[entry.slot]));
      release(entry.slot);
    } else {
      heap_[kept++] = entry;
    }
  }
  heap_.resize(kept);
  // Any valid heap pops in the same order: the keys are unique (sequence), so the layout the
  // rebuild leaves cannot change what is delivered when.
  heap4::make(heap_, Before{});
}

}  // namespace mycelium::sim
