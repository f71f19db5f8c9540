// mycelium: the command line of the framework. Exit codes: 0 success, 1 internal error,
// 2 user error (bad arguments or input), each with a message and never a stack trace.

#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include <apps/mycelium/agent_client.hpp>
#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <core/manifest/did_you_mean.hpp>

namespace {

std::string join(const std::vector<std::string_view>& words) {
  std::string text;
  for (std::string_view word : words)
    text += (text.empty() ? "" : ", ") + std::string(word);
  return text;
}

int run(int argc, char** argv) {
  using namespace mycelium::cli;
  CLI::App app{"Mycelium: fault-tolerant applications on a decentralized cluster, simulation first",
               "mycelium"};
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 success, 1 internal error, 2 user error.\n"
      "Documentation: docs/cli.md, docs/manifests.md");

  ValidateOptions validate;
  CLI::App* validate_command =
      app.add_subcommand("validate",
                         "Check manifests (EndomyceteService, EndophyteVM, Application); "
                         "report every error as file:line:col: field: expected");
  validate_command->add_option("files", validate.files, "Manifest files (YAML, multi-document)")
      ->required();
  validate_command->add_flag("-q,--quiet", validate.quiet, "Print only errors");

  DeployOptions deploy;
  // The options deploy, delete and status share: which manifest, which cluster, how rendered.
  const auto cluster_options = [](CLI::App* command, DeployOptions& options) {
    command->add_option("file", options.file, "Manifest file (YAML, multi-document)")->required();
    command->add_option("-n,--namespace", options.namespace_,
                        "Namespace (default: the manifest's metadata.namespace, else the "
                        "context's, else default)");
    command->add_option("--context", options.context, "kubeconfig context (default: current)");
    command->add_option("--kubeconfig", options.kubeconfig,
                        "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)");
    command->add_option("--image", options.image,
                        "The application's container image (default <name>:latest)");
    command->add_option("--agent-image", options.agent_image,
                        "Container image holding myceliumd, for the Service Spore sidecars "
                        "(default mycelium:latest)");
  };
  CLI::App* deploy_command = app.add_subcommand(
      "deploy",
      "Turn EndomyceteService manifests into Kubernetes objects (StatefulSets, headless "
      "Services, PodDisruptionBudgets, Service Spore sidecars) and apply them (server-side "
      "apply); --dry-run prints them");
  cluster_options(deploy_command, deploy);
  deploy_command
      ->add_option_function<std::string>(
          "--dry-run",
          [&deploy](const std::string& mode) {
            deploy.dry_run = true;
            deploy.dry_run_mode = mode.empty() ? "render" : mode;
          },
          "Print the objects as YAML instead of applying them (render: rendered here)")
      ->expected(0, 1)
      ->default_str("render");
  deploy_command->add_flag("--wait", deploy.wait,
                           "Wait until every StatefulSet and Deployment has rolled out");
  deploy_command->add_option("--timeout", deploy.timeout_s, "Seconds --wait waits (default 300)")
      ->check(CLI::Range(1U, 86400U));
  DeployOptions delete_options;
  CLI::App* delete_command =
      app.add_subcommand("delete", "Delete the Kubernetes objects `mycelium deploy` applied");
  cluster_options(delete_command, delete_options);
  DeployOptions status_options;
  CLI::App* status_command = app.add_subcommand(
      "status",
      "The rollout state of the objects `mycelium deploy` applied, as the cluster holds them");
  cluster_options(status_command, status_options);

  AgentsOptions agents_deploy;
  AgentsOptions agents_delete;
  AgentsOptions agents_status;
  CLI::App* agents_command = app.add_subcommand(
      "agents", "myceliumd on every node of a Kubernetes cluster, as a DaemonSet");
  agents_command->require_subcommand(1);
  const auto agents_options = [](CLI::App* command, AgentsOptions& options) {
    command->add_option("--node", options.nodes,
                        "A node as NAME=ADDRESS (its Node name and IP address), repeatable "
                        "(default: the cluster's Nodes and their InternalIP)");
    command->add_option("-n,--namespace", options.namespace_,
                        "Namespace of the agents (default mycelium-system)");
    command->add_option("--context", options.context, "kubeconfig context (default: current)");
    command->add_option("--kubeconfig", options.kubeconfig,
                        "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)");
    command->add_option("--agent-image", options.agent_image,
                        "Container image holding myceliumd (default mycelium:latest)");
    command->add_option("--network", options.network,
                        "The agents' spore network name (default mycelium)");
  };
  CLI::App* agents_deploy_command = agents_command->add_subcommand(
      "deploy",
      "Render and apply the node agents: Namespace, ServiceAccount (no token, no role), "
      "ConfigMap, DaemonSet; --dry-run prints them");
  agents_options(agents_deploy_command, agents_deploy);
  agents_deploy_command->add_flag("--dry-run", agents_deploy.dry_run,
                                  "Print the objects as YAML instead of applying them (needs "
                                  "--node)");
  agents_deploy_command->add_flag("--wait", agents_deploy.wait,
                                  "Wait until the DaemonSet has rolled out on every node");
  agents_deploy_command
      ->add_option("--timeout", agents_deploy.timeout_s, "Seconds --wait waits (default 300)")
      ->check(CLI::Range(1U, 86400U));
  CLI::App* agents_delete_command = agents_command->add_subcommand(
      "delete", "Delete the node agents' objects (the Namespace stays)");
  agents_options(agents_delete_command, agents_delete);
  CLI::App* agents_status_command = agents_command->add_subcommand(
      "status", "The node agents' objects as the cluster holds them, with the rollout");
  agents_options(agents_status_command, agents_status);

  RecommendOptions recommend;
  CLI::App* recommend_command = app.add_subcommand(
      "recommend",
      "Recommend a deployment model (Endomycete, Endophyte, StandardKubernetes) for an "
      "Application description, with its rationale and a generated manifest");
  recommend_command
      ->add_option("application", recommend.application_file,
                   "Application description (YAML, kind: Application)")
      ->required();
  recommend_command->add_option("-o,--output", recommend.output_file,
                                "Write the generated manifest here (atomically) instead of stdout");

  RunOptions run_options;
  CLI::App* run_command = app.add_subcommand(
      "run",
      "Run a replication scenario in the simulator: every network x workload x configuration x "
      "seed, one process per run; write the results (HDF5) and print the ranked summary");
  run_command
      ->add_option("scenario", run_options.scenario_file, "Scenario file (YAML, kind: Scenario)")
      ->required();
  run_command->add_option("-o,--output", run_options.output_file,
                          "Results file (default results/<scenario>.h5), written atomically");
  run_command->add_option("-j,--jobs", run_options.jobs,
                          "Runs in parallel (default: one per CPU core)");
  run_command->add_flag("-q,--quiet", run_options.quiet, "No progress line");

  CompareOptions compare;
  CLI::App* compare_command = app.add_subcommand(
      "compare",
      "Compare configurations across results files: group runs, aggregate over seeds (mean and "
      "95 % confidence interval), mark the Pareto-optimal ones and rank them");
  compare_command->add_option("results", compare.files, "Results files (HDF5)")->required();
  compare_command
      ->add_option("--by", compare.by,
                   "Label keys that define a configuration (default: network,workload,"
                   "configuration)")
      ->delimiter(',');
  compare_command
      ->add_option("--metric", compare.metrics,
                   "Metrics to show (default: slowdown,lag_p99,rpo,pause; any summary metric "
                   "name is accepted)")
      ->delimiter(',');
  compare_command->add_option("--format", compare.format, "table, csv, json or markdown")
      ->check(CLI::IsMember({"table", "csv", "json", "markdown"}));

  PlotOptions plot;
  CLI::App* plot_command = app.add_subcommand(
      "plot", "Draw a results file's plots (PNG): time series, throttling curves, trade-offs");
  plot_command->add_option("results", plot.results_file, "Results file (HDF5)")->required();
  plot_command->add_option("-o,--output", plot.output_dir,
                           "Folder for the PNG files (default plots/<scenario>)");

  SweepOptions sweep;
  CLI::App* sweep_command = app.add_subcommand(
      "sweep",
      "Run one shard of a scenario's sweep (--shard i/n), or write a Kubernetes Indexed Job "
      "that runs every shard on a cluster (--emit k8s-job)");
  sweep_command->add_option("scenario", sweep.scenario_file, "Scenario file (YAML)")->required();
  sweep_command->add_option("--shard", sweep.shard,
                            "This shard, i/n with i from 0 to n-1: runs i, i+n, i+2n, ...");
  sweep_command->add_option("-o,--output", sweep.output_file,
                            "Shard results file, or the Job manifest with --emit");
  sweep_command->add_option("--emit", sweep.emit, "Write a manifest instead of running")
      ->check(CLI::IsMember({"k8s-job"}));
  sweep_command->add_option("--shards", sweep.shards, "With --emit: number of shards");
  sweep_command->add_option("--image", sweep.image,
                            "With --emit: container image that provides mycelium");
  sweep_command->add_option("--results-claim", sweep.results_claim,
                            "With --emit: PersistentVolumeClaim for the shard files");
  sweep_command->add_option("-j,--jobs", sweep.jobs,
                            "Runs in parallel (default: one per CPU core)");
  sweep_command->add_flag("-q,--quiet", sweep.quiet, "No progress line");

  MergeOptions merge;
  CLI::App* merge_command = app.add_subcommand(
      "merge", "Join the shard files of one sweep into the results file the unsharded run writes");
  merge_command->add_option("shards", merge.shard_files, "Shard results files")->required();
  merge_command->add_option("-o,--output", merge.output_file, "Merged results file")->required();

  VmOptions vm;
  CLI::App* vm_command = app.add_subcommand(
      "vm", "Endophyte VMs on the myceliumd agents: deploy, status, migrate, delete");
  vm_command->require_subcommand(1);
  const auto agent_option = [&vm](CLI::App* command, const std::string& what) {
    command->add_option("--agent", vm.agent,
                        what + " (host:port; default $MYCELIUM_AGENT, else 127.0.0.1:9461)");
  };
  CLI::App* vm_deploy = vm_command->add_subcommand(
      "deploy",
      "Deploy an EndophyteVM: standbys on the selected backups, then the VM on the agent asked, "
      "replicated from its first write; waits for the first committed epoch");
  vm_deploy->add_option("manifest", vm.manifest_file, "EndophyteVM manifest (YAML)")->required();
  agent_option(vm_deploy, "The agent that runs the VM");
  vm_deploy
      ->add_option("--backups", vm.backups,
                   "Backup hosts, node ids or names (default: chosen by "
                   "spec.backupStrategy among the live VM hosts)")
      ->delimiter(',');
  vm_deploy->add_option("--timeout", vm.timeout_s, "Seconds to wait for each step (default 300)");
  CLI::App* vm_status = vm_command->add_subcommand(
      "status", "Every VM and standby on the VM hosts, with its replication state");
  vm_status->add_option("name", vm.name, "Only this VM");
  agent_option(vm_status, "An agent to find the VM hosts through");
  vm_status->add_flag("--json", vm.json, "JSON instead of a table");
  CLI::App* vm_migrate = vm_command->add_subcommand(
      "migrate",
      "Planned migration to a backup: two-phase convergence, then the switch; prints the "
      "blackout");
  vm_migrate->add_option("name", vm.name, "The VM")->required();
  vm_migrate->add_option("--to", vm.to, "The target: a backup's node id or host name")->required();
  agent_option(vm_migrate, "An agent to find the VM hosts through");
  vm_migrate->add_option("--timeout", vm.timeout_s, "Seconds to wait (default 300)");
  vm_migrate->add_flag("--force", vm.force,
                       "Migrate even when the guest's dirty rate forecasts no convergence");
  CLI::App* vm_delete =
      vm_command->add_subcommand("delete", "Stop a VM and its standbys and forget them");
  vm_delete->add_option("name", vm.name, "The VM")->required();
  agent_option(vm_delete, "An agent to find the VM hosts through");

  SsiOptions ssi;
  CLI::App* ssi_command = app.add_subcommand(
      "ssi", "Single System Image research: how an application fits each SSI model");
  ssi_command->require_subcommand(1);
  CLI::App* ssi_analyze = ssi_command->add_subcommand(
      "analyze",
      "SSI compatibility of a Linux ELF binary (its imports) and/or an Application description");
  ssi_analyze
      ->add_option("target", ssi.file,
                   "A Linux ELF executable or shared library, or an Application manifest")
      ->required();
  ssi_analyze->add_option("--app", ssi.app_file,
                          "The Application manifest the binary belongs to: its hints count too");
  ssi_analyze->add_flag("--json", ssi.json, "JSON instead of tables");
  ssi_analyze->add_flag("--binary-only", ssi.binary_only,
                        "Only the binary's own imports, not those of the libraries it loads");

  SsiAssessOptions assess;
  CLI::App* ssi_assess = ssi_command->add_subcommand(
      "assess",
      "Each SSI model's predicted cost for an Application, from the simulated baseline, next to "
      "its compatibility verdict");
  ssi_assess->add_option("app", assess.app_file, "An Application manifest")->required();
  ssi_assess->add_option("--baseline", assess.baseline,
                         "Results of an SsiBaselineScenario (default results/ssi-baseline.h5, "
                         "from mycelium run scenarios/ssi-baseline.yaml)");
  ssi_assess->add_option("--rtt", assess.rtt,
                         "The round-trip time between the nodes (default 0.2ms, a LAN)");
  ssi_assess->add_option("--nodes", assess.nodes,
                         "Replicas or workers (default: the Application's replicas, else 3)");
  ssi_assess->add_flag("--json", assess.json, "JSON instead of a table");

  CLI::App* version_command = app.add_subcommand(
      "version", "Print the version of mycelium and of the libraries it runs on");

  if (argc <= 1) {
    std::cerr << app.help();
    return kExitUserError;
  }
  // CLI11 reports an unknown command only as "a subcommand is required": name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string_view> commands;
    for (const CLI::App* command : app.get_subcommands({}))
      commands.push_back(command->get_name());
    if (std::find(commands.begin(), commands.end(), argv[1]) == commands.end()) {
      std::cerr << "mycelium: unknown command \"" << argv[1] << "\""
                << mycelium::manifest::did_you_mean_suffix(argv[1], commands)
                << "; expected one of " << join(commands) << " (see mycelium --help)\n";
      return kExitUserError;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);  // prints help, or the error and a hint
    return code == 0 ? kExitOk : kExitUserError;
  }

  if (validate_command->parsed()) return run_validate(validate);
  if (recommend_command->parsed()) return run_recommend(recommend);
  if (deploy_command->parsed()) return run_deploy(deploy);
  if (agents_deploy_command->parsed()) return run_agents_deploy(agents_deploy);
  if (agents_delete_command->parsed()) return run_agents_delete(agents_delete);
  if (agents_status_command->parsed()) return run_agents_status(agents_status);
  if (delete_command->parsed()) return run_delete(delete_options);
  if (status_command->parsed()) return run_status(status_options);
  if (version_command->parsed()) return run_version();
  if (run_command->parsed()) return run_scenario(run_options);
  if (compare_command->parsed()) return run_compare(compare);
  if (plot_command->parsed()) return run_plot(plot);
  if (sweep_command->parsed()) return run_sweep(sweep);
  if (merge_command->parsed()) return run_merge(merge);
  if (vm_deploy->parsed()) return run_vm_deploy(vm);
  if (vm_status->parsed()) return run_vm_status(vm);
  if (vm_migrate->parsed()) return run_vm_migrate(vm);
  if (vm_delete->parsed()) return run_vm_delete(vm);
  if (ssi_analyze->parsed()) return run_ssi_analyze(ssi);
  if (ssi_assess->parsed()) return run_ssi_assess(assess);
  return kExitUserError;  // unreachable: require_subcommand(1)
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const mycelium::cli::AgentUnreachable& error) {
    std::cerr << "mycelium: " << error.what() << '\n';
    return mycelium::cli::kExitInternalError;
  } catch (const mycelium::cli::UserError& error) {
    std::cerr << "mycelium: " << error.what() << '\n';
    return mycelium::cli::kExitUserError;
  } catch (const std::exception& error) {
    std::cerr << "mycelium: internal error: " << error.what() << '\n';
    return mycelium::cli::kExitInternalError;
  }
}
