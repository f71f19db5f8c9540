// Partitioned datagram simulations (event_loop.hpp, "Partitions"): how the plan cuts a platform,
// that partitions running side by side on their own threads deliver exactly the messages one
// partition does, repeat bit for bit, count losses at the sender across partitions, and hand a
// callback's exception to run_until.
#include <algorithm>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <sim/env/partition_plan.hpp>
#include <sim/env/route_table.hpp>
#include <sim/env/simulation.hpp>
#include <tests/unit/sim/env/sim_test_support.hpp>

using namespace mycelium;
using namespace std::chrono_literals;
using namespace mycelium::sim;
using mycelium::sim::testing::message_to;

namespace {

constexpr Port kPort{9};

// A message passed on from node to node: each receiver waits a random delay (its own stream)
// and sends it on, one hop less, to a random node. Each relay writes only its own log (the
// partitions' threads must share nothing).
class Relay {
 public:
  Relay(Environment& env, std::uint32_t node_count) : env_(env), node_count_(node_count) {
    env_.bind(kPort, [this](const Message& message) {
      const std::uint8_t hops = message.payload.at(0);
      std::ostringstream line;
      line << env_.now().time_since_epoch().count() << ' ' << message.from.value << "->"
           << env_.self().value << ' ' << int{hops} << '\n';
      log_ += line.str();
      if (hops > 0) pass_on(static_cast<std::uint8_t>(hops - 1));
    });
  }
  void pass_on(std::uint8_t hops) {
    env_.schedule_once(Duration(env_.random().uniform_int(0, 50'000'000)), [this, hops] {
      const NodeId to{static_cast<std::uint32_t>(env_.random().uniform_int(0, node_count_ - 1))};
      env_.send(Message{{}, to, kPort, {hops}, 0});
    });
  }
  const std::string& log() const { return log_; }

 private:
  Environment& env_;
  std::uint32_t node_count_;
  std::string log_;
};

// Every node starts a 30-hop relay on 8 zones of 4 nodes; the deliveries, node by node.
std::string relay_logs(std::uint32_t partitions) {
  Simulation simulation(uniform_platform(8, 4, 1.25e9), 3, NetworkModel::kDatagram, partitions);
  REQUIRE(simulation.partition_count() == partitions);
  std::vector<std::unique_ptr<Relay>> relays;
  const auto nodes = static_cast<std::uint32_t>(simulation.node_count());
  for (std::uint32_t i = 0; i < nodes; ++i) {
    relays.push_back(std::make_unique<Relay>(simulation.node(NodeId{i}), nodes));
    relays.back()->pass_on(30);
  }
  // In slices, as runners do: partitions meet at every horizon too.
  for (int second = 1; second <= 20; ++second)
    simulation.run_until(TimePoint(std::chrono::seconds(second)));
  std::string logs;
  std::size_t lines = 0;
  for (const auto& relay : relays) {
    logs += relay->log();
    lines += static_cast<std::size_t>(std::count(relay->log().begin(), relay->log().end(), '\n'));
  }
  CHECK(lines == nodes * 31);  // every relay ran to its end
  return logs;
}

}  // namespace

TEST_CASE("a partition plan deals whole zones and looks ahead by the least latency between them",
          "[sim]") {
  // Zones in name order: zone-0 .. zone-3; LAN backbones (0.1 ms), WAN between zones (40 ms).
  const RouteTable routes(uniform_platform(4, 3, 1.25e9));
  const PartitionPlan plan(routes, 2);
  CHECK(plan.count() == 2);
  for (std::uint32_t node = 0; node < 12; ++node)
    CHECK(plan.of(NodeId{node}) == (node < 6 ? 0U : 1U));
  CHECK(plan.lookahead() == Duration(40'200'000));  // 0.1 + 40 + 0.1 ms

  const PartitionPlan one;
  CHECK(one.count() == 1);
  CHECK(one.of(NodeId{7}) == 0);

  CHECK_THROWS_WITH(PartitionPlan(routes, 5), Catch::Contains("cannot cut 4 zone(s) into 5"));
  CHECK_THROWS_AS(PartitionPlan(routes, 0), std::invalid_argument);
  PlatformSpec no_latency = uniform_platform(2, 2, 1.25e9);
  no_latency.intra_zone.latency_s = 0.0;
  no_latency.inter_zone.latency_s = 0.0;
  CHECK_THROWS_WITH(PartitionPlan(RouteTable(no_latency), 2),
                    Catch::Contains("under a nanosecond"));
}

TEST_CASE("partitioned simulations deliver what one partition does, and repeat", "[sim]") {
  const std::string single = relay_logs(1);
  const std::string two = relay_logs(2);
  const std::string again = relay_logs(2);
  const std::string four = relay_logs(4);
  REQUIRE(single.size() > 1000);
  // Random delays in nanoseconds: no two events share an instant, so every order agrees.
  CHECK(two == single);
  CHECK(again == two);
  CHECK(four == single);
}

TEST_CASE("partitions need the datagram model and zones to cut", "[sim]") {
  CHECK_THROWS_WITH(Simulation(uniform_platform(2, 2, 1.25e9), 1, NetworkModel::kFlow, 2),
                    Catch::Contains("datagram"));
  CHECK_THROWS_WITH(Simulation(uniform_platform(1, 4, 1.25e9), 1, NetworkModel::kDatagram, 2),
                    Catch::Contains("a partition holds whole zones"));
}

TEST_CASE("a message to a node crashed in another partition is lost at its sender", "[sim]") {
  // Node 0 (zone-0, partition 0) sends to node 2 (zone-1, partition 1) every 100 ms; node 2
  // crashes at 1 s: from then on every message is lost, counted in node 0's metrics whichever
  // partition noticed it.
  for (const std::uint32_t partitions : {1U, 2U}) {
    INFO("partitions: " << partitions);
    Simulation simulation(uniform_platform(2, 2, 1.25e9), 1, NetworkModel::kDatagram, partitions);
    std::uint32_t received = 0;
    simulation.node(NodeId{2}).bind(kPort, [&received](const Message&) { ++received; });
    Environment& sender = simulation.node(NodeId{0});
    sender.schedule_periodic(100ms, [&sender] { sender.send(message_to(NodeId{2}, kPort)); });
    simulation.schedule_fault(TimePoint(1s + 50ms),
                              [&simulation] { simulation.crash_node(NodeId{2}); });
    simulation.run_until(TimePoint(3s + 50ms));
    // Sends at 0.1 .. 3.0 s take 40.2 ms: those of 0.1 .. 1.0 s arrived (1.0 s lands at 1.0402,
    // before the crash); the 20 of 1.1 .. 3.0 s are lost (the last at 3.0402 s).
    CHECK(received == 10);
    CHECK(simulation.metrics(NodeId{0}).counter("messages_lost_total") == 20);
  }
}

TEST_CASE("partitions run setup work side by side and send what it sent on time", "[sim]") {
  // Every node sends to the node two zones on (in the other partition), from the thread of its
  // own partition, between runs: each message leaves at the time it was sent, 1 s, and arrives
  // a route later (40.2 ms and a few bytes), as with one partition.
  std::vector<TimePoint> single;
  for (const std::uint32_t partitions : {1U, 2U}) {
    INFO("partitions: " << partitions);
    Simulation simulation(uniform_platform(4, 2, 1.25e9), 1, NetworkModel::kDatagram, partitions);
    std::vector<TimePoint> arrived(8);
    for (std::uint32_t i = 0; i < 8; ++i) {
      Environment& env = simulation.node(NodeId{i});
      env.bind(kPort, [&arrived, &env](const Message&) { arrived[env.self().value] = env.now(); });
    }
    simulation.run_until(TimePoint(1s));
    std::vector<std::uint32_t> ran_by(8, 99);
    simulation.run_in_partitions([&simulation, &ran_by](std::uint32_t partition) {
      for (std::uint32_t i = 0; i < 8; ++i) {
        if (simulation.partition_of(NodeId{i}) != partition) continue;
        ran_by[i] = partition;
        simulation.node(NodeId{i}).send(message_to(NodeId{(i + 4) % 8}, kPort));
      }
    });
    simulation.run_until(TimePoint(2s));
    for (std::uint32_t i = 0; i < 8; ++i) {
      CHECK(ran_by[i] == simulation.partition_of(NodeId{i}));
      CHECK(arrived[i] >= TimePoint(1s + 40200us));
      CHECK(arrived[i] <= TimePoint(1s + 40201us));
    }
    if (partitions == 1) single = arrived;
    CHECK(arrived == single);
  }
}

TEST_CASE("an exception in a partition's callback stops the run and reaches run_until", "[sim]") {
  Simulation simulation(uniform_platform(2, 2, 1.25e9), 1, NetworkModel::kDatagram, 2);
  simulation.node(NodeId{3}).schedule_once(500ms, [] { throw std::runtime_error("boom in 3"); });
  CHECK_THROWS_WITH(simulation.run_until(TimePoint(1s)), "boom in 3");
}
