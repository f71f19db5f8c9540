// The Service Spore protocol, unchanged, over the real runtime: five SporeNodes on
// AsioEnvironments exchanging authenticated datagrams through real UDP sockets on loopback.
// A registration reaches every node, and a node that stops (its socket closed: to the others,
// a crash) is declared dead by all of them. Intervals are shortened so it runs in seconds of
// real time; the protocol is the same code the simulator runs.

#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <core/spore/spore_node.hpp>
#include <real/env/asio_environment.hpp>
#include <tests/unit/real/asio_test_support.hpp>

using namespace mycelium;
using namespace mycelium::real;
using namespace mycelium::real::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kNodes = 5;

spore::SporeNodeConfig fast_config() {
  spore::SporeNodeConfig config;
  config.network_name = "asio-test";
  config.network_key = std::vector<std::uint8_t>(32, 9);
  config.membership.probe_interval = 100ms;
  config.membership.probe_timeout = 50ms;
  config.membership.gossip_interval = 20ms;
  config.membership.push_pull_interval = 2s;
  config.health_check_interval = 1s;
  return config;
}

struct RealSpores {
  RealSpores() {
    for (std::uint32_t i = 0; i < kNodes; ++i) {
      environments.push_back(std::make_unique<AsioEnvironment>(
          io, AsioEnvironmentConfig{NodeId{i}, any_loopback_port(), {}, 11}));
    }
    for (auto& from : environments) {
      for (auto& to : environments)
        from->add_peer(to->self(), to->local_endpoint());
    }
    for (std::uint32_t i = 0; i < kNodes; ++i) {
      std::vector<NodeId> seeds;
      if (i != 0) seeds.push_back(NodeId{0});
      nodes.push_back(std::make_unique<spore::SporeNode>(*environments[i], fast_config(), seeds));
    }
  }

  boost::asio::io_context io;
  std::vector<std::unique_ptr<AsioEnvironment>> environments;
  std::vector<std::unique_ptr<spore::SporeNode>> nodes;
};

}  // namespace

TEST_CASE("asio spore: five nodes on real sockets learn each other and a registration") {
  RealSpores spores;
  const auto everyone_knows_everyone = [&spores] {
    for (const auto& node : spores.nodes) {
      if (node->membership().live_count() != kNodes) return false;
    }
    return true;
  };
  REQUIRE(run_until(spores.io, everyone_knows_everyone, 5000ms));
  const spore::ServiceInstanceFields orders{"orders", "orders-0", {8080}, "", {{"zone", "a"}}};
  REQUIRE(spores.nodes[3]->register_service_instance(orders).published());
  const auto everyone_discovers = [&spores] {
    for (const auto& node : spores.nodes) {
      if (node->discover_peer_instances("orders").size() != 1) return false;
    }
    return true;
  };
  REQUIRE(run_until(spores.io, everyone_discovers, 5000ms));
  for (const auto& environment : spores.environments) {
    CHECK(environment->agent_metrics().counter("messages_dropped_malformed_total") == 0);
    CHECK(environment->agent_metrics().counter("spore_messages_dropped_total") == 0);
  }
}

TEST_CASE("asio spore: a node that stops is declared dead by every other node") {
  RealSpores spores;
  REQUIRE(run_until(
      spores.io,
      [&spores] {
        for (const auto& node : spores.nodes) {
          if (node->membership().live_count() != kNodes) return false;
        }
        return true;
      },
      5000ms));
  spores.nodes[4].reset();
  spores.environments[4].reset();  // its socket closes: datagrams to it go nowhere
  const auto all_declared_dead = [&spores] {
    for (std::size_t i = 0; i + 1 < kNodes; ++i) {
      const auto news = spores.nodes[i]->membership().news(NodeId{4});
      if (!news || news->state != spore::MemberState::kDead) return false;
    }
    return true;
  };
  // Probe 100 ms, shortest suspicion 4 x 100 ms, longest 6 times that: well within 10 s.
  REQUIRE(run_until(spores.io, all_declared_dead, 10000ms));
}
