#include <algorithm>
#include <string_view>
#include <vector>

#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/k8s_job.hpp>
#include <real/k8s/k8s_names.hpp>
#include <real/k8s/yaml_text.hpp>

namespace mycelium::cli {

using k8s::is_dns_label;
using k8s::is_dns_subdomain;
using k8s::is_image_reference;
using k8s::kMaxNameLength;
using k8s::yaml_scalar;
using k8s::yaml_text_value;

namespace {

constexpr std::string_view kJobPrefix = "mycelium-sweep-";
constexpr std::string_view kConfigMapPrefix = "mycelium-scenario-";
// Where the pod finds the scenario and writes its shard file.
constexpr std::string_view kScenarioMount = "/scenario";
constexpr std::string_view kResultsMount = "/results";
// Per shard run in parallel. A run is one single-threaded simulation; the largest shipped
// scenario's runs (2 GiB guests) peak at about 65 MiB resident.
constexpr std::uint64_t kMemoryRequestPerRunMi = 256;
constexpr std::uint64_t kMemoryLimitPerRunMi = 1024;
constexpr std::uint64_t kMaxJobsPerPod = 256;
// A run that fails, fails again: retries only help against lost nodes and evictions.
constexpr int kBackoffLimit = 3;

void check_settings(const K8sSweepJob& job) {
  if (!is_dns_label(job.scenario_name)) {
    throw UserError("scenario name \"" + job.scenario_name +
                    "\" is not a Kubernetes name (at most 63 lowercase letters, digits and '-')");
  }
  if (job.shards == 0 || job.shards > kMaxIndexedCompletions) {
    throw UserError("--shards " + std::to_string(job.shards) + ": expected 1 to " +
                    std::to_string(kMaxIndexedCompletions) +
                    " (the most completions Kubernetes allows an Indexed Job)");
  }
  if (job.jobs_per_pod == 0 || job.jobs_per_pod > kMaxJobsPerPod) {
    throw UserError("--jobs " + std::to_string(job.jobs_per_pod) + " with --emit: expected 1 to " +
                    std::to_string(kMaxJobsPerPod) +
                    " runs in parallel per pod (each pod requests as many CPUs)");
  }
  if (!is_dns_subdomain(job.results_claim)) {
    throw UserError("--results-claim \"" + job.results_claim +
                    "\": expected a PersistentVolumeClaim name (lowercase letters, digits, '-' "
                    "and '.', starting and ending with a letter or digit, at most 253)");
  }
  if (!is_image_reference(job.image)) {
    throw UserError("--image \"" + job.image +
                    "\": expected a container image reference such as "
                    "registry.example.com/mycelium:0.1.0");
  }
  // Each pod's host name is the Job's name and "-<completion index>".
  const std::string longest_pod =
      std::string(kJobPrefix) + job.scenario_name + "-" + std::to_string(job.shards - 1);
  const std::string config_map = std::string(kConfigMapPrefix) + job.scenario_name;
  const std::size_t longest = std::max(longest_pod.size(), config_map.size());
  if (longest > kMaxNameLength) {
    const std::size_t fits = job.scenario_name.size() - (longest - kMaxNameLength);
    throw UserError("scenario name \"" + job.scenario_name + "\" is too long for Kubernetes: \"" +
                    (longest_pod.size() >= config_map.size() ? longest_pod : config_map) +
                    "\" has " + std::to_string(longest) + " characters, the limit is " +
                    std::to_string(kMaxNameLength) + "; shorten its metadata.name to at most " +
                    std::to_string(fits) + " characters");
  }
}

// Builds the YAML text line by line; every value goes through yaml_scalar.
class Yaml {
 public:
  void line(std::size_t indent, std::string_view text) {
    out_.append(indent, ' ');
    out_.append(text);
    out_ += '\n';
  }
  void entry(std::size_t indent, std::string_view key, std::string_view value) {
    line(indent, std::string(key) + ": " + yaml_scalar(value));
  }
  void item(std::size_t indent, std::string_view value) { line(indent, "- " + yaml_scalar(value)); }
  void text_entry(std::size_t indent, std::string_view key, std::string_view text) {
    out_.append(indent, ' ');
    out_ += yaml_scalar(key) + ":" + yaml_text_value(text, indent);
  }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

void labels(Yaml& yaml, std::size_t indent, const std::string& instance) {
  yaml.line(indent, "labels:");
  yaml.entry(indent + 2, "app.kubernetes.io/name", "mycelium");
  yaml.entry(indent + 2, "app.kubernetes.io/component", "sweep");
  yaml.entry(indent + 2, "app.kubernetes.io/instance", instance);
}

void config_map(Yaml& yaml, const ScenarioBundle& bundle, const K8sSweepJob& job) {
  yaml.line(0, "apiVersion: v1");
  yaml.line(0, "kind: ConfigMap");
  yaml.line(0, "metadata:");
  yaml.entry(2, "name", std::string(kConfigMapPrefix) + job.scenario_name);
  labels(yaml, 2, job.scenario_name);
  yaml.line(0, "data:");
  for (const BundledFile& file : bundle.files)
    yaml.text_entry(2, file.key, file.bytes);
}

void pod_container(Yaml& yaml, const ScenarioBundle& bundle, const K8sSweepJob& job) {
  const std::string shards = std::to_string(job.shards);
  const std::string jobs = std::to_string(job.jobs_per_pod);
  yaml.line(6, "containers:");
  yaml.line(8, "- name: mycelium");
  yaml.entry(10, "image", job.image);
  // A locally built image (docker build, kind load) is used without a registry.
  yaml.entry(10, "imagePullPolicy", "IfNotPresent");
  yaml.line(10, "command:");
  yaml.item(12, "mycelium");
  // Kubernetes expands $(JOB_COMPLETION_INDEX) in args from the env below: no shell needed.
  yaml.line(10, "args:");
  yaml.item(12, "sweep");
  yaml.item(12, std::string(kScenarioMount) + "/" + bundle.files[0].path);
  yaml.item(12, "--shard");
  yaml.item(12, "$(JOB_COMPLETION_INDEX)/" + shards);
  // Not one run per core of the node: the pod gets the CPUs it requests.
  yaml.item(12, "--jobs");
  yaml.item(12, jobs);
  yaml.item(12, "-o");
  yaml.item(12, std::string(kResultsMount) + "/shard-$(JOB_COMPLETION_INDEX).h5");
  yaml.line(10, "env:");
  yaml.line(12, "- name: JOB_COMPLETION_INDEX");
  yaml.line(14, "valueFrom:");
  yaml.line(16, "fieldRef:");
  yaml.entry(18, "fieldPath", "metadata.annotations['batch.kubernetes.io/job-completion-index']");
  yaml.line(10, "resources:");
  yaml.line(12, "requests:");
  yaml.entry(14, "cpu", jobs);
  yaml.entry(14, "memory", std::to_string(job.jobs_per_pod * kMemoryRequestPerRunMi) + "Mi");
  yaml.line(12, "limits:");
  yaml.entry(14, "memory", std::to_string(job.jobs_per_pod * kMemoryLimitPerRunMi) + "Mi");
  yaml.line(10, "securityContext:");
  yaml.line(12, "allowPrivilegeEscalation: false");
  yaml.line(10, "volumeMounts:");
  yaml.line(12, "- name: scenario");
  yaml.entry(14, "mountPath", kScenarioMount);
  yaml.line(14, "readOnly: true");
  // One folder per scenario on the claim, so sweeps of several scenarios can share it.
  yaml.line(12, "- name: results");
  yaml.entry(14, "mountPath", kResultsMount);
  yaml.entry(14, "subPath", job.scenario_name);
}

void pod_volumes(Yaml& yaml, const ScenarioBundle& bundle, const K8sSweepJob& job) {
  yaml.line(6, "volumes:");
  yaml.line(8, "- name: scenario");
  yaml.line(10, "configMap:");
  yaml.entry(12, "name", std::string(kConfigMapPrefix) + job.scenario_name);
  // Each file at the path the scenario names it by, so the scenario's text is unchanged.
  yaml.line(12, "items:");
  for (const BundledFile& file : bundle.files) {
    yaml.line(14, "- key: " + yaml_scalar(file.key));
    yaml.entry(16, "path", file.path);
  }
  yaml.line(8, "- name: results");
  yaml.line(10, "persistentVolumeClaim:");
  yaml.entry(12, "claimName", job.results_claim);
}

void indexed_job(Yaml& yaml, const ScenarioBundle& bundle, const K8sSweepJob& job) {
  const std::string shards = std::to_string(job.shards);
  yaml.line(0, "apiVersion: batch/v1");
  yaml.line(0, "kind: Job");
  yaml.line(0, "metadata:");
  yaml.entry(2, "name", std::string(kJobPrefix) + job.scenario_name);
  labels(yaml, 2, job.scenario_name);
  yaml.line(2, "annotations:");
  yaml.entry(4, "mycelium.network/scenario-digest", job.scenario_digest);
  yaml.entry(4, "mycelium.network/sweep-runs", std::to_string(job.sweep_run_count));
  yaml.line(0, "spec:");
  yaml.line(2, "completionMode: Indexed");
  yaml.line(2, "completions: " + shards);
  yaml.line(2, "parallelism: " + shards);
  yaml.line(2, "backoffLimit: " + std::to_string(kBackoffLimit));
  yaml.line(2, "template:");
  yaml.line(4, "metadata:");
  labels(yaml, 6, job.scenario_name);
  yaml.line(4, "spec:");
  yaml.line(6, "restartPolicy: Never");
  pod_container(yaml, bundle, job);
  pod_volumes(yaml, bundle, job);
}

}  // namespace

std::string k8s_sweep_manifests(const ScenarioBundle& bundle, const K8sSweepJob& job) {
  check_settings(job);
  Yaml yaml;
  yaml.line(0, "# Written by `mycelium sweep --emit k8s-job`: scenario " + job.scenario_name +
                   ", " + std::to_string(job.sweep_run_count) + " runs in " +
                   std::to_string(job.shards) + " shards.");
  yaml.line(0, "# Needs the image " + job.image +
                   " (mycelium on its PATH) and the "
                   "PersistentVolumeClaim " +
                   job.results_claim + "; see docs/cli.md.");
  yaml.line(0, "---");
  config_map(yaml, bundle, job);
  yaml.line(0, "---");
  indexed_job(yaml, bundle, job);
  return yaml.str();
}

}  // namespace mycelium::cli
