#include <algorithm>
#include <bit>
#include <utility>

#include <core/assert.hpp>
#include <core/ram/ordered_page_set.hpp>

namespace mycelium::ram {

namespace {

// Scan the bitmap instead of sorting once there is a page per this many words: a word costs a
// load and a test, a sorted page about a dozen compares.
constexpr std::uint64_t kWordsPerPageForScan = 16;
// The FIFO is compacted once this many entries before the head are dead and they are at least
// half of it, so pop_oldest stays amortised O(1) without the FIFO growing without bound.
constexpr std::size_t kCompactAfter = 4096;

}  // namespace

OrderedPageSet::OrderedPageSet(std::uint64_t page_count)
    : words_((page_count + 63) / 64, 0), page_count_(page_count) {
  MYCELIUM_ASSERT(page_count > 0);
}

void OrderedPageSet::materialize() {
  if (adopted_.empty()) return;
  MYCELIUM_ASSERT(order_.empty() && head_ == 0 && size_ == adopted_.size());
  for (const std::uint64_t page : adopted_)
    words_[page / 64] |= 1ULL << (page % 64);
  // Copied, not swapped: the FIFO keeps the capacity it grew to (re-growing a large vector
  // from the adopted list's exact size faults in fresh pages every time).
  order_.assign(adopted_.begin(), adopted_.end());
  adopted_.clear();
}

bool OrderedPageSet::insert(std::uint64_t page) {
  MYCELIUM_ASSERT(page < page_count_);
  materialize();
  std::uint64_t& word = words_[page / 64];
  const std::uint64_t bit = 1ULL << (page % 64);
  if ((word & bit) != 0) return false;
  word |= bit;
  order_.push_back(page);
  ++size_;
  return true;
}

std::uint64_t OrderedPageSet::insert_sorted(std::vector<std::uint64_t>&& pages) {
  for (std::size_t i = 0; i < pages.size(); ++i)
    MYCELIUM_ASSERT(pages[i] < page_count_ && (i == 0 || pages[i] > pages[i - 1]));
  if (size_ == 0) {
    order_.clear();  // only pages that already left (pop_oldest does not shrink it)
    head_ = 0;
    size_ = pages.size();
    adopted_ = std::move(pages);
    return size_;
  }
  std::uint64_t added = 0;
  for (const std::uint64_t page : pages)
    added += insert(page) ? 1 : 0;
  return added;
}

bool OrderedPageSet::contains(std::uint64_t page) const {
  MYCELIUM_ASSERT(page < page_count_);
  if (!adopted_.empty()) return std::binary_search(adopted_.begin(), adopted_.end(), page);
  return (words_[page / 64] >> (page % 64) & 1) != 0;
}

std::optional<std::uint64_t> OrderedPageSet::pop_oldest() {
  materialize();
  while (head_ < order_.size()) {
    const std::uint64_t page = order_[head_++];
    std::uint64_t& word = words_[page / 64];
    const std::uint64_t bit = 1ULL << (page % 64);
    if ((word & bit) == 0) continue;
    word &= ~bit;
    --size_;
    if (head_ >= kCompactAfter && head_ * 2 >= order_.size()) {
      order_.erase(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    return page;
  }
  MYCELIUM_ASSERT(size_ == 0);
  return std::nullopt;
}

std::vector<std::uint64_t> OrderedPageSet::take_sorted(std::vector<std::uint64_t>&& reuse) {
  if (!adopted_.empty()) {
    MYCELIUM_ASSERT(size_ == adopted_.size());
    size_ = 0;
    return std::exchange(adopted_, {});
  }
  std::vector<std::uint64_t> pages = std::move(reuse);
  pages.clear();
  pages.reserve(size_);
  if (size_ * kWordsPerPageForScan >= words_.size()) {
    for (std::size_t w = 0; w < words_.size(); ++w) {
      for (std::uint64_t word = words_[w]; word != 0; word &= word - 1) {
        pages.push_back(w * 64 + static_cast<std::uint64_t>(std::countr_zero(word)));
      }
      words_[w] = 0;
    }
  } else {
    for (std::size_t i = head_; i < order_.size(); ++i) {
      const std::uint64_t page = order_[i];
      std::uint64_t& word = words_[page / 64];
      const std::uint64_t bit = 1ULL << (page % 64);
      if ((word & bit) == 0) continue;
      word &= ~bit;
      pages.push_back(page);
    }
    std::sort(pages.begin(), pages.end());
  }
  MYCELIUM_ASSERT(pages.size() == size_);
  order_.clear();
  head_ = 0;
  size_ = 0;
  return pages;
}

}  // namespace mycelium::ram
