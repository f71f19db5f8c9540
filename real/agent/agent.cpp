#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include <real/agent/agent.hpp>
#include <real/agent/first_sequence.hpp>
#include <real/agent/query_string.hpp>

namespace mycelium::real {

namespace asio = boost::asio;

namespace {

const char* state_name(spore::MemberState state) {
  switch (state) {
    case spore::MemberState::kAlive:
      return "alive";
    case spore::MemberState::kSuspect:
      return "suspect";
    case spore::MemberState::kDead:
      return "dead";
    case spore::MemberState::kLeft:
      return "left";
  }
  return "unknown";
}

const char* health_name(spore::InstanceHealth health) {
  switch (health) {
    case spore::InstanceHealth::kUnknown:
      return "unknown";
    case spore::InstanceHealth::kHealthy:
      return "healthy";
    case spore::InstanceHealth::kUnhealthy:
      return "unhealthy";
  }
  return "unknown";
}

asio::ip::udp::endpoint udp_endpoint(const HostPort& address) {
  return {asio::ip::make_address(address.host), address.port};
}

spore::SporeNodeConfig node_config(const AgentConfig& config,
                                   std::chrono::system_clock::time_point started) {
  spore::SporeNodeConfig node;
  node.first_sequence = restart_safe_first_sequence(started);
  node.membership =
      config.wan_profile ? spore::MembershipConfig::wan() : spore::MembershipConfig::lan();
  node.network_name = config.network_name;
  node.network_key = config.network_key;
  return node;
}

}  // namespace

Agent::Agent(asio::io_context& io, AgentConfig config, std::function<void(std::string)> log)
    : config_(std::move(config)), log_(std::move(log)) {
  PeerDirectory peers;
  std::vector<AgentPeer> named;  // resolved in the background, added as they resolve
  for (const AgentPeer& peer : config_.peers) {
    if (is_ip_literal(peer.address.host)) {
      peers.emplace(peer.node, udp_endpoint(peer.address));
    } else {
      named.push_back(peer);
    }
  }
  AsioEnvironmentConfig environment{config_.node, udp_endpoint(config_.listen), peers,
                                    config_.node.value};
  environment.emulation.one_way_delay = config_.emulated_delay;
  environment.emulation.loss = config_.emulated_loss;
  env_ = std::make_unique<AsioEnvironment>(io, environment);
  if (!named.empty()) {
    PeerResolverConfig resolving;
    resolving.protocol = environment.listen.protocol();
    resolver_ = std::make_unique<PeerResolver>(
        io, std::move(named),
        [this](NodeId node, const asio::ip::udp::endpoint& endpoint) {
          env_->add_peer(node, endpoint);
        },
        log_, resolving);
  }
  started_ = env_->now();
  unix_at_start_ = std::chrono::system_clock::now();
  node_ = std::make_unique<spore::SporeNode>(*env_, node_config(config_, unix_at_start_),
                                             config_.seeds);
  node_->subscribe(
      "", [this](const spore::ServiceInstanceRecord& record, spore::TopologyChange change) {
        on_topology_change(record, change);
      });
  for (const spore::ServiceInstanceFields& service : config_.services) {
    const spore::WriteResult result = node_->register_service_instance(service);
    log_(std::string(result.published() ? "registered " : "could not register ") + service.service +
         "/" + service.instance_id);
  }
  if (config_.replication)
    replication_ = ReplicationRole::for_process(*env_, *config_.replication, log_);
  if (config_.vm_host) {
    vms_ = std::make_unique<VmService>(io, *env_, config_, log_);
    advertise_vm_host();
  }
  rtt_ = std::make_unique<RttService>(*env_, config_, [this]() -> std::string {
    if (vms_ && vms_->probes_backups())
      return "this agent's VM primary measures its backups (GET /vms: latency_profile)";
    return {};
  });
  if (config_.distribution) {
    master_lease_ = std::make_unique<MasterLeaseService>(
        *env_, config_, log_, [this](TimePoint at) { return unix_seconds(at); });
  }
  if (config_.admin) {
    admin_ = std::make_unique<AdminServer>(
        io,
        asio::ip::tcp::endpoint(asio::ip::make_address(config_.admin->host), config_.admin->port),
        [this](const HttpRequest& request) { return answer(request); });
  }
  if (environment.emulation.active()) {
    log_("emulating a WAN on outgoing traffic: " +
         std::to_string(to_seconds(config_.emulated_delay) * 1e3) + " ms one way, " +
         std::to_string(config_.emulated_loss * 100) + " % of datagrams lost");
  }
  log_("node " + std::to_string(config_.node.value) + " (" + config_.name + ") listening on " +
       config_.listen.to_string() + ", network " + config_.network_name + ", " +
       std::to_string(config_.peers.size()) + " peers, " + std::to_string(config_.seeds.size()) +
       " seeds" + (admin_ ? ", admin API on " + config_.admin->to_string() : ""));
}

Agent::~Agent() {
  resolver_.reset();  // it adds peers to the environment
  admin_.reset();
  master_lease_.reset();
  rtt_.reset();  // bound to the environment, like the roles
  vms_.reset();
  replication_.reset();  // its protocol objects unbind from the environment
  node_.reset();
  env_.reset();
}

void Agent::leave() {
  log_("leaving the network");
  node_->leave();
}

std::optional<asio::ip::tcp::endpoint> Agent::admin_endpoint() const {
  if (!admin_) return std::nullopt;
  return admin_->local_endpoint();
}

double Agent::unix_seconds(TimePoint at) const {
  const double start_s = std::chrono::duration<double>(unix_at_start_.time_since_epoch()).count();
  return start_s + to_seconds(at - started_);
}

void Agent::on_topology_change(const spore::ServiceInstanceRecord& record,
                               spore::TopologyChange change) {
  auto key = std::make_pair(record.service, record.instance_id);
  if (change == spore::TopologyChange::kRemoved) {
    learned_.erase(key);
    return;
  }
  Learned& learned = learned_[std::move(key)];
  if (learned.version != record.version) learned = Learned{record.version, env_->now()};
}

HttpResponse Agent::answer(const HttpRequest& request) {
  const std::string_view method = request.method;
  const std::string_view target = request.target;
  const auto [path, query] = split_target(target);
  if (method == "POST" && path == "/replication/migrate") return migrate(query);
  if (method == "POST" && path == "/services/register") return register_instance(query);
  if (method == "POST" && path == "/services/deregister") return deregister_instance(query);
  if (method == "POST" && path == "/rtt") return rtt_->start(query);
  constexpr std::string_view kVms = "/vms";
  if (path == kVms || path.starts_with("/vms/")) {
    if (!vms_)
      return {404, "text/plain", "this agent hosts no VMs (its config has no spec.vmHost)\n"};
    return answer_vms(method, path.substr(kVms.size()), query, request.body);
  }
  if (method != "GET") {
    return {405, "text/plain",
            "only GET, POST /replication/migrate?to=N, POST /services/register or "
            "/services/deregister, POST /rtt?targets=N1%2CN2, and the POSTs of /vms\n"};
  }
  constexpr std::string_view kSeries = "/series/";
  if (target.starts_with(kSeries)) return series_json(target.substr(kSeries.size()));
  if (target == "/status") return {200, "application/json", status_json()};
  if (target == "/members") return {200, "application/json", members_json()};
  if (target == "/services") return {200, "application/json", services_json()};
  if (target == "/rtt") return rtt_->last();
  if (target == "/distribution" || target == "/distribution/master") {
    if (!master_lease_) {
      return {404, "text/plain",
              "this agent runs no distribution strategy (its config has no spec.distribution)\n"};
    }
    return target == "/distribution" ? master_lease_->status() : master_lease_->master_check();
  }
  if (target == "/metrics") return {200, "text/plain; version=0.0.4", metrics_text()};
  if (target == "/replication") {
    const ReplicationRole* role = replication_ ? replication_.get() : vms_ ? vms_->role() : nullptr;
    if (!role) return {404, "text/plain", "this agent has no replication role\n"};
    return {200, "application/json", role->status_json() + "\n"};
  }
  return {404, "text/plain",
          "not found; try /status, /members, /services, /replication, /vms, /rtt, /distribution, "
          "/metrics or /series/NAME\n"};
}

HttpResponse Agent::answer_vms(std::string_view method, std::string_view rest,
                               std::string_view query, std::string_view body) {
  if (rest.empty() || rest == "/") {
    if (method == "GET") return vms_->list();
    if (method == "POST") {
      if (replication_) return {409, "text/plain", "this agent has a replication role already\n"};
      return vms_->deploy(query, body, /*standby=*/false);
    }
  } else if (rest == "/standby") {
    if (method == "POST") {
      if (replication_) return {409, "text/plain", "this agent has a replication role already\n"};
      return vms_->deploy(query, body, /*standby=*/true);
    }
  } else {
    // /NAME/migrate, /NAME/delete
    const std::size_t slash = rest.find('/', 1);
    const std::string_view name =
        rest.substr(1, slash == std::string_view::npos ? slash : slash - 1);
    const std::string_view action =
        slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (method == "POST" && action == "migrate") return vms_->migrate(name, query);
    if (method == "POST" && action == "delete") {
      if (!query.empty()) return {400, "text/plain", "delete takes no parameters\n"};
      return vms_->remove(name);
    }
    if (action != "migrate" && action != "delete") {
      return {404, "text/plain",
              "not found; try GET /vms, POST /vms, POST /vms/standby, POST /vms/NAME/migrate "
              "or POST /vms/NAME/delete\n"};
    }
  }
  return {405, "text/plain", "method not allowed here (see docs/myceliumd.md, \"VMs\")\n"};
}

void Agent::advertise_vm_host() {
  // Discovery of the VM hosts (and of their admin APIs, for the CLI) through the spores.
  spore::ServiceInstanceFields instance;
  instance.service = std::string(kVmHostService);
  instance.instance_id = config_.name;
  if (config_.admin) {
    // An admin API bound to every address (0.0.0.0, ::) is reached at the node's own address.
    HostPort reachable = *config_.admin;
    if (asio::ip::make_address(reachable.host).is_unspecified())
      reachable.host = config_.listen.host;
    instance.ports.push_back(reachable.port);
    instance.labels.emplace_back("admin", reachable.to_string());
  } else {
    instance.ports.push_back(config_.listen.port);
  }
  if (!config_.vm_host->zone.empty()) instance.labels.emplace_back("zone", config_.vm_host->zone);
  std::sort(instance.labels.begin(), instance.labels.end());
  const spore::WriteResult result = node_->register_service_instance(instance);
  log_(std::string(result.published() ? "registered " : "could not register ") + instance.service +
       "/" + instance.instance_id);
}

namespace {

// The parameters of a POST's query when it parses and names only `known` keys, or the 400
// answer naming what is wrong.
std::variant<QueryParameters, HttpResponse> known_parameters(
    std::string_view query, std::initializer_list<std::string_view> known) {
  auto parsed = parse_known_query(query, known);
  if (const std::string* error = std::get_if<std::string>(&parsed))
    return HttpResponse{400, "text/plain", *error + "\n"};
  return std::move(std::get<QueryParameters>(parsed));
}

std::variant<QueryParameters, HttpResponse> service_parameters(std::string_view query,
                                                               bool registering) {
  auto checked = registering ? known_parameters(query, {"service", "instance", "port", "health"})
                             : known_parameters(query, {"service", "instance"});
  if (std::holds_alternative<HttpResponse>(checked)) return checked;
  const QueryParameters& parameters = std::get<QueryParameters>(checked);
  if (!parameters.contains("service") || !parameters.contains("instance"))
    return HttpResponse{400, "text/plain", "service and instance are required\n"};
  return checked;
}

nlohmann::json record_json(const spore::ServiceInstanceRecord& record) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [key, value] : record.labels)
    labels[key] = value;
  return {{"service", record.service},
          {"instance_id", record.instance_id},
          {"owner", record.owner.value},
          {"ports", record.ports},
          {"health_endpoint", record.health_endpoint},
          {"health", health_name(record.health)},
          {"labels", labels},
          {"version", record.version}};
}

// The answer to a local write: 201 for a new version, 200 when nothing changed, else why not.
HttpResponse write_answer(const spore::WriteResult& result, std::string_view what) {
  switch (result.status) {
    case spore::WriteStatus::kPublished:
      return {201, "application/json", record_json(result.record).dump() + "\n"};
    case spore::WriteStatus::kUnchanged:
      return {200, "application/json", record_json(result.record).dump() + "\n"};
    case spore::WriteStatus::kNotFound:
      return {404, "text/plain", "no such instance to " + std::string(what) + "\n"};
    case spore::WriteStatus::kNotOwner:
      return {409, "text/plain",
              "another member owns this instance: only it can " + std::string(what) + " it\n"};
    case spore::WriteStatus::kFull:
      return {409, "text/plain", "this node's topology is full\n"};
    case spore::WriteStatus::kInvalid:
      break;
  }
  return {400, "text/plain",
          "invalid instance: service and instance must be 1 to 253 bytes, the health endpoint "
          "at most 256 (or the instance's versions are exhausted)\n"};
}

}  // namespace

HttpResponse Agent::register_instance(std::string_view query) const {
  auto checked = service_parameters(query, true);
  if (HttpResponse* refused = std::get_if<HttpResponse>(&checked)) return *refused;
  const QueryParameters& parameters = std::get<QueryParameters>(checked);
  spore::ServiceInstanceFields fields;
  fields.service = parameters.at("service");
  fields.instance_id = parameters.at("instance");
  if (const auto port = parameters.find("port"); port != parameters.end()) {
    std::uint16_t number = 0;
    const std::string& text = port->second;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc{} || end != text.data() + text.size() || number == 0)
      return {400, "text/plain", "port: expected 1-65535, got '" + text + "'\n"};
    fields.ports.push_back(number);
  }
  if (const auto health = parameters.find("health"); health != parameters.end())
    fields.health_endpoint = health->second;
  const spore::WriteResult result = node_->register_service_instance(fields);
  if (result.published()) log_("registered " + fields.service + "/" + fields.instance_id);
  return write_answer(result, "register");
}

HttpResponse Agent::deregister_instance(std::string_view query) const {
  auto checked = service_parameters(query, false);
  if (HttpResponse* refused = std::get_if<HttpResponse>(&checked)) return *refused;
  const QueryParameters& parameters = std::get<QueryParameters>(checked);
  const spore::WriteResult result =
      node_->deregister(parameters.at("service"), parameters.at("instance"));
  if (result.published())
    log_("deregistered " + parameters.at("service") + "/" + parameters.at("instance"));
  return write_answer(result, "deregister");
}

HttpResponse Agent::series_json(std::string_view name) const {
  const auto& all = env_->agent_metrics().series();
  const auto it = all.find(name);
  if (it == all.end()) {
    std::string known;
    for (const auto& [series, samples] : all)
      known += (known.empty() ? "" : ", ") + series;
    return {404, "text/plain",
            "no series named " + std::string(name) +
                "; recorded: " + (known.empty() ? "none yet" : known) + "\n"};
  }
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& [at, value] : it->second)
    samples.push_back({unix_seconds(at), value});
  return {200, "application/json",
          nlohmann::json{{"name", it->first}, {"samples", std::move(samples)}}.dump() + "\n"};
}

HttpResponse Agent::migrate(std::string_view query) const {
  if (!replication_) return {404, "text/plain", "this agent has no replication role\n"};
  const auto checked = known_parameters(query, {"to"});
  if (const auto* refused = std::get_if<HttpResponse>(&checked)) return *refused;
  const QueryParameters& parameters = std::get<QueryParameters>(checked);
  const auto found = parameters.find("to");
  const std::string_view to = found == parameters.end() ? std::string_view{} : found->second;
  const std::optional<std::uint32_t> node = parse_node_id(to);
  if (!node) return {400, "text/plain", "expected /replication/migrate?to=NODE (a node id)\n"};
  const std::uint32_t target = node.value();  // see VmService::migrate
  const std::string refused = replication_->migrate(NodeId{target});
  if (!refused.empty()) return {409, "text/plain", refused + "\n"};
  return {202, "application/json", nlohmann::json{{"migrating_to", target}}.dump() + "\n"};
}

std::string Agent::status_json() const {
  nlohmann::json status;
  status["name"] = config_.name;
  status["node"] = config_.node.value;
  status["network"] = config_.network_name;
  status["listen"] = config_.listen.to_string();
  status["uptime_s"] = to_seconds(env_->now() - started_);
  status["members_live"] = node_->membership().live_count();
  status["instances_known"] = node_->topology().size();
  return status.dump() + "\n";
}

std::string Agent::members_json() const {
  nlohmann::json members = nlohmann::json::array();
  for (const spore::MemberInfo& member : node_->membership().members()) {
    members.push_back({{"node", member.id.value},
                       {"state", state_name(member.state)},
                       {"incarnation", member.incarnation},
                       {"state_since_unix_s", unix_seconds(member.state_since)},
                       {"self", member.id == config_.node}});
  }
  return members.dump() + "\n";
}

std::string Agent::services_json() const {
  nlohmann::json services = nlohmann::json::array();
  for (const spore::ServiceInstanceRecord& record : node_->topology().export_records()) {
    if (record.deregistered) continue;
    nlohmann::json entry = record_json(record);
    const auto learned = learned_.find({record.service, record.instance_id});
    entry["learned_at_unix_s"] =
        learned != learned_.end() && learned->second.version == record.version
            ? nlohmann::json(unix_seconds(learned->second.at))
            : nlohmann::json();
    services.push_back(std::move(entry));
  }
  return services.dump() + "\n";
}

std::string Agent::metrics_text() const {
  return prometheus_text(env_->agent_metrics(), config_.node);
}

std::string prometheus_text(const AgentMetrics& metrics, NodeId node) {
  std::string text;
  const std::string label = "{node=\"" + std::to_string(node.value) + "\"}";
  for (const auto& [name, value] : metrics.counters()) {
    text += "# TYPE " + name + " counter\n" + name + label + " " + std::to_string(value) + "\n";
  }
  for (const auto& [name, value] : metrics.gauges()) {
    nlohmann::json number = value;  // shortest round-trip form
    text += "# TYPE " + name + " gauge\n" + name + label + " " + number.dump() + "\n";
  }
  return text;
}

}  // namespace mycelium::real
