#include <algorithm>
#include <set>

#include <boost/asio/ip/address.hpp>

#include <core/manifest/envelope.hpp>
#include <core/manifest/parsers.hpp>
#include <core/manifest/yaml_reader.hpp>
#include <core/spore/service_instance.hpp>
#include <real/agent/agent_config.hpp>
#include <real/k8s/k8s_names.hpp>
#include <real/small_file.hpp>

namespace mycelium::real {

using namespace manifest;

namespace {

constexpr std::size_t kMaxPeers = 4096;
constexpr std::size_t kMaxServices = 64;
constexpr std::size_t kMinKeyBytes = 16;
constexpr std::size_t kMaxKeyBytes = 64;
constexpr std::uint32_t kMaxNodeId = NodeId::kInvalidValue - 1;
constexpr std::size_t kMaxBackups = 16;
constexpr std::size_t kMaxArguments = 64;
constexpr std::size_t kMaxArgumentBytes = 4096;
constexpr std::size_t kMaxImages = 64;
constexpr std::string_view kMemoryFilePlaceholder = "{memoryFile}";

enum class Identity { kNodeId, kHostname };
constexpr EnumNames<Identity, 2> kIdentityNames{
    {{{Identity::kNodeId, "node-id"}, {Identity::kHostname, "hostname"}}}};

constexpr std::string_view kHostnamePlaceholder = "{hostname}";

enum class Profile { kLan, kWan };
constexpr EnumNames<Profile, 2> kProfileNames{{{{Profile::kLan, "lan"}, {Profile::kWan, "wan"}}}};

// "10.0.0.1:7200", "[::1]:7200": an IP literal and a port in 1..65535; with `names`, also a DNS
// name ("db-0.db.default.svc.cluster.local:7946"), which the agent resolves (peers only: what
// this agent binds must be an address).
struct HostPortField {
  Reader& reader;
  bool names = false;
  std::string expected() const {
    return names ? "an address host:port (an IP literal or a DNS name, port 1..65535)"
                 : "an address host:port (an IP literal, port 1..65535)";
  }
  std::optional<HostPort> operator()(const YAML::Node& node, const SourceLocation& where,
                                     std::string_view path) const {
    const auto text = StringField{reader}(node, where, path);
    if (!text) return std::nullopt;
    const auto fail = [&] {
      reader.error(where, path, "expected " + expected() + ", got \"" + *text + "\"");
      return std::nullopt;
    };
    const std::size_t colon = text->rfind(':');
    if (colon == std::string::npos || colon + 1 == text->size()) return fail();
    std::string host = text->substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    if (!is_ip_literal(host) && !(names && is_dns_name(host))) return fail();
    const std::string port_text = text->substr(colon + 1);
    if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(),
                                             [](char c) { return c >= '0' && c <= '9'; }))
      return fail();
    const int port = std::stoi(port_text);
    if (port < 1 || port > 65535) return fail();
    return HostPort{host, static_cast<std::uint16_t>(port)};
  }
};

// The network key from its hex text: 32 to 128 hex digits (16 to 64 bytes), else nothing.
std::optional<std::vector<std::uint8_t>> key_from_hex(std::string_view text) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  const bool digits_ok = std::all_of(text.begin(), text.end(), [&](char c) { return hex(c) >= 0; });
  if (!digits_ok || text.size() % 2 != 0 || text.size() < 2 * kMinKeyBytes ||
      text.size() > 2 * kMaxKeyBytes) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> key;
  for (std::size_t i = 0; i < text.size(); i += 2)
    key.push_back(static_cast<std::uint8_t>(hex(text[i]) * 16 + hex(text[i + 1])));
  return key;
}

// The network key as hex: 32 to 128 hex digits (16 to 64 bytes).
struct HexKeyField {
  Reader& reader;
  std::string expected() const { return "32 to 128 hex digits (a key of 16 to 64 bytes)"; }
  std::optional<std::vector<std::uint8_t>> operator()(const YAML::Node& node,
                                                      const SourceLocation& where,
                                                      std::string_view path) const {
    const auto text = StringField{reader}(node, where, path);
    if (!text) return std::nullopt;
    std::optional<std::vector<std::uint8_t>> key = key_from_hex(*text);
    // Never echo a key back: it is a secret.
    if (!key) {
      reader.error(
          where, path,
          "expected " + expected() + ", got " + std::to_string(text->size()) + " characters");
    }
    return key;
  }
};

struct NodeIdField {
  Reader& reader;
  std::string expected() const { return IntegerRange{reader, 0, kMaxNodeId}.expected(); }
  std::optional<NodeId> operator()(const YAML::Node& node, const SourceLocation& where,
                                   std::string_view path) const {
    const auto value = IntegerField<std::uint32_t>{reader, 0, kMaxNodeId}(node, where, path);
    if (!value) return std::nullopt;
    return NodeId{*value};
  }
};

// An absolute path, or an error at `at`.
bool check_absolute(Reader& reader, const SourceLocation& at, const std::string& path,
                    const std::string& value) {
  if (!value.empty() && value.front() == '/') return true;
  reader.error(at, path, "expected an absolute path, got \"" + value + "\"");
  return false;
}

void parse_network(Reader& reader, const MappingReader& spec, AgentConfig& out) {
  const auto network = spec.find("network");
  if (!network) {
    spec.report_missing("network", "a mapping with name and key");
    return;
  }
  MappingReader fields(reader, network->first, "spec.network", network->second,
                       {"name", "key", "keyFile"});
  if (!fields.valid()) return;
  fields.required("name", out.network_name, NameField{reader});
  const bool has_file = fields.find("keyFile").has_value();
  if (has_file && fields.find("key")) {
    reader.error(fields.find("keyFile")->second, "spec.network.keyFile",
                 "expected key or keyFile, not both");
    return;
  }
  if (has_file) {
    if (fields.required("keyFile", out.network_key_file, StringField{reader}))
      check_absolute(reader, fields.find("keyFile")->second, "spec.network.keyFile",
                     out.network_key_file);
  } else {
    fields.required("key", out.network_key, HexKeyField{reader});
  }
}

void parse_peers(Reader& reader, const MappingReader& spec, AgentConfig& out) {
  const auto peers = spec.find("peers");
  if (!peers) return;
  if (!peers->first.IsSequence() || peers->first.size() > kMaxPeers) {
    reader.error(peers->second, "spec.peers",
                 "expected a list of at most " + std::to_string(kMaxPeers) +
                     " peers ({nodeId, address}), got " + describe_node(peers->first));
    return;
  }
  std::set<std::uint32_t> seen{out.node.value};
  for (std::size_t i = 0; i < peers->first.size(); ++i) {
    const YAML::Node item = peers->first[i];
    const std::string path = "spec.peers[" + std::to_string(i) + "]";
    MappingReader peer(reader, item, path, reader.location(item, peers->second),
                       {"nodeId", "name", "address"});
    if (!peer.valid()) continue;
    AgentPeer parsed;
    const bool has_id = peer.required("nodeId", parsed.node, NodeIdField{reader});
    peer.optional("name", parsed.name, NameField{reader});
    const bool has_address = peer.required("address", parsed.address, HostPortField{reader, true});
    if (has_id && !seen.insert(parsed.node.value).second) {
      reader.error(peer.find("nodeId")->second, path + ".nodeId",
                   "node " + std::to_string(parsed.node.value) +
                       (parsed.node == out.node ? " is this node itself" : " is listed twice"));
      continue;
    }
    if (has_id && has_address) out.peers.push_back(parsed);
  }
}

// spec.identity: hostname (a pod of a StatefulSet, or a node agent of the DaemonSet,
// docs/kubernetes.md): this node is the peer named like the host, or whose address is the host's
// name or begins with it and a dot (the pod's DNS name); it leaves the peers and takes their node
// id. Everything else about the node is the same for every pod.
void identify_by_hostname(Reader& reader, const MappingReader& spec, std::string_view hostname,
                          AgentConfig& out) {
  const SourceLocation where = spec.find("identity")->second;
  if (spec.find("nodeId")) {
    reader.error(spec.find("nodeId")->second, "spec.nodeId",
                 "expected no nodeId with identity: hostname (the peer named like this host "
                 "gives it)");
    return;
  }
  if (hostname.empty()) {
    reader.error(where, "spec.identity", "identity: hostname, but this host's name is unknown");
    return;
  }
  const auto self = std::find_if(out.peers.begin(), out.peers.end(), [&](const AgentPeer& peer) {
    const std::string& host = peer.address.host;
    return peer.name == hostname || host == hostname ||
           (host.size() > hostname.size() && host.compare(0, hostname.size(), hostname) == 0 &&
            host[hostname.size()] == '.');
  });
  if (self == out.peers.end()) {
    reader.error(where, "spec.identity",
                 "identity: hostname, but no peer is named like this host, \"" +
                     std::string(hostname) +
                     "\", or has an address that is or begins with it "
                     "and a dot");
    return;
  }
  out.node = self->node;
  out.peers.erase(self);
}

void parse_seeds(Reader& reader, const MappingReader& spec, AgentConfig& out) {
  const auto seeds = spec.find("seeds");
  if (!seeds) return;
  std::vector<NodeId> parsed;
  if (!spec.optional("seeds", parsed, ListField<NodeIdField>{{reader}})) return;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    // With identity: hostname every pod reads the same list, which names some of them: a node
    // joins through the others.
    if (parsed[i] == out.node) continue;
    if (!is_peer(out, parsed[i])) {
      reader.error(reader.location(seeds->first[i], seeds->second),
                   "spec.seeds[" + std::to_string(i) + "]",
                   "node " + std::to_string(parsed[i].value) + " is not one of spec.peers");
    }
    out.seeds.push_back(parsed[i]);
  }
}

void parse_services(Reader& reader, const MappingReader& spec, std::string_view hostname,
                    AgentConfig& out) {
  const auto services = spec.find("services");
  if (!services) return;
  if (!services->first.IsSequence() || services->first.size() > kMaxServices) {
    reader.error(services->second, "spec.services",
                 "expected a list of at most " + std::to_string(kMaxServices) +
                     " service instances, got " + describe_node(services->first));
    return;
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (std::size_t i = 0; i < services->first.size(); ++i) {
    const YAML::Node item = services->first[i];
    const std::string path = "spec.services[" + std::to_string(i) + "]";
    const SourceLocation where = reader.location(item, services->second);
    MappingReader fields(reader, item, path, where,
                         {"service", "instanceId", "ports", "healthEndpoint", "labels"});
    if (!fields.valid()) continue;
    spore::ServiceInstanceFields instance;
    bool ok = fields.required("service", instance.service, NameField{reader});
    // "{hostname}": every pod of a StatefulSet reads the same file and registers as itself.
    const auto instance_id = fields.find("instanceId");
    if (instance_id && instance_id->first.IsScalar() &&
        instance_id->first.Scalar() == kHostnamePlaceholder) {
      if (k8s::is_dns_label(hostname)) {
        instance.instance_id = std::string(hostname);
      } else {
        reader.error(instance_id->second, path + ".instanceId",
                     "{hostname}, but this host's name \"" + std::string(hostname) +
                         "\" is not a DNS label (lowercase letters, digits and '-', at most 63)");
        ok = false;
      }
    } else {
      ok = fields.required("instanceId", instance.instance_id, NameField{reader}) && ok;
    }
    const bool ports_read = fields.required(
        "ports", instance.ports, ListField<IntegerField<std::uint16_t>>{{reader, 1, 65535}});
    ok = ports_read && ok;
    if (ports_read && (instance.ports.empty() || instance.ports.size() > spore::kMaxPorts)) {
      reader.error(fields.find("ports")->second, path + ".ports",
                   "expected 1 to " + std::to_string(spore::kMaxPorts) + " ports");
      ok = false;
    }
    if (fields.optional("healthEndpoint", instance.health_endpoint, StringField{reader}) &&
        (instance.health_endpoint.empty() || instance.health_endpoint.front() != '/')) {
      reader.error(
          fields.find("healthEndpoint")->second, path + ".healthEndpoint",
          "expected an HTTP path starting with /, got \"" + instance.health_endpoint + "\"");
      ok = false;
    }
    if (const auto labels = fields.find("labels")) {
      if (!labels->first.IsMap() || labels->first.size() > spore::kMaxLabels) {
        reader.error(labels->second, path + ".labels",
                     "expected a mapping of at most " + std::to_string(spore::kMaxLabels) +
                         " labels, got " + describe_node(labels->first));
        ok = false;
      } else {
        std::set<std::string> keys;
        for (const auto& label : labels->first) {
          // A key must be a plain string (YAML allows any node as a key: a list, a mapping).
          const SourceLocation key_where = reader.location(label.first, labels->second);
          const auto key = StringField{reader}(label.first, key_where, path + ".labels");
          if (!key) {
            ok = false;
            continue;
          }
          const std::string label_path = path + ".labels." + *key;
          if (key->empty() || key->size() > spore::kMaxNameBytes || !keys.insert(*key).second) {
            reader.error(key_where, label_path,
                         key->empty() || key->size() > spore::kMaxNameBytes
                             ? "expected a label key of 1 to " +
                                   std::to_string(spore::kMaxNameBytes) + " bytes"
                             : "label " + *key + " is given twice");
            ok = false;
            continue;
          }
          const auto value = StringField{reader}(
              label.second, reader.location(label.second, labels->second), label_path);
          if (!value || value->size() > spore::kMaxLabelValueBytes) {
            if (value) {
              reader.error(reader.location(label.second, labels->second), label_path,
                           "expected a label value of at most " +
                               std::to_string(spore::kMaxLabelValueBytes) + " bytes");
            }
            ok = false;
            continue;
          }
          instance.labels.emplace_back(*key, *value);
        }
        std::sort(instance.labels.begin(), instance.labels.end());
      }
    }
    if (ok && !seen.insert({instance.service, instance.instance_id}).second) {
      reader.error(
          where, path,
          "instance " + instance.service + "/" + instance.instance_id + " is listed twice");
      ok = false;
    }
    if (ok) out.services.push_back(std::move(instance));
  }
}

void parse_replication(Reader& reader, const MappingReader& spec, AgentConfig& out) {
  const auto section = spec.find("replication");
  if (!section) return;
  MappingReader fields(
      reader, section->first, "spec.replication", section->second,
      {"stream", "memoryFile", "memorySize", "pageSize", "primary", "backups",
       "connectionsPerBackup", "distributedRAM", "failureTimeout", "electionWindow", "workload"});
  if (!fields.valid()) return;
  AgentReplication parsed;
  fields.optional("stream", parsed.stream, IntegerField<std::uint32_t>{reader, 1, UINT32_MAX});
  if (fields.required("memoryFile", parsed.memory_file, StringField{reader}) &&
      (parsed.memory_file.empty() || parsed.memory_file.front() != '/')) {
    reader.error(
        fields.find("memoryFile")->second, "spec.replication.memoryFile",
        "expected an absolute path (e.g. /dev/shm/guest), got \"" + parsed.memory_file + "\"");
  }
  const bool has_size = fields.required("memorySize", parsed.memory_bytes,
                                        ByteQuantityField{reader, std::uint64_t{1} << 20});
  std::uint64_t page = 4096;
  if (fields.optional("pageSize", page, ByteQuantityField{reader, 4096})) {
    if (page != 4096 && page != (std::uint64_t{2} << 20)) {
      reader.error(fields.find("pageSize")->second, "spec.replication.pageSize",
                   "expected 4Ki or 2Mi, got " + std::to_string(page));
    }
    parsed.page_bytes = page;
  }
  if (has_size && parsed.memory_bytes % parsed.page_bytes != 0) {
    reader.error(fields.find("memorySize")->second, "spec.replication.memorySize",
                 "expected a multiple of the page size " + std::to_string(parsed.page_bytes) +
                     ", got " + std::to_string(parsed.memory_bytes));
  }
  const bool has_primary = fields.required("primary", parsed.primary, NodeIdField{reader});
  if (has_primary && parsed.primary != out.node && !is_peer(out, parsed.primary)) {
    reader.error(fields.find("primary")->second, "spec.replication.primary",
                 "node " + std::to_string(parsed.primary.value) +
                     " is neither this node nor one of spec.peers");
  }
  if (fields.required("backups", parsed.backups, ListField<NodeIdField>{{reader}})) {
    const auto backups = fields.find("backups");
    if (parsed.backups.empty() || parsed.backups.size() > kMaxBackups) {
      reader.error(backups->second, "spec.replication.backups",
                   "expected 1 to " + std::to_string(kMaxBackups) + " backups, got " +
                       std::to_string(parsed.backups.size()));
    }
    std::set<std::uint32_t> seen;
    for (std::size_t i = 0; i < parsed.backups.size(); ++i) {
      const NodeId backup = parsed.backups[i];
      const std::string path = "spec.replication.backups[" + std::to_string(i) + "]";
      const SourceLocation at = reader.location(backups->first[i], backups->second);
      if (!seen.insert(backup.value).second) {
        reader.error(at, path, "node " + std::to_string(backup.value) + " is listed twice");
      } else if (has_primary && backup == parsed.primary) {
        reader.error(at, path, "node " + std::to_string(backup.value) + " is the primary");
      } else if (backup != out.node && !is_peer(out, backup)) {
        reader.error(
            at, path,
            "node " + std::to_string(backup.value) + " is neither this node nor one of spec.peers");
      }
    }
    const bool has_role =
        (has_primary && parsed.primary == out.node) ||
        std::find(parsed.backups.begin(), parsed.backups.end(), out.node) != parsed.backups.end();
    if (has_primary && !has_role) {
      reader.error(section->second, "spec.replication",
                   "this node (" + std::to_string(out.node.value) +
                       ") is neither the primary nor one of the backups");
    }
  }
  fields.optional("connectionsPerBackup", parsed.connections_per_backup,
                  IntegerField<std::uint32_t>{reader, 1, 64});
  if (const auto ram = fields.find("distributedRAM")) {
    detail::parse_distributed_ram(reader, ram->first, ram->second,
                                  "spec.replication.distributedRAM", parsed.ram);
  } else {
    fields.report_missing("distributedRAM", "a distributedRAM mapping (docs/manifests.md)");
  }
  fields.optional("failureTimeout", parsed.failure_timeout,
                  DurationField{reader, std::chrono::milliseconds(50), std::chrono::minutes(10)});
  fields.optional("electionWindow", parsed.election_window,
                  DurationField{reader, std::chrono::milliseconds(10), std::chrono::minutes(1)});
  if (fields.optional("workload", parsed.workload_command, ListField<StringField>{{reader}})) {
    const auto workload = fields.find("workload");
    const bool bounded =
        std::all_of(parsed.workload_command.begin(), parsed.workload_command.end(),
                    [](const std::string& arg) { return arg.size() <= kMaxArgumentBytes; });
    if (parsed.workload_command.empty() || parsed.workload_command.size() > kMaxArguments ||
        !bounded || parsed.workload_command.front().empty()) {
      reader.error(workload->second, "spec.replication.workload",
                   "expected a command line: 1 to " + std::to_string(kMaxArguments) +
                       " arguments of at most " + std::to_string(kMaxArgumentBytes) +
                       " bytes, the first one a program");
    }
    for (std::string& arg : parsed.workload_command) {
      for (std::size_t at = arg.find(kMemoryFilePlaceholder); at != std::string::npos;
           at = arg.find(kMemoryFilePlaceholder, at + parsed.memory_file.size()))
        arg.replace(at, kMemoryFilePlaceholder.size(), parsed.memory_file);
    }
  }
  out.replication = std::move(parsed);
}

void parse_vm_host(Reader& reader, const MappingReader& spec, AgentConfig& out) {
  const auto section = spec.find("vmHost");
  if (!section) return;
  MappingReader fields(reader, section->first, "spec.vmHost", section->second,
                       {"uri", "zone", "kvm", "stateDirectory", "serialLogDirectory", "images"});
  if (!fields.valid()) return;
  AgentVmHost parsed;
  fields.optional("uri", parsed.uri, StringField{reader});
  fields.optional("zone", parsed.zone, StringField{reader});
  bool kvm = false;
  if (fields.optional("kvm", kvm, BoolField{reader})) parsed.kvm = kvm;
  if (fields.optional("stateDirectory", parsed.state_directory, StringField{reader})) {
    check_absolute(reader, fields.find("stateDirectory")->second, "spec.vmHost.stateDirectory",
                   parsed.state_directory);
  }
  if (fields.optional("serialLogDirectory", parsed.serial_log_directory, StringField{reader})) {
    check_absolute(reader, fields.find("serialLogDirectory")->second,
                   "spec.vmHost.serialLogDirectory", parsed.serial_log_directory);
  }
  const auto images = fields.find("images");
  if (!images) {
    fields.report_missing("images", "a list of boot images (name, kernel, initrd, cmdline)");
  } else if (!images->first.IsSequence() || images->first.size() == 0 ||
             images->first.size() > kMaxImages) {
    reader.error(images->second, "spec.vmHost.images",
                 "expected a list of 1 to " + std::to_string(kMaxImages) + " images, got " +
                     describe_node(images->first));
  } else {
    std::set<std::string> names;
    for (std::size_t i = 0; i < images->first.size(); ++i) {
      const YAML::Node item = images->first[i];
      const std::string path = "spec.vmHost.images[" + std::to_string(i) + "]";
      const SourceLocation where = reader.location(item, images->second);
      MappingReader image_fields(reader, item, path, where,
                                 {"name", "kernel", "initrd", "cmdline"});
      if (!image_fields.valid()) continue;
      VmImage image;
      if (image_fields.required("name", image.name, StringField{reader}) &&
          !names.insert(image.name).second) {
        reader.error(image_fields.find("name")->second, path + ".name",
                     "image \"" + image.name + "\" is listed twice");
      }
      if (image_fields.required("kernel", image.kernel, StringField{reader}))
        check_absolute(reader, image_fields.find("kernel")->second, path + ".kernel", image.kernel);
      if (image_fields.optional("initrd", image.initrd, StringField{reader}))
        check_absolute(reader, image_fields.find("initrd")->second, path + ".initrd", image.initrd);
      image_fields.optional("cmdline", image.cmdline, StringField{reader});
      parsed.images.push_back(std::move(image));
    }
  }
  out.vm_host = std::move(parsed);
}

void parse_distribution(Reader& reader, const MappingReader& spec, AgentConfig& out) {
  const auto section = spec.find("distribution");
  if (!section) return;
  MappingReader fields(reader, section->first, "spec.distribution", section->second,
                       {"strategy", "members", "leaseDuration"});
  if (!fields.valid()) return;
  AgentDistribution parsed;
  if (!fields.required("strategy", parsed.strategy,
                       EnumField{reader, manifest::kDistributionTypeNames}))
    return;
  if (parsed.strategy != manifest::DistributionType::kMasterSlave) {
    reader.error(fields.find("strategy")->second, "spec.distribution.strategy",
                 "expected master-slave (the only strategy the agent runs so far; the others "
                 "reach the application as environment variables: docs/kubernetes.md), got " +
                     std::string(manifest::kDistributionTypeNames.name(parsed.strategy)));
    return;
  }
  fields.optional("leaseDuration", parsed.lease_duration,
                  DurationField{reader, std::chrono::milliseconds(200), std::chrono::seconds(60)});
  const auto members = fields.find("members");
  if (members) {
    if (!fields.optional("members", parsed.members, ListField<NodeIdField>{{reader}})) return;
    std::set<NodeId> seen;
    for (std::size_t i = 0; i < parsed.members.size(); ++i) {
      const NodeId member = parsed.members[i];
      const std::string path = "spec.distribution.members[" + std::to_string(i) + "]";
      const auto at = reader.location(members->first[i], members->second);
      if (!seen.insert(member).second) {
        reader.error(
            at, path,
            "expected each node once, got node " + std::to_string(member.value) + " again");
      } else if (member != out.node && !is_peer(out, member)) {
        reader.error(at, path,
                     "node " + std::to_string(member.value) + " is not one of spec.peers");
      }
    }
    if (out.node.valid() && !seen.contains(out.node)) {
      reader.error(members->second, "spec.distribution.members",
                   "expected this node (" + std::to_string(out.node.value) + ") among the members");
    }
  } else {
    parsed.members.push_back(out.node);
    for (const AgentPeer& peer : out.peers)
      if (peer.node != out.node) parsed.members.push_back(peer.node);
  }
  out.distribution = std::move(parsed);
}

void parse_emulation(Reader& reader, const MappingReader& spec, AgentConfig& out) {
  const auto section = spec.find("emulation");
  if (!section) return;
  MappingReader fields(reader, section->first, "spec.emulation", section->second,
                       {"oneWayDelay", "loss"});
  if (!fields.valid()) return;
  fields.optional("oneWayDelay", out.emulated_delay,
                  DurationField{reader, std::chrono::nanoseconds(0), std::chrono::seconds(10)});
  fields.optional("loss", out.emulated_loss, NumberField{reader, 0.0, 0.99});
}

}  // namespace

bool is_peer(const AgentConfig& config, NodeId node) {
  return std::any_of(config.peers.begin(), config.peers.end(),
                     [node](const AgentPeer& peer) { return peer.node == node; });
}

const VmImage* find_image(const AgentVmHost& host, const std::string& name) {
  const auto found = std::find_if(host.images.begin(), host.images.end(),
                                  [&](const VmImage& image) { return image.name == name; });
  return found == host.images.end() ? nullptr : &*found;
}

std::string HostPort::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

AgentConfigLoad parse_agent_config(std::string_view text, std::string_view file_name,
                                   std::string_view hostname) {
  AgentConfigLoad result;
  Reader reader(file_name, result.diagnostics);
  const std::optional<Envelope> envelope =
      read_envelope(reader, result.diagnostics, text, file_name, "AgentConfig", "config");
  if (!envelope) return result;
  AgentConfig config;
  config.name = envelope->name;
  if (envelope->spec) {
    MappingReader spec(reader, envelope->spec->first, "spec", envelope->spec->second,
                       {"nodeId", "identity", "listen", "admin", "network", "profile", "peers",
                        "seeds", "services", "replication", "vmHost", "distribution", "emulation"});
    if (spec.valid()) {
      Identity identity = Identity::kNodeId;
      spec.optional("identity", identity, EnumField{reader, kIdentityNames});
      if (identity == Identity::kNodeId) spec.required("nodeId", config.node, NodeIdField{reader});
      spec.required("listen", config.listen, HostPortField{reader});
      HostPort admin;
      if (spec.optional("admin", admin, HostPortField{reader})) config.admin = admin;
      parse_network(reader, spec, config);
      Profile profile = Profile::kLan;
      if (spec.optional("profile", profile, EnumField{reader, kProfileNames}))
        config.wan_profile = profile == Profile::kWan;
      parse_peers(reader, spec, config);
      if (identity == Identity::kHostname) identify_by_hostname(reader, spec, hostname, config);
      parse_seeds(reader, spec, config);
      parse_services(reader, spec, hostname, config);
      parse_replication(reader, spec, config);
      parse_vm_host(reader, spec, config);
      parse_distribution(reader, spec, config);
      parse_emulation(reader, spec, config);
    }
  }
  if (result.diagnostics.empty()) result.config = std::move(config);
  return result;
}

bool is_ip_literal(std::string_view host) {
  boost::system::error_code error;
  boost::asio::ip::make_address(std::string(host), error);
  return !error;
}

bool is_dns_name(std::string_view host) {
  constexpr std::size_t kMaxName = 253;
  constexpr std::size_t kMaxLabel = 63;
  if (host.empty() || host.size() > kMaxName || is_ip_literal(host)) return false;
  std::size_t start = 0;
  while (start <= host.size()) {
    const std::size_t dot = std::min(host.find('.', start), host.size());
    const std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > kMaxLabel || label.front() == '-' || label.back() == '-')
      return false;
    const bool characters_ok = std::all_of(label.begin(), label.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (!characters_ok) return false;
    start = dot + 1;
  }
  return true;
}

std::string load_network_key(AgentConfig& config) {
  if (config.network_key_file.empty()) return {};
  constexpr std::size_t kMaxKeyFileBytes = 1024;
  const SmallFile file = read_small_file(config.network_key_file, kMaxKeyFileBytes);
  if (file.status == SmallFile::Status::kCannotOpen)
    return config.network_key_file + ": cannot read the network key (spec.network.keyFile)";
  if (file.status == SmallFile::Status::kTooLarge)
    return config.network_key_file + ": more than " + std::to_string(kMaxKeyFileBytes) + " bytes";
  std::string text = file.contents;
  // A Secret written with a trailing newline (echo, kubectl --from-file) is the same key.
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  std::optional<std::vector<std::uint8_t>> key = key_from_hex(text);
  if (!key) {
    return config.network_key_file +
           ": expected 32 to 128 hex digits (a key of 16 to 64 bytes), got " +
           std::to_string(text.size()) + " characters";
  }
  config.network_key = std::move(*key);
  return {};
}

}  // namespace mycelium::real
