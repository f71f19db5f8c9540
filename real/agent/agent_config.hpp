#pragma once
// myceliumd's configuration file (docs/myceliumd.md), kind AgentConfig: who this node is, where
// it listens, the network it belongs to, the peers it can reach, and the service instances it
// registers. Read with the manifest machinery: every error located by file, line and field, all
// of them in one pass, exit code 2 (the daemon refuses to start on any).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <core/env/node_id.hpp>
#include <core/manifest/diagnostics.hpp>
#include <core/manifest/endomycete_service.hpp>
#include <core/manifest/endophyte_vm.hpp>
#include <core/spore/service_topology.hpp>

namespace mycelium::real {

// Whether `host` is an IPv4 or IPv6 literal (no brackets).
bool is_ip_literal(std::string_view host);
// Whether `host` is a DNS name: dot-separated labels of letters, digits and '-' (not first or
// last), 1 to 63 each, at most 253 in all; an IP literal is not one.
bool is_dns_name(std::string_view host);

struct HostPort {
  std::string host;  // an IPv4 or IPv6 literal; a peer's may be a DNS name (the agent resolves it)
  std::uint16_t port = 0;
  std::string to_string() const;
};

struct AgentPeer {
  NodeId node;
  HostPort address;
  std::string name;  // optional: its host name, for identity: hostname (a node's name)
};

// The replication role of this agent (docs/myceliumd.md, "Replication"): one protected workload,
// whose RAM is a shared memory file. The node named `primary` replicates it to `backups`; each
// backup keeps a replica file the same size, written one committed epoch at a time.
struct AgentReplication {
  std::uint32_t stream = 1;
  std::string memory_file;  // primary: the workload's RAM (must exist); backup: its replica
  std::uint64_t memory_bytes = 0;
  std::uint64_t page_bytes = 4096;
  NodeId primary;
  std::vector<NodeId> backups;
  std::uint32_t connections_per_backup = 2;  // rhizomorph targetCount
  manifest::DistributedRamConfig ram;
  std::chrono::nanoseconds failure_timeout = std::chrono::seconds(1);  // backups: primary gone
  std::chrono::nanoseconds election_window = std::chrono::milliseconds(300);
  // The workload's command line, "{memoryFile}" replaced by memory_file: started by the primary
  // at start and by a promoted backup (on its replica); empty: the workload is started by
  // someone else, and the primary cannot stop it while it reads.
  std::vector<std::string> workload_command;

  bool is_primary(NodeId self) const { return self == primary; }
};

// A boot source a deployed VM names by its spec.vmSpec.osConfig.type: the host's image catalog
// (docs/vm.md, "Deploying VMs through myceliumd"). Direct kernel boot for now.
struct VmImage {
  std::string name;    // what osConfig.type says
  std::string kernel;  // absolute paths, present on every host that may run or back the VM
  std::string initrd;  // empty: none
  std::string cmdline;
};

// spec.vmHost: this host runs Endophyte VMs deployed through the admin API (POST /vms) and keeps
// standbys for them (POST /vms/standby), through libvirt.
struct AgentVmHost {
  std::string uri = "qemu:///system";
  std::string zone;         // failure domain, for zone-diverse backup selection; empty: none
  std::optional<bool> kvm;  // none: kvm where /dev/kvm exists (choose_domain_type), else TCG
  // Where a standby keeps the replica of its guest's device state, one file per VM.
  std::string state_directory = "/dev/shm";
  // Empty: none. Otherwise each guest's serial console is copied to <dir>/<domain>.log.
  std::string serial_log_directory;
  std::vector<VmImage> images;  // at least one, names unique
};

// The image spec.vmSpec.osConfig.type names in the catalog, or null.
const VmImage* find_image(const AgentVmHost& host, const std::string& name);

// The service every agent with spec.vmHost registers through its Service Spore (instance: its
// name; labels: admin, its admin API's address, and zone): how the CLI finds the VM hosts.
inline constexpr std::string_view kVmHostService = "mycelium-vm-host";

// spec.distribution: the distribution strategy this agent runs for the application beside it
// (docs/distribution.md; the application reads the outcome from the admin API). Only
// master-slave so far: master selection by lease among `members`.
struct AgentDistribution {
  manifest::DistributionType strategy = manifest::DistributionType::kMasterSlave;
  std::vector<NodeId> members;  // this node and every peer unless given; this node among them
  std::chrono::nanoseconds lease_duration = std::chrono::seconds(2);
};

struct AgentConfig {
  std::string name;  // metadata.name: the host's name in logs and on /status
  NodeId node;
  HostPort listen;                // spore datagrams and replication lanes (UDP and TCP)
  std::optional<HostPort> admin;  // the HTTP admin API; none: no API
  std::string network_name;
  std::vector<std::uint8_t> network_key;  // >= 16 bytes; empty while network_key_file is unread
  // spec.network.keyFile: where the key is (hex, as spec.network.key), read at start by
  // load_network_key (a Kubernetes Secret's file: docs/kubernetes.md); empty: the key is inline.
  std::string network_key_file;
  bool wan_profile = false;  // membership defaults: LAN or WAN (docs/spore.md)
  std::vector<AgentPeer> peers;
  std::vector<NodeId> seeds;  // peers to join through; none: this node starts the network
  std::vector<spore::ServiceInstanceFields> services;
  std::optional<AgentReplication> replication;
  std::optional<AgentVmHost> vm_host;
  std::optional<AgentDistribution> distribution;
  // spec.emulation: a WAN laid over this agent's outgoing traffic, for tests and experiments
  // (real/env/asio_environment.hpp, LinkEmulation); none by default.
  std::chrono::nanoseconds emulated_delay{};
  double emulated_loss = 0.0;
};

// Whether `node` is one of spec.peers.
bool is_peer(const AgentConfig& config, NodeId node);

struct AgentConfigLoad {
  std::optional<AgentConfig> config;  // set only when there were no errors
  manifest::Diagnostics diagnostics;
};

// `hostname`: this host's name, for spec.identity: hostname and "{hostname}" in instance ids
// (myceliumd passes gethostname's, or --hostname); empty: unknown (those are errors then).
AgentConfigLoad parse_agent_config(std::string_view text, std::string_view file_name,
                                   std::string_view hostname = {});

// Reads spec.network.keyFile into network_key when the config names one: empty on success, else
// what is wrong (the file, and why; never the key).
std::string load_network_key(AgentConfig& config);

}  // namespace mycelium::real
