// Bad manifests: each case asserts the complete list of diagnostics, with exact file, line,
// column, field path and wording. A user fixes every error in one round from these messages.

#include <catch2/catch.hpp>

#include <core/manifest/manifest.hpp>

using namespace mycelium::manifest;

namespace {

struct BadCase {
  const char* name;
  const char* yaml;
  std::vector<std::string> expected;  // formatted diagnostics, in order
};

std::vector<std::string> diagnose(const std::string& yaml) {
  const LoadResult result = load_manifests(yaml, "bad.yaml");
  std::vector<std::string> lines;
  for (const Diagnostic& diagnostic : result.diagnostics.kept()) {
    lines.push_back(format_diagnostic(diagnostic));
  }
  return lines;
}

// A valid VM with one line to break; line numbers below refer to this layout.
const char* const kVm = R"(apiVersion: mycelium.network/v1
kind: EndophyteVM
metadata:
  name: vm
spec:
  vmSpec:
    cpuCores: 4
    memorySize: 8Gi
    diskSize: 100Gi
    osConfig:
      type: ubuntu-20.04
  distributedRAM:
    bufferSize: 1Gi
)";

const std::vector<BadCase> kCases = {
    // --- YAML and document level ---
    {"YAML syntax error",
     "apiVersion: [mycelium\nkind: x\n",
     {"bad.yaml:2:5: invalid YAML: end of sequence flow not found"}},
    {"control character (yaml-cpp 0.7 hangs on this one)",
     ",#\x01",
     {"bad.yaml:1:3: expected UTF-8 text, got control character 0x01 (YAML allows only tab, "
      "line feed and carriage return)"}},
    {"invalid UTF-8 in a label",
     "metadata:\n  labels: {team: \"sto\xf3\xff\"}\n",
     {"bad.yaml:2:22: expected UTF-8 text, got byte 0xf3, which is not valid UTF-8"}},
    {"overlong UTF-8",
     "a: \xc0\xaf\n",
     {"bad.yaml:1:4: expected UTF-8 text, got byte 0xc0, which is not valid UTF-8"}},
    {"stray comma after a document (yaml-cpp 0.7's LoadAll loops on it)",
     "[a],\n",
     {"bad.yaml:1:4: invalid YAML: unexpected content after the end of the document"}},
    {"syntax error in a later document is located in the file",
     "apiVersion: mycelium.network/v1\nkind: Application\nmetadata: {name: a}\nspec: "
     "{architecture: monolithic}\n"
     "---\n- a\n,\n",
     {"bad.yaml:7:1: invalid YAML: unexpected content after the end of the document"}},
    {"empty file", "# nothing here\n", {"bad.yaml:1:1: expected at least one manifest, got none"}},
    {"document is a list", "- a\n- b\n", {"bad.yaml:1:1: expected a mapping, got a list"}},
    {"wrong apiVersion",
     "apiVersion: mycelium.network/v2\nkind: Application\nmetadata: {name: a}\nspec: "
     "{architecture: monolithic}\n",
     {"bad.yaml:1:13: apiVersion: expected mycelium.network/v1, got \"mycelium.network/v2\""}},
    {"unknown kind with suggestion",
     "apiVersion: mycelium.network/v1\nkind: EndophyteVm\nmetadata: {name: a}\nspec: {}\n",
     {"bad.yaml:2:7: kind: expected one of EndomyceteService, EndophyteVM, Application, got "
      "\"EndophyteVm\" (did you mean \"EndophyteVM\"?)"}},
    {"missing kind",
     "apiVersion: mycelium.network/v1\nmetadata: {name: a}\n",
     {"bad.yaml:1:1: kind: missing required field (expected a string)"}},
    {"unknown top-level field",
     "apiVersion: mycelium.network/v1\nkind: Application\nmetdata: {name: a}\nspec: {architecture: "
     "monolithic}\n",
     {"bad.yaml:3:1: metdata: unknown field (did you mean \"metadata\"?); expected one of "
      "apiVersion, kind, metadata, spec",
      "bad.yaml:1:1: metadata: missing required field (expected a mapping with a name)"}},
    {"duplicate field",
     "apiVersion: mycelium.network/v1\nkind: Application\nkind: Application\nmetadata: {name: "
     "a}\nspec: {architecture: monolithic}\n",
     {"bad.yaml:3:1: kind: duplicate field (first given at line 2)"}},
    {"missing spec",
     "apiVersion: mycelium.network/v1\nkind: Application\nmetadata: {name: a}\n",
     {"bad.yaml:1:1: spec: missing required field (expected a mapping)"}},
    // --- metadata ---
    {"name not a DNS label",
     "apiVersion: mycelium.network/v1\nkind: Application\nmetadata:\n  name: My_App\nspec: "
     "{architecture: monolithic}\n",
     {"bad.yaml:4:9: metadata.name: expected a name of at most 63 lowercase letters, digits and "
      "'-', starting and ending with a letter or digit, got \"My_App\""}},
    {"missing name",
     "apiVersion: mycelium.network/v1\nkind: Application\nmetadata:\n  labels: {a: b}\nspec: "
     "{architecture: monolithic}\n",
     {"bad.yaml:4:3: metadata.name: missing required field (expected a name of at most 63 "
      "lowercase letters, digits and '-', starting and ending with a letter or digit)"}},
    {"duplicate names in one file",
     "apiVersion: mycelium.network/v1\nkind: Application\nmetadata: {name: a}\nspec: "
     "{architecture: monolithic}\n"
     "---\napiVersion: mycelium.network/v1\nkind: Application\nmetadata: {name: a}\nspec: "
     "{architecture: monolithic}\n",
     {"bad.yaml:6:1: metadata.name: duplicate Application name \"a\" (first defined at "
      "bad.yaml:1)"}},
    // --- EndomyceteService ---
    {"zero replicas",
     "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata: {name: s}\nspec:\n"
     "  distributionStrategy: {type: peer-to-peer}\n  deployments:\n    - name: a\n      replicas: "
     "0\n",
     {"bad.yaml:8:17: spec.deployments[0].replicas: expected an integer from 1 to 100000, got "
      "\"0\""}},
    {"replicas as a word",
     "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata: {name: s}\nspec:\n"
     "  distributionStrategy: {type: peer-to-peer}\n  deployments:\n    - name: a\n      replicas: "
     "three\n",
     {"bad.yaml:8:17: spec.deployments[0].replicas: expected an integer from 1 to 100000, got "
      "\"three\""}},
    {"replicas quoted as a string",
     "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata: {name: s}\nspec:\n"
     "  distributionStrategy: {type: peer-to-peer}\n  deployments:\n    - name: a\n      replicas: "
     "\"3\"\n",
     {"bad.yaml:8:17: spec.deployments[0].replicas: expected an integer from 1 to 100000, got "
      "\"3\""}},
    {"unknown placement with suggestion",
     "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata: {name: s}\nspec:\n"
     "  distributionStrategy: {type: peer-to-peer}\n  deployments:\n    - {name: a, replicas: 1, "
     "placement: anti-afinity}\n",
     {"bad.yaml:7:41: spec.deployments[0].placement: expected one of anti-affinity, distributed, "
      "one-per-node, got \"anti-afinity\" (did you mean \"anti-affinity\"?)"}},
    {"unknown deployment field with suggestion",
     "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata: {name: s}\nspec:\n"
     "  distributionStrategy: {type: peer-to-peer}\n  deployments:\n    - name: a\n      replica: "
     "2\n",
     {"bad.yaml:8:7: spec.deployments[0].replica: unknown field (did you mean \"replicas\"?); "
      "expected one of name, replicas, placement",
      "bad.yaml:7:7: spec.deployments[0].replicas: missing required field (expected an integer "
      "from 1 to 100000)"}},
    {"duplicate deployment names",
     "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata: {name: s}\nspec:\n"
     "  distributionStrategy: {type: peer-to-peer}\n  deployments:\n    - {name: a, replicas: 1}\n "
     "   - {name: a, replicas: 2}\n",
     {"bad.yaml:8:14: spec.deployments[1].name: duplicate deployment name \"a\""}},
    {"empty deployments",
     "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata: {name: s}\nspec:\n"
     "  distributionStrategy: {type: peer-to-peer}\n  deployments: []\n",
     {"bad.yaml:6:16: spec.deployments: expected a non-empty list of deployments, got a list"}},
    {"strategy parameter of another type",
     "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata: {name: s}\nspec:\n"
     "  distributionStrategy:\n    type: peer-to-peer\n    shardCount: 8\n  deployments: [{name: "
     "a, replicas: 1}]\n",
     {"bad.yaml:7:17: spec.distributionStrategy.shardCount: is a parameter of type "
      "custom-sharding, "
      "not of peer-to-peer"}},
    {"custom sharding without shardCount",
     "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata: {name: s}\nspec:\n"
     "  distributionStrategy:\n    type: custom-sharding\n  deployments: [{name: a, replicas: "
     "1}]\n",
     {"bad.yaml:6:5: spec.distributionStrategy.shardCount: missing required field (expected an "
      "integer from 1 to 65536)"}},
    {"standard-kubernetes replicaCount disagrees with deployments",
     "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata: {name: s}\nspec:\n"
     "  distributionStrategy: {type: standard-kubernetes, replicaCount: 4}\n  deployments: [{name: "
     "a, replicas: 3}]\n",
     {"bad.yaml:5:67: spec.distributionStrategy.replicaCount: expected the total replicas of "
      "spec.deployments (3), got 4"}},
    {"discovery port out of range and duplicated",
     "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata: {name: s}\nspec:\n"
     "  distributionStrategy: {type: peer-to-peer}\n  serviceSpore: {discoveryPorts: [30303, "
     "70000]}\n"
     "  deployments: [{name: a, replicas: 1}]\n",
     {"bad.yaml:6:42: spec.serviceSpore.discoveryPorts[1]: expected an integer from 1 to 65535, "
      "got \"70000\""}},
    {"health endpoint without a slash",
     "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata: {name: s}\nspec:\n"
     "  distributionStrategy: {type: peer-to-peer}\n  serviceSpore: {healthEndpoint: health}\n"
     "  deployments: [{name: a, replicas: 1}]\n",
     {"bad.yaml:6:34: spec.serviceSpore.healthEndpoint: expected an HTTP path beginning with '/' "
      "such as /health, got \"health\""}},
    {"spore enabled is not a boolean",
     "apiVersion: mycelium.network/v1\nkind: EndomyceteService\nmetadata: {name: s}\nspec:\n"
     "  distributionStrategy: {type: peer-to-peer}\n  serviceSpore: {enabled: yes}\n"
     "  deployments: [{name: a, replicas: 1}]\n",
     {"bad.yaml:6:27: spec.serviceSpore.enabled: expected true or false, got \"yes\""}},
    // --- EndophyteVM (kVm plus extra lines from line 14 on) ---
    {"threshold above 1",
     "    throttleThreshold: 1.5\n",
     {"bad.yaml:14:24: spec.distributedRAM.throttleThreshold: expected a number in (0, 1), got "
      "\"1.5\""}},
    {"threshold of exactly 0",
     "    throttleThreshold: 0\n",
     {"bad.yaml:14:24: spec.distributedRAM.throttleThreshold: expected a number in (0, 1), got "
      "\"0\""}},
    {"unknown curve with suggestion",
     "    throttlingCurve: exponentail\n",
     {"bad.yaml:14:22: spec.distributedRAM.throttlingCurve: expected one of linear, exponential, "
      "custom, auto-converge, feedback, got \"exponentail\" (did you mean \"exponential\"?)"}},
    {"custom curve without points",
     "    throttlingCurve: custom\n",
     {"bad.yaml:14:22: spec.distributedRAM.throttlingCurve: a custom curve needs control points: "
      "write throttlingCurve: {type: custom, points: [[0, 0], [0.5, 0.2], [1, 1]]}"}},
    {"custom curve not monotone",
     "    throttlingCurve:\n      type: custom\n      points: [[0, 0], [0.5, 0.6], [0.8, 0.4], [1, "
     "1]]\n",
     {"bad.yaml:16:42: spec.distributedRAM.throttlingCurve.points[2][1]: expected a monotone "
      "curve: intensity \"0.4\" is below the previous point's \"0.6\""}},
    {"custom curve x not increasing and not ending at 1",
     "    throttlingCurve: {type: custom, points: [[0, 0], [0.5, 0.2], [0.5, 0.3], [0.9, 1]]}\n",
     {"bad.yaml:14:79: spec.distributedRAM.throttlingCurve.points[3][0]: expected the last control "
      "point at x = 1, got x = \"0.9\"",
      "bad.yaml:14:67: spec.distributedRAM.throttlingCurve.points[2][0]: expected x to increase "
      "strictly: \"0.5\" follows \"0.5\""}},
    {"exponent on a linear curve",
     "    throttlingCurve: {type: linear, exponent: 3}\n",
     {"bad.yaml:14:47: spec.distributedRAM.throttlingCurve.exponent: applies only to type "
      "exponential"}},
    {"feedback gain on an auto-converge curve",
     "    throttlingCurve: {type: auto-converge, proportionalGain: 2}\n",
     {"bad.yaml:14:62: spec.distributedRAM.throttlingCurve.proportionalGain: applies only to type "
      "feedback"}},
    {"auto-converge increment of 0",
     "    throttlingCurve: {type: auto-converge, increment: 0}\n",
     {"bad.yaml:14:55: spec.distributedRAM.throttlingCurve.increment: expected a number in (0, 1], "
      "got \"0\""}},
    {"feedback setpoint above 1",
     "    throttlingCurve: {type: feedback, setpoint: 1.5}\n",
     {"bad.yaml:14:49: spec.distributedRAM.throttlingCurve.setpoint: expected a number in [0, 1], "
      "got \"1.5\""}},
    {"duplicate field in a nested mapping",
     "    bufferSize: 1Gi\n",
     {"bad.yaml:14:5: spec.distributedRAM.bufferSize: duplicate field (first given at line 13)"}},
    {"replication interval beyond a second",
     "    replicationInterval: 2s\n",
     {"bad.yaml:14:26: spec.distributedRAM.replicationInterval: expected a duration from 1ms to "
      "1s such as 100ms or 2s, got \"2s\""}},
    {"replication interval without unit",
     "    replicationInterval: 100\n",
     {"bad.yaml:14:26: spec.distributedRAM.replicationInterval: expected a duration with a unit "
      "such as 100ms, 1.5s or 1m30s (units h m s ms us ns), got \"100\""}},
    {"max intensity of 0",
     "    maxIntensity: 0\n",
     {"bad.yaml:14:19: spec.distributedRAM.maxIntensity: expected a number in (0, 1], got \"0\""}},
    {"fewer connections than backup nodes",
     "  rhizomorphConnections: {targetCount: 1}\n  backupStrategy: {nodeCount: 2}\n",
     {"bad.yaml:14:40: spec.rhizomorphConnections.targetCount: expected at least "
      "backupStrategy.nodeCount (2) so every backup node has a connection, got 1"}},
    {"unknown load balancing with suggestion",
     "  rhizomorphConnections: {targetCount: 3, loadBalancing: least-connection}\n",
     {"bad.yaml:14:58: spec.rhizomorphConnections.loadBalancing: expected one of "
      "adaptive-bandwidth, latency-optimized, weighted-round-robin, least-connections, got "
      "\"least-connection\" (did you mean \"least-connections\"?)"}},
    {"unknown selection criteria",
     "  backupStrategy: {selectionCriteria: fastest}\n",
     {"bad.yaml:14:39: spec.backupStrategy.selectionCriteria: expected one of latency-optimized, "
      "bandwidth-optimized, zone-diverse, least-loaded, got \"fastest\""}},
    {"unknown latency profile mode",
     "  latencyProfile: lan\n",
     {"bad.yaml:14:19: spec.latencyProfile: expected one of off, auto, got \"lan\""}},
    {"performance flag as a string",
     "  performanceConfig: {hugePages: \"true\"}\n",
     {"bad.yaml:14:34: spec.performanceConfig.hugePages: expected true or false, got \"true\""}},
    {"several errors at once",
     "  rhizomorphConnections: {targetCount: 0}\n  backupStrategy: {nodeCount: 99}\n  extra: 1\n",
     {"bad.yaml:16:3: spec.extra: unknown field; expected one of vmSpec, distributedRAM, "
      "rhizomorphConnections, backupStrategy, performanceConfig, latencyProfile",
      "bad.yaml:14:40: spec.rhizomorphConnections.targetCount: expected an integer from 1 to 64, "
      "got \"0\"",
      "bad.yaml:15:31: spec.backupStrategy.nodeCount: expected an integer from 1 to 16, got "
      "\"99\""}},
    // --- Application ---
    {"application field of another architecture",
     "apiVersion: mycelium.network/v1\nkind: Application\nmetadata: {name: a}\nspec:\n"
     "  architecture: monolithic\n  consensus: raft\n",
     {"bad.yaml:6:14: spec.consensus: applies only to architecture natively-distributed, not "
      "monolithic"}},
    {"legacy without OS dependencies",
     "apiVersion: mycelium.network/v1\nkind: Application\nmetadata: {name: a}\nspec:\n  "
     "architecture: legacy\n",
     {"bad.yaml:5:3: spec.osDependencies: missing required field (expected a non-empty list of OS "
      "dependencies such as windows-server-2012)"}},
    {"state size with a wrong unit",
     "apiVersion: mycelium.network/v1\nkind: Application\nmetadata: {name: a}\nspec:\n"
     "  architecture: monolithic\n  stateSize: 8GB\n",
     {"bad.yaml:6:14: spec.stateSize: expected a byte quantity such as 512Mi, 8Gi or 1G (binary Ki "
      "Mi Gi Ti Pi Ei, decimal k M G T P E), got \"8GB\" (did you mean \"8Gi\"?)"}},
    {"negative RPO",
     "apiVersion: mycelium.network/v1\nkind: Application\nmetadata: {name: a}\nspec:\n"
     "  architecture: monolithic\n  rpo: -1s\n",
     {"bad.yaml:6:8: spec.rpo: expected a duration with a unit such as 100ms, 1.5s or 1m30s (units "
      "h m s ms us ns), got \"-1s\""}},
};

}  // namespace

TEST_CASE("bad manifests get every error, precisely located and worded", "[manifest][errors]") {
  REQUIRE(kCases.size() >= 30);
  for (const BadCase& bad : kCases) {
    // VM cases give only the lines to append to the valid VM.
    const std::string yaml = bad.yaml[0] == ' ' ? std::string(kVm) + bad.yaml : bad.yaml;
    SECTION(bad.name) {
      INFO(yaml);
      CHECK(diagnose(yaml) == bad.expected);
    }
  }
}

TEST_CASE("the valid VM the error cases start from is itself valid", "[manifest][errors]") {
  CHECK(diagnose(kVm).empty());
}

TEST_CASE("multi-byte UTF-8 is accepted and counts as one column", "[manifest][errors]") {
  CHECK(diagnose("# café ☕ 𝄞\n\xc3\xa9: x\n")
            .front()
            .rfind("bad.yaml:2:1: \xc3\xa9: unknown field", 0) == 0);
}

TEST_CASE("a NUL byte is refused with its location, not parsed", "[manifest][errors]") {
  const std::string text("a: 1\nb: ,#\0\n", 12);
  CHECK(diagnose(text) ==
        std::vector<std::string>{"bad.yaml:2:6: expected UTF-8 text, got control character 0x00 "
                                 "(YAML allows only tab, line feed and carriage return)"});
}

TEST_CASE("a document with an error yields no object, its valid siblings still load",
          "[manifest][errors]") {
  std::string second = std::string(kVm) + "    throttleThreshold: 2\n";
  second.replace(second.find("name: vm"), 8, "name: vm2");
  const LoadResult result = load_manifests(std::string(kVm) + "---\n" + second, "bad.yaml");
  REQUIRE(result.diagnostics.count() == 1);
  CHECK(format_diagnostic(result.diagnostics.kept()[0]) ==
        "bad.yaml:28:24: spec.distributedRAM.throttleThreshold: expected a number in (0, 1), got "
        "\"2\"");
  REQUIRE(result.objects.size() == 1);
  CHECK(metadata_of(result.objects[0].object).name == "vm");
}
