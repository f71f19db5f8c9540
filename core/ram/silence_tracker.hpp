#pragma once
// How long a live primary goes quiet: a backup's record of the silences between two messages it
// heard from its primary, so that its failure detector can allow for them.
//
// Why: a primary sends a heartbeat every 100 ms, but between two heartbeats it may be busy. The
// real runtime reads the guest's dirty pages on the agent's one thread (a scan of the whole RAM,
// about 190 ms per GiB: 1.5 s for 8 GiB), and no heartbeat leaves while it does. A backup whose
// failure timeout (1 s by default) is shorter than that would declare every such read a crash and
// promote itself beside a live primary. The failure detector (FailoverMonitor) reads the longest
// silence of the last 30 s: when it exceeded the timeout (a live primary was quiet that long, and
// spoke again), the primary is declared dead only after twice that silence: 3 s for one that
// falls silent for 1.5 s at each read.
//
// Only a silence that ended (a message came after it) counts, so the silence of a primary that
// died never raises its own deadline; the wait before the very first message does not count
// either (a standby may wait minutes for its primary to start). Bounded: one maximum per 10 s
// bucket, three buckets.

#include <algorithm>
#include <array>
#include <chrono>

#include <core/env/time.hpp>

namespace mycelium::ram {

class SilenceTracker {
 public:
  static constexpr Duration kBucket = std::chrono::seconds(10);
  static constexpr std::size_t kBuckets = 3;  // silences that ended within the last 30 s count

  // A message from the primary arrived at `now` (non-decreasing).
  void heard(TimePoint now) {
    if (heard_any_) {
      const Duration silence = now - last_heard_;
      Bucket& bucket = bucket_at(now);
      bucket.longest = std::max(bucket.longest, silence);
    }
    heard_any_ = true;
    last_heard_ = now;
  }

  // When the primary was last heard from (kTimeZero before any message).
  TimePoint last_heard() const { return last_heard_; }

  // The longest silence that ended within the last kBuckets x kBucket before `now` (give or take
  // a bucket), or zero.
  Duration recent_longest(TimePoint now) const {
    const std::int64_t current = index_of(now);
    Duration longest = Duration::zero();
    for (const Bucket& bucket : buckets_) {
      if (bucket.index > current - static_cast<std::int64_t>(kBuckets))
        longest = std::max(longest, bucket.longest);
    }
    return longest;
  }

 private:
  struct Bucket {
    std::int64_t index = -1'000'000;  // which kBucket-long span of time it holds
    Duration longest = Duration::zero();
  };

  static std::int64_t index_of(TimePoint at) { return at.time_since_epoch() / kBucket; }

  Bucket& bucket_at(TimePoint at) {
    const std::int64_t index = index_of(at);
    Bucket& bucket = buckets_[static_cast<std::size_t>(index) % kBuckets];
    if (bucket.index != index) bucket = Bucket{index, Duration::zero()};
    return bucket;
  }

  std::array<Bucket, kBuckets> buckets_{};
  TimePoint last_heard_{};
  bool heard_any_ = false;
};

}  // namespace mycelium::ram
