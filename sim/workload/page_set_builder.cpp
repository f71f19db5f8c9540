#include <algorithm>
#include <bit>

#include <sim/workload/page_set_builder.hpp>

namespace mycelium::sim {

namespace {

constexpr unsigned kMaxRadixBits = 12;  // 4096 counters per pass: the histograms stay in L1
// Below this many writes a comparison sort beats clearing and summing the histograms.
constexpr std::uint64_t kMinRadixWrites = 256;
// From one write per this many bitmap words on, scanning the bitmap costs less than sorting
// (measured on the reference guest: 2 Mi pages, 32 Ki words).
constexpr std::uint64_t kDenseWordsPerWrite = 4;

// LSD radix sort of `count` pages from `pages` into `sorted`: stable passes of `bits` bits from the
// low digit up, alternating with `scratch` so that the last pass lands in `sorted`. `counts` holds
// passes << bits zeros. Passes is a constant for the common cases (loops unrolled), 0 otherwise.
template <unsigned kPasses>
void radix_sort(const std::uint64_t* pages, std::size_t count, std::uint64_t* sorted,
                std::uint64_t* scratch, std::uint32_t* counts, unsigned bits,
                unsigned runtime_passes = kPasses) {
  const unsigned passes = kPasses != 0 ? kPasses : runtime_passes;
  const std::size_t buckets = std::size_t{1} << bits;
  const std::uint64_t mask = buckets - 1;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t page = pages[i];
    for (unsigned pass = 0; pass < passes; ++pass)
      ++counts[pass * buckets + ((page >> (pass * bits)) & mask)];
  }
  for (unsigned pass = 0; pass < passes; ++pass) {  // counts to starting offsets
    std::uint32_t offset = 0;
    for (std::size_t b = 0; b < buckets; ++b) {
      const std::uint32_t bucket_count = counts[pass * buckets + b];
      counts[pass * buckets + b] = offset;
      offset += bucket_count;
    }
  }
  const std::uint64_t* source = pages;
  for (unsigned pass = 0; pass < passes; ++pass) {
    std::uint64_t* const target = (passes - 1 - pass) % 2 == 0 ? sorted : scratch;
    std::uint32_t* const offsets = counts + pass * buckets;
    const unsigned shift = pass * bits;
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint64_t page = source[i];
      target[offsets[(page >> shift) & mask]++] = page;
    }
    source = target;
  }
}

}  // namespace

PageSetBuilder::PageSetBuilder(std::uint64_t page_count)
    : page_count_(page_count), bitmap_((page_count + 63) / 64, 0) {
  MYCELIUM_ASSERT(page_count >= 1);
  list_limit_ = bitmap_.size() / kDenseWordsPerWrite;
  const auto bits = static_cast<unsigned>(std::bit_width(page_count - 1));  // 0 for one page
  radix_passes_ = std::max(1U, (bits + kMaxRadixBits - 1) / kMaxRadixBits);
  radix_bits_ = std::max(1U, (bits + radix_passes_ - 1) / radix_passes_);
}

void PageSetBuilder::to_dense() {
  for (std::uint64_t i = 0; i < listed_; ++i)
    bitmap_[pages_[i] >> 6] |= std::uint64_t{1} << (pages_[i] & 63);
  listed_ = 0;
  dense_ = true;
}

std::vector<std::uint64_t> PageSetBuilder::take_sorted() {
  std::vector<std::uint64_t> sorted = dense_ ? take_dense() : take_listed();
  listed_ = 0;
  dense_ = false;
  return sorted;
}

std::vector<std::uint64_t> PageSetBuilder::take_dense() {
  std::size_t count = 0;
  for (std::uint64_t word : bitmap_)
    count += static_cast<std::size_t>(std::popcount(word));
  std::vector<std::uint64_t> sorted(count);
  std::uint64_t* next = sorted.data();
  for (std::size_t w = 0; w < bitmap_.size(); ++w) {
    std::uint64_t word = bitmap_[w];
    if (word == 0) continue;
    bitmap_[w] = 0;
    const std::uint64_t base = w * 64;
    do {
      *next++ = base + static_cast<std::uint64_t>(std::countr_zero(word));
      word &= word - 1;
    } while (word != 0);
  }
  MYCELIUM_ASSERT(next == sorted.data() + sorted.size());
  return sorted;
}

std::vector<std::uint64_t> PageSetBuilder::take_listed() {
  const std::size_t count = listed_;
  std::vector<std::uint64_t> sorted(count);
  if (count == 0) return sorted;
  if (count < kMinRadixWrites || count > UINT32_MAX) {
    std::copy_n(pages_.begin(), count, sorted.begin());
    std::sort(sorted.begin(), sorted.end());
  } else {
    if (scratch_.size() < count) scratch_.resize(count);
    counts_.assign(std::size_t{radix_passes_} << radix_bits_, 0);
    switch (radix_passes_) {
      case 1:
        radix_sort<1>(pages_.data(), count, sorted.data(), scratch_.data(), counts_.data(),
                      radix_bits_);
        break;
      case 2:
        radix_sort<2>(pages_.data(), count, sorted.data(), scratch_.data(), counts_.data(),
                      radix_bits_);
        break;
      default:
        radix_sort<0>(pages_.data(), count, sorted.data(), scratch_.data(), counts_.data(),
                      radix_bits_, radix_passes_);
        break;
    }
  }
  // The previous page stays in a register: comparing with the output would wait for the store.
  std::uint64_t* const data = sorted.data();
  std::uint64_t previous = data[0];
  std::size_t kept = 1;
  for (std::size_t i = 1; i < count; ++i) {
    const std::uint64_t page = data[i];
    data[kept] = page;
    kept += page != previous ? 1 : 0;
    previous = page;
  }
  sorted.resize(kept);
  return sorted;
}

}  // namespace mycelium::sim
