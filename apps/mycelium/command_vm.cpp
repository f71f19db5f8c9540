// mycelium vm deploy | status | migrate | delete: Endophyte VMs through myceliumd's admin API
// (docs/cli.md, "mycelium vm"). The CLI finds the VM hosts through one agent (the
// mycelium-vm-host instances its Service Spore knows, with their admin addresses), chooses the
// backups with the core's backup selection, and asks each agent for its part: standbys first,
// then the primary, so replication starts before the guest runs.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <apps/mycelium/agent_client.hpp>
#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <core/fnv1a.hpp>
#include <core/manifest/manifest.hpp>
#include <core/placement/backup_selection.hpp>
#include <real/agent/agent_config.hpp>

namespace mycelium::cli {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using real::kVmHostService;

constexpr auto kPollInterval = std::chrono::milliseconds(100);

// One agent that hosts VMs, as the asked agent knows it.
struct VmHost {
  std::uint32_t node = 0;
  std::string name;
  std::string admin;  // host:port of its admin API; empty: it has none
  std::string zone;
  bool alive = false;
};

struct Cluster {
  std::uint32_t asked_node = 0;  // the agent the CLI asked
  std::vector<VmHost> hosts;     // by node id

  const VmHost* find(std::uint32_t node) const {
    const auto it = std::find_if(hosts.begin(), hosts.end(),
                                 [node](const VmHost& host) { return host.node == node; });
    return it == hosts.end() ? nullptr : &*it;
  }
  // A node id or a host name.
  const VmHost* find(const std::string& node_or_name) const {
    for (const VmHost& host : hosts) {
      if (host.name == node_or_name || std::to_string(host.node) == node_or_name) return &host;
    }
    return nullptr;
  }
};

std::string agent_address(const VmOptions& options) {
  if (!options.agent.empty()) return options.agent;
  if (const char* from_environment = std::getenv("MYCELIUM_AGENT");
      from_environment && *from_environment)
    return from_environment;
  return "127.0.0.1:9461";
}

Cluster discover(const std::string& agent) {
  Cluster cluster;
  cluster.asked_node = agent_get_json(agent, "/status").at("node").get<std::uint32_t>();
  std::map<std::uint32_t, bool> alive;
  for (const json& member : agent_get_json(agent, "/members")) {
    const std::string state = member.at("state").get<std::string>();
    alive[member.at("node").get<std::uint32_t>()] = state == "alive" || state == "suspect";
  }
  for (const json& instance : agent_get_json(agent, "/services")) {
    if (instance.at("service") != kVmHostService) continue;
    VmHost host;
    host.node = instance.at("owner").get<std::uint32_t>();
    host.name = instance.at("instance_id").get<std::string>();
    const json& labels = instance.at("labels");
    host.admin = labels.value("admin", "");
    host.zone = labels.value("zone", "");
    host.alive = alive[host.node];
    cluster.hosts.push_back(std::move(host));
  }
  std::sort(cluster.hosts.begin(), cluster.hosts.end(),
            [](const VmHost& a, const VmHost& b) { return a.node < b.node; });
  if (!cluster.find(cluster.asked_node)) {
    throw UserError("agent " + agent + " (node " + std::to_string(cluster.asked_node) +
                    ") hosts no VMs: its config has no spec.vmHost");
  }
  return cluster;
}

// The VMs a host reports (GET /vms), or nothing when it cannot be asked.
std::optional<json> vms_of(const VmHost& host) {
  if (host.admin.empty() || !host.alive) return std::nullopt;
  try {
    return agent_get_json(host.admin, "/vms");
  } catch (const AgentUnreachable&) {
    return std::nullopt;
  }
}

// The entry for VM `name` on `host`, if it has it.
std::optional<json> vm_on(const VmHost& host, const std::string& name) {
  const auto vms = vms_of(host);
  if (!vms) return std::nullopt;
  for (const json& vm : *vms) {
    if (vm.at("name") == name) return vm;
  }
  return std::nullopt;
}

// Polls `host` until its entry for `name` satisfies `done` (or `limit` passes): the entry.
template <typename Done>
std::optional<json> wait_for(const VmHost& host, const std::string& name, Clock::duration limit,
                             Done done) {
  const Clock::time_point deadline = Clock::now() + limit;
  while (true) {
    const auto vm = vm_on(host, name);
    if (vm && done(*vm)) return vm;
    if (Clock::now() >= deadline) return vm;
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string describe(const VmHost& host) {
  return "node " + std::to_string(host.node) + " (" + host.name +
         (host.zone.empty() ? "" : ", zone " + host.zone) + ")";
}

// A stream id both ends agree on without asking anyone: from the VM's name (64-bit FNV-1a
// folded to 32 bits), never 0.
std::uint32_t stream_for(const std::string& name) {
  const std::uint64_t hash = fnv1a_64(name);
  const auto folded = static_cast<std::uint32_t>(hash ^ (hash >> 32));
  return folded == 0 ? 1 : folded;
}

manifest::EndophyteVM read_vm_manifest(const std::string& file, std::string& text) {
  text = read_text_file(file, kMaxInputBytes);
  const manifest::LoadResult loaded = manifest::load_manifests(text, file);
  if (!loaded.ok()) throw UserError(loaded.diagnostics.format());
  std::vector<manifest::EndophyteVM> vms;
  for (const manifest::LoadedObject& object : loaded.objects) {
    if (const auto* vm = std::get_if<manifest::EndophyteVM>(&object.object)) vms.push_back(*vm);
  }
  if (vms.size() != 1 || loaded.objects.size() != 1)
    throw UserError(file + ": expected exactly one document, of kind EndophyteVM");
  return vms.front();
}

// Removes what a failed deploy made, quietly: best effort.
void roll_back(const std::vector<const VmHost*>& made, const std::string& name) {
  for (const VmHost* host : made) {
    try {
      agent_request(host->admin, "POST", "/vms/" + name + "/delete");
    } catch (const AgentUnreachable&) {
    }
  }
}

// "2%2C3": node ids separated by commas, escaped for a query (the agent's parser is strict).
std::string node_list(const std::vector<std::uint32_t>& nodes) {
  std::string list;
  for (const std::uint32_t node : nodes)
    list += (list.empty() ? "" : "%2C") + std::to_string(node);
  return list;
}

// The round trip from `primary` to each of `targets`, measured by the primary's agent (POST
// /rtt, the core's RttProbe: 5 pings each), nullopt for a node that did not answer. Empty, with
// a warning, when the agent cannot measure: the selection then falls back to node order.
std::map<std::uint32_t, std::optional<Duration>> measure_round_trips(
    const VmHost& primary, const std::vector<std::uint32_t>& targets) {
  std::map<std::uint32_t, std::optional<Duration>> measured;
  if (targets.empty()) return measured;
  const auto warn = [&](const std::string& why) {
    std::cerr << "mycelium vm deploy: no round trips from " << describe(primary) << " (" << why
              << "): latency criteria fall back to node order\n";
    return std::map<std::uint32_t, std::optional<Duration>>{};
  };
  try {
    const AgentReply started =
        agent_request(primary.admin, "POST", "/rtt?targets=" + node_list(targets));
    if (started.status != 202) return warn(std::to_string(started.status) + " " + started.body);
    // The probe takes 5 x 20 ms, or 1 s more while a target does not answer.
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(5);
    while (true) {
      const nlohmann::json answer = agent_get_json(primary.admin, "/rtt");
      if (answer.at("state") == "done") {
        for (const nlohmann::json& result : answer.at("results")) {
          const nlohmann::json& rtt_ms = result.at("rtt_ms");
          measured[result.at("node").get<std::uint32_t>()] =
              rtt_ms.is_null()
                  ? std::nullopt
                  : std::optional<Duration>(std::chrono::duration_cast<Duration>(
                        std::chrono::duration<double, std::milli>(rtt_ms.get<double>())));
        }
        return measured;
      }
      if (Clock::now() >= deadline) return warn("the measurement did not finish within 5 s");
      std::this_thread::sleep_for(kPollInterval);
    }
  } catch (const AgentUnreachable& failure) {
    return warn(failure.what());
  } catch (const nlohmann::json::exception& failure) {
    return warn(std::string("a malformed answer: ") + failure.what());
  }
}

std::vector<const VmHost*> choose_backups(const Cluster& cluster, const VmHost& primary,
                                          const manifest::EndophyteVM& vm,
                                          const VmOptions& options) {
  std::vector<const VmHost*> chosen;
  if (!options.backups.empty()) {
    for (const std::string& wanted : options.backups) {
      const VmHost* host = cluster.find(wanted);
      if (!host) throw UserError("--backups: no VM host " + wanted + " in the network");
      if (host == &primary) throw UserError("--backups: " + wanted + " is the primary");
      if (!host->alive) throw UserError("--backups: " + describe(*host) + " is not alive");
      if (std::find(chosen.begin(), chosen.end(), host) != chosen.end())
        throw UserError("--backups: " + wanted + " is listed twice");
      chosen.push_back(host);
    }
    return chosen;
  }
  // The core's selection over the live VM hosts that have no VM yet (one VM per agent for now),
  // with the round trips the primary's agent measures to them. No bandwidth measurement:
  // bandwidth-optimized falls back to node order.
  std::vector<placement::Candidate> candidates;
  std::vector<std::uint32_t> free_hosts;
  for (const VmHost& host : cluster.hosts) {
    if (&host == &primary) continue;
    placement::Candidate candidate;
    candidate.node = NodeId{host.node};
    candidate.zone = host.zone;
    candidate.alive = host.alive && !host.admin.empty();
    const auto vms = vms_of(host);
    if (!vms || !vms->empty()) candidate.alive = false;  // unreachable, or busy
    candidate.free_memory_bytes = std::numeric_limits<std::uint64_t>::max();
    if (candidate.alive) free_hosts.push_back(host.node);
    candidates.push_back(candidate);
  }
  const auto round_trips = measure_round_trips(primary, free_hosts);
  if (!round_trips.empty()) {
    std::cout << "round trips from " << describe(primary) << ":";
    for (placement::Candidate& candidate : candidates) {
      if (!candidate.alive) continue;
      const auto it = round_trips.find(candidate.node.value);
      if (it == round_trips.end() || !it->second) {
        candidate.alive = false;  // free, but it did not answer the probes
        std::cout << " node " << candidate.node.value << " no answer";
        continue;
      }
      candidate.rtt = *it->second;
      std::cout << " node " << candidate.node.value << " " << std::fixed << std::setprecision(2)
                << to_seconds(candidate.rtt) * 1e3 << " ms";
    }
    std::cout << std::defaultfloat << "\n";
  }
  const placement::Primary primary_node{NodeId{primary.node}, primary.zone,
                                        vm.vm_spec.memory_bytes};
  const std::size_t count = vm.backup_strategy.node_count;
  const placement::Selection selection = placement::select_backups(
      primary_node, candidates, count, vm.backup_strategy.selection_criteria);
  if (selection.fewer_than_requested) {
    // Name what the asked agent knows: right after agents start, membership can be complete
    // while the VM hosts' registrations are still spreading.
    throw UserError("spec.backupStrategy.nodeCount is " + std::to_string(count) + " but only " +
                    std::to_string(selection.backups.size()) + " of the " +
                    std::to_string(candidates.size()) + " other VM hosts node " +
                    std::to_string(cluster.asked_node) +
                    " knows are alive, reachable and free (one VM per agent for now)");
  }
  for (const std::string& warning : selection.warnings)
    std::cerr << "mycelium vm deploy: " << warning << "\n";
  for (const placement::Choice& choice : selection.backups)
    chosen.push_back(cluster.find(choice.node.value));
  return chosen;
}

// An agent's answer, for a message: status and body without its final newline.
std::string answer_text(const AgentReply& reply) {
  std::string body = reply.body;
  while (!body.empty() && (body.back() == '\n' || body.back() == ' '))
    body.pop_back();
  return std::to_string(reply.status) + " " + body;
}

}  // namespace

int run_vm_deploy(const VmOptions& options) {
  std::cout << std::unitbuf;  // progress lines in order with the errors on stderr
  std::string text;
  const manifest::EndophyteVM vm = read_vm_manifest(options.manifest_file, text);
  const std::string& name = vm.metadata.name;
  const std::string agent = agent_address(options);
  const Cluster cluster = discover(agent);
  const VmHost& primary = *cluster.find(cluster.asked_node);
  const std::vector<const VmHost*> backups = choose_backups(cluster, primary, vm, options);
  const std::uint32_t stream = stream_for(name);
  std::vector<std::uint32_t> backup_ids;
  for (const VmHost* backup : backups)
    backup_ids.push_back(backup->node);
  const std::string backup_list = node_list(backup_ids);
  const auto limit = std::chrono::seconds(options.timeout_s);
  std::cout << "deploying " << name << " (" << (vm.vm_spec.memory_bytes >> 20) << " MiB, "
            << vm.vm_spec.cpu_cores << " vCPUs) on " << describe(primary) << ", backups:";
  for (const VmHost* backup : backups)
    std::cout << " " << describe(*backup);
  std::cout << "\n";

  // 1. A standby on every backup, ready before the primary sends its first epoch.
  std::vector<const VmHost*> made;
  const auto give_up = [&](const std::string& why) {
    roll_back(made, name);
    std::cerr << "mycelium vm deploy: " << why << "; nothing is left deployed\n";
    return kExitInternalError;
  };
  const Clock::time_point start = Clock::now();
  for (const VmHost* backup : backups) {
    const AgentReply reply =
        agent_request(backup->admin, "POST",
                      "/vms/standby?stream=" + std::to_string(stream) +
                          "&primary=" + std::to_string(primary.node) + "&backups=" + backup_list,
                      text);
    if (!reply.ok()) {
      return give_up(describe(*backup) + " refused the standby: " + answer_text(reply));
    }
    made.push_back(backup);
  }
  for (const VmHost* backup : backups) {
    const auto vm_state = wait_for(
        *backup, name, limit, [](const json& entry) { return entry.at("state") != "starting"; });
    if (!vm_state || vm_state->at("state") != "standby") {
      return give_up(describe(*backup) + ": the standby did not start: " +
                     (vm_state ? vm_state->value("error", json()).dump() : "no answer"));
    }
    std::cout << "  standby " << vm_state->at("domain").get<std::string>() << " ready on "
              << describe(*backup) << "\n";
  }
  // 2. The primary: replication first, then the guest runs.
  const AgentReply reply =
      agent_request(primary.admin, "POST",
                    "/vms?stream=" + std::to_string(stream) + "&backups=" + backup_list, text);
  if (!reply.ok()) {
    return give_up(describe(primary) + " refused the VM: " + answer_text(reply));
  }
  made.push_back(&primary);
  const auto running = wait_for(primary, name, limit,
                                [](const json& entry) { return entry.at("state") != "starting"; });
  if (!running || running->at("state") != "running") {
    return give_up(describe(primary) + ": the VM did not start: " +
                   (running ? running->value("error", json()).dump() : "no answer"));
  }
  const Clock::time_point started = Clock::now();
  // 3. The initial sync: the first committed epoch holds the whole image on every backup.
  const auto synced = wait_for(primary, name, limit, [](const json& entry) {
    const json& replication = entry.at("replication");
    return replication.is_object() && replication.value("last_committed", 0) > 0;
  });
  if (!synced || !synced->at("replication").is_object() ||
      synced->at("replication").value("last_committed", 0) == 0) {
    std::cerr << "mycelium vm deploy: " << name << " runs on " << describe(primary)
              << " but no epoch committed within " << options.timeout_s
              << " s; see mycelium vm status\n";
    return kExitInternalError;
  }
  const auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  std::cout << std::fixed << std::setprecision(1) << "deployed " << name << ": domain "
            << running->at("domain").get<std::string>() << " running on " << describe(primary)
            << " after " << seconds(started - start) << " s; first epoch committed to every backup "
            << seconds(Clock::now() - started) << " s later (stream " << stream << ")\n";
  return kExitOk;
}

int run_vm_status(const VmOptions& options) {
  std::cout << std::unitbuf;  // progress lines in order with the errors on stderr
  const Cluster cluster = discover(agent_address(options));
  json all = json::array();
  std::ostringstream table;
  table << std::left << std::setw(16) << "VM" << std::setw(6) << "NODE" << std::setw(16) << "HOST"
        << std::setw(9) << "ROLE" << std::setw(10) << "STATE" << std::setw(26) << "DOMAIN"
        << "REPLICATION\n";
  for (const VmHost& host : cluster.hosts) {
    const auto vms = vms_of(host);
    if (!vms) {
      table << std::setw(16) << "?" << std::setw(6) << host.node << std::setw(16) << host.name
            << (host.alive ? "unreachable" : "not alive") << "\n";
      continue;
    }
    for (json vm : *vms) {
      if (!options.name.empty() && vm.at("name") != options.name) continue;
      std::string replication;
      const json& role = vm.at("replication");
      if (vm.at("state") == "failed") {
        replication = vm.at("error").get<std::string>();
      } else if (role.is_object() && role.at("role") == "primary") {
        std::ostringstream line;
        line << "committed " << role.value("last_committed", 0) << ", buffer " << std::fixed
             << std::setprecision(2) << role.value("buffer_level", 0.0) << ", throttle "
             << role.value("throttle_intensity", 0.0);
        const json& migration = role.at("migration");
        if (migration.is_object()) {
          line << ", migration " << migration.at("state").get<std::string>();
          if (migration.contains("blackout_s"))
            line << " (blackout on the protocol clock " << std::setprecision(0)
                 << migration.at("blackout_s").get<double>() * 1e3 << " ms)";
        }
        replication = line.str();
      } else if (role.is_object()) {
        replication = "applied " + std::to_string(role.value("applied_through", 0)) +
                      ", failover " + role.value("failover", std::string());
      }
      table << std::setw(16) << vm.at("name").get<std::string>() << std::setw(6) << host.node
            << std::setw(16) << host.name << std::setw(9) << vm.at("role").get<std::string>()
            << std::setw(10) << vm.at("state").get<std::string>() << std::setw(26)
            << vm.at("domain").get<std::string>() << replication << "\n";
      vm["host"] = host.name;
      all.push_back(std::move(vm));
    }
  }
  if (options.json) {
    std::cout << all.dump(2) << "\n";
  } else {
    std::cout << table.str();
  }
  if (!options.name.empty() && all.empty()) {
    std::cerr << "mycelium vm status: no VM named " << options.name << "\n";
    return kExitUserError;
  }
  return kExitOk;
}

int run_vm_migrate(const VmOptions& options) {
  std::cout << std::unitbuf;  // progress lines in order with the errors on stderr
  const Cluster cluster = discover(agent_address(options));
  const VmHost* target = cluster.find(options.to);
  if (!target) throw UserError("--to: no VM host " + options.to + " in the network");
  const VmHost* source = nullptr;
  json forecast;
  for (const VmHost& host : cluster.hosts) {
    const auto vm = vm_on(host, options.name);
    if (vm && vm->at("role") == "primary" && vm->at("state") == "running") {
      source = &host;
      forecast = vm->value("migration_forecast", json());
    }
  }
  if (!source) throw UserError("no running VM named " + options.name + " (mycelium vm status)");
  if (forecast.is_object())
    std::cout << "forecast from the guest's dirty rate: "
              << forecast.at("reason").get<std::string>() << "\n";
  const AgentReply reply =
      agent_request(source->admin, "POST",
                    "/vms/" + options.name + "/migrate?to=" + std::to_string(target->node) +
                        (options.force ? "&force=1" : ""));
  if (!reply.ok()) {
    std::cerr << "mycelium vm migrate: " << describe(*source) << " refused: " << answer_text(reply)
              << "\n";
    return reply.status == 409 || reply.status == 400 ? kExitUserError : kExitInternalError;
  }
  std::cout << "migrating " << options.name << " from " << describe(*source) << " to "
            << describe(*target) << "\n";
  const auto limit = std::chrono::seconds(options.timeout_s);
  const auto finished = wait_for(*source, options.name, limit, [](const json& entry) {
    const json& role = entry.at("replication");
    return role.is_object() && role.at("migration").is_object() &&
           role.at("migration").at("state") != "running";
  });
  const json migration = finished ? finished->at("replication").at("migration") : json();
  if (!migration.is_object() || migration.at("state") == "running") {
    std::cerr << "mycelium vm migrate: not finished within " << options.timeout_s << " s\n";
    return kExitInternalError;
  }
  if (migration.at("state") != "completed") {
    std::cerr << "mycelium vm migrate: aborted: " << migration.at("abort_reason").get<std::string>()
              << "; " << options.name << " runs on " << describe(*source) << " still\n";
    return kExitInternalError;
  }
  const auto resumed = wait_for(*target, options.name, limit,
                                [](const json& entry) { return entry.at("state") == "running"; });
  if (!resumed) {
    std::cerr << "mycelium vm migrate: " << describe(*target) << " did not resume the VM\n";
    return kExitInternalError;
  }
  // The blackout the guest saw: from the source's pause to the guest running on the target, on
  // the two agents' wall clocks (the same host's here; NTP-close across hosts).
  const json& target_role = resumed->at("replication");
  double blackout_ms = migration.at("blackout_s").get<double>() * 1e3;
  std::string measured_as = "protocol clock";
  if (migration.value("paused_at_unix_s", json()).is_number() &&
      target_role.value("workload_running_at_unix_s", json()).is_number()) {
    blackout_ms = (target_role.at("workload_running_at_unix_s").get<double>() -
                   migration.at("paused_at_unix_s").get<double>()) *
                  1e3;
    measured_as = "source paused to target running";
  }
  std::cout << std::fixed << std::setprecision(1) << "migrated " << options.name << " to "
            << describe(*target) << ": final epoch "
            << migration.at("final_epoch").get<std::uint64_t>() << ", "
            << migration.at("duration_s").get<double>() << " s in all, blackout " << blackout_ms
            << " ms (" << measured_as << "); domain " << resumed->at("domain").get<std::string>()
            << " " << target_role.value("domain_state", std::string("?")) << "\n";
  return kExitOk;
}

int run_vm_delete(const VmOptions& options) {
  std::cout << std::unitbuf;  // progress lines in order with the errors on stderr
  const Cluster cluster = discover(agent_address(options));
  int removed = 0;
  for (const VmHost& host : cluster.hosts) {
    if (!vm_on(host, options.name)) continue;
    const AgentReply reply = agent_request(host.admin, "POST", "/vms/" + options.name + "/delete");
    if (!reply.ok()) {
      std::cerr << "mycelium vm delete: " << describe(host) << ": " << answer_text(reply) << "\n";
      return kExitInternalError;
    }
    std::cout << "removed " << options.name << " from " << describe(host) << "\n";
    ++removed;
  }
  if (removed == 0) {
    std::cerr << "mycelium vm delete: no VM named " << options.name << "\n";
    return kExitUserError;
  }
  return kExitOk;
}

}  // namespace mycelium::cli
