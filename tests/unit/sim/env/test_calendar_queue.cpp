#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include <sim/env/calendar_queue.hpp>

using namespace mycelium;
using namespace std::chrono_literals;

namespace {

struct Entry {
  TimePoint at;
  std::uint64_t sequence;
};
struct Before {
  bool operator()(const Entry& a, const Entry& b) const {
    return a.at != b.at ? a.at < b.at : a.sequence < b.sequence;
  }
};
struct TimeOf {
  TimePoint operator()(const Entry& entry) const { return entry.at; }
};
using Queue = sim::CalendarQueue<Entry, Before, TimeOf>;

// The reference: an ordered set, popped from the front.
using Reference = std::set<std::tuple<TimePoint, std::uint64_t>>;

constexpr Duration kSlot{std::int64_t{1} << Queue::kSlotShift};
constexpr Duration kWheelSpan = kSlot * Queue::kSlots;

}  // namespace

TEST_CASE(
    "CalendarQueue pops in (time, sequence) order within a slot, across slots and beyond "
    "the wheel",
    "[sim][calendar]") {
  Queue queue;
  std::uint64_t sequence = 0;
  // Pushed out of order: two ties, one in the first slot, one in the wheel, two beyond it.
  const std::vector<TimePoint> times{
      TimePoint(5ms),  TimePoint(0ns),       TimePoint(kWheelSpan * 3),
      TimePoint(5ms),  TimePoint(kSlot / 2), TimePoint(kWheelSpan + 1ms),
      TimePoint(kSlot)};
  for (const TimePoint at : times)
    queue.push(Entry{at, ++sequence});
  std::vector<std::uint64_t> order;
  while (!queue.empty())
    order.push_back(queue.pop().sequence);
  // 0 ns, kSlot/2, kSlot, 5 ms (pushed 1st), 5 ms (4th), wheel span + 1 ms, 3 wheel spans.
  CHECK(order == std::vector<std::uint64_t>{2, 5, 7, 1, 4, 6, 3});
}

TEST_CASE("CalendarQueue takes entries for the slot being drained, and earlier ones, in order",
          "[sim][calendar]") {
  Queue queue;
  queue.push(Entry{TimePoint(10ms), 1});
  queue.push(Entry{TimePoint(30ms), 2});
  CHECK(queue.pop().sequence == 1);  // the queue now drains 10 ms's slot
  // Earlier than the drained slot, in it, and before the next occupied slot.
  queue.push(Entry{TimePoint(2ms), 3});
  queue.push(Entry{TimePoint(10ms), 4});
  queue.push(Entry{TimePoint(20ms), 5});
  std::vector<std::uint64_t> order;
  while (!queue.empty())
    order.push_back(queue.pop().sequence);
  CHECK(order == std::vector<std::uint64_t>{3, 4, 5, 2});
}

TEST_CASE("CalendarQueue matches an ordered set over random pushes, pops and removals",
          "[sim][calendar]") {
  for (const std::uint32_t seed : {1U, 2U, 3U}) {
    std::mt19937_64 random(seed);
    Queue queue;
    Reference reference;
    std::uint64_t sequence = 0;
    TimePoint now{};
    for (int step = 0; step < 200000; ++step) {
      const auto choice = random() % 100;
      if (choice < 50 || reference.empty()) {
        // Mostly within a second, some at now, some far beyond the wheel; times collide often.
        Duration delay{};
        const auto kind = random() % 10;
        if (kind < 6)
          delay = Duration(static_cast<std::int64_t>(random() % 1000) * 1ms);
        else if (kind < 8)
          delay = Duration(static_cast<std::int64_t>(random() % 50) * 1us);
        else if (kind < 9)
          delay = Duration(static_cast<std::int64_t>(random() % 60) * 1s);
        const TimePoint at = now + delay;
        queue.push(Entry{at, ++sequence});
        reference.emplace(at, sequence);
      } else if (choice < 60) {
        // A peek (the simulator asks for the next deadline): the queue may move on to a later
        // slot, and what is pushed before that slot afterwards must still come first.
        REQUIRE(queue.top().sequence == std::get<1>(*reference.begin()));
      } else if (choice < 99) {
        const auto [at, expected] = *reference.begin();
        reference.erase(reference.begin());
        const Entry popped = queue.pop();
        REQUIRE(popped.at == at);
        REQUIRE(popped.sequence == expected);
        now = at;  // as a simulator: time moves to what was popped, never back
      } else {
        // A crash: drop every entry with an odd sequence.
        queue.keep_if([](const Entry& entry) { return entry.sequence % 2 == 0; });
        std::erase_if(reference, [](const auto& key) { return std::get<1>(key) % 2 != 0; });
      }
      REQUIRE(queue.size() == reference.size());
    }
    while (!reference.empty()) {
      REQUIRE(queue.pop().sequence == std::get<1>(*reference.begin()));
      reference.erase(reference.begin());
    }
    CHECK(queue.empty());
  }
}

TEST_CASE("CalendarQueue clear empties it and it keeps working", "[sim][calendar]") {
  Queue queue;
  queue.push(Entry{TimePoint(1s), 1});
  queue.push(Entry{TimePoint(100s), 2});
  CHECK(queue.pop().sequence == 1);
  queue.clear();
  CHECK(queue.empty());
  queue.push(Entry{TimePoint(3s), 3});
  queue.push(Entry{TimePoint(2s), 4});
  CHECK(queue.pop().sequence == 4);
  CHECK(queue.pop().sequence == 3);
  CHECK(queue.empty());
}
