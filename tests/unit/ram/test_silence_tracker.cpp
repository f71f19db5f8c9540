// SilenceTracker (core/ram/silence_tracker.hpp): the longest silence between two messages from
// the primary that ended within the last 30 s; the wait for the first message and a silence
// that has not ended do not count.

#include <catch2/catch.hpp>

#include <core/ram/silence_tracker.hpp>

using namespace mycelium;
using namespace mycelium::ram;
using namespace std::chrono_literals;

TEST_CASE("silence tracker: the longest recent gap between two messages, forgotten after 30 s") {
  SilenceTracker silences;
  CHECK(silences.recent_longest(kTimeZero + 1s) == Duration::zero());

  silences.heard(kTimeZero + 90s);  // the first message: the wait before it is no silence
  CHECK(silences.last_heard() == kTimeZero + 90s);
  CHECK(silences.recent_longest(kTimeZero + 90s) == Duration::zero());

  silences.heard(kTimeZero + 90s + 100ms);
  silences.heard(kTimeZero + 91s + 600ms);  // 1.5 s quiet (a long read)
  silences.heard(kTimeZero + 91s + 700ms);
  CHECK(silences.recent_longest(kTimeZero + 92s) == 1500ms);
  // Still quiet at 95 s: a silence that has not ended does not raise its own deadline.
  CHECK(silences.recent_longest(kTimeZero + 95s) == 1500ms);

  silences.heard(kTimeZero + 101s);  // 9.3 s quiet, ending in the next 10 s bucket
  CHECK(silences.recent_longest(kTimeZero + 101s) == 9300ms);
  CHECK(silences.last_heard() == kTimeZero + 101s);

  // Buckets of 10 s, three of them: gone once their bucket is three buckets old.
  CHECK(silences.recent_longest(kTimeZero + 129s) == 9300ms);
  CHECK(silences.recent_longest(kTimeZero + 131s) == Duration::zero());
}

TEST_CASE("silence tracker: a new bucket forgets what its slot held before") {
  SilenceTracker silences;
  silences.heard(kTimeZero + 1s);
  silences.heard(kTimeZero + 5s);  // 4 s, bucket 0
  // 30 s later the same slot of the ring holds bucket 3: a 200 ms gap there replaces the 4 s.
  silences.heard(kTimeZero + 35s);
  silences.heard(kTimeZero + 35s + 200ms);
  CHECK(silences.recent_longest(kTimeZero + 36s) == 30s);  // the 5 s -> 35 s gap, bucket 3
  silences.heard(kTimeZero + 66s);
  silences.heard(kTimeZero + 66s + 300ms);
  CHECK(silences.recent_longest(kTimeZero + 67s) == 30800ms);  // 35.2 -> 66 s, bucket 6
}
