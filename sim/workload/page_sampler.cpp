#include <algorithm>
#include <cmath>

#include <core/assert.hpp>
#include <sim/workload/page_sampler.hpp>

namespace mycelium::sim {

PageSampler::PageSampler(const Popularity& popularity, std::uint64_t working_set_pages)
    : kind_(popularity.kind), working_set_pages_(working_set_pages) {
  MYCELIUM_ASSERT(working_set_pages >= 1);
  switch (kind_) {
    case PopularityKind::uniform:
      break;
    case PopularityKind::zipf:
      zipf_.emplace(working_set_pages, popularity.zipf_exponent);
      break;
    case PopularityKind::hot_cold: {
      MYCELIUM_ASSERT(working_set_pages >= 2);
      MYCELIUM_ASSERT(popularity.hot_fraction > 0.0 && popularity.hot_fraction < 1.0);
      MYCELIUM_ASSERT(popularity.hot_write_share >= 0.0 && popularity.hot_write_share <= 1.0);
      // Both sets non-empty, so either draw has a page to land on.
      const auto rounded = static_cast<std::uint64_t>(
          std::llround(popularity.hot_fraction * static_cast<double>(working_set_pages)));
      hot_pages_ = std::clamp<std::uint64_t>(rounded, 1, working_set_pages - 1);
      hot_threshold_53_ =
          static_cast<std::uint64_t>(std::llround(popularity.hot_write_share * 0x1.0p53));
      break;
    }
  }
}

}  // namespace mycelium::sim
