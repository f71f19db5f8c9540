#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <sim/env/timer_queue.hpp>

using namespace mycelium;
using namespace std::chrono_literals;
using sim::TimerQueue;

namespace {

// Fires everything due up to `until`, in order.
void fire_until(TimerQueue& queue, TimePoint until) {
  for (int guard = 0; guard < 1000; ++guard) {
    auto due = queue.pop_due(until);
    if (!due) return;
    due->callback();
  }
  FAIL("timers kept firing");
}

}  // namespace

TEST_CASE("TimerQueue orders by deadline then by scheduling order across owners", "[sim][timers]") {
  TimerQueue queue(3);
  std::vector<std::string> fired;
  auto record = [&fired](std::string label) { return [&fired, label] { fired.push_back(label); }; };
  queue.insert(2, TimePoint(20ms), 0ms, record("c"));
  queue.insert(0, TimePoint(10ms), 0ms, record("a"));
  queue.insert(1, TimePoint(10ms), 0ms, record("b"));
  queue.insert(0, TimePoint(5ms), 0ms, record("first"));
  CHECK(queue.next_deadline() == TimePoint(5ms));
  fire_until(queue, TimePoint(30ms));
  CHECK(fired == std::vector<std::string>{"first", "a", "b", "c"});
  CHECK_FALSE(queue.next_deadline().has_value());
}

TEST_CASE("TimerQueue cancel and drop_owner forget pending timers only", "[sim][timers]") {
  TimerQueue queue(2);
  int fired = 0;
  const TimerId first = queue.insert(0, TimePoint(10ms), 0ms, [&] { ++fired; });
  const TimerId second = queue.insert(0, TimePoint(10ms), 0ms, [&] { ++fired; });
  const TimerId other_owner = queue.insert(1, TimePoint(10ms), 0ms, [&] { ++fired; });
  CHECK(first.valid());
  CHECK(first != second);
  CHECK_FALSE(queue.cancel(1, first));  // not owner 1's timer
  CHECK(queue.cancel(0, first));
  CHECK_FALSE(queue.cancel(0, first));
  CHECK_FALSE(queue.cancel(0, TimerId{9}));
  CHECK_FALSE(queue.cancel(0, TimerId{}));
  queue.drop_owner(1);
  CHECK_FALSE(queue.cancel(1, other_owner));  // dropped: no longer pending
  fire_until(queue, TimePoint(10ms));
  CHECK(fired == 1);
  CHECK_FALSE(queue.cancel(0, second));  // already fired
}

TEST_CASE("TimerQueue re-arms periodic timers from their deadline before the callback",
          "[sim][timers]") {
  TimerQueue queue(1);
  std::vector<TimePoint> deadlines;
  const TimerId periodic = queue.insert(0, TimePoint(10ms), 10ms, [] {});
  for (int i = 0; i < 3; ++i) {
    auto due = queue.pop_due(TimePoint(1s));
    REQUIRE(due);
    deadlines.push_back(due->deadline);
  }
  CHECK(deadlines == std::vector<TimePoint>{TimePoint(10ms), TimePoint(20ms), TimePoint(30ms)});
  CHECK(queue.next_deadline() == TimePoint(40ms));
  CHECK(queue.cancel(0, periodic));
  CHECK_FALSE(queue.next_deadline().has_value());
}

TEST_CASE("TimerQueue reuses the slots of finished timers without confusing their ids",
          "[sim][timers]") {
  TimerQueue queue(2);
  int fired = 0;
  // Schedule and cancel many times (a probe timeout answered in time): the slab does not grow,
  // and an old id never cancels the timer that took its slot over.
  TimerId previous = queue.insert(0, TimePoint(1s), 0ms, [&] { ++fired; });
  for (int round = 0; round < 1000; ++round) {
    CHECK(queue.cancel(0, previous));
    const TimerId next = queue.insert(0, TimePoint(1s), 0ms, [&] { ++fired; });
    CHECK(next != previous);
    CHECK_FALSE(queue.cancel(0, previous));
    previous = next;
  }
  CHECK(queue.slot_count() == 1);

  SECTION("a dropped owner's timers free their slots when they reach the top") {
    queue.insert(1, TimePoint(5ms), 0ms, [&] { ++fired; });
    queue.drop_owner(1);
    CHECK(queue.next_deadline() == TimePoint(1s));
    const TimerId reused = queue.insert(0, TimePoint(2s), 0ms, [&] { ++fired; });
    CHECK(queue.slot_count() == 2);
    fire_until(queue, TimePoint(3s));
    CHECK(fired == 2);
    CHECK_FALSE(queue.cancel(0, reused));
  }
  SECTION("unused ids are valid, distinct and never pending") {
    const TimerId a = queue.unused_id();
    const TimerId b = queue.unused_id();
    CHECK(a.valid());
    CHECK(a != b);
    CHECK(a != previous);
    CHECK_FALSE(queue.cancel(0, a));
    CHECK(queue.next_deadline() == TimePoint(1s));
  }
}
