// EndomyceteService -> Kubernetes objects (real/k8s/render_endomycete), and the YAML they are
// printed as. The objects' validity against the official models is checked by the k8s tests
// (tests/k8s); these check the choices: kinds, placement, names, strategy parameters, errors.

#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include <core/manifest/manifest.hpp>
#include <real/k8s/render_endomycete.hpp>
#include <real/k8s/yaml_writer.hpp>

using namespace mycelium;
using k8s::Object;

namespace {

manifest::EndomyceteService service_from(const std::string& yaml) {
  const manifest::LoadResult result = manifest::load_manifests(yaml, "test.yaml");
  REQUIRE(result.ok());
  REQUIRE(result.objects.size() == 1);
  return std::get<manifest::EndomyceteService>(result.objects.front().object);
}

std::string manifest_text(const std::string& strategy, const std::string& spore,
                          const std::string& deployments) {
  return "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata:\n  name: orders\n"
         "spec:\n  distributionStrategy:\n" +
         strategy + "  serviceSpore:\n" + spore + "  deployments:\n" + deployments;
}

const Object* find(const k8s::RenderedObjects& rendered, const std::string& kind,
                   const std::string& name) {
  for (const Object& object : rendered.objects) {
    if (object["kind"] == kind && object["metadata"]["name"] == name) return &object;
  }
  return nullptr;
}

const std::string kSharding = "    type: custom-sharding\n    shardCount: 12\n";
const std::string kSpore =
    "    enabled: true\n    discoveryPorts: [8080]\n    healthEndpoint: /ready\n";

}  // namespace

TEST_CASE("k8s render: each deployment becomes a ConfigMap, headless Service, StatefulSet and PDB",
          "[k8s]") {
  const auto service =
      service_from(manifest_text(kSharding, kSpore,
                                 "    - {name: shards, replicas: 3, placement: anti-affinity}\n"
                                 "    - {name: routers, replicas: 2, placement: distributed}\n"));
  k8s::RenderOptions options;
  options.image = "registry.example.com/orders:1.0";
  const k8s::RenderedObjects rendered = k8s::render_endomycete(service, options);
  CHECK(rendered.objects.size() == 8);
  const Object* set = find(rendered, "StatefulSet", "orders-shards");
  REQUIRE(set != nullptr);
  CHECK((*set)["spec"]["replicas"] == 3);
  CHECK((*set)["spec"]["serviceName"] == "orders-shards");
  const Object& pod = (*set)["spec"]["template"]["spec"];
  REQUIRE(pod["containers"].size() == 2);
  CHECK(pod["containers"][0]["image"] == "registry.example.com/orders:1.0");
  CHECK(pod["containers"][0]["readinessProbe"]["httpGet"]["path"] == "/ready");
  CHECK(pod["containers"][0]["readinessProbe"]["httpGet"]["port"] == 8080);
  CHECK(pod["containers"][1]["name"] == "service-spore");
  // The sidecar runs as a non-root user that can read the key file (group-readable, fsGroup).
  CHECK(pod["containers"][1]["securityContext"]["runAsUser"] == 65532);
  CHECK(pod["securityContext"]["fsGroup"] == 65532);
  CHECK(pod["volumes"][1]["secret"]["defaultMode"] == 0440);
  // anti-affinity: required, on hostname, among this deployment's pods only.
  const Object& term =
      pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0];
  CHECK(term["topologyKey"] == "kubernetes.io/hostname");
  CHECK(term["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "shards");
  // distributed: spread over zones (best effort) and hostnames (strict).
  const Object& spread =
      (*find(rendered, "StatefulSet",
             "orders-routers"))["spec"]["template"]["spec"]["topologySpreadConstraints"];
  REQUIRE(spread.size() == 2);
  CHECK(spread[0]["topologyKey"] == "topology.kubernetes.io/zone");
  CHECK(spread[0]["whenUnsatisfiable"] == "ScheduleAnyway");
  CHECK(spread[1]["topologyKey"] == "kubernetes.io/hostname");
  CHECK(spread[1]["whenUnsatisfiable"] == "DoNotSchedule");
  const Object* service_object = find(rendered, "Service", "orders-shards");
  REQUIRE(service_object != nullptr);
  CHECK((*service_object)["spec"]["clusterIP"] == "None");
  const Object* budget = find(rendered, "PodDisruptionBudget", "orders-routers");
  REQUIRE(budget != nullptr);
  CHECK((*budget)["spec"]["maxUnavailable"] == 1);
  REQUIRE(find(rendered, "ConfigMap", "orders-shards-spore") != nullptr);
}

TEST_CASE("k8s render: one-per-node keeps every pod of the service off each other's nodes",
          "[k8s]") {
  const auto service = service_from(manifest_text(
      kSharding, kSpore, "    - {name: shards, replicas: 4, placement: one-per-node}\n"));
  const k8s::RenderedObjects rendered = k8s::render_endomycete(service, {});
  const Object& selector =
      (*find(rendered, "StatefulSet",
             "orders-shards"))["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
                              ["requiredDuringSchedulingIgnoredDuringExecution"][0]["labelSelector"]
                              ["matchLabels"];
  CHECK(selector["app.kubernetes.io/name"] == "orders");
  CHECK_FALSE(selector.contains("app.kubernetes.io/component"));
  // Defaults said, not hidden.
  REQUIRE(rendered.notes.size() == 3);
  CHECK(rendered.notes[0].find("orders:latest") != std::string::npos);
  CHECK(rendered.notes[1].find("4 pods need as many schedulable nodes") != std::string::npos);
}

TEST_CASE("k8s render: the strategy's parameters reach the application as environment", "[k8s]") {
  const auto service =
      service_from(manifest_text("    type: peer-to-peer\n    consensusProtocol: raft\n", kSpore,
                                 "    - {name: peers, replicas: 3, placement: distributed}\n"));
  const k8s::RenderedObjects rendered = k8s::render_endomycete(service, {});
  const Object& env = (*find(rendered, "StatefulSet",
                             "orders-peers"))["spec"]["template"]["spec"]["containers"][0]["env"];
  std::map<std::string, std::string> values;
  for (const Object& variable : env) {
    if (variable.contains("value")) values[variable["name"]] = variable["value"];
  }
  CHECK(values["MYCELIUM_DISTRIBUTION"] == "peer-to-peer");
  CHECK(values["MYCELIUM_CONSENSUS_PROTOCOL"] == "raft");
  CHECK(values["MYCELIUM_COMPONENT"] == "peers");
}

TEST_CASE("k8s render: standard Kubernetes without a spore is a Deployment with no sidecar",
          "[k8s]") {
  const auto service =
      service_from(manifest_text("    type: standard-kubernetes\n", "    enabled: false\n",
                                 "    - {name: web, replicas: 2, placement: distributed}\n"));
  const k8s::RenderedObjects rendered = k8s::render_endomycete(service, {});
  CHECK(rendered.objects.size() == 3);  // Service, Deployment, PDB: no ConfigMap
  const Object* deployment = find(rendered, "Deployment", "orders-web");
  REQUIRE(deployment != nullptr);
  CHECK_FALSE((*deployment)["spec"].contains("serviceName"));
  CHECK((*deployment)["spec"]["template"]["spec"]["containers"].size() == 1);
  CHECK(find(rendered, "StatefulSet", "orders-web") == nullptr);
}

TEST_CASE("k8s render: what Kubernetes would refuse is an error naming the field", "[k8s]") {
  const auto long_name = service_from(manifest_text(
      kSharding, kSpore,
      "    - {name: a-deployment-name-that-is-long-enough-to-overflow, replicas: 1}\n"));
  CHECK_THROWS_WITH(k8s::render_endomycete(long_name, {}),
                    Catch::Contains("spec.deployments[0].name") &&
                        Catch::Contains("Kubernetes allows 52 for a StatefulSet name"));
  const auto service =
      service_from(manifest_text(kSharding, kSpore, "    - {name: shards, replicas: 1}\n"));
  k8s::RenderOptions bad_image;
  bad_image.image = "orders latest";
  CHECK_THROWS_WITH(k8s::render_endomycete(service, bad_image),
                    Catch::Contains("expected a container image reference"));
}

TEST_CASE("k8s YAML: strings that look like other types stay strings, lists nest, text is a block",
          "[k8s]") {
  const Object document{
      {"kind", "ConfigMap"},
      {"data", {{"count", "8"}, {"flag", "on"}, {"file", "a: 1\nb: 2\n"}}},
      {"items", Object::array({Object{{"name", "x"}, {"port", 80}}, Object::array({"y", true})})},
      {"empty", Object::object()}};
  CHECK(k8s::to_yaml(document) ==
        "kind: ConfigMap\n"
        "data:\n"
        "  count: \"8\"\n"
        "  flag: \"on\"\n"
        "  file: |\n"
        "    a: 1\n"
        "    b: 2\n"
        "items:\n"
        "  - name: x\n"
        "    port: 80\n"
        "  - - \"y\"\n"
        "    - true\n"
        "empty: {}\n");
  CHECK(k8s::to_yaml_stream({document, Object{{"a", 1}}}).starts_with("---\nkind: ConfigMap\n"));
}
