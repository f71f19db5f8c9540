#include <bit>

#include <sim/workload/page_set_builder.hpp>

namespace mycelium::sim {

PageSetBuilder::PageSetBuilder(std::uint64_t page_count)
    : page_count_(page_count),
      bitmap_((page_count + 63) / 64, 0),
      summary_((bitmap_.size() + 63) / 64, 0) {
  MYCELIUM_ASSERT(page_count >= 1);
}

std::vector<std::uint64_t> PageSetBuilder::take_sorted() {
  std::vector<std::uint64_t> pages;
  pages.reserve(distinct_count_);
  if (distinct_count_ == 0) return pages;
  for (std::size_t s = 0; s < summary_.size(); ++s) {
    for (std::uint64_t summary_word = summary_[s]; summary_word != 0;
         summary_word &= summary_word - 1) {
      const std::uint64_t w = s * 64 + static_cast<std::uint64_t>(std::countr_zero(summary_word));
      for (std::uint64_t word = bitmap_[w]; word != 0; word &= word - 1) {
        pages.push_back(w * 64 + static_cast<std::uint64_t>(std::countr_zero(word)));
      }
      bitmap_[w] = 0;
    }
    summary_[s] = 0;
  }
  MYCELIUM_ASSERT(pages.size() == distinct_count_);
  distinct_count_ = 0;
  return pages;
}

}  // namespace mycelium::sim
