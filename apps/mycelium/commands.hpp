#pragma once
// One function per `mycelium` subcommand. Each returns the process exit code:
// 0 success, 2 user error (bad input, reported on stderr). Internal errors are exceptions.

#include <string>
#include <vector>

namespace mycelium::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternalError = 1;
inline constexpr int kExitUserError = 2;

// Manifests are hand-written; the core refuses larger ones too.
inline constexpr std::size_t kMaxInputBytes = 4U << 20;

struct ValidateOptions {
  std::vector<std::string> files;
  bool quiet = false;  // print nothing on success
};
int run_validate(const ValidateOptions& options);

struct RecommendOptions {
  std::string application_file;
  std::string output_file;  // empty: manifest to stdout after the rationale as YAML comments
};
int run_recommend(const RecommendOptions& options);

int run_version();

struct DeployOptions {
  std::string file;                     // manifests (YAML, multi-document)
  bool dry_run = false;                 // print the objects instead of applying them
  std::string dry_run_mode = "render";  // --dry-run[=render]
  std::string namespace_;               // default: the manifest's, else "default"
  std::string context;                  // kubeconfig context (default: its current-context)
  std::string kubeconfig;               // default: $KUBECONFIG's first file, else ~/.kube/config
  std::string image;                    // the application's container image
  std::string agent_image;              // the image holding myceliumd (the Service Spore sidecar)
  bool wait = false;                    // deploy: until every StatefulSet/Deployment has rolled out
  unsigned timeout_s = 300;             // deploy --wait
};
int run_deploy(const DeployOptions& options);
int run_delete(const DeployOptions& options);  // deploy's objects, deleted
int run_status(const DeployOptions& options);  // deploy's objects, as the cluster holds them

// `mycelium agents deploy | delete | status`: myceliumd on every node (a DaemonSet).
struct AgentsOptions {
  std::vector<std::string> nodes;  // NAME=ADDRESS each; none: the cluster's Nodes
  bool dry_run = false;            // deploy: print the objects (needs --node)
  std::string namespace_ = "mycelium-system";
  std::string context;
  std::string kubeconfig;
  std::string agent_image;           // default mycelium:latest
  std::string network = "mycelium";  // the spore network's name
  bool wait = false;                 // deploy: until the DaemonSet has rolled out
  unsigned timeout_s = 300;
};
int run_agents_deploy(const AgentsOptions& options);
int run_agents_delete(const AgentsOptions& options);
int run_agents_status(const AgentsOptions& options);

struct RunOptions {
  std::string scenario_file;
  std::string output_file;  // empty: results/<scenario name>.h5
  unsigned jobs = 0;        // 0: one per CPU core
  bool quiet = false;       // no progress line
};
int run_scenario(const RunOptions& options);

struct CompareOptions {
  std::vector<std::string> files;    // results files (HDF5); their runs are pooled
  std::vector<std::string> by;       // label keys that form a group (default network, workload,
                                     // configuration)
  std::vector<std::string> metrics;  // default slowdown, lag_p99, rpo, pause
  std::string format = "table";      // table | csv | json | markdown
};
int run_compare(const CompareOptions& options);

struct PlotOptions {
  std::string results_file;
  std::string output_dir;  // default plots/<scenario>/
};
int run_plot(const PlotOptions& options);

struct SweepOptions {
  std::string scenario_file;
  std::string shard;          // "i/n", i in 0 .. n-1 (a Kubernetes Indexed Job's completion index)
  std::string output_file;    // default results/<scenario>.shard-<i>-of-<n>.h5
  std::string emit;           // "k8s-job": write a Kubernetes Indexed Job instead of running
  unsigned shards = 0;        // with --emit: how many shards the Job runs
  std::string image;          // with --emit: the container image that holds mycelium
  std::string results_claim;  // with --emit: the PersistentVolumeClaim the shard files go to
  unsigned jobs = 0;
  bool quiet = false;
};
int run_sweep(const SweepOptions& options);

struct MergeOptions {
  std::vector<std::string> shard_files;
  std::string output_file;
};
int run_merge(const MergeOptions& options);

// mycelium vm ...: Endophyte VMs through myceliumd (docs/cli.md, "mycelium vm").
struct VmOptions {
  std::string agent;                 // an agent's admin API, host:port; empty: $MYCELIUM_AGENT,
                                     // else 127.0.0.1:9461. deploy: the primary's
  std::string manifest_file;         // deploy: the EndophyteVM manifest
  std::string name;                  // migrate, delete; status: only this VM
  std::string to;                    // migrate: the target, a node id or a host name
  std::vector<std::string> backups;  // deploy: node ids or host names; empty: selected
  unsigned timeout_s = 300;          // deploy, migrate: how long to wait for each step
  bool json = false;                 // status: JSON instead of a table
  bool force = false;                // migrate: even when forecast not to converge
};
int run_vm_deploy(const VmOptions& options);
int run_vm_status(const VmOptions& options);
int run_vm_migrate(const VmOptions& options);
int run_vm_delete(const VmOptions& options);

// mycelium ssi analyze BINARY: SSI compatibility from a binary's imports (docs/ssi.md).
struct SsiOptions {
  std::string file;      // an ELF binary, or an Application manifest
  std::string app_file;  // --app: the Application the binary belongs to
  bool json = false;
  bool binary_only = false;  // not the libraries it loads
};
int run_ssi_analyze(const SsiOptions& options);

// mycelium ssi assess APP.yaml: each SSI model's predicted cost for an application, from the
// simulated baseline, next to its compatibility verdict (docs/ssi.md).
inline constexpr std::uint32_t kDefaultSsiNodes = 3;  // when neither --nodes nor spec.replicas
struct SsiAssessOptions {
  std::string app_file;
  std::string baseline = "results/ssi-baseline.h5";
  std::string rtt = "0.2ms";  // the LAN profile's round trip
  std::uint32_t nodes = 0;    // 0: the Application's replicas, else kDefaultSsiNodes
  bool json = false;
};
int run_ssi_assess(const SsiAssessOptions& options);

}  // namespace mycelium::cli
