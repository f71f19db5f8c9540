// The agent's /vms API (real/agent/vm_service.hpp) against libvirt's in-process test driver
// (test:///default): every bad request is refused with its reason before libvirt is touched, and
// a deploy that libvirt cannot complete is reported failed with the reason and can be deleted
// (the test driver cannot start a domain paused, so every deploy fails there).
// Deploying a real guest is the kvm tier's (tests/vm/myceliumd_vm.sh).

#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <real/agent/agent.hpp>
#include <real/agent/agent_config.hpp>
#include <tests/unit/real/asio_test_support.hpp>

using namespace mycelium;
using namespace mycelium::real;
using namespace std::chrono_literals;

namespace {

// A free loopback port for both TCP and UDP (the agent binds both at its listen address).
std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::address_v4::loopback(), 0});
  return probe.local_endpoint().port();
}

std::string agent_yaml(bool vm_host, const std::string& admin = "") {
  std::string yaml =
      "apiVersion: mycelium.network/v1\nkind: AgentConfig\nmetadata:\n  name: host-7\nspec:\n"
      "  nodeId: 7\n" +
      (admin.empty() ? "" : "  admin: " + admin + "\n") +
      "  listen: 127.0.0.1:" + std::to_string(free_port()) +
      "\n  network: {name: t, key: 000102030405060708090a0b0c0d0e0f}\n"
      "  peers:\n    - {nodeId: 2, address: 127.0.0.1:9}\n    - {nodeId: 3, address: "
      "127.0.0.1:10}\n";
  if (vm_host) {
    yaml +=
        "  vmHost:\n    uri: test:///default\n    kvm: false\n"
        "    images: [{name: test-image, kernel: /nonexistent/vmlinux}]\n";
  }
  return yaml;
}

const std::string kManifest =
    "apiVersion: mycelium.network/v1\nkind: EndophyteVM\nmetadata: {name: unit}\nspec:\n"
    "  vmSpec: {cpuCores: 1, memorySize: 64Mi, diskSize: 1Gi, osConfig: {type: test-image}}\n"
    "  distributedRAM: {bufferSize: 16Mi}\n  backupStrategy: {nodeCount: 1}\n";

struct TestAgent {
  explicit TestAgent(bool vm_host, const std::string& admin = "") {
    const AgentConfigLoad load = parse_agent_config(agent_yaml(vm_host, admin), "agent.yaml");
    INFO(load.diagnostics.format());
    REQUIRE(load.config.has_value());
    agent = std::make_unique<Agent>(io, *load.config, [](const std::string&) {});
  }
  HttpResponse ask(std::string_view method, std::string_view target, std::string_view body = "") {
    return agent->answer(HttpRequest{method, target, body});
  }
  nlohmann::json vms() { return nlohmann::json::parse(ask("GET", "/vms").body); }

  boost::asio::io_context io;
  std::unique_ptr<Agent> agent;
};

}  // namespace

TEST_CASE("vm service: an agent without spec.vmHost has no /vms") {
  TestAgent host(false);
  const HttpResponse answer = host.ask("GET", "/vms");
  CHECK(answer.status == 404);
  CHECK_THAT(answer.body, Catch::Contains("no spec.vmHost"));
}

TEST_CASE("vm service: bad requests are refused with the reason, nothing deployed") {
  TestAgent host(true);
  CHECK(host.vms() == nlohmann::json::array());
  const auto refused = [&](std::string_view target, std::string_view body, unsigned status,
                           const std::string& reason) {
    CAPTURE(target);
    const HttpResponse answer = host.ask("POST", target, body);
    CHECK(answer.status == status);
    CHECK_THAT(answer.body, Catch::Contains(reason));
  };
  refused("/vms?backups=2", kManifest, 400, "stream: expected 1 to 4294967295");
  refused("/vms?stream=0&backups=2", kManifest, 400, "stream: expected");
  refused("/vms?stream=5", kManifest, 400, "backups: expected 1 to 16 distinct node ids");
  refused("/vms?stream=5&backups=2%2C2", kManifest, 400, "backups: expected");
  refused("/vms?stream=5&backups=2%2C", kManifest, 400, "backups: expected");
  refused("/vms?stream=5&backups=7", kManifest, 400, "the primary cannot be a backup");
  refused("/vms?stream=5&backups=9", kManifest, 400, "node 9 is not one of the peers");
  refused("/vms?stream=5&backups=2&now=1", kManifest, 400, "unknown parameter now");
  refused("/vms?stream=5&backups=2,3", kManifest, 400, "bad query");
  refused("/vms/standby?stream=5&backups=7", kManifest, 400, "primary: expected a node id");
  refused("/vms/standby?stream=5&primary=2&backups=3", kManifest, 400, "must name this node");
  refused("/vms?stream=5&backups=2", "kind: Nonsense\n", 400, "request body:");
  std::string second = kManifest;
  second.replace(second.find("{name: unit}"), 12, "{name: two}");
  refused("/vms?stream=5&backups=2", kManifest + "---\n" + second, 400, "expected one EndophyteVM");
  std::string unknown_image = kManifest;
  unknown_image.replace(unknown_image.find("test-image"), 10, "other");
  refused("/vms?stream=5&backups=2", unknown_image, 422, "this host has no image \"other\"");
  refused("/vms/unit/migrate?to=2", "", 404, "no VM named unit");
  refused("/vms/unit/delete", "", 404, "no VM named unit");
  CHECK(host.ask("PUT", "/vms").status == 405);
  CHECK(host.ask("GET", "/vms/unit/nothing").status == 404);
  CHECK(host.vms() == nlohmann::json::array());
}

TEST_CASE("vm service: a deploy libvirt cannot complete is reported failed, then deleted") {
  TestAgent host(true);
  const HttpResponse started = host.ask("POST", "/vms?stream=5&backups=2", kManifest);
  REQUIRE(started.status == 202);
  CHECK(nlohmann::json::parse(started.body) ==
        nlohmann::json{{"name", "unit"}, {"domain", "mycelium-unit-7"}, {"state", "starting"}});
  CHECK(host.ask("POST", "/vms?stream=5&backups=2", kManifest).status == 409);  // one per agent
  CHECK(host.ask("POST", "/vms/unit/delete").status == 409);                    // still starting

  // The test driver defines the domain but cannot start it paused (it has no QEMU either): the
  // deploy fails there, with libvirt's reason naming the domain and the step.
  REQUIRE(testing::run_until(
      host.io, [&] { return host.vms().at(0).at("state") != "starting"; }, 10000ms));
  const nlohmann::json vm = host.vms().at(0);
  CHECK(vm.at("state") == "failed");
  CHECK(vm.at("role") == "primary");
  CHECK(vm.at("backups") == nlohmann::json::array({2}));
  CHECK_THAT(vm.at("error").get<std::string>(),
             Catch::Contains("domain \"mycelium-unit-7\": start paused: unsupported flags"));
  CHECK(host.ask("GET", "/replication").status == 404);
  CHECK(host.ask("POST", "/vms/unit/migrate?to=2").status == 409);

  CHECK(host.ask("POST", "/vms/unit/delete").status == 200);
  CHECK(host.vms() == nlohmann::json::array());
  CHECK(host.ask("POST", "/vms?stream=5&backups=2", kManifest).status == 202);  // free again
}

TEST_CASE("vm service: a VM host advertises an admin address the CLI can reach") {
  // Bound to every address, the admin API is advertised at the node's own (listen) address.
  const std::string admin_port = std::to_string(free_port());
  TestAgent host(true, "0.0.0.0:" + admin_port);
  const nlohmann::json services = nlohmann::json::parse(host.ask("GET", "/services").body);
  REQUIRE(services.size() == 1);
  const nlohmann::json& instance = services.at(0);
  CHECK(instance.at("service") == "mycelium-vm-host");
  CHECK(instance.at("instance_id") == "host-7");
  CHECK(instance.at("owner") == 7);
  CHECK(instance.at("labels").at("admin") == "127.0.0.1:" + admin_port);
  CHECK(instance.at("ports") == nlohmann::json::array({std::stoi(admin_port)}));
}
