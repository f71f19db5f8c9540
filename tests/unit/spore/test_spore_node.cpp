// Service Spore nodes end to end in the manual-clock network, with the real codec and
// authentication: discovery converges under reordering and duplication, health marks, owners
// that crash, and every kind of refused datagram counted.

#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include <core/spore/spore_codec.hpp>
#include <core/spore/spore_node.hpp>
#include <tests/support/manual_environment.hpp>

using namespace std::chrono_literals;
using namespace mycelium;
using namespace mycelium::spore;
using mycelium::testing::ManualEnvironment;
using mycelium::testing::ManualNetwork;

namespace {

std::vector<std::uint8_t> key(std::uint8_t fill = 7) {
  return std::vector<std::uint8_t>(32, fill);
}

SporeNodeConfig config_with(std::vector<std::uint8_t> network_key, std::string network = "test") {
  SporeNodeConfig config;
  config.network_key = std::move(network_key);
  config.network_name = std::move(network);
  config.health_check_interval = 2s;
  return config;
}

// `size` nodes on a ManualNetwork, all joining through node 0.
struct SporeNetwork {
  explicit SporeNetwork(std::size_t size, Duration latency = 1ms) : network(size, latency) {
    nodes.resize(size);
    for (std::size_t i = 0; i < size; ++i)
      start(i, config_with(key()));
  }
  void start(std::size_t i, SporeNodeConfig config) {
    std::vector<NodeId> seeds;
    if (i != 0) seeds.push_back(NodeId{0});
    nodes[i] = std::make_unique<SporeNode>(network.node(i), std::move(config), seeds);
  }
  // The node stops and everything to or from it is lost.
  void crash(std::size_t i) {
    nodes[i].reset();
    crashed.push_back(static_cast<std::uint32_t>(i));
    network.set_drop_filter([this](const Message& message) {
      return std::find(crashed.begin(), crashed.end(), message.from.value) != crashed.end() ||
             std::find(crashed.begin(), crashed.end(), message.to.value) != crashed.end();
    });
  }
  bool all_discover(const char* service, std::size_t count) {
    for (const auto& node : nodes) {
      if (node && node->discover_peer_instances(service).size() != count) return false;
    }
    return true;
  }
  // Runs in 100 ms steps until `condition` or `limit`; the time it held, or nullopt.
  std::optional<TimePoint> run_until(const std::function<bool()>& condition, Duration limit) {
    const TimePoint until = network.now() + limit;
    while (network.now() < until) {
      if (condition()) return network.now();
      network.advance(100ms);
    }
    return condition() ? std::optional(network.now()) : std::nullopt;
  }
  std::int64_t counter(std::size_t i, const std::string& name) {
    return network.node(i).recorded_metrics().counter(name);
  }

  ManualNetwork network;
  std::vector<std::unique_ptr<SporeNode>> nodes;
  std::vector<std::uint32_t> crashed;
};

ServiceInstanceFields orders(const char* id, std::string health_endpoint = "") {
  return ServiceInstanceFields{"orders", id, {8080}, std::move(health_endpoint), {{"zone", "a"}}};
}

}  // namespace

TEST_CASE("spore node: a registration reaches every member despite reordering and duplication") {
  for (const std::uint64_t seed : {1, 2, 3, 4, 5}) {
    INFO("seed " << seed);
    SporeNetwork spores(8);
    spores.network.set_reordering(50ms, 0.2, seed);
    REQUIRE(spores.run_until([&spores] { return spores.nodes[7]->membership().live_count() == 8; },
                             60s));
    REQUIRE(spores.nodes[3]->register_service_instance(orders("orders-0")).published());
    REQUIRE(spores.nodes[6]->register_service_instance(orders("orders-1")).published());
    REQUIRE(spores.run_until([&spores] { return spores.all_discover("orders", 2); }, 60s));
    // Every replica holds the same records, whatever order and copies the messages came in.
    const std::uint64_t digest = spores.nodes[0]->topology().digest();
    for (const auto& node : spores.nodes)
      CHECK(node->topology().digest() == digest);
    CHECK(spores.network.duplicated() > 0);

    REQUIRE(spores.nodes[3]->deregister("orders", "orders-0").published());
    REQUIRE(spores.run_until([&spores] { return spores.all_discover("orders", 1); }, 60s));
    CHECK(spores.nodes[0]->discover_peer_instances("orders").front().instance_id == "orders-1");
  }
}

TEST_CASE("spore node: an instance whose health check fails is marked, not dropped") {
  SporeNetwork spores(5);
  spores.network.advance(10s);
  REQUIRE(spores.nodes[2]->register_service_instance(orders("orders-0", "/health")).published());
  // Unknown until its first check, then healthy everywhere.
  REQUIRE(spores.run_until([&spores] { return spores.all_discover("orders", 1); }, 30s));
  spores.network.node(2).set_instance_health("orders", "orders-0", false);
  REQUIRE(spores.run_until([&spores] { return spores.all_discover("orders", 0); }, 30s));
  for (const auto& node : spores.nodes) {
    const auto instances = node->topology().instances("orders");
    REQUIRE(instances.size() == 1);
    CHECK(instances.front().health == InstanceHealth::kUnhealthy);
  }
  CHECK(spores.network.node(2).health_checks() > 0);
  spores.network.node(2).set_instance_health("orders", "orders-0", true);
  CHECK(spores.run_until([&spores] { return spores.all_discover("orders", 1); }, 30s));
}

TEST_CASE("spore node: the instances of a crashed owner leave discovery once it is dead") {
  SporeNetwork spores(6);
  spores.network.advance(10s);
  REQUIRE(spores.nodes[4]->register_service_instance(orders("orders-0")).published());
  REQUIRE(spores.run_until([&spores] { return spores.all_discover("orders", 1); }, 30s));
  spores.crash(4);
  REQUIRE(spores.run_until([&spores] { return spores.all_discover("orders", 0); }, 120s));
  for (std::size_t i = 0; i < spores.nodes.size(); ++i) {
    if (i != 4) CHECK(spores.nodes[i]->membership().member(NodeId{4})->state == MemberState::kDead);
  }
}

TEST_CASE("spore node: another key or another network never joins, and is counted") {
  SporeNetwork spores(4);
  spores.nodes[3].reset();
  spores.network.node(3).take_outbox();  // what it sent with the right key never leaves
  spores.start(3, config_with(key(9)));  // a wrong key
  spores.network.advance(30s);
  CHECK(spores.counter(0, "spore_messages_dropped_bad_mac_total") > 0);
  CHECK_FALSE(spores.nodes[0]->membership().member(NodeId{3}).has_value());

  spores.nodes[3].reset();
  spores.start(3, config_with(key(), "other-network"));
  spores.network.advance(30s);
  CHECK(spores.counter(0, "spore_messages_dropped_foreign_network_total") > 0);
  CHECK_FALSE(spores.nodes[0]->membership().member(NodeId{3}).has_value());
  CHECK(spores.nodes[0]->membership().live_count() == 3);
}

TEST_CASE("spore node: tampered, replayed and spoofed datagrams are dropped and counted") {
  ManualEnvironment env(NodeId{0});
  SporeNode node(env, config_with(key()), {});
  const Authenticator authenticator(key());
  const std::uint64_t network = network_id_from_name("test");
  const auto datagram = [&](std::uint64_t sequence, NodeId sender) {
    Message message;
    message.from = sender;
    message.to = NodeId{0};
    message.port = kSporePort;
    message.payload =
        encode(Envelope{network, sender, sequence}, Ping{1, NodeId{0}, {}}, authenticator);
    return message;
  };
  Message good = datagram(10, NodeId{5});
  CHECK(env.deliver(good));
  CHECK(env.recorded_metrics().counter("spore_messages_received_total") == 1);
  CHECK(env.deliver(good));  // the same datagram again
  CHECK(env.recorded_metrics().counter("spore_messages_dropped_replayed_total") == 1);

  Message tampered = datagram(11, NodeId{5});
  tampered.payload[tampered.payload.size() / 2] ^= 0x01;
  CHECK(env.deliver(tampered));
  CHECK(env.recorded_metrics().counter("spore_messages_dropped_bad_mac_total") == 1);

  Message spoofed = datagram(12, NodeId{5});
  spoofed.from = NodeId{6};  // the transport saw node 6 send what claims to be node 5
  CHECK(env.deliver(spoofed));
  CHECK(env.recorded_metrics().counter("spore_messages_dropped_spoofed_sender_total") == 1);
  CHECK(env.recorded_metrics().counter("spore_messages_received_total") == 1);
  CHECK(env.recorded_metrics().counter("spore_messages_dropped_total") == 3);
}

TEST_CASE(
    "spore node: a restarted member is heard only when its sequences start above its "
    "earlier life's") {
  // Every node starts at clock 0: its sequences from 1. A minute of membership: node 2's first
  // life sends several times as many datagrams as its second one will in the 10 s looked at.
  SporeNetwork spores(3);
  spores.network.advance(60s);
  const auto alive_to_all = [&spores] {
    for (std::size_t i = 0; i < 2; ++i) {
      const auto member = spores.nodes[i]->membership().member(NodeId{2});
      if (!member || member->state != MemberState::kAlive) return false;
    }
    return true;
  };
  REQUIRE(alive_to_all());
  const std::int64_t heard_before = spores.counter(0, "spore_messages_received_total");
  const auto restart_node_2 = [&spores](std::uint64_t first_sequence) {
    spores.nodes[2].reset();
    SporeNodeConfig config = config_with(key());
    config.first_sequence = first_sequence;
    spores.start(2, std::move(config));
  };
  const char* const replayed = "spore_messages_dropped_replayed_total";
  REQUIRE(spores.counter(0, replayed) == 0);

  SECTION("from 1 again, as a clock that restarts at zero gives: refused as replays, suspected") {
    restart_node_2(1);
    spores.network.advance(10s);
    CHECK(spores.counter(0, replayed) > 10);
    CHECK(spores.counter(1, replayed) > 10);
    CHECK(spores.nodes[0]->membership().member(NodeId{2})->state != MemberState::kAlive);
  }
  SECTION("from the Environment's clock (0: the simulator's clock runs on across a restart)") {
    restart_node_2(0);
    spores.network.advance(10s);
    CHECK(spores.counter(0, replayed) == 0);
    CHECK(spores.counter(1, replayed) == 0);
    CHECK(spores.counter(0, "spore_messages_received_total") > heard_before);
    CHECK(alive_to_all());
  }
  SECTION("from a configured number above the earlier life's (the real runtime: system clock)") {
    restart_node_2(1'000'000);
    spores.network.advance(10s);
    CHECK(spores.counter(0, replayed) == 0);
    CHECK(spores.counter(1, replayed) == 0);
    CHECK(alive_to_all());
  }
}

TEST_CASE("spore: the first sequence is the configured one, else the clock, and at least 1") {
  CHECK(first_sequence(42, 7'000) == 42);
  CHECK(first_sequence(0, 7'000) == 7'000);
  CHECK(first_sequence(0, 0) == 1);
  CHECK(first_sequence(0, -5) == 1);
}

TEST_CASE("spore: a node needs a network key unless it is given a shared authenticator") {
  SporeNodeConfig config;
  CHECK(validate(config) == "network_key: network key has 0 bytes; at least 16 are required");
  config.shared_authenticator =
      std::make_shared<const Authenticator>(std::vector<std::uint8_t>(32, 7));
  CHECK(validate(config).empty());
}
