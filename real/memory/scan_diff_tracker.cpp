#include <algorithm>
#include <stdexcept>

#include <xxhash.h>

#include <core/assert.hpp>
#include <real/memory/scan_diff_tracker.hpp>

namespace mycelium::real {

ScanDiffTracker::ScanDiffTracker(std::span<const std::uint8_t> memory, std::uint64_t page_bytes,
                                 Baseline baseline)
    : memory_(memory), page_bytes_(page_bytes) {
  MYCELIUM_ASSERT(page_bytes_ > 0 && memory_.size() % page_bytes_ == 0);
  hashes_.resize(memory_.size() / page_bytes_);
  if (baseline == Baseline::kZeros) {
    const std::vector<std::uint8_t> zeros(page_bytes_, 0);
    std::fill(hashes_.begin(), hashes_.end(), XXH3_64bits(zeros.data(), zeros.size()));
    return;
  }
  for (std::uint64_t page = 0; page < hashes_.size(); ++page)
    hashes_[page] = XXH3_64bits(memory_.data() + page * page_bytes_, page_bytes_);
}

std::vector<std::uint64_t> ScanDiffTracker::scan() {
  std::vector<std::uint64_t> changed;
  for (std::uint64_t page = 0; page < hashes_.size(); ++page) {
    const std::uint64_t hash = XXH3_64bits(memory_.data() + page * page_bytes_, page_bytes_);
    if (hash != hashes_[page]) {
      hashes_[page] = hash;
      changed.push_back(page);
    }
  }
  return changed;
}

}  // namespace mycelium::real
