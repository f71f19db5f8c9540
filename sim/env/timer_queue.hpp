#pragma once
// Every timer of a simulation in one queue: the nodes' timers and the simulation's own events
// (scheduled faults), each tagged with its owner. No SimGrid in here: the driver asks it for the
// next deadline and pops what is due.
//
// Order: by deadline, then by global scheduling sequence, so timers with the same deadline fire
// in the order they were scheduled, across nodes too. A periodic timer is re-armed (takes a new
// sequence) when it is popped, before its callback runs: the contract's tie-break.
//
// Cost, for a million nodes with a handful of timers each: a timer is a 64-byte record in a slab
// (a vector reused through a free list) and a 24-byte entry in a calendar queue
// (calendar_queue.hpp: 1 ms slots, only the slot being drained kept as a heap); its TimerId names
// its slot, so scheduling, cancelling and firing need no lookup and allocate nothing once the
// slab has grown (the callback's own captures aside). Cancellation is lazy: cancel() and
// drop_owner() free or outdate the record, and the queue entry is discarded when it reaches the
// top. (Before, a hash map from (owner, id) to the record cost 141 bytes and an allocation per
// timer, and a lookup per pop: a fifth of a million-node run.)

#include <cstdint>
#include <optional>
#include <vector>

#include <core/env/environment.hpp>
#include <sim/env/calendar_queue.hpp>

namespace mycelium::sim {

class TimerQueue {
 public:
  using Owner = std::uint32_t;

  // Owners are 0 .. owner_count - 1 (node indices, plus whatever the caller reserves).
  explicit TimerQueue(std::size_t owner_count);

  // Schedules a timer (period zero: one-shot) and returns its id: valid, and unique for the
  // queue's lifetime.
  TimerId insert(Owner owner, TimePoint deadline, Duration period, TimerCallback callback);
  // An id like insert's that was never pending: what a crashed node's schedule gets.
  TimerId unused_id();
  // True if the timer was pending; it will never fire. False for an id of another owner.
  bool cancel(Owner owner, TimerId id);
  // Cancels every pending timer of `owner` (a crashed node), in O(1).
  void drop_owner(Owner owner);

  std::optional<TimePoint> next_deadline();

  struct Due {
    Owner owner = 0;
    TimePoint deadline;
    TimerCallback callback;  // a copy for a periodic timer, so the callback may cancel itself
  };
  // The first timer due at or before `now`, if any (re-armed first if periodic).
  std::optional<Due> pop_due(TimePoint now);

  // Records in use or free, for memory accounting and tests.
  std::size_t slot_count() const { return records_.size(); }

 private:
  struct Record {
    std::uint64_t sequence = 0;  // of the queue entry that is current; 0: the slot is free
    Owner owner = 0;
    std::uint32_t generation = 0;  // the owner's generation when scheduled (drop_owner bumps it)
    std::uint32_t reuses = 0;      // times the slot was freed: the high half of its TimerIds
    Duration period{};
    TimerCallback callback;
  };
  struct Entry {
    TimePoint deadline;
    std::uint64_t sequence;
    std::uint32_t slot;
  };
  // Earliest (deadline, sequence) first; a function object so that it is inlined.
  struct Before {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence;
    }
  };
  struct DeadlineOf {
    TimePoint operator()(const Entry& entry) const { return entry.deadline; }
  };

  // A slot retires (is never reused) before its reuse count could wrap around and repeat an id;
  // ids with the top bit set are unused_id()'s.
  static constexpr std::uint32_t kMaxReuses = 0x7fff'ffff;
  static TimerId id_of(std::uint32_t slot, std::uint32_t reuses) {
    return TimerId{(std::uint64_t{reuses} << 32) | (std::uint64_t{slot} + 1)};
  }

  std::uint32_t allocate_slot();
  void free_slot(std::uint32_t slot);
  // The record `entry` points to if the entry is current and its owner not dropped; frees the
  // record of a dropped owner's timer on the way.
  Record* live_record(const Entry& entry);
  // Pops stale entries until the top is a live timer (or the queue is empty).
  void discard_stale();

  CalendarQueue<Entry, Before, DeadlineOf> queue_;
  std::vector<Record> records_;
  std::vector<std::uint32_t> free_slots_;  // last freed first: its record is likely in cache
  std::vector<std::uint32_t> generation_;  // per owner
  std::uint64_t last_sequence_ = 0;
  std::uint64_t last_unused_id_ = 0;
};

}  // namespace mycelium::sim
