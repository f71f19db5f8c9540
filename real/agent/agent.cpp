#include <charconv>

#include <nlohmann/json.hpp>

#include <real/agent/agent.hpp>

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

spore::SporeNodeConfig node_config(const AgentConfig& config) {
  spore::SporeNodeConfig node;
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
  for (const AgentPeer& peer : config_.peers)
    peers.emplace(peer.node, udp_endpoint(peer.address));
  AsioEnvironmentConfig environment{config_.node, udp_endpoint(config_.listen), peers,
                                    config_.node.value};
  environment.emulation.one_way_delay = config_.emulated_delay;
  environment.emulation.loss = config_.emulated_loss;
  env_ = std::make_unique<AsioEnvironment>(io, environment);
  started_ = env_->now();
  node_ = std::make_unique<spore::SporeNode>(*env_, node_config(config_), config_.seeds);
  for (const spore::ServiceInstanceFields& service : config_.services) {
    const spore::WriteResult result = node_->register_service_instance(service);
    log_(std::string(result.published() ? "registered " : "could not register ") + service.service +
         "/" + service.instance_id);
  }
  if (config_.replication)
    replication_ = std::make_unique<ReplicationRole>(*env_, *config_.replication, log_);
  if (config_.admin) {
    admin_ = std::make_unique<AdminServer>(
        io,
        asio::ip::tcp::endpoint(asio::ip::make_address(config_.admin->host), config_.admin->port),
        [this](std::string_view method, std::string_view target) {
          return answer(method, target);
        });
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
  admin_.reset();
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

HttpResponse Agent::answer(std::string_view method, std::string_view target) const {
  constexpr std::string_view kMigrate = "/replication/migrate?to=";
  if (method == "POST" && target.starts_with(kMigrate))
    return migrate(target.substr(kMigrate.size()));
  if (method != "GET") {
    return {405, "text/plain", "only GET, and POST /replication/migrate?to=N\n"};
  }
  if (target == "/status") return {200, "application/json", status_json()};
  if (target == "/members") return {200, "application/json", members_json()};
  if (target == "/services") return {200, "application/json", services_json()};
  if (target == "/metrics") return {200, "text/plain; version=0.0.4", metrics_text()};
  if (target == "/replication") {
    if (!replication_) return {404, "text/plain", "this agent has no replication role\n"};
    return {200, "application/json", replication_->status_json() + "\n"};
  }
  return {404, "text/plain",
          "not found; try /status, /members, /services, /replication or /metrics\n"};
}

HttpResponse Agent::migrate(std::string_view to) const {
  if (!replication_) return {404, "text/plain", "this agent has no replication role\n"};
  std::uint32_t node = 0;
  const auto [end, error] = std::from_chars(to.data(), to.data() + to.size(), node);
  if (error != std::errc{} || end != to.data() + to.size() || to.empty() ||
      node == NodeId::kInvalidValue) {
    return {400, "text/plain", "expected /replication/migrate?to=NODE (a node id)\n"};
  }
  const std::string refused = replication_->migrate(NodeId{node});
  if (!refused.empty()) return {409, "text/plain", refused + "\n"};
  return {202, "application/json", nlohmann::json{{"migrating_to", node}}.dump() + "\n"};
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
                       {"self", member.id == config_.node}});
  }
  return members.dump() + "\n";
}

std::string Agent::services_json() const {
  nlohmann::json services = nlohmann::json::array();
  for (const spore::ServiceInstanceRecord& record : node_->topology().export_records()) {
    if (record.deregistered) continue;
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [key, value] : record.labels)
      labels[key] = value;
    services.push_back({{"service", record.service},
                        {"instance_id", record.instance_id},
                        {"owner", record.owner.value},
                        {"ports", record.ports},
                        {"health_endpoint", record.health_endpoint},
                        {"health", health_name(record.health)},
                        {"labels", labels},
                        {"version", record.version}});
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
