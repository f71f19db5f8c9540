// The test environment keeps the Environment contract (docs/architecture.md), so protocol tests
// built on it mean what they say.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <core/env/environment.hpp>
#include <tests/support/manual_environment.hpp>

using namespace mycelium;
using namespace std::chrono_literals;
using mycelium::testing::ManualEnvironment;
using mycelium::testing::ManualNetwork;

TEST_CASE("timers fire at their deadline, same-instant ones in scheduling order", "[env]") {
  ManualEnvironment env(NodeId{1});
  std::vector<std::string> fired;
  env.schedule_once(
      20ms, [&] { fired.push_back("b@" + std::to_string(env.now().time_since_epoch() / 1ms)); });
  env.schedule_once(
      10ms, [&] { fired.push_back("a@" + std::to_string(env.now().time_since_epoch() / 1ms)); });
  env.schedule_once(
      20ms, [&] { fired.push_back("c@" + std::to_string(env.now().time_since_epoch() / 1ms)); });
  env.advance(15ms);
  CHECK(fired == std::vector<std::string>{"a@10"});
  CHECK(env.now() == TimePoint(15ms));
  env.advance(5ms);
  CHECK(fired == std::vector<std::string>{"a@10", "b@20", "c@20"});
}

TEST_CASE("periodic timers fire at every multiple of the period until cancelled", "[env]") {
  ManualEnvironment env(NodeId{1});
  std::vector<Duration> at;
  const TimerId timer =
      env.schedule_periodic(100ms, [&] { at.push_back(env.now().time_since_epoch()); });
  env.advance(350ms);
  CHECK(at == std::vector<Duration>{100ms, 200ms, 300ms});
  CHECK(env.cancel_timer(timer));
  CHECK_FALSE(env.cancel_timer(timer));  // no longer pending
  env.advance(1s);
  CHECK(at.size() == 3);
}

TEST_CASE("a timer cancelled from a callback due at the same instant never fires", "[env]") {
  ManualEnvironment env(NodeId{1});
  bool second_fired = false;
  TimerId second{};
  env.schedule_once(5ms, [&] { CHECK(env.cancel_timer(second)); });
  second = env.schedule_once(5ms, [&] { second_fired = true; });
  env.advance(10ms);
  CHECK_FALSE(second_fired);
}

TEST_CASE("a periodic timer can cancel itself from its own callback", "[env]") {
  ManualEnvironment env(NodeId{1});
  int count = 0;
  TimerId self{};
  self = env.schedule_periodic(1ms, [&] {
    if (++count == 3) env.cancel_timer(self);
  });
  env.advance(10ms);
  CHECK(count == 3);
  CHECK(env.pending_timers() == 0);
}

TEST_CASE("a re-armed periodic timer counts as scheduled when it fires", "[env]") {
  // P (every 10 ms) is scheduled first; O is scheduled at 5 ms for 20 ms; P's callback at 10 ms
  // schedules Q for 20 ms. At 20 ms: O (scheduled at 5), P (re-armed at 10, before its callback
  // ran), Q (scheduled by that callback).
  ManualEnvironment env(NodeId{1});
  std::vector<std::string> fired;
  const TimerId periodic = env.schedule_periodic(10ms, [&] {
    fired.push_back("P" + std::to_string(env.now().time_since_epoch() / 1ms));
    if (env.now() == TimePoint(10ms)) env.schedule_once(10ms, [&] { fired.push_back("Q20"); });
  });
  env.schedule_once(5ms, [&] { env.schedule_once(15ms, [&] { fired.push_back("O20"); }); });
  env.advance(20ms);
  CHECK(fired == std::vector<std::string>{"P10", "O20", "P20", "Q20"});
  CHECK(env.cancel_timer(periodic));
}

TEST_CASE("a zero delay timer is a later event, never a synchronous call", "[env]") {
  ManualEnvironment env(NodeId{1});
  bool fired = false;
  env.schedule_once(Duration::zero(), [&] { fired = true; });
  CHECK_FALSE(fired);
  env.advance(Duration::zero());
  CHECK(fired);
  CHECK(env.now() == kTimeZero);
}

TEST_CASE("cancelling a timer that is not pending returns false", "[env]") {
  ManualEnvironment env(NodeId{1});
  CHECK_FALSE(env.cancel_timer(TimerId{}));
  CHECK_FALSE(env.cancel_timer(TimerId{12345}));
  const TimerId once = env.schedule_once(1ms, [] {});
  CHECK(once.valid());
  env.advance(1ms);
  CHECK_FALSE(env.cancel_timer(once));  // already fired
}

TEST_CASE("run_until_idle fires every pending timer and stops at the last deadline", "[env]") {
  ManualEnvironment env(NodeId{1});
  int fired = 0;
  env.schedule_once(3s, [&] {
    ++fired;
    env.schedule_once(2s, [&] { ++fired; });
  });
  env.schedule_once(1s, [&] { ++fired; });
  CHECK(env.run_until_idle(10) == 3);
  CHECK(fired == 3);
  CHECK(env.now() == TimePoint(5s));
  CHECK(env.pending_timers() == 0);
  CHECK(env.run_until_idle(10) == 0);
}

TEST_CASE("timers scheduled by a callback inside the window fire in the same advance", "[env]") {
  ManualEnvironment env(NodeId{1});
  std::vector<Duration> at;
  env.schedule_once(1ms, [&] {
    at.push_back(env.now().time_since_epoch());
    env.schedule_once(2ms, [&] { at.push_back(env.now().time_since_epoch()); });
  });
  env.advance(5ms);
  CHECK(at == std::vector<Duration>{1ms, 3ms});
}

TEST_CASE("send never delivers synchronously, messages wait in the outbox", "[env]") {
  ManualEnvironment env(NodeId{4});
  int received = 0;
  env.bind(Port{7}, [&](const Message&) { ++received; });
  env.send(Message{kInvalidNode, NodeId{4}, Port{7}, {1, 2, 3}, 0});
  CHECK(received == 0);
  REQUIRE(env.outbox().size() == 1);
  CHECK(env.outbox()[0].from == NodeId{4});  // the environment stamps the sender
  env.deliver(env.take_outbox()[0]);
  CHECK(received == 1);
}

TEST_CASE("a message to an unbound port is dropped and counted", "[env]") {
  ManualEnvironment env(NodeId{1});
  CHECK_FALSE(env.deliver(Message{NodeId{2}, NodeId{1}, Port{9}, {}, 0}));
  CHECK(env.recorded_metrics().counter("messages_dropped_unbound_total") == 1);
}

TEST_CASE("ManualNetwork delivers after the one-way latency, in order", "[env]") {
  ManualNetwork network(3, 5ms);
  std::vector<std::pair<Duration, std::uint8_t>> received;
  network.node(2).bind(Port{1}, [&](const Message& message) {
    received.emplace_back(network.node(2).now().time_since_epoch(), message.payload.at(0));
  });
  // Node 0 sends 1 at t=1ms and 2 at t=2ms; node 1 sends 3 at t=1ms.
  network.node(0).schedule_once(1ms, [&] {
    network.node(0).send({{}, NodeId{2}, Port{1}, {1}, 0});
  });
  network.node(1).schedule_once(1ms, [&] {
    network.node(1).send({{}, NodeId{2}, Port{1}, {3}, 0});
  });
  network.node(0).schedule_once(2ms, [&] {
    network.node(0).send({{}, NodeId{2}, Port{1}, {2}, 0});
  });
  network.advance(6ms);
  CHECK(received == std::vector<std::pair<Duration, std::uint8_t>>{{6ms, 1}, {6ms, 3}});
  network.advance(10ms);
  CHECK(received.size() == 3);
  CHECK(received[2] == std::pair<Duration, std::uint8_t>{7ms, 2});
  CHECK(network.now() == TimePoint(16ms));
}

TEST_CASE("ManualNetwork delivers to self after the latency and before same-instant timers",
          "[env]") {
  ManualNetwork network(1, 5ms);
  ManualEnvironment& node = network.node(0);
  std::vector<std::string> events;
  node.bind(Port{3}, [&](const Message&) {
    events.push_back("message@" + std::to_string(node.now().time_since_epoch() / 1ms));
  });
  node.schedule_once(5ms, [&] { events.push_back("timer@5"); });  // scheduled first
  node.send({{}, NodeId{0}, Port{3}, {}, 0});
  CHECK(events.empty());  // never synchronous, not even to self
  network.advance(5ms);
  CHECK(events == std::vector<std::string>{"message@5", "timer@5"});
  CHECK(network.delivered() == 1);
}

TEST_CASE("ManualNetwork counts a message to an unbound port at the receiver", "[env]") {
  ManualNetwork network(2, 1ms);
  network.node(0).send({{}, NodeId{1}, Port{42}, {}, 0});
  network.advance(1ms);
  CHECK(network.node(1).recorded_metrics().counter("messages_dropped_unbound_total") == 1);
  CHECK(network.node(0).recorded_metrics().counter("messages_dropped_unbound_total") == 0);
}

TEST_CASE("ManualNetwork runs until idle and keeps every clock together", "[env]") {
  ManualNetwork network(3, 10ms);
  // A message relayed 0 -> 1 -> 2, each hop starting from a handler.
  for (std::uint32_t hop = 1; hop < 3; ++hop) {
    network.node(hop).bind(Port{1}, [&network, hop](const Message& message) {
      if (hop < 2) network.node(hop).send({{}, NodeId{hop + 1}, Port{1}, message.payload, 0});
    });
  }
  network.node(0).schedule_once(5ms, [&] {
    network.node(0).send({{}, NodeId{1}, Port{1}, {}, 0});
  });
  CHECK(network.run_until_idle(100) == 3);  // one timer, two deliveries
  CHECK(network.now() == TimePoint(25ms));
  for (std::size_t i = 0; i < network.size(); ++i)
    CHECK(network.node(i).now() == TimePoint(25ms));
  CHECK(network.in_flight() == 0);
}

TEST_CASE("a ping-pong over ManualNetwork takes one round trip per exchange", "[env]") {
  ManualNetwork network(2, 10ms);
  int pongs = 0;
  network.node(1).bind(Port{1}, [&](const Message& ping) {
    network.node(1).send({{}, ping.from, Port{2}, {}, 0});
  });
  network.node(0).bind(Port{2}, [&](const Message&) { ++pongs; });
  network.node(0).schedule_periodic(100ms, [&] {
    network.node(0).send({{}, NodeId{1}, Port{1}, {}, 0});
  });
  network.advance(1s + 19ms);  // the 10th ping leaves at 1000ms, its pong is back at 1020ms
  CHECK(pongs == 9);
  network.advance(1ms);
  CHECK(pongs == 10);
}

TEST_CASE("the fake guest reports dirty pages once, sorted and unique", "[env]") {
  ManualEnvironment env(NodeId{1});
  CHECK(env.vm() == nullptr);
  testing::FakeVm& vm = env.attach_vm();
  vm.dirty(9);
  vm.dirty(3);
  vm.dirty(9);
  const DirtyPages pages = env.vm()->read_dirty_pages();
  CHECK(pages.pages == std::vector<std::uint64_t>{3, 9});
  CHECK(pages.page_size_bytes == 4096);
  CHECK(pages.bytes() == 2 * 4096);
  CHECK(env.vm()->read_dirty_pages().pages.empty());

  vm.set_dirty_pages({7, 1, 7});
  CHECK(env.vm()->read_dirty_pages().pages == std::vector<std::uint64_t>{1, 7});

  env.vm()->set_throttle_intensity(0.5);
  env.vm()->pause();
  env.vm()->pause();  // idempotent
  CHECK(vm.throttle_intensity() == 0.5);
  CHECK(vm.is_paused());
  CHECK(vm.pauses == 1);
  env.vm()->resume();
  CHECK_FALSE(vm.is_paused());
  CHECK(vm.throttle_intensity() == 0.5);  // kept across the pause
}

TEST_CASE("recorded metrics keep counters, gauges and series for assertions", "[env]") {
  ManualEnvironment env(NodeId{1});
  MetricsSink& sink = env.metrics();
  sink.add_counter("epochs_committed_total", 2);
  sink.add_counter("epochs_committed_total", 3);
  sink.set_gauge("buffer_level_ratio", 0.25);
  sink.set_gauge("buffer_level_ratio", 0.5);
  sink.record("replication_lag_ms", TimePoint(1s), 12.0);
  sink.record("replication_lag_ms", TimePoint(2s), 8.0);
  const testing::RecordingMetrics& recorded = env.recorded_metrics();
  CHECK(recorded.counter("epochs_committed_total") == 5);
  CHECK(recorded.counter("never_touched_total") == 0);
  CHECK(recorded.gauge("buffer_level_ratio") == 0.5);
  CHECK_FALSE(recorded.gauge("missing_ratio").has_value());
  using Sample = std::pair<TimePoint, double>;
  CHECK(recorded.series.at("replication_lag_ms") ==
        std::vector<Sample>{{TimePoint(1s), 12.0}, {TimePoint(2s), 8.0}});
}

TEST_CASE("each node's random stream is derived from the scenario seed and its id", "[env]") {
  ManualEnvironment a(NodeId{5}, 77);
  ManualEnvironment b(NodeId{5}, 77);
  ManualEnvironment other(NodeId{6}, 77);
  const std::uint64_t draw = a.random().next_u64();
  CHECK(draw == b.random().next_u64());
  CHECK(draw == RandomStream::derive(77, NodeId{5}, "node").next_u64());
  CHECK(draw != other.random().next_u64());
}
