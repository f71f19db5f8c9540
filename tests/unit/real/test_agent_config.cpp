// myceliumd's config file: a full one reads every field; each mistake is reported at its line
// and field, all in one pass; the key is never echoed back.

#include <string>

#include <catch2/catch.hpp>

#include <real/agent/agent.hpp>
#include <real/agent/agent_config.hpp>
#include <tests/support/files.hpp>

using namespace mycelium;
using namespace mycelium::real;

namespace {

const std::string kHeader =
    "apiVersion: mycelium.network/v1\nkind: AgentConfig\nmetadata:\n  name: host-a\nspec:\n";
const std::string kKey = "  network: {name: prod, key: 000102030405060708090a0b0c0d0e0f}\n";

std::string errors_of(const std::string& spec) {
  return parse_agent_config(kHeader + spec, "a.yaml").diagnostics.format();
}

}  // namespace

TEST_CASE("agent config: a full config reads every field") {
  const AgentConfigLoad load = parse_agent_config(
      kHeader + "  nodeId: 7\n  listen: 10.0.0.7:7200\n  admin: '[::1]:9464'\n" + kKey +
          "  profile: wan\n"
          "  peers:\n    - {nodeId: 1, address: 10.0.0.1:7200}\n"
          "    - {nodeId: 2, address: '[fd00::2]:7200'}\n"
          "  seeds: [1]\n"
          "  services:\n    - service: orders\n      instanceId: orders-7\n"
          "      ports: [8080, 8443]\n      healthEndpoint: /health\n"
          "      labels: {zone: b, tier: gold}\n",
      "a.yaml");
  INFO(load.diagnostics.format());
  REQUIRE(load.config.has_value());
  const AgentConfig& config = *load.config;
  CHECK(config.name == "host-a");
  CHECK(config.node == NodeId{7});
  CHECK(config.listen.to_string() == "10.0.0.7:7200");
  REQUIRE(config.admin.has_value());
  CHECK(config.admin->to_string() == "[::1]:9464");
  CHECK(config.network_name == "prod");
  CHECK(config.network_key.size() == 16);
  CHECK(config.network_key[15] == 0x0f);
  CHECK(config.wan_profile);
  REQUIRE(config.peers.size() == 2);
  CHECK(config.peers[1].address.host == "fd00::2");
  CHECK(config.seeds == std::vector<NodeId>{NodeId{1}});
  REQUIRE(config.services.size() == 1);
  CHECK(config.services[0].ports == std::vector<std::uint16_t>{8080, 8443});
  CHECK(config.services[0].labels ==
        std::vector<std::pair<std::string, std::string>>{{"tier", "gold"}, {"zone", "b"}});
}

TEST_CASE("agent config: every mistake is located, all in one pass") {
  const std::string errors = errors_of(
      "  nodeId: -1\n"                        // line 6
      "  listen: 10.0.0.7\n"                  // line 7: no port
      "  admin: 10.0.0.7:99999\n"             // line 8
      "  network: {name: prod, key: 00ff}\n"  // line 9: too short
      "  peers:\n    - {nodeId: 1, address: 10.0.0.1:7200}\n"
      "    - {nodeId: 1, address: 10.0.0.2:7200}\n"                           // line 12: twice
      "  seeds: [5]\n"                                                        // line 13: not a peer
      "  services:\n    - {service: Orders, instanceId: o-1, ports: []}\n");  // line 15
  CHECK_THAT(errors, Catch::Contains("a.yaml:6:11: spec.nodeId: expected an integer from 0 to"));
  CHECK_THAT(errors, Catch::Contains("a.yaml:7:11: spec.listen: expected an address host:port"));
  CHECK_THAT(errors, Catch::Contains("a.yaml:8:10: spec.admin: expected an address host:port"));
  CHECK_THAT(errors, Catch::Contains("a.yaml:9:30: spec.network.key: expected 32 to 128 hex "
                                     "digits (a key of 16 to 64 bytes), got 4 characters"));
  CHECK_THAT(errors, Catch::Contains("a.yaml:12:16: spec.peers[1].nodeId: node 1 is listed twice"));
  CHECK_THAT(errors,
             Catch::Contains("a.yaml:13:11: spec.seeds[0]: node 5 is not one of spec.peers"));
  CHECK_THAT(errors, Catch::Contains("spec.services[0].service: expected"));
  CHECK_THAT(errors, Catch::Contains("spec.services[0].ports: expected 1 to 16 ports"));
}

TEST_CASE("agent config: a missing network and an unknown field are reported") {
  const std::string errors = errors_of("  nodeId: 1\n  listen: 127.0.0.1:7200\n  peer: []\n");
  CHECK_THAT(errors, Catch::Contains("spec.network: missing required field"));
  CHECK_THAT(errors, Catch::Contains("a.yaml:8:3: spec.peer: unknown field"));
  CHECK_FALSE(parse_agent_config(kHeader + "  nodeId: 1\n", "a.yaml").config.has_value());
}

TEST_CASE("agent config: the key is never echoed in an error") {
  const std::string errors = errors_of(
      "  nodeId: 1\n  listen: 127.0.0.1:7200\n"
      "  network: {name: prod, key: secretsecretsecretsecretsecretXX}\n");
  CHECK_THAT(errors, Catch::Contains("spec.network.key"));
  CHECK_THAT(errors, !Catch::Contains("secret"));
}

TEST_CASE("agent config: master-slave runs among every peer unless the members are given") {
  const std::string base = "  nodeId: 2\n  listen: 10.0.0.2:7200\n" + kKey +
                           "  peers:\n    - {nodeId: 1, address: 10.0.0.1:7200}\n"
                           "    - {nodeId: 3, address: 10.0.0.3:7200}\n";
  const AgentConfigLoad all =
      parse_agent_config(kHeader + base + "  distribution: {strategy: master-slave}\n", "a.yaml");
  INFO(all.diagnostics.format());
  REQUIRE(all.config.has_value());
  REQUIRE(all.config->distribution.has_value());
  CHECK(all.config->distribution->members == std::vector<NodeId>{NodeId{2}, NodeId{1}, NodeId{3}});
  CHECK(all.config->distribution->lease_duration == std::chrono::seconds(2));
  const AgentConfigLoad some = parse_agent_config(
      kHeader + base +
          "  distribution: {strategy: master-slave, members: [3, 2], leaseDuration: 500ms}\n",
      "a.yaml");
  REQUIRE(some.config.has_value());
  CHECK(some.config->distribution->members == std::vector<NodeId>{NodeId{3}, NodeId{2}});
  CHECK(some.config->distribution->lease_duration == std::chrono::milliseconds(500));

  SECTION("mistakes are located") {
    CHECK_THAT(errors_of(base + "  distribution: {strategy: peer-to-peer}\n"),
               Catch::Contains("a.yaml:12:28: spec.distribution.strategy: expected master-slave "
                               "(the only strategy the agent runs so far"));
    const std::string errors =
        errors_of(base +
                  "  distribution:\n    strategy: master-slave\n    members: [1, 4, 1]\n"
                  "    leaseDuration: 10ms\n");
    CHECK_THAT(errors, Catch::Contains("a.yaml:14:18: spec.distribution.members[1]: node 4 is not "
                                       "one of spec.peers"));
    CHECK_THAT(errors, Catch::Contains("a.yaml:14:21: spec.distribution.members[2]: expected each "
                                       "node once, got node 1 again"));
    CHECK_THAT(errors, Catch::Contains("a.yaml:14:14: spec.distribution.members: expected this "
                                       "node (2) among the members"));
    CHECK_THAT(errors, Catch::Contains("a.yaml:15:20: spec.distribution.leaseDuration"));
  }
}

TEST_CASE("agent metrics render as Prometheus text") {
  AgentMetrics metrics;
  metrics.add_counter("spore_probes_total", 3);
  metrics.set_gauge("spore_local_health", 0.5);
  CHECK(prometheus_text(metrics, NodeId{4}) ==
        "# TYPE spore_probes_total counter\nspore_probes_total{node=\"4\"} 3\n"
        "# TYPE spore_local_health gauge\nspore_local_health{node=\"4\"} 0.5\n");
}

TEST_CASE("agent config: label keys must be strings, given once, and values bounded") {
  // Found by fuzz_agent_config: a list as a label key made the parser throw.
  const std::string base = "  nodeId: 1\n  listen: 127.0.0.1:7200\n" + kKey +
                           "  services:\n    - service: a\n      instanceId: b\n"
                           "      ports: [1]\n";
  CHECK_THAT(errors_of(base + "      labels: {[1]: x}\n"),
             Catch::Contains("spec.services[0].labels: expected a string, got a list"));
  CHECK_THAT(errors_of(base + "      labels: {zone: a, zone: b}\n"),
             Catch::Contains("spec.services[0].labels.zone: label zone is given twice"));
  CHECK_THAT(errors_of(base + "      labels: {zone: " + std::string(300, 'v') + "}\n"),
             Catch::Contains("expected a label value of at most 253 bytes"));
}

namespace {

const std::string kNodeSeven = "  nodeId: 7\n  listen: 10.0.0.7:7200\n" + kKey +
                               "  peers:\n    - {nodeId: 1, address: 10.0.0.1:7200}\n"
                               "    - {nodeId: 2, address: 10.0.0.2:7200}\n";

}  // namespace

TEST_CASE("agent config: a replication role reads every field") {
  const AgentConfigLoad load = parse_agent_config(
      kHeader + kNodeSeven +
          "  replication:\n    stream: 4\n    memoryFile: /dev/shm/guest\n"
          "    memorySize: 64Mi\n    primary: 7\n    backups: [1, 2]\n"
          "    connectionsPerBackup: 4\n    failureTimeout: 2s\n    electionWindow: 100ms\n"
          "    distributedRAM: {bufferSize: 16Mi, replicationInterval: 20ms}\n",
      "a.yaml");
  INFO(load.diagnostics.format());
  REQUIRE(load.config.has_value());
  REQUIRE(load.config->replication.has_value());
  const AgentReplication& replication = *load.config->replication;
  CHECK(replication.stream == 4);
  CHECK(replication.memory_file == "/dev/shm/guest");
  CHECK(replication.memory_bytes == 64ULL << 20);
  CHECK(replication.page_bytes == 4096);
  CHECK(replication.is_primary(NodeId{7}));
  CHECK(replication.backups == std::vector<NodeId>{NodeId{1}, NodeId{2}});
  CHECK(replication.connections_per_backup == 4);
  CHECK(replication.failure_timeout == std::chrono::seconds(2));
  CHECK(replication.election_window == std::chrono::milliseconds(100));
  CHECK(replication.ram.buffer_bytes == 16ULL << 20);
  CHECK(replication.ram.replication_interval == std::chrono::milliseconds(20));
}

TEST_CASE("agent config: replication mistakes are located") {
  const std::string errors =
      errors_of(kNodeSeven +
                "  replication:\n"                 // line 12
                "    memoryFile: dev/shm/guest\n"  // line 13: not absolute
                "    memorySize: 3Mi\n"            // line 14
                "    pageSize: 2Mi\n"              // line 15: 3 MiB is not a multiple
                "    primary: 9\n"                 // line 16: not a peer
                "    backups: [1, 1, 3]\n");       // line 17: twice, and 3 is not a peer
  CHECK_THAT(errors, Catch::Contains("a.yaml:13:17: spec.replication.memoryFile: expected an "
                                     "absolute path (e.g. /dev/shm/guest), got \"dev/shm/guest\""));
  CHECK_THAT(errors, Catch::Contains("a.yaml:14:17: spec.replication.memorySize: expected a "
                                     "multiple of the page size 2097152, got 3145728"));
  CHECK_THAT(errors, Catch::Contains("a.yaml:16:14: spec.replication.primary: node 9 is neither "
                                     "this node nor one of spec.peers"));
  CHECK_THAT(errors, Catch::Contains("a.yaml:17:18: spec.replication.backups[1]: node 1 is "
                                     "listed twice"));
  CHECK_THAT(errors, Catch::Contains("a.yaml:17:21: spec.replication.backups[2]: node 3 is "
                                     "neither this node nor one of spec.peers"));
  CHECK_THAT(errors, Catch::Contains("a.yaml:13:5: spec.replication: this node (7) is neither the "
                                     "primary nor one of the backups"));
  CHECK_THAT(errors, Catch::Contains(
                         "a.yaml:13:5: spec.replication.distributedRAM: missing required field"));

  CHECK_THAT(errors_of(kNodeSeven +
                       "  replication: {memoryFile: /g, memorySize: 1Mi, primary: 1, backups: [1],"
                       " distributedRAM: {bufferSize: 1Mi}}\n"),
             Catch::Contains("spec.replication.backups[0]: node 1 is the primary"));
}

TEST_CASE("agent config: the shipped examples load") {
  for (const char* example :
       {"apps/myceliumd/examples/agent.yaml", "apps/myceliumd/examples/agent-backup.yaml",
        "apps/myceliumd/examples/vm-host.yaml"}) {
    CAPTURE(example);
    const AgentConfigLoad load =
        parse_agent_config(mycelium::testing::read_source_file(example), example);
    INFO(load.diagnostics.format());
    CHECK(load.config.has_value());
  }
}

TEST_CASE("agent config: link emulation is read and bounded") {
  const AgentConfigLoad load = parse_agent_config(
      kHeader + kNodeSeven + "  emulation: {oneWayDelay: 25ms, loss: 0.01}\n", "a.yaml");
  INFO(load.diagnostics.format());
  REQUIRE(load.config.has_value());
  CHECK(load.config->emulated_delay == std::chrono::milliseconds(25));
  CHECK(load.config->emulated_loss == 0.01);
  CHECK_THAT(errors_of(kNodeSeven + "  emulation: {oneWayDelay: 25ms, loss: 1}\n"),
             Catch::Contains("spec.emulation.loss"));
  CHECK_THAT(errors_of(kNodeSeven + "  emulation: {jitter: 5ms}\n"),
             Catch::Contains("spec.emulation.jitter: unknown field"));
}

TEST_CASE("agent config: a VM host reads every field, with defaults") {
  const AgentConfigLoad load = parse_agent_config(
      kHeader + kNodeSeven +
          "  vmHost:\n    uri: qemu+ssh://h/system\n    zone: eu-1a\n    kvm: false\n"
          "    stateDirectory: /var/lib/mycelium\n    serialLogDirectory: /var/log/mycelium\n"
          "    images:\n      - {name: debian-12, kernel: /boot/vmlinux, initrd: /boot/initrd,"
          " cmdline: console=ttyS0}\n      - {name: tiny, kernel: /k}\n",
      "a.yaml");
  INFO(load.diagnostics.format());
  REQUIRE(load.config.has_value());
  REQUIRE(load.config->vm_host.has_value());
  const AgentVmHost& host = *load.config->vm_host;
  CHECK(host.uri == "qemu+ssh://h/system");
  CHECK(host.zone == "eu-1a");
  CHECK(host.kvm == std::optional<bool>(false));
  CHECK(host.state_directory == "/var/lib/mycelium");
  CHECK(host.serial_log_directory == "/var/log/mycelium");
  REQUIRE(host.images.size() == 2);
  CHECK(host.images[0].name == "debian-12");
  CHECK(host.images[0].kernel == "/boot/vmlinux");
  CHECK(host.images[0].initrd == "/boot/initrd");
  CHECK(host.images[0].cmdline == "console=ttyS0");
  CHECK(host.images[1].initrd.empty());

  const AgentConfigLoad minimal = parse_agent_config(
      kHeader + kNodeSeven + "  vmHost: {images: [{name: a, kernel: /k}]}\n", "a.yaml");
  REQUIRE(minimal.config.has_value());
  CHECK(minimal.config->vm_host->uri == "qemu:///system");
  CHECK_FALSE(minimal.config->vm_host->kvm.has_value());
  CHECK(minimal.config->vm_host->state_directory == "/dev/shm");
}

TEST_CASE("agent config: VM host mistakes are located") {
  const std::string errors = errors_of(
      kNodeSeven +
      "  vmHost:\n    stateDirectory: relative\n    kvm: yes\n    speed: 3\n"
      "    images:\n      - {name: a, kernel: k}\n      - {name: a, kernel: /k, initrd: i}\n");
  CHECK_THAT(errors, Catch::Contains("a.yaml:13:21: spec.vmHost.stateDirectory: expected an "
                                     "absolute path, got \"relative\""));
  CHECK_THAT(errors, Catch::Contains("spec.vmHost.kvm"));
  CHECK_THAT(errors, Catch::Contains("spec.vmHost.speed"));
  CHECK_THAT(errors, Catch::Contains("spec.vmHost.images[0].kernel: expected an absolute path"));
  CHECK_THAT(errors, Catch::Contains("spec.vmHost.images[1].name: image \"a\" is listed twice"));
  CHECK_THAT(errors, Catch::Contains("spec.vmHost.images[1].initrd: expected an absolute path"));
  CHECK_THAT(errors_of(kNodeSeven + "  vmHost: {}\n"),
             Catch::Contains("spec.vmHost.images: missing required field"));
  CHECK_THAT(errors_of(kNodeSeven + "  vmHost: {images: []}\n"),
             Catch::Contains("spec.vmHost.images: expected a list of 1 to 64 images"));
}
