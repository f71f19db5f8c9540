// Reproducibility of the SimGrid backend: same platform, seed and protocol give the same event
// sequence; a protocol written against Environment behaves the same on ManualNetwork and SimGrid
// when both model the same latency. Under both network models.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <sim/env/simulation.hpp>
#include <tests/support/manual_environment.hpp>
#include <tests/unit/sim/env/fork_helper.hpp>
#include <tests/unit/sim/env/sim_test_support.hpp>

using namespace mycelium;
using namespace std::chrono_literals;
using namespace mycelium::sim;

namespace {

struct TraceEntry {
  TimePoint at;
  NodeId from;
  NodeId to;
  Port port;
  std::uint8_t hops_left = 0;
  bool operator==(const TraceEntry&) const = default;
};

std::string to_text(const std::vector<TraceEntry>& trace) {
  std::ostringstream out;
  for (const TraceEntry& entry : trace) {
    out << format_time(entry.at) << ' ' << entry.from.value << "->" << entry.to.value << " port "
        << entry.port.value << " hops " << int{entry.hops_left} << '\n';
  }
  return out.str();
}

// A tiny sans-IO protocol: a message carries a hop budget; each receiver waits a random delay
// (its node stream) and passes it on, with one less hop, to a random node, with a random amount
// of bulk data so transfers overlap and share links. Written only against Environment.
class RandomRelay {
 public:
  static constexpr Port kPort{11};

  RandomRelay(Environment& env, std::size_t node_count, std::vector<TraceEntry>& sends,
              std::vector<TraceEntry>& deliveries, std::uint64_t max_bulk_bytes)
      : env_(env),
        node_count_(node_count),
        sends_(sends),
        deliveries_(deliveries),
        max_bulk_bytes_(max_bulk_bytes) {
    env_.bind(kPort, [this](const Message& message) { on_message(message); });
  }
  RandomRelay(const RandomRelay&) = delete;
  RandomRelay& operator=(const RandomRelay&) = delete;
  ~RandomRelay() { env_.unbind(kPort); }

  void start(std::uint8_t hops) {
    env_.schedule_once(random_delay(), [this, hops] { pass_on(hops); });
  }

 private:
  void on_message(const Message& message) {
    const std::uint8_t hops = message.payload.at(0);
    deliveries_.push_back({env_.now(), message.from, message.to, message.port, hops});
    if (hops == 0) return;
    env_.schedule_once(random_delay(),
                       [this, hops] { pass_on(static_cast<std::uint8_t>(hops - 1)); });
  }
  void pass_on(std::uint8_t hops) {
    const NodeId to{static_cast<std::uint32_t>(env_.random().uniform_int(0, node_count_ - 1))};
    const std::uint64_t bulk_bytes =
        max_bulk_bytes_ == 0 ? 0 : env_.random().uniform_int(0, max_bulk_bytes_);
    sends_.push_back({env_.now(), env_.self(), to, kPort, hops});
    env_.send(Message{{}, to, kPort, {hops}, bulk_bytes});
  }
  Duration random_delay() { return Duration(env_.random().uniform_int(0, 5'000'000)); }

  Environment& env_;
  std::size_t node_count_;
  std::vector<TraceEntry>& sends_;
  std::vector<TraceEntry>& deliveries_;
  std::uint64_t max_bulk_bytes_;
};

// Runs RandomRelay on every node of a two-site platform and returns the delivery trace.
std::string relay_delivery_trace(std::uint64_t seed, NetworkModel model) {
  Simulation simulation(uniform_platform(2, 3, 1.25e8), seed, model);
  std::vector<TraceEntry> sends;
  std::vector<TraceEntry> deliveries;
  std::vector<std::unique_ptr<RandomRelay>> relays;
  for (std::uint32_t i = 0; i < simulation.node_count(); ++i) {
    relays.push_back(std::make_unique<RandomRelay>(
        simulation.node(NodeId{i}), simulation.node_count(), sends, deliveries, 10'000'000));
    relays.back()->start(20);
  }
  simulation.run_until(TimePoint(60s));
  REQUIRE(deliveries.size() == 6 * 21);  // every relay chain ran to the end
  return to_text(deliveries);
}

}  // namespace

TEST_CASE("SimGrid same seed gives an identical delivery trace", "[sim][determinism]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  const auto trace = [model] { return relay_delivery_trace(7, model); };
  const std::string first = mycelium::sim::testing::run_in_child_process(trace);
  const std::string second = mycelium::sim::testing::run_in_child_process(trace);
  REQUIRE_FALSE(first.empty());
  CHECK(first == second);
}

TEST_CASE("SimGrid different seeds give different delivery traces", "[sim][determinism]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  const std::string seven = mycelium::sim::testing::run_in_child_process(
      [model] { return relay_delivery_trace(7, model); });
  const std::string eight = mycelium::sim::testing::run_in_child_process(
      [model] { return relay_delivery_trace(8, model); });
  CHECK(seven != eight);
}

TEST_CASE("SimGrid datagram model repeats a trace without a fresh process", "[sim][determinism]") {
  // Its times are integer nanoseconds from the start, never read from SimGrid's floating-point
  // clock, so a later engine epoch (the second simulation of a process) changes nothing.
  const std::string first = relay_delivery_trace(7, NetworkModel::kDatagram);
  const std::string second = relay_delivery_trace(7, NetworkModel::kDatagram);
  REQUIRE_FALSE(first.empty());
  CHECK(first == second);
}

TEST_CASE("SimGrid simulations created one after another each start at time zero",
          "[sim][determinism]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  // SimGrid's clock carries over between engines in a process; each simulation has its own epoch.
  for (int run = 0; run < 2; ++run) {
    Simulation simulation(uniform_platform(1, 2, 1.25e9), 1, model);
    CHECK(simulation.now() == kTimeZero);
    std::vector<TimePoint> arrivals;
    Environment& receiver = simulation.node(NodeId{1});
    receiver.bind(Port{1}, [&](const Message&) { arrivals.push_back(receiver.now()); });
    simulation.node(NodeId{0}).send(mycelium::sim::testing::message_to(NodeId{1}, Port{1}, 1250));
    simulation.run_until(TimePoint(1s));
    // 0.1 ms backbone latency + 1250 B at 10 Gbit/s (1 us), to the nanosecond.
    CHECK(arrivals == std::vector<TimePoint>{TimePoint(101us)});
  }
}

TEST_CASE("SimGrid and ManualNetwork run a protocol through the same sends", "[sim][determinism]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  // The same latency on both: 10 ms one way, and bandwidth so high that transfer time stays
  // far below a nanosecond.
  constexpr Duration kLatency = 10ms;
  constexpr std::uint64_t kSeed = 99;
  constexpr std::size_t kNodes = 3;

  std::vector<TraceEntry> manual_sends;
  std::vector<TraceEntry> manual_deliveries;
  {
    mycelium::testing::ManualNetwork network(kNodes, kLatency, kSeed);
    std::vector<std::unique_ptr<RandomRelay>> relays;
    for (std::size_t i = 0; i < kNodes; ++i) {
      relays.push_back(std::make_unique<RandomRelay>(network.node(i), kNodes, manual_sends,
                                                     manual_deliveries, 0));
      relays.back()->start(30);
    }
    network.run_until(TimePoint(10s));
  }

  std::vector<TraceEntry> sim_sends;
  std::vector<TraceEntry> sim_deliveries;
  {
    PlatformSpec spec = uniform_platform(1, kNodes, 1e15);
    spec.intra_zone = {0.010, 1e15};
    Simulation simulation(spec, kSeed, model);
    std::vector<std::unique_ptr<RandomRelay>> relays;
    for (std::uint32_t i = 0; i < kNodes; ++i) {
      relays.push_back(std::make_unique<RandomRelay>(simulation.node(NodeId{i}), kNodes, sim_sends,
                                                     sim_deliveries, 0));
      relays.back()->start(30);
    }
    simulation.run_until(TimePoint(10s));
  }

  REQUIRE(manual_sends.size() == kNodes * 31);
  CHECK(to_text(sim_sends) == to_text(manual_sends));
  CHECK(to_text(sim_deliveries) == to_text(manual_deliveries));
}
