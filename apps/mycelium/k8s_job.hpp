#pragma once
// `mycelium sweep --emit k8s-job`: the manifests that run every shard of a sweep on a Kubernetes
// cluster, as one multi-document YAML stream: a ConfigMap holding the scenario and the files it
// names, and an Indexed Job whose pod with completion index i runs `mycelium sweep --shard i/n`
// and writes its shard file to a PersistentVolumeClaim. docs/cli.md tells how to collect and
// merge the shard files.

#include <cstdint>
#include <string>

#include <apps/mycelium/scenario_bundle.hpp>

namespace mycelium::cli {

inline constexpr const char* kDefaultImage = "mycelium:latest";
inline constexpr const char* kDefaultResultsClaim = "mycelium-results";
// Kubernetes refuses an Indexed Job with more completions.
inline constexpr std::uint64_t kMaxIndexedCompletions = 100000;

struct K8sSweepJob {
  std::string scenario_name;    // metadata.name of the scenario: a DNS label
  std::string scenario_digest;  // annotated on the Job, to match the shard files against
  std::uint64_t sweep_run_count = 0;
  std::uint64_t shards = 1;        // completions, 1 .. kMaxIndexedCompletions
  std::string image;               // holds `mycelium` on its PATH
  std::string results_claim;       // PersistentVolumeClaim the shard files go to
  std::uint64_t jobs_per_pod = 1;  // `-j` of each shard, and the CPUs each pod requests
};

// The ConfigMap and the Job. Throws UserError for what Kubernetes would refuse: a name longer
// than 63 characters (with the pods' index suffix), a claim name or image that is not valid.
std::string k8s_sweep_manifests(const ScenarioBundle& bundle, const K8sSweepJob& job);

}  // namespace mycelium::cli
