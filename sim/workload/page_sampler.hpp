#pragma once
// Draws the page each guest write lands on, from the workload's popularity over its working set
// (pages 0 .. W-1). O(1) per write and no table: uniform is one draw, hot-cold two (which set,
// then which page in it), Zipf one per rejection-inversion attempt (zipf_sampler.hpp).

#include <cstdint>
#include <optional>

#include <core/env/random_stream.hpp>
#include <sim/workload/workload_spec.hpp>
#include <sim/workload/zipf_sampler.hpp>

namespace mycelium::sim {

class PageSampler {
 public:
  // `popularity` must be valid for `working_set_pages` (see validate()).
  PageSampler(const Popularity& popularity, std::uint64_t working_set_pages);

  std::uint64_t next(RandomStream& random) const {
    switch (kind_) {
      case PopularityKind::uniform:
        return random.uniform_int(0, working_set_pages_ - 1);
      case PopularityKind::hot_cold:
        // Integer comparison on the top 53 bits, exactly as bernoulli() would decide, but
        // always one draw so every write consumes the same two.
        if ((random.next_u64() >> 11) < hot_threshold_53_) {
          return random.uniform_int(0, hot_pages_ - 1);
        }
        return random.uniform_int(hot_pages_, working_set_pages_ - 1);
      case PopularityKind::zipf:
        return zipf_->next(random) - 1;  // rank 1 is page 0
    }
    return 0;
  }

  // `count` draws, exactly as `count` calls of next() would make them, each handed to
  // `sink(page)`; the popularity is looked at once, not per write.
  template <typename Sink>
  void draw(RandomStream& random, std::uint64_t count, Sink&& sink) const {
    switch (kind_) {
      case PopularityKind::uniform: {
        // A local copy of the stream whose address never escapes: the compiler keeps its state
        // in registers through the loop instead of storing and reloading it per draw.
        RandomStream local = random;
        const std::uint64_t last = working_set_pages_ - 1;
        for (std::uint64_t i = 0; i < count; ++i)
          sink(local.uniform_int(0, last));
        random = local;
        break;
      }
      case PopularityKind::hot_cold: {
        RandomStream local = random;
        for (std::uint64_t i = 0; i < count; ++i)
          sink(next(local));
        random = local;
        break;
      }
      case PopularityKind::zipf:
        for (std::uint64_t i = 0; i < count; ++i)
          sink(zipf_->next(random) - 1);
        break;
    }
  }

  std::uint64_t working_set_pages() const { return working_set_pages_; }
  // Hot-cold only: pages 0 .. hot_pages() - 1 are hot.
  std::uint64_t hot_pages() const { return hot_pages_; }

 private:
  PopularityKind kind_;
  std::uint64_t working_set_pages_;
  std::uint64_t hot_pages_ = 0;
  std::uint64_t hot_threshold_53_ = 0;  // hot_write_share * 2^53, rounded
  std::optional<ZipfSampler> zipf_;
};

}  // namespace mycelium::sim
