#pragma once
// A set of guest pages that remembers the order they arrived in: the replication buffer's queued
// and stale sets. Membership is a bitmap over the guest's pages (one bit per page: 256 KiB for an
// 8 GiB guest), arrival order a FIFO. take_sorted() empties the set into a sorted list, either by
// sorting the FIFO (few pages) or by scanning the bitmap (many), whichever is cheaper.

#include <cstdint>
#include <optional>
#include <vector>

namespace mycelium::ram {

class OrderedPageSet {
 public:
  explicit OrderedPageSet(std::uint64_t page_count);

  // Adds `page` (< page_count); false if it was already in the set.
  bool insert(std::uint64_t page);
  bool contains(std::uint64_t page) const;
  // Removes and returns the page that arrived first; nullopt when empty.
  std::optional<std::uint64_t> pop_oldest();
  // Removes every page; returns them sorted.
  std::vector<std::uint64_t> take_sorted();

  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  std::vector<std::uint64_t> words_;  // bit p % 64 of word p / 64: page p is in the set
  std::vector<std::uint64_t> order_;  // arrival order; entries before head_ are gone
  std::size_t head_ = 0;
  std::uint64_t size_ = 0;
  std::uint64_t page_count_;
};

}  // namespace mycelium::ram
