#pragma once
// A priority queue of timed entries for the simulator's two event queues (timers and datagram
// arrivals): a calendar (timing wheel) of 1 ms slots in front of small heaps.
//
// Why: a million-node run keeps millions of entries pending. In one 4-ary heap every pop walked
// from the root to a leaf through ~11 levels, the lower ones cache misses (the timer heap's
// sift_down alone was 11 % of a 100 000-member spore run). Here an entry is appended to its
// slot's vector (one likely-cached write), and only the entries of the slot being drained form a
// heap: a few thousand at a million nodes, which stays in L2.
//
// Layout, with `current_slot_` the slot being drained:
//   - current_: a 4-ary heap (quaternary_heap.hpp) of every entry whose slot <= current_slot_;
//   - wheel_:   one unordered vector per slot for slots in (current_slot_, current_slot_ + kSlots);
//               slot s lives at s % kSlots, and `occupied_` has a bit per non-empty vector;
//   - far_:     a 4-ary heap of the entries at or beyond current_slot_ + kSlots (17 s ahead).
// Everything in current_ comes before everything elsewhere, and equal times share a slot, so the
// pop order is exactly `Before`'s order, whatever the slot width: the same as one heap gives,
// which keeps simulations bit for bit what they were. When current_ runs dry, the queue moves to
// the next occupied slot (the bitmap, or far_'s top when it is earlier), heapifies that slot's
// vector in O(n), and moves far_'s entries that came within the wheel's span into it.
//
// Entry: trivially copyable. Before: a strict weak order, total on the entries (callers make keys
// unique with a sequence number). TimeOf: the entry's TimePoint, never negative, consistent with
// Before (an earlier time comes before).

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include <core/assert.hpp>
#include <core/env/time.hpp>
#include <sim/env/quaternary_heap.hpp>

namespace mycelium::sim {

template <typename Entry, typename Before, typename TimeOf>
class CalendarQueue {
 public:
  static constexpr unsigned kSlotShift = 20;        // a slot spans 2^20 ns, about 1.05 ms
  static constexpr std::uint64_t kSlots = 1 << 14;  // the wheel spans about 17.2 s

  CalendarQueue() : wheel_(kSlots), occupied_(kSlots / 64, 0) {}

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  void push(const Entry& entry) {
    ++size_;
    place(entry);
  }

  // The first entry in Before's order; the queue must not be empty.
  const Entry& top() {
    MYCELIUM_ASSERT(size_ > 0);
    if (current_.empty()) advance();
    return current_.front();
  }

  // Removes and returns the first entry; the queue must not be empty.
  Entry pop() {
    top();
    --size_;
    return heap4::pop(current_, Before{});
  }

  // Keeps the entries for which keep(entry) is true (the others are dropped, in no particular
  // order), in O(n). The pop order of what is kept does not change.
  template <typename Keep>
  void keep_if(Keep keep) {
    std::size_t kept = filter(current_, keep);
    heap4::make(current_, Before{});
    for (std::uint64_t index = 0; index < kSlots; ++index) {
      if (!is_occupied(index)) continue;
      const std::size_t in_slot = filter(wheel_[index], keep);
      if (in_slot == 0) {
        occupied_[index / 64] &= ~(std::uint64_t{1} << (index % 64));
        --occupied_slots_;
      }
      kept += in_slot;
    }
    in_wheel_ = kept - current_.size();
    kept += filter(far_, keep);
    heap4::make(far_, Before{});
    size_ = kept;
  }

  void clear() {
    keep_if([](const Entry&) { return false; });
  }

 private:
  static std::uint64_t slot_of(const Entry& entry) {
    const auto ns = TimeOf{}(entry).time_since_epoch().count();
    MYCELIUM_ASSERT(ns >= 0);
    return static_cast<std::uint64_t>(ns) >> kSlotShift;
  }

  // Four times the mean entries of an occupied slot, and at least 16.
  std::size_t spare_capacity_limit() const {
    constexpr std::size_t kMinimum = 16;
    return std::max(kMinimum, occupied_slots_ == 0 ? 0 : 4 * in_wheel_ / occupied_slots_);
  }

  bool is_occupied(std::uint64_t index) const {
    return ((occupied_[index / 64] >> (index % 64)) & 1) != 0;
  }

  void place(const Entry& entry) {
    const std::uint64_t slot = slot_of(entry);
    if (slot <= current_slot_) {
      heap4::push(current_, entry, Before{});
    } else if (slot - current_slot_ < kSlots) {
      const std::uint64_t index = slot % kSlots;
      std::vector<Entry>& entries = wheel_[index];
      if (entries.capacity() == 0 && !spare_.empty()) {
        entries = std::move(spare_.back());
        spare_.pop_back();
      }
      if (entries.empty()) ++occupied_slots_;
      entries.push_back(entry);
      occupied_[index / 64] |= std::uint64_t{1} << (index % 64);
      ++in_wheel_;
    } else {
      heap4::push(far_, entry, Before{});
    }
  }

  // The smallest occupied slot after current_slot_. Every wheel entry's slot is in
  // (current_slot_, current_slot_ + kSlots) and each such slot has its own vector, so the first
  // occupied vector after current_slot_'s, going round, holds it. At most kSlots / 64 + 1 words.
  std::uint64_t next_occupied_slot() const {
    MYCELIUM_ASSERT(in_wheel_ > 0);
    const std::uint64_t start = current_slot_ + 1;
    for (std::uint64_t step = 0; step < kSlots + 64;) {
      const std::uint64_t index = (start + step) % kSlots;
      const std::uint64_t bits = occupied_[index / 64] >> (index % 64);
      if (bits != 0) return start + step + static_cast<std::uint64_t>(std::countr_zero(bits));
      step += 64 - index % 64;
    }
    MYCELIUM_ASSERT(false);  // in_wheel_ > 0 means a bit is set
    return 0;
  }

  void advance() {
    MYCELIUM_ASSERT(current_.empty() && size_ > 0);
    std::uint64_t next = std::numeric_limits<std::uint64_t>::max();
    if (in_wheel_ > 0) next = next_occupied_slot();
    if (!far_.empty()) next = std::min(next, slot_of(far_.front()));
    MYCELIUM_ASSERT(next > current_slot_ && next != std::numeric_limits<std::uint64_t>::max());
    current_slot_ = next;
    const std::uint64_t index = next % kSlots;
    if (is_occupied(index)) {
      // Its entries are all of slot `next` (the only slot in the wheel's span that maps here).
      // current_'s old buffer goes to the spares, for the next slot that fills: a drained slot
      // keeping it would hold a slot's worth of capacity in every one of the kSlots vectors,
      // though only the next second's or so are in use (measured: 20x the entries pending).
      // A buffer far larger than a typical slot's (left by a burst: a periodic timer every node
      // started at once) is freed instead, or it would end up holding a few entries of a slot.
      if (current_.capacity() > 0 && current_.capacity() <= spare_capacity_limit())
        spare_.push_back(std::move(current_));
      current_ = std::exchange(wheel_[index], {});
      --occupied_slots_;
      occupied_[index / 64] &= ~(std::uint64_t{1} << (index % 64));
      in_wheel_ -= current_.size();
      heap4::make(current_, Before{});
    }
    // Bounded by far_'s size: each turn moves one entry into the wheel or current_.
    while (!far_.empty() && slot_of(far_.front()) - current_slot_ < kSlots)
      place(heap4::pop(far_, Before{}));
    MYCELIUM_ASSERT(!current_.empty());
  }

  template <typename Keep>
  static std::size_t filter(std::vector<Entry>& entries, Keep& keep) {
    std::size_t kept = 0;
    for (const Entry& entry : entries) {
      if (keep(entry)) entries[kept++] = entry;
    }
    entries.resize(kept);
    return kept;
  }

  std::vector<Entry> current_;
  std::vector<std::vector<Entry>> wheel_;
  std::vector<std::uint64_t> occupied_;  // bit i: wheel_[i] is not empty
  std::vector<Entry> far_;
  // Empty buffers with capacity, from drained slots: as many as slots filled at once, at most.
  std::vector<std::vector<Entry>> spare_;
  std::uint64_t current_slot_ = 0;
  std::size_t in_wheel_ = 0;
  std::size_t occupied_slots_ = 0;  // wheel_ vectors that are not empty
  std::size_t size_ = 0;
};

}  // namespace mycelium::sim
