#pragma once
// A set of guest pages that remembers the order they arrived in: the replication buffer's queued
// and stale sets. Membership is a bitmap over the guest's pages (one bit per page: 256 KiB for an
// 8 GiB guest), arrival order a FIFO. take_sorted() empties the set into a sorted list, either by
// sorting the FIFO (few pages) or by scanning the bitmap (many), whichever is cheaper.
//
// The common case costs nothing per page: a primary that keeps up launches every epoch it reads,
// so a sorted list of dirty pages lands in an empty set and leaves it whole at the next launch.
// insert_sorted() adopts such a list as it is (bitmap and FIFO untouched) and take_sorted() hands
// it back; anything else first moves the adopted list into the bitmap and FIFO.

#include <cstdint>
#include <optional>
#include <vector>

namespace mycelium::ram {

class OrderedPageSet {
 public:
  explicit OrderedPageSet(std::uint64_t page_count);

  // Adds `page` (< page_count); false if it was already in the set.
  bool insert(std::uint64_t page);
  // Adds `pages` (sorted, unique, each < page_count) in that order, as insert() on each would;
  // returns how many were not in the set. Adopts the list without copying when the set is empty.
  std::uint64_t insert_sorted(std::vector<std::uint64_t>&& pages);
  bool contains(std::uint64_t page) const;
  // Removes and returns the page that arrived first; nullopt when empty.
  std::optional<std::uint64_t> pop_oldest();
  // Removes every page; returns them sorted, in `reuse`'s storage when it has the capacity (a
  // released epoch's list: large fresh allocations cost a page fault per 4 KiB).
  std::vector<std::uint64_t> take_sorted(std::vector<std::uint64_t>&& reuse = {});

  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  // Moves an adopted list into the bitmap and FIFO (no-op when there is none).
  void materialize();

  // When not empty, the whole set (sorted; words_ all zero, order_ empty): see insert_sorted.
  std::vector<std::uint64_t> adopted_;
  std::vector<std::uint64_t> words_;  // bit p % 64 of word p / 64: page p is in the set
  std::vector<std::uint64_t> order_;  // arrival order; entries before head_ are gone
  std::size_t head_ = 0;
  std::uint64_t size_ = 0;
  std::uint64_t page_count_;
};

}  // namespace mycelium::ram
