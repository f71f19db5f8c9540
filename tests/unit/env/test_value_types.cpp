// The small value types of core/env: time formatting, node ids, ports, messages.

#include <string>
#include <unordered_set>

#include <catch2/catch.hpp>

#include <core/env/message.hpp>
#include <core/env/node_id.hpp>
#include <core/env/time.hpp>

using namespace mycelium;
using namespace std::chrono_literals;

TEST_CASE("durations and time points format exactly, with their sign", "[env][time]") {
  CHECK(format_duration(Duration::zero()) == "0.000000000s");
  CHECK(format_duration(1250ms) == "1.250000000s");
  CHECK(format_duration(1ns) == "0.000000001s");
  CHECK(format_duration(-1us) == "-0.000001000s");  // |d| < 1 s keeps its sign
  CHECK(format_duration(-90s - 5ns) == "-90.000000005s");
  CHECK(format_duration(Duration::min()) == "-9223372036.854775808s");  // no overflow
  CHECK(format_time(kTimeZero + 12s + 345ms) == "t=12.345000000s");
}

TEST_CASE("the environment clock counts nanoseconds from its epoch", "[env][time]") {
  static_assert(std::is_same_v<TimePoint::duration, std::chrono::nanoseconds>);
  static_assert(EnvironmentClock::is_steady);
  const TimePoint at = kTimeZero + 2s;
  CHECK(at.time_since_epoch() == 2'000'000'000ns);
  CHECK(at - kTimeZero == Duration(2s));
}

TEST_CASE("node ids compare, hash, and default to the invalid sentinel", "[env]") {
  CHECK_FALSE(NodeId{}.valid());
  CHECK(NodeId{} == kInvalidNode);
  CHECK(NodeId{0}.valid());
  CHECK(NodeId{1} < NodeId{2});
  const std::unordered_set<NodeId> ids{NodeId{1}, NodeId{2}, NodeId{1}};
  CHECK(ids.size() == 2);
}

TEST_CASE("a message counts its payload and bulk bytes on the wire", "[env]") {
  const Message message{NodeId{1}, NodeId{2}, Port{9}, {1, 2, 3}, 4096};
  CHECK(message.wire_bytes() == 3 + 4096);
  CHECK(Port{1} < Port{2});
}
