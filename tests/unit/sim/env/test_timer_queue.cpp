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
  queue.insert(2, TimerId{1}, TimePoint(20ms), 0ms, record("c"));
  queue.insert(0, TimerId{1}, TimePoint(10ms), 0ms, record("a"));
  queue.insert(1, TimerId{1}, TimePoint(10ms), 0ms, record("b"));
  queue.insert(0, TimerId{2}, TimePoint(5ms), 0ms, record("first"));
  CHECK(queue.next_deadline() == TimePoint(5ms));
  fire_until(queue, TimePoint(30ms));
  CHECK(fired == std::vector<std::string>{"first", "a", "b", "c"});
  CHECK_FALSE(queue.next_deadline().has_value());
}

TEST_CASE("TimerQueue cancel and drop_owner forget pending timers only", "[sim][timers]") {
  TimerQueue queue(2);
  int fired = 0;
  queue.insert(0, TimerId{1}, TimePoint(10ms), 0ms, [&] { ++fired; });
  queue.insert(0, TimerId{2}, TimePoint(10ms), 0ms, [&] { ++fired; });
  queue.insert(1, TimerId{1}, TimePoint(10ms), 0ms, [&] { ++fired; });
  CHECK(queue.cancel(0, TimerId{1}));
  CHECK_FALSE(queue.cancel(0, TimerId{1}));
  CHECK_FALSE(queue.cancel(0, TimerId{9}));
  queue.drop_owner(1);
  CHECK_FALSE(queue.cancel(1, TimerId{1}));  // dropped: no longer pending
  fire_until(queue, TimePoint(10ms));
  CHECK(fired == 1);
  CHECK_FALSE(queue.cancel(0, TimerId{2}));  // already fired
}

TEST_CASE("TimerQueue re-arms periodic timers from their deadline before the callback",
          "[sim][timers]") {
  TimerQueue queue(1);
  std::vector<TimePoint> deadlines;
  queue.insert(0, TimerId{1}, TimePoint(10ms), 10ms, [] {});
  for (int i = 0; i < 3; ++i) {
    auto due = queue.pop_due(TimePoint(1s));
    REQUIRE(due);
    deadlines.push_back(due->deadline);
  }
  CHECK(deadlines == std::vector<TimePoint>{TimePoint(10ms), TimePoint(20ms), TimePoint(30ms)});
  CHECK(queue.next_deadline() == TimePoint(40ms));
  CHECK(queue.cancel(0, TimerId{1}));
  CHECK_FALSE(queue.next_deadline().has_value());
}
