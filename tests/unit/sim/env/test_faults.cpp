// Faults on the SimGrid backend: crashed nodes, links and NICs turned off, scheduled faults. Every
// test runs under both network models: faults must lose the same messages in both.
#include <vector>

#include <catch2/catch.hpp>

#include <sim/env/simulation.hpp>
#include <tests/unit/sim/env/sim_test_support.hpp>

using namespace mycelium;
using namespace std::chrono_literals;
using namespace mycelium::sim;
using mycelium::sim::testing::message_to;

namespace {

constexpr Port kPort{9};

// Node `sender` sends one small message to `receiver` every 10 ms, from t = 10 ms.
TimerId send_every_10ms(Simulation& simulation, NodeId sender, NodeId receiver) {
  Environment& env = simulation.node(sender);
  return env.schedule_periodic(10ms,
                               [&env, receiver] { env.send(message_to(receiver, kPort, 8)); });
}

}  // namespace

TEST_CASE("SimGrid crashed node receives nothing and its timers stop", "[sim][faults]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 3, 1.25e9), 1, model);
  Environment& victim = simulation.node(NodeId{2});
  std::vector<TimePoint> victim_ticks;
  std::vector<TimePoint> received;
  victim.schedule_periodic(10ms, [&] { victim_ticks.push_back(victim.now()); });
  victim.bind(kPort, [&](const Message&) { received.push_back(victim.now()); });
  send_every_10ms(simulation, NodeId{0}, NodeId{2});

  // Crash at 55 ms, between two sends (10 ms period, 0.1 ms latency).
  simulation.schedule_fault(TimePoint(55ms), [&] { simulation.crash_node(NodeId{2}); });
  simulation.run_until(TimePoint(205ms));

  CHECK(simulation.is_crashed(NodeId{2}));
  CHECK(victim_ticks.size() == 5);  // 10 .. 50 ms
  CHECK(received.size() == 5);      // sent at 10 .. 50 ms
  // Sent at 60 .. 200 ms: 15 messages, all lost on arrival and counted by the sender.
  CHECK(simulation.metrics(NodeId{0}).counter("messages_lost_total") == 15);

  SECTION("what a crashed node schedules or sends goes nowhere") {
    const TimerId timer = victim.schedule_once(1ms, [&] { victim_ticks.push_back(victim.now()); });
    CHECK(timer.valid());
    CHECK_FALSE(victim.cancel_timer(timer));
    victim.send(message_to(NodeId{1}, kPort));
    simulation.run_for(100ms);
    CHECK(victim_ticks.size() == 5);
    CHECK(simulation.metrics(NodeId{2}).counter("messages_lost_total") == 1);
  }
  SECTION("a restarted node runs again, empty, with whatever is bound anew") {
    simulation.restart_node(NodeId{2});
    CHECK_FALSE(simulation.is_crashed(NodeId{2}));
    simulation.run_for(100ms);
    CHECK(received.size() == 5);  // nothing bound: arrivals are dropped as unbound
    CHECK(simulation.metrics(NodeId{2}).counter("messages_dropped_unbound_total") == 10);
    victim.bind(kPort, [&](const Message&) { received.push_back(victim.now()); });
    simulation.run_for(100ms);
    CHECK(received.size() == 15);
    CHECK(victim_ticks.size() == 5);  // the old periodic timer stayed dead
  }
}

TEST_CASE("SimGrid crash drops messages already in flight, both ways", "[sim][faults]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  // 1 Gbit/s NICs: a 100 MB transfer takes 0.8 s; the receiver crashes half way.
  Simulation simulation(uniform_platform(1, 3, 1.25e8), 1, model);
  int delivered = 0;
  for (std::uint32_t i = 0; i < 3; ++i) {
    simulation.node(NodeId{i}).bind(kPort, [&](const Message&) { ++delivered; });
  }
  simulation.node(NodeId{0}).send(message_to(NodeId{1}, kPort, 0, 100'000'000));
  simulation.node(NodeId{1}).send(message_to(NodeId{2}, kPort, 0, 100'000'000));
  simulation.node(NodeId{2}).send(message_to(NodeId{0}, kPort, 0, 100'000'000));  // unaffected
  simulation.run_until(TimePoint(400ms));
  CHECK(simulation.messages_in_flight() == 3);
  simulation.crash_node(NodeId{1});  // between runs: takes effect at 400 ms
  simulation.run_until(TimePoint(2s));
  CHECK(delivered == 1);
  CHECK(simulation.messages_in_flight() == 0);
  CHECK(simulation.metrics(NodeId{0}).counter("messages_lost_total") == 1);
  CHECK(simulation.metrics(NodeId{1}).counter("messages_lost_total") == 1);
}

TEST_CASE("SimGrid messages across a link turned off are lost until it comes back",
          "[sim][faults]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(2, 2, 1.25e9), 1, model);  // zone-0: 0, 1; zone-1: 2, 3
  std::vector<TimePoint> received_across;
  std::vector<TimePoint> received_inside;
  Environment& remote = simulation.node(NodeId{2});
  Environment& local = simulation.node(NodeId{1});
  remote.bind(kPort, [&](const Message&) { received_across.push_back(remote.now()); });
  local.bind(kPort, [&](const Message&) { received_inside.push_back(local.now()); });
  Environment& sender = simulation.node(NodeId{0});
  sender.schedule_periodic(100ms, [&] {
    sender.send(message_to(NodeId{2}, kPort, 8));
    sender.send(message_to(NodeId{1}, kPort, 8));
  });
  simulation.schedule_fault(TimePoint(250ms),
                            [&] { simulation.set_zone_link_up("zone-0", "zone-1", false); });
  simulation.schedule_fault(TimePoint(550ms),
                            [&] { simulation.set_zone_link_up("zone-1", "zone-0", true); });
  simulation.run_until(TimePoint(1s) - 1ms);

  // Sent at 100 .. 900 ms: 300, 400, 500 ms cross a dead link.
  CHECK(received_across.size() == 6);
  CHECK(received_inside.size() == 9);  // the LAN is untouched
  CHECK(simulation.metrics(NodeId{0}).counter("messages_lost_total") == 3);
  CHECK_THROWS_AS(simulation.set_zone_link_up("zone-0", "zone-9", false), std::invalid_argument);
}

TEST_CASE("SimGrid a link going down loses the messages in flight across it", "[sim][faults]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(2, 2, 1.25e9), 1, model);  // zone-0: 0, 1; zone-1: 2, 3
  std::vector<NodeId> received;
  for (std::uint32_t i = 0; i < 4; ++i) {
    Environment& env = simulation.node(NodeId{i});
    env.bind(kPort, [&received, &env](const Message&) { received.push_back(env.self()); });
  }
  // Across the WAN: 40.2 ms of latency, in flight when the link goes down at 10 ms; inside
  // zone-0 (0.1 ms): arrives before; inside zone-1, sent at 10 ms: the link does not cut it.
  simulation.node(NodeId{0}).send(message_to(NodeId{2}, kPort, 8));
  simulation.node(NodeId{3}).send(message_to(NodeId{1}, kPort, 8));
  simulation.node(NodeId{0}).send(message_to(NodeId{1}, kPort, 8));
  simulation.schedule_fault(TimePoint(10ms), [&] {
    CHECK(simulation.messages_in_flight() == 2);
    simulation.set_zone_link_up("zone-0", "zone-1", false);
    CHECK(simulation.messages_in_flight() == 0);
    simulation.node(NodeId{2}).send(message_to(NodeId{3}, kPort, 8));
    simulation.node(NodeId{1}).send(message_to(NodeId{3}, kPort, 8));  // sent while down: lost
  });
  simulation.run_until(TimePoint(1s));
  CHECK(received == std::vector<NodeId>{NodeId{1}, NodeId{3}});
  CHECK(simulation.metrics(NodeId{0}).counter("messages_lost_total") == 1);
  CHECK(simulation.metrics(NodeId{3}).counter("messages_lost_total") == 1);
  CHECK(simulation.metrics(NodeId{1}).counter("messages_lost_total") == 1);
  CHECK(simulation.metrics(NodeId{2}).counter("messages_lost_total") == 0);

  SECTION("a zone's backbone going down cuts its routes inside the zone too") {
    simulation.set_zone_link_up("zone-0", "zone-1", true);
    simulation.node(NodeId{2}).send(message_to(NodeId{3}, kPort, 8));
    simulation.set_zone_link_up("zone-1", "zone-1", false);  // between runs: at now()
    simulation.run_until(TimePoint(2s));
    CHECK(received.size() == 2);
    CHECK(simulation.metrics(NodeId{2}).counter("messages_lost_total") == 1);
  }
}

TEST_CASE("SimGrid a NIC turned off isolates its node without crashing it", "[sim][faults]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 2, 1.25e9), 1, model);
  Environment& isolated = simulation.node(NodeId{1});
  int received = 0;
  int ticks = 0;
  isolated.bind(kPort, [&](const Message&) { ++received; });
  isolated.schedule_periodic(10ms, [&] { ++ticks; });
  send_every_10ms(simulation, NodeId{0}, NodeId{1});
  simulation.run_until(TimePoint(45ms));
  simulation.set_nic_up(NodeId{1}, false);
  simulation.run_until(TimePoint(95ms));
  simulation.set_nic_up(NodeId{1}, true);
  simulation.run_until(TimePoint(145ms));
  CHECK(received == 4 + 5);  // 10..40 ms, then 100..140 ms
  CHECK(ticks == 14);        // its timers never stopped
  CHECK(simulation.metrics(NodeId{0}).counter("messages_lost_total") == 5);
}

TEST_CASE("SimGrid message loss drops each message independently with the set probability",
          "[sim][faults]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 2, 1.25e9), 1, model);
  simulation.set_message_loss(0.3);
  Environment& receiver = simulation.node(NodeId{1});
  int received = 0;
  receiver.bind(kPort, [&received](const Message&) { ++received; });
  send_every_10ms(simulation, NodeId{0}, NodeId{1});
  simulation.run_until(TimePoint(10005ms));  // 1000 sends
  const std::int64_t lost = simulation.metrics(NodeId{0}).counter("messages_lost_total");
  CHECK(received + lost == 1000);
  // Binomial(1000, 0.3): mean 300, standard deviation 14.5; 5 deviations either way.
  CHECK(lost > 227);
  CHECK(lost < 373);

  simulation.set_message_loss(0.0);
  simulation.run_until(TimePoint(11005ms));  // 100 more, none lost
  CHECK(simulation.metrics(NodeId{0}).counter("messages_lost_total") == lost);
  CHECK_THROWS_AS(simulation.set_message_loss(1.5), std::invalid_argument);
}

TEST_CASE("SimGrid a link given a new latency delays what is sent after the change",
          "[sim][faults]") {
  // Flow model only: the datagram model's routes are fixed when the simulation is built.
  Simulation simulation(uniform_platform(2, 2, 1.25e9), 1);  // zone-0: 0, 1; zone-1: 2, 3
  std::vector<TimePoint> across;
  std::vector<TimePoint> inside;
  Environment& remote = simulation.node(NodeId{2});
  Environment& local = simulation.node(NodeId{1});
  remote.bind(kPort, [&](const Message&) { across.push_back(remote.now()); });
  local.bind(kPort, [&](const Message&) { inside.push_back(local.now()); });
  Environment& sender = simulation.node(NodeId{0});
  sender.schedule_periodic(100ms, [&] {
    sender.send(message_to(NodeId{2}, kPort, 8));
    sender.send(message_to(NodeId{1}, kPort, 8));
  });
  simulation.schedule_fault(TimePoint(250ms), [&] {
    simulation.set_zone_link_latency("zone-1", "zone-0", 30ms);  // either order names the link
  });
  simulation.run_until(TimePoint(500ms));
  REQUIRE(across.size() == 4);  // sent at 100, 200, 300, 400 ms
  REQUIRE(inside.size() == 4);
  const Duration before = across[1] - TimePoint(200ms);
  const Duration after = across[2] - TimePoint(300ms);
  // The route's other links are unchanged: the whole difference is the new latency's.
  const Duration old_latency = std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(simulation.spec().profile("zone-0", "zone-1").latency_s));
  const Duration change = after - before;
  CHECK(std::chrono::abs(change - (30ms - old_latency)) < 1us);
  CHECK(inside[2] - TimePoint(300ms) == inside[1] - TimePoint(200ms));  // the LAN is untouched
  CHECK_THROWS_AS(simulation.set_zone_link_latency("zone-0", "zone-9", 1ms), std::invalid_argument);
}

TEST_CASE("SimGrid the datagram model refuses a link latency change", "[sim][faults]") {
  Simulation simulation(uniform_platform(2, 1, 1.25e9), 1, NetworkModel::kDatagram);
  CHECK_THROWS_AS(simulation.set_zone_link_latency("zone-0", "zone-1", 1ms), std::invalid_argument);
}
