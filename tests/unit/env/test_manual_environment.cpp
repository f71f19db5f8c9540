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
  CHECK(pages.bytes() == 2 * 4096);
  CHECK(env.vm()->read_dirty_pages().pages.empty());
  env.vm()->set_throttle_intensity(0.5);
  env.vm()->pause();
  CHECK(vm.throttle_intensity() == 0.5);
  CHECK(vm.is_paused());
}
