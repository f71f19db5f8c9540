#pragma once
// Turns the writes of one read interval into the sorted set of distinct pages, in O(1) per write.
// A bitmap over the working set says whether a page is already in the set, and a summary bitmap
// (one bit per bitmap word) says which words hold any page, so the sorted set comes out of a
// scan of the summary (W / 4096 words) plus one visit per non-empty word: no comparison sort,
// which at ~2000 pages per read cost more than drawing the pages. Memory: about W / 8 bytes,
// kept between reads and cleared as the set is taken.

#include <cstdint>
#include <vector>

#include <core/assert.hpp>

namespace mycelium::sim {

class PageSetBuilder {
 public:
  explicit PageSetBuilder(std::uint64_t page_count);

  void add(std::uint64_t page) {
    MYCELIUM_ASSERT(page < page_count_);
    const std::uint64_t word_index = page >> 6;
    std::uint64_t& word = bitmap_[word_index];
    const std::uint64_t bit = std::uint64_t{1} << (page & 63);
    distinct_count_ += (word & bit) == 0 ? 1 : 0;  // arithmetic, not a branch: pages are random
    word |= bit;
    summary_[word_index >> 6] |= std::uint64_t{1} << (word_index & 63);
  }

  std::uint64_t distinct_count() const { return distinct_count_; }

  // The distinct pages added since the last take, sorted; leaves the builder empty.
  std::vector<std::uint64_t> take_sorted();

 private:
  std::uint64_t page_count_;
  std::vector<std::uint64_t> bitmap_;   // bit p: page p is in the set
  std::vector<std::uint64_t> summary_;  // bit w: bitmap_[w] != 0
  std::uint64_t distinct_count_ = 0;
};

}  // namespace mycelium::sim
