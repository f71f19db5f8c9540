#pragma once
// Every timer of a simulation in one queue: the nodes' timers and the simulation's own events
// (scheduled faults), each tagged with its owner. No SimGrid in here: the driver asks it for the
// next deadline and pops what is due.
//
// Order: by deadline, then by global scheduling sequence, so timers with the same deadline fire
// in the order they were scheduled, across nodes too. A periodic timer is re-armed (takes a new
// sequence) when it is popped, before its callback runs: the contract's tie-break.
//
// Cost: a binary heap with lazy deletion. cancel() and drop_owner() only forget the live record;
// the heap entry is discarded when it reaches the top. For a million nodes this avoids a
// per-node container and keeps schedule and pop at O(log n).

#include <cstdint>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

#include <core/env/environment.hpp>

namespace mycelium::sim {

class TimerQueue {
 public:
  using Owner = std::uint32_t;

  // Owners are 0 .. owner_count - 1 (node indices, plus whatever the caller reserves).
  explicit TimerQueue(std::size_t owner_count);

  // `id` is allocated by the owner and must not be pending already. period zero means one-shot.
  void insert(Owner owner, TimerId id, TimePoint deadline, Duration period, TimerCallback callback);
  // True if the timer was pending; it will never fire.
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

 private:
  struct Key {
    Owner owner;
    std::uint64_t id;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept {
      return std::hash<std::uint64_t>{}((std::uint64_t{key.owner} << 40) ^ key.id ^
                                        (key.id >> 24) * 0x9e3779b97f4a7c15ULL);
    }
  };
  struct Record {
    std::uint64_t sequence;    // of the heap entry that is current; older entries are stale
    std::uint32_t generation;  // the owner's generation when scheduled (drop_owner bumps it)
    Duration period;
    TimerCallback callback;
  };
  struct Entry {
    TimePoint deadline;
    std::uint64_t sequence;
    Key key;
    // std::priority_queue is a max-heap: "greater" puts the earliest (deadline, sequence) on top.
    bool operator<(const Entry& other) const {
      return deadline != other.deadline ? deadline > other.deadline : sequence > other.sequence;
    }
  };

  // Pops stale entries until the top is a live timer (or the heap is empty).
  void discard_stale();
  bool is_live(const Entry& entry, Record** record);

  std::priority_queue<Entry> heap_;
  // Looked up, never iterated: its order cannot leak into the simulation.
  std::unordered_map<Key, Record, KeyHash> live_;
  std::vector<std::uint32_t> generation_;
  std::uint64_t last_sequence_ = 0;
};

}  // namespace mycelium::sim
