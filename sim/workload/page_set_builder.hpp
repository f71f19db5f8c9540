#pragma once
// Turns the writes of one read interval into the sorted set of distinct pages: O(1) per write,
// no comparison sort.
//
// Two modes per interval, chosen by how many writes it holds; both give the same set:
//   - sparse (the usual case, e.g. ~2000 writes of a 2 Mi-page guest per 10 ms read): the writes
//     are only listed, then sorted by an LSD radix sort (11 or 12 bits per pass: 2 passes up to
//     16 Mi pages) and deduplicated. No bitmap is touched, and appending a write depends on
//     nothing loaded, so the writes stream at the speed of drawing them;
//   - dense (at least one write per 4 words of the working set's bitmap): each write sets its
//     page's bit, and the set is read out by one scan of the bitmap in address order.
// An interval starts sparse and turns dense (its listed writes moved to the bitmap) when the
// list reaches that bound. This replaced a bitmap plus a summary bitmap, read out by scanning
// the summary: a mispredicted branch per summary word, and each append waited for its bitmap
// word (to learn whether the page was new), which cost more than drawing the pages.
// Memory: W / 8 bytes of bitmap plus two lists of up to W / 256 writes (16 bytes per write).

#include <cstdint>
#include <vector>

#include <core/assert.hpp>

namespace mycelium::sim {

class PageSetBuilder {
 public:
  explicit PageSetBuilder(std::uint64_t page_count);

  void add(std::uint64_t page) {
    add_all(1, [page](auto&& add_one) { add_one(page); });
  }

  // `produce(add_one)` must call add_one(page) exactly `count` times. Same result as `count`
  // add() calls; this one keeps the builder's state in registers while the pages stream in.
  template <typename Producer>
  void add_all(std::uint64_t count, Producer&& produce) {
    if (!dense_ && listed_ + count > list_limit_) to_dense();
    if (dense_) {
      std::uint64_t* const bitmap = bitmap_.data();
      const std::uint64_t page_count = page_count_;
      produce([bitmap, page_count](std::uint64_t page) {
        MYCELIUM_ASSERT(page < page_count);
        bitmap[page >> 6] |= std::uint64_t{1} << (page & 63);
      });
      return;
    }
    if (pages_.size() < listed_ + count) pages_.resize(listed_ + count);
    std::uint64_t* const list = pages_.data() + listed_;
    std::uint64_t added = 0;
    const std::uint64_t page_count = page_count_;
    produce([list, &added, page_count](std::uint64_t page) {
      MYCELIUM_ASSERT(page < page_count);
      list[added++] = page;
    });
    MYCELIUM_ASSERT(added == count);
    listed_ += count;
  }

  // The distinct pages added since the last take, sorted; leaves the builder empty.
  std::vector<std::uint64_t> take_sorted();

 private:
  // Moves the listed writes into the bitmap; later adds of this interval set bits directly.
  void to_dense();
  std::vector<std::uint64_t> take_dense();
  std::vector<std::uint64_t> take_listed();

  std::uint64_t page_count_;
  std::uint64_t list_limit_;            // most writes listed before the interval turns dense
  unsigned radix_passes_;               // ceil(bits of the largest page / 12)
  unsigned radix_bits_;                 // per pass: ceil(bits / passes), at most 12
  std::vector<std::uint64_t> bitmap_;   // dense mode: bit p says page p is in the set
  std::vector<std::uint64_t> pages_;    // sparse mode: [0, listed_) the writes, in write order
  std::vector<std::uint64_t> scratch_;  // the radix sort's other buffer
  std::vector<std::uint32_t> counts_;   // the radix sort's histograms, one per pass
  std::uint64_t listed_ = 0;
  bool dense_ = false;
};

}  // namespace mycelium::sim
