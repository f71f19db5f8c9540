// myceliumd as a Kubernetes sidecar (docs/kubernetes.md): spec.identity: hostname, peers named
// by DNS, network.keyFile and "{hostname}" instance ids; and the configuration `mycelium deploy`
// renders into each StatefulSet's ConfigMap, read by this same parser as each pod would.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <core/manifest/manifest.hpp>
#include <real/agent/agent_config.hpp>
#include <real/agent/peer_resolver.hpp>
#include <real/k8s/render_endomycete.hpp>
#include <tests/support/files.hpp>

using namespace mycelium;
using namespace mycelium::real;
using namespace std::chrono_literals;

namespace {

const std::string kHeader =
    "apiVersion: mycelium.network/v1\nkind: AgentConfig\nmetadata:\n  name: pod\nspec:\n";
const std::string kPeers =
    "  peers:\n"
    "    - {nodeId: 1, address: db-0.db.prod.svc.cluster.local:7946}\n"
    "    - {nodeId: 2, address: db-1.db.prod.svc.cluster.local:7946}\n"
    "    - {nodeId: 3, address: 10.0.0.3:7946}\n"
    "  seeds: [1, 2]\n";
const std::string kKeyFile = "  network: {name: prod, keyFile: /etc/key/network-key}\n";

AgentConfigLoad parse(const std::string& spec, std::string_view hostname) {
  return parse_agent_config(kHeader + spec, "spore.yaml", hostname);
}

// A file removed when the test ends.
struct TempFile {
  explicit TempFile(const std::string& contents)
      : path(std::filesystem::temp_directory_path() /
             ("mycelium-key-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)))) {
    std::ofstream(path) << contents;
  }
  ~TempFile() { std::filesystem::remove(path); }
  std::filesystem::path path;
};

}  // namespace

TEST_CASE("sidecar config: identity hostname takes the node id of the peer named like the host",
          "[agent]") {
  const AgentConfigLoad load =
      parse("  identity: hostname\n  listen: 0.0.0.0:7946\n" + kKeyFile + kPeers, "db-1");
  INFO(load.diagnostics.format());
  REQUIRE(load.config.has_value());
  CHECK(load.config->node == NodeId{2});
  REQUIRE(load.config->peers.size() == 2);  // itself is not its own peer
  CHECK(load.config->peers[0].address.host == "db-0.db.prod.svc.cluster.local");
  CHECK(load.config->seeds == std::vector<NodeId>{NodeId{1}});  // joins through the other seed
  CHECK(load.config->network_key_file == "/etc/key/network-key");
  CHECK(load.config->network_key.empty());
}

TEST_CASE("sidecar config: what cannot work is reported at its field", "[agent]") {
  const std::string spec = "  identity: hostname\n  listen: 0.0.0.0:7946\n" + kKeyFile + kPeers;
  CHECK_THAT(parse(spec, "web-0").diagnostics.format(),
             Catch::Contains("spec.identity: identity: hostname, but no peer is named like this "
                             "host, \"web-0\""));
  CHECK_THAT(parse(spec, "").diagnostics.format(), Catch::Contains("this host's name is unknown"));
  CHECK_THAT(
      parse("  identity: hostname\n  nodeId: 4\n  listen: 0.0.0.0:7946\n" + kKeyFile + kPeers,
            "db-1")
          .diagnostics.format(),
      Catch::Contains("spec.nodeId: expected no nodeId with identity: hostname"));
  // Only peers may be DNS names: what the agent binds must be an address.
  CHECK_THAT(
      parse("  nodeId: 9\n  listen: db-9.db:7946\n" + kKeyFile + kPeers, "").diagnostics.format(),
      Catch::Contains("spec.listen: expected an address host:port (an IP literal, port"));
  CHECK_THAT(parse("  nodeId: 9\n  listen: 0.0.0.0:7946\n" + kKeyFile +
                       "  peers:\n    - {nodeId: 1, address: 'db_0..x:7946'}\n",
                   "")
                 .diagnostics.format(),
             Catch::Contains("expected an address host:port (an IP literal or a DNS name"));
  CHECK_THAT(parse("  nodeId: 9\n  listen: 0.0.0.0:7946\n"
                   "  network: {name: prod, key: 000102030405060708090a0b0c0d0e0f, keyFile: /k}\n",
                   "")
                 .diagnostics.format(),
             Catch::Contains("spec.network.keyFile: expected key or keyFile, not both"));
  CHECK_THAT(
      parse("  nodeId: 9\n  listen: 0.0.0.0:7946\n  network: {name: prod, keyFile: key}\n", "")
          .diagnostics.format(),
      Catch::Contains("spec.network.keyFile: expected an absolute path"));
}

TEST_CASE("sidecar config: the key file is read at start, trailing newline and all", "[agent]") {
  TempFile good("000102030405060708090a0b0c0d0e0f\n");
  AgentConfig config;
  config.network_key_file = good.path.string();
  CHECK(load_network_key(config).empty());
  CHECK(config.network_key.size() == 16);
  CHECK(config.network_key[15] == 0x0f);

  TempFile secret("not-a-key-but-a-secret");
  config.network_key_file = secret.path.string();
  const std::string problem = load_network_key(config);
  CHECK_THAT(problem, Catch::Contains("expected 32 to 128 hex digits"));
  CHECK(problem.find("secret") == std::string::npos);  // never echoed
  config.network_key_file = "/nonexistent/key";
  CHECK_THAT(load_network_key(config), Catch::Contains("/nonexistent/key: cannot read"));
}

TEST_CASE("sidecar config: what mycelium deploy renders is what each pod's agent reads",
          "[agent][k8s]") {
  const manifest::LoadResult manifests = manifest::load_manifests(
      testing::read_source_file("scenarios/examples/blockchain-node.yaml"), "blockchain-node.yaml");
  REQUIRE(manifests.ok());
  const auto& service = std::get<manifest::EndomyceteService>(manifests.objects.front().object);
  k8s::RenderOptions options;
  options.namespace_ = "chain";
  const k8s::RenderedObjects rendered = k8s::render_endomycete(service, options);
  std::string config_text;
  for (const k8s::Object& object : rendered.objects) {
    if (object["kind"] == "ConfigMap" &&
        object["metadata"]["name"] == "blockchain-node-full-nodes-spore")
      config_text = object["data"]["spore.yaml"];
  }
  REQUIRE_FALSE(config_text.empty());
  // The fourth full node: validators are nodes 1-3, full nodes 4-8.
  const AgentConfigLoad load =
      parse_agent_config(config_text, "spore.yaml", "blockchain-node-full-nodes-3");
  INFO(load.diagnostics.format() << config_text);
  REQUIRE(load.config.has_value());
  CHECK(load.config->node == NodeId{7});
  CHECK(load.config->peers.size() == 7);
  CHECK(load.config->seeds == std::vector<NodeId>{NodeId{1}, NodeId{4}});
  CHECK(load.config->network_name == "blockchain-node");
  CHECK(load.config->network_key_file == "/etc/mycelium-network-key/network-key");
  REQUIRE(load.config->services.size() == 1);
  CHECK(load.config->services[0].service == "blockchain-node-full-nodes");
  CHECK(load.config->services[0].instance_id == "blockchain-node-full-nodes-3");
  CHECK(load.config->services[0].ports == std::vector<std::uint16_t>{30303, 30304});
}

TEST_CASE("sidecar config: a master-slave service by election has its agents elect the master",
          "[agent][k8s]") {
  const manifest::LoadResult manifests = manifest::load_manifests(
      testing::read_source_file("scenarios/examples/blockchain-node.yaml"), "blockchain-node.yaml");
  REQUIRE(manifests.ok());
  auto service = std::get<manifest::EndomyceteService>(manifests.objects.front().object);
  service.distribution_strategy.type = manifest::DistributionType::kMasterSlave;
  service.distribution_strategy.master_selection = manifest::MasterSelection::kElection;
  const k8s::RenderedObjects rendered = k8s::render_endomycete(service, k8s::RenderOptions{});
  std::string config_text;
  std::string master_url;
  for (const k8s::Object& object : rendered.objects) {
    if (object["kind"] == "ConfigMap" &&
        object["metadata"]["name"] == "blockchain-node-validator-nodes-spore")
      config_text = object["data"]["spore.yaml"];
    if (object["kind"] == "StatefulSet") {
      for (const k8s::Object& env : object["spec"]["template"]["spec"]["containers"][0]["env"]
                                        .get<std::vector<k8s::Object>>())
        if (env["name"] == "MYCELIUM_MASTER_URL") master_url = env["value"];
    }
  }
  CHECK(master_url == "http://127.0.0.1:7947/distribution/master");
  const AgentConfigLoad load =
      parse_agent_config(config_text, "spore.yaml", "blockchain-node-validator-nodes-1");
  INFO(load.diagnostics.format() << config_text);
  REQUIRE(load.config.has_value());
  REQUIRE(load.config->distribution.has_value());
  // Every pod of the service, validators and full nodes: one master for the whole service.
  CHECK(load.config->distribution->members.size() == 8);
  CHECK(load.config->distribution->members.front() == NodeId{2});

  SECTION("static selection leaves the master to the application") {
    service.distribution_strategy.master_selection = manifest::MasterSelection::kStatic;
    for (const k8s::Object& object :
         k8s::render_endomycete(service, k8s::RenderOptions{}).objects) {
      if (object["kind"] == "ConfigMap")
        CHECK(std::string(object["data"]["spore.yaml"]).find("distribution") == std::string::npos);
    }
  }
}

TEST_CASE("peer resolver: a name that resolves is handed on, one that does not is retried",
          "[agent]") {
  boost::asio::io_context io;
  std::vector<std::pair<NodeId, boost::asio::ip::udp::endpoint>> resolved;
  std::vector<std::string> log;
  PeerResolverConfig config;
  config.retry_interval = 50ms;
  config.refresh_interval = 10s;
  PeerResolver resolver(
      io,
      {AgentPeer{NodeId{1}, HostPort{"localhost", 7946}, ""},
       AgentPeer{NodeId{2}, HostPort{"no-such-peer.invalid", 7946}, ""}},
      [&resolved](NodeId node, const boost::asio::ip::udp::endpoint& endpoint) {
        resolved.emplace_back(node, endpoint);
      },
      [&log](std::string line) { log.push_back(std::move(line)); }, config);
  io.run_for(1500ms);
  REQUIRE(resolved.size() == 1);
  CHECK(resolved[0].first == NodeId{1});
  CHECK(resolved[0].second.address().is_loopback());
  CHECK(resolved[0].second.port() == 7946);
  CHECK(resolver.resolved_count() == 1);
  // The failing one is said once, not at every retry.
  CHECK(std::count_if(log.begin(), log.end(), [](const std::string& line) {
          return line.find("no-such-peer.invalid:7946) does not resolve yet") != std::string::npos;
        }) == 1);
}
