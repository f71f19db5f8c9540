// Peer-to-peer discovery by DHT (core/distribution/dht.hpp) on ManualNetwork: nodes that each
// start knowing three others (what their Service Spores reported) find, for any key, exactly the
// k nodes closest to it in the whole network, in about log2(N) rounds of queries; with a fifth
// of the nodes crashed, the k closest live ones.

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include <core/distribution/dht.hpp>
#include <core/env/random_stream.hpp>
#include <tests/support/manual_environment.hpp>

using namespace mycelium;
using namespace mycelium::distribution;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kK = 8;

struct DhtCluster {
  DhtCluster(std::size_t n, std::uint64_t seed) : network(n, 1ms, seed), random(seed) {
    network.set_drop_filter([this](const Message& message) {
      return crashed.contains(message.from.value) || crashed.contains(message.to.value);
    });
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<NodeId> bootstrap;  // three earlier nodes, as the spores would report
      for (std::size_t b = 0; b < 3 && i > 0; ++b)
        bootstrap.push_back(NodeId{static_cast<std::uint32_t>(random.uniform_int(0, i - 1))});
      nodes.push_back(std::make_unique<DhtNode>(network.node(i), DhtConfig{}, bootstrap));
      network.advance(20ms);  // nodes join one after another
    }
    network.advance(5s);
  }

  // The k live nodes closest to `target`, by brute force.
  std::vector<NodeId> truth(DhtKey target) const {
    std::vector<NodeId> live;
    for (std::uint32_t i = 0; i < nodes.size(); ++i) {
      if (!crashed.contains(i)) live.push_back(NodeId{i});
    }
    std::sort(live.begin(), live.end(), [target](NodeId a, NodeId b) {
      return (dht_key_of(a) ^ target) < (dht_key_of(b) ^ target);
    });
    live.resize(std::min(kK, live.size()));
    return live;
  }

  struct Outcome {
    std::size_t exact = 0;
    std::size_t lookups = 0;
    double mean_queries = 0.0;
  };
  Outcome run_lookups(std::size_t count) {
    Outcome outcome;
    std::size_t queries = 0;
    for (std::size_t i = 0; i < count; ++i) {
      std::uint32_t from = 0;
      do {
        from = static_cast<std::uint32_t>(random.uniform_int(0, nodes.size() - 1));
      } while (crashed.contains(from));
      const DhtKey target = random.next_u64();
      std::optional<std::vector<NodeId>> found;
      REQUIRE(
          nodes[from]->lookup(target, [&](const std::vector<NodeId>& closest, std::size_t asked) {
            found = closest;
            queries += asked;
          }));
      network.advance(10s);
      REQUIRE(found.has_value());
      ++outcome.lookups;
      outcome.exact += *found == truth(target) ? 1 : 0;
    }
    outcome.mean_queries = static_cast<double>(queries) / static_cast<double>(count);
    return outcome;
  }

  testing::ManualNetwork network;
  RandomStream random;
  std::vector<std::unique_ptr<DhtNode>> nodes;
  std::set<std::uint32_t> crashed;
};

}  // namespace

TEST_CASE("dht: lookups find the k closest nodes of the whole network from a 3-peer bootstrap",
          "[distribution][dht]") {
  DhtCluster cluster(256, 1);
  // Every node learned far more than its bootstrap, and no more than its buckets hold.
  for (const auto& node : cluster.nodes) {
    CHECK(node->known_nodes() >= kK);
    CHECK(node->known_nodes() <= 64 * kK);
  }
  const DhtCluster::Outcome outcome = cluster.run_lookups(100);
  INFO("mean queries per lookup " << outcome.mean_queries);
  CHECK(outcome.exact == outcome.lookups);
  // log2(256) = 8 rounds would be the order; far fewer than asking everyone.
  CHECK(outcome.mean_queries < 40.0);
}

TEST_CASE("dht: with a fifth of the nodes crashed, lookups find the k closest live ones",
          "[distribution][dht]") {
  DhtCluster cluster(200, 2);
  for (std::uint32_t i = 0; i < 200; i += 5)
    cluster.crashed.insert(i);
  const DhtCluster::Outcome outcome = cluster.run_lookups(60);
  INFO("exact " << outcome.exact << " of " << outcome.lookups << ", mean queries "
                << outcome.mean_queries);
  CHECK(outcome.exact >= outcome.lookups * 95 / 100);
}

TEST_CASE("dht: its codec reads back what it writes and refuses anything else",
          "[distribution][dht]") {
  const DhtMessage nodes{
      DhtMessageType::kNodes, 7, 0x1234'5678'9abc'def0, {NodeId{1}, NodeId{300}}};
  const std::vector<std::uint8_t> bytes = encode(nodes);
  CHECK(decode_dht_message(bytes) == nodes);
  CHECK_FALSE(decode_dht_message(std::span(bytes).first(bytes.size() - 1)));
  std::vector<std::uint8_t> find_with_nodes = bytes;
  find_with_nodes[1] = 1;  // a FindNode carries no nodes
  CHECK_FALSE(decode_dht_message(find_with_nodes));
  const DhtMessage find{DhtMessageType::kFindNode, 1, 42, {}};
  CHECK(decode_dht_message(encode(find)) == find);
}
