// Message delivery on the SimGrid backend: latency and bandwidth predicted from the PlatformSpec
// (CM02 without TCP factors, see sim/env/simulation.hpp), bandwidth sharing, unbound ports. Each
// test runs under both network models unless it is about one of them.
#include <optional>
#include <vector>

#include <catch2/catch.hpp>

#include <sim/env/simulation.hpp>
#include <tests/unit/sim/env/sim_test_support.hpp>

using namespace mycelium;
using namespace std::chrono_literals;
using namespace mycelium::sim;
using mycelium::sim::testing::message_to;

namespace {

constexpr Port kPort{7};
constexpr double kNicBandwidth = 1.25e9;  // 10 Gbit/s NICs: the LAN backbone's speed

// Two zones of three nodes (0, 1, 2 | 3, 4, 5), LAN inside, WAN between.
PlatformSpec two_sites() {
  return uniform_platform(2, 3, kNicBandwidth);
}

// Records when each message arrives at `receiver`.
struct Arrivals {
  Arrivals(Environment& receiver, Port port) {
    receiver.bind(port, [this, &receiver](const Message& message) {
      times.push_back(receiver.now());
      senders.push_back(message.from);
    });
  }
  std::vector<TimePoint> times;
  std::vector<NodeId> senders;
};

}  // namespace

TEST_CASE("SimGrid small message latency is the sum of the route's link latencies",
          "[sim][network]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  const PlatformSpec spec = two_sites();
  Simulation simulation(spec, 1, model);
  CHECK(simulation.network_model() == model);
  const std::size_t payload_bytes = 100;

  SECTION("inside a zone: the backbone") {
    Arrivals arrivals(simulation.node(NodeId{1}), kPort);
    simulation.node(NodeId{0}).send(message_to(NodeId{1}, kPort, payload_bytes));
    simulation.run_until(TimePoint(1s));
    const double expected_s = spec.intra_zone.latency_s + payload_bytes / kNicBandwidth;
    CHECK(route_latency_s(spec, NodeId{0}, NodeId{1}) == spec.intra_zone.latency_s);
    REQUIRE(arrivals.times.size() == 1);
    CHECK(to_seconds(arrivals.times[0]) == Approx(expected_s).epsilon(0.01));
    CHECK(arrivals.senders[0] == NodeId{0});
  }
  SECTION("across zones: both backbones and the WAN link") {
    Arrivals arrivals(simulation.node(NodeId{4}), kPort);
    simulation.node(NodeId{0}).send(message_to(NodeId{4}, kPort, payload_bytes));
    simulation.run_until(TimePoint(1s));
    const double latency_s =
        spec.intra_zone.latency_s + spec.inter_zone.latency_s + spec.intra_zone.latency_s;
    const double expected_s = latency_s + payload_bytes / spec.inter_zone.bandwidth_bytes_per_s;
    CHECK(route_latency_s(spec, NodeId{0}, NodeId{4}) == latency_s);
    REQUIRE(arrivals.times.size() == 1);
    CHECK(to_seconds(arrivals.times[0]) == Approx(expected_s).epsilon(0.01));
  }
}

TEST_CASE("SimGrid empty messages still take the latency, also to self", "[sim][network]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  const PlatformSpec spec = two_sites();
  Simulation simulation(spec, 1, model);
  Environment& sender = simulation.node(NodeId{0});
  Arrivals to_peer(simulation.node(NodeId{3}), kPort);
  Arrivals to_self(sender, kPort);
  sender.send(message_to(NodeId{3}, kPort));
  sender.send(message_to(NodeId{0}, kPort));
  CHECK(to_self.times.empty());  // never inside send()
  simulation.run_until(TimePoint(1s));
  REQUIRE(to_peer.times.size() == 1);
  REQUIRE(to_self.times.size() == 1);
  CHECK(to_seconds(to_peer.times[0]) ==
        Approx(route_latency_s(spec, NodeId{0}, NodeId{3})).epsilon(0.01));
  CHECK(to_seconds(to_self.times[0]) == Approx(spec.intra_zone.latency_s).epsilon(0.01));
}

TEST_CASE("SimGrid 100 MB bulk message takes size over bandwidth plus latency", "[sim][network]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  const PlatformSpec spec = two_sites();
  Simulation simulation(spec, 1, model);
  const std::uint64_t bulk_bytes = 100'000'000;
  Arrivals arrivals(simulation.node(NodeId{3}), kPort);
  simulation.node(NodeId{0}).send(message_to(NodeId{3}, kPort, 16, bulk_bytes));
  simulation.run_until(TimePoint(10s));
  const double expected_s =
      route_latency_s(spec, NodeId{0}, NodeId{3}) +
      (bulk_bytes + 16) / route_bandwidth_bytes_per_s(spec, NodeId{0}, NodeId{3});
  CHECK(route_bandwidth_bytes_per_s(spec, NodeId{0}, NodeId{3}) ==
        kWanProfile.bandwidth_bytes_per_s);
  REQUIRE(arrivals.times.size() == 1);
  CHECK(to_seconds(arrivals.times[0]) == Approx(expected_s).epsilon(0.01));
}

TEST_CASE("SimGrid two bulk transfers sharing a bottleneck each take twice as long",
          "[sim][network]") {
  // Nodes 0 and 1 both send 100 MB to node 2, in one zone: equal route latency, so CM02 shares
  // node 2's NIC (the bottleneck, 1 Gbit/s here) equally.
  PlatformSpec spec = uniform_platform(1, 3, 1.25e8);
  const std::uint64_t bulk_bytes = 100'000'000;
  const double latency_s = route_latency_s(spec, NodeId{0}, NodeId{2});
  const double alone_s = latency_s + bulk_bytes / 1.25e8;

  Simulation simulation(spec, 1);
  Arrivals arrivals(simulation.node(NodeId{2}), kPort);
  simulation.node(NodeId{0}).send(message_to(NodeId{2}, kPort, 0, bulk_bytes));
  simulation.node(NodeId{1}).send(message_to(NodeId{2}, kPort, 0, bulk_bytes));
  simulation.run_until(TimePoint(10s));

  REQUIRE(arrivals.times.size() == 2);
  const double shared_s = latency_s + 2 * bulk_bytes / 1.25e8;
  CHECK(to_seconds(arrivals.times[0]) == Approx(shared_s).epsilon(0.01));
  CHECK(to_seconds(arrivals.times[1]) == Approx(shared_s).epsilon(0.01));
  CHECK(to_seconds(arrivals.times[1]) / alone_s == Approx(2.0).epsilon(0.01));
  // Same instant: delivered in send order.
  CHECK(arrivals.senders == std::vector<NodeId>{NodeId{0}, NodeId{1}});
}

TEST_CASE("SimGrid datagram model ignores contention: each transfer takes its lone time",
          "[sim][network]") {
  // The accuracy trade-off of NetworkModel::kDatagram, spelled out: the two transfers above each
  // arrive as if alone, half the time the flow model (and a real network) would take.
  PlatformSpec spec = uniform_platform(1, 3, 1.25e8);
  const std::uint64_t bulk_bytes = 100'000'000;
  const double alone_s = route_latency_s(spec, NodeId{0}, NodeId{2}) + bulk_bytes / 1.25e8;

  Simulation simulation(spec, 1, NetworkModel::kDatagram);
  Arrivals arrivals(simulation.node(NodeId{2}), kPort);
  simulation.node(NodeId{0}).send(message_to(NodeId{2}, kPort, 0, bulk_bytes));
  simulation.node(NodeId{1}).send(message_to(NodeId{2}, kPort, 0, bulk_bytes));
  simulation.run_until(TimePoint(10s));

  REQUIRE(arrivals.times.size() == 2);
  CHECK(to_seconds(arrivals.times[0]) == Approx(alone_s).epsilon(1e-9));
  CHECK(arrivals.times[1] == arrivals.times[0]);
  CHECK(arrivals.senders == std::vector<NodeId>{NodeId{0}, NodeId{1}});
}

TEST_CASE("SimGrid messages to an unbound port are dropped and counted by the receiver",
          "[sim][network]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 2, kNicBandwidth), 1, model);
  Environment& sender = simulation.node(NodeId{0});
  Environment& receiver = simulation.node(NodeId{1});
  int delivered = 0;
  receiver.bind(Port{1}, [&](const Message&) { ++delivered; });
  sender.send(message_to(NodeId{1}, Port{2}));
  sender.send(message_to(NodeId{1}, Port{1}));
  simulation.run_until(TimePoint(1s));
  CHECK(delivered == 1);
  CHECK(simulation.metrics(NodeId{1}).counter("messages_dropped_unbound_total") == 1);

  receiver.unbind(Port{1});
  sender.send(message_to(NodeId{1}, Port{1}));
  simulation.run_for(1s);
  CHECK(delivered == 1);
  CHECK(simulation.metrics(NodeId{1}).counter("messages_dropped_unbound_total") == 2);
  CHECK(simulation.metrics(NodeId{0}).counter("messages_lost_total") == 0);
}

TEST_CASE("SimGrid handlers may send, schedule and rebind their own port", "[sim][network]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 2, kNicBandwidth), 1, model);
  Environment& a = simulation.node(NodeId{0});
  Environment& b = simulation.node(NodeId{1});
  std::vector<std::string> events;
  b.bind(kPort, [&](const Message& message) {
    events.push_back("b got first");
    b.bind(kPort, [&](const Message&) { events.push_back("b got second"); });
    b.send(message_to(message.from, kPort));
  });
  a.bind(kPort, [&](const Message&) {
    events.push_back("a got reply");
    a.schedule_once(0ms, [&] { a.send(message_to(NodeId{1}, kPort)); });
  });
  a.send(message_to(NodeId{1}, kPort));
  simulation.run_until(TimePoint(1s));
  CHECK(events == std::vector<std::string>{"b got first", "a got reply", "b got second"});
  CHECK(simulation.messages_in_flight() == 0);
}

TEST_CASE("SimGrid node environments expose the node stream, metrics and guest", "[sim][network]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 2, kNicBandwidth), 77, model);
  Environment& env = simulation.node(NodeId{1});
  RandomStream expected = RandomStream::derive(77, NodeId{1}, "node");
  CHECK(env.random().next_u64() == expected.next_u64());
  CHECK(env.self() == NodeId{1});
  CHECK(env.vm() == nullptr);

  struct NullVm : VmActuator {
    void set_throttle_intensity(double) override {}
    double throttle_intensity() const override { return 0; }
    void pause() override {}
    void resume() override {}
    bool is_paused() const override { return false; }
    DirtyPages read_dirty_pages() override { return {}; }
    std::uint64_t memory_bytes() const override { return 4096; }
  };
  auto vm = std::make_unique<NullVm>();
  VmActuator* raw = vm.get();
  simulation.attach_vm(NodeId{1}, std::move(vm));
  CHECK(env.vm() == raw);

  env.metrics().add_counter("probes_sent_total", 3);
  CHECK(simulation.metrics(NodeId{1}).counter("probes_sent_total") == 3);
}

TEST_CASE("SimGrid a node binds any number of ports, each message reaching its own port",
          "[sim][network]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 2, kNicBandwidth), 1, model);
  Environment& sender = simulation.node(NodeId{0});
  Environment& receiver = simulation.node(NodeId{1});
  std::vector<std::uint16_t> got;  // port * 10 + the handler's generation
  const auto bind = [&](std::uint16_t port, std::uint16_t generation) {
    receiver.bind(Port{port}, [&got, port, generation](const Message&) {
      got.push_back(port * 10 + generation);
    });
  };
  // Two bindings fit in the node, the others go to its overflow list.
  for (std::uint16_t port = 1; port <= 4; ++port)
    bind(port, 0);
  receiver.unbind(Port{1});  // frees one of the first two
  bind(5, 0);                // takes it
  bind(3, 1);                // rebinds in place
  for (std::uint16_t port = 1; port <= 5; ++port)
    sender.send(message_to(NodeId{1}, Port{port}));
  simulation.run_until(TimePoint(1s));
  CHECK(got == std::vector<std::uint16_t>{20, 31, 40, 50});
  CHECK(simulation.metrics(NodeId{1}).counter("messages_dropped_unbound_total") == 1);

  simulation.crash_node(NodeId{1});
  simulation.restart_node(NodeId{1});
  bind(4, 2);
  for (std::uint16_t port = 1; port <= 5; ++port)
    sender.send(message_to(NodeId{1}, Port{port}));
  simulation.run_for(1s);
  CHECK(got == std::vector<std::uint16_t>{20, 31, 40, 50, 42});
  CHECK(simulation.metrics(NodeId{1}).counter("messages_dropped_unbound_total") == 5);
}
