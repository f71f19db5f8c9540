#include <nlohmann/json.hpp>

#include <real/agent/first_sequence.hpp>
#include <real/agent/master_lease_service.hpp>

namespace mycelium::real {

MasterLeaseService::MasterLeaseService(AsioEnvironment& env, const AgentConfig& config,
                                       std::function<void(std::string)> log,
                                       std::function<double(TimePoint)> unix_seconds)
    : config_(config), log_(std::move(log)), unix_seconds_(std::move(unix_seconds)) {
  MYCELIUM_ASSERT(config_.distribution.has_value());
  const AgentDistribution& distribution = *config_.distribution;
  distribution::LeaseConfig lease;
  lease.members = distribution.members;
  lease.lease_duration = distribution.lease_duration;
  // The margin, renewals and election wait scale with the lease as the core's defaults do (for
  // 2 s: 100 ms, 500 ms, 1 s).
  lease.safety_margin = distribution.lease_duration / 20;
  lease.renew_interval = distribution.lease_duration / 4;
  lease.election_timeout = distribution.lease_duration / 2;
  // Sealed under the network's key, as the spore's datagrams: only the network's members take
  // part (the key is loaded before any service starts: AgentConfig::network_key).
  lease.authenticator = std::make_shared<const spore::Authenticator>(config_.network_key);
  lease.network_id = spore::network_id_from_name(config_.network_name);
  lease.first_sequence = restart_safe_first_sequence(std::chrono::system_clock::now());
  election_ = std::make_unique<distribution::LeaseElection>(
      env, std::move(lease), [this](bool master, std::uint64_t term) {
        log_(master ? "master-slave: this node is master (term " + std::to_string(term) + ")"
                    : "master-slave: this node is no longer master (term " + std::to_string(term) +
                          ")");
      });
  log_("master-slave: lease election among " + std::to_string(distribution.members.size()) +
       " members, leases of " +
       std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(distribution.lease_duration)
               .count()) +
       " ms");
}

MasterLeaseService::~MasterLeaseService() = default;

std::string MasterLeaseService::host_of(NodeId node) const {
  if (node == config_.node) return config_.listen.host;
  for (const AgentPeer& peer : config_.peers)
    if (peer.node == node) return peer.address.host;
  return {};
}

HttpResponse MasterLeaseService::status() const {
  const bool master = election_->is_master();
  const std::optional<NodeId> backed = election_->backed_master();
  nlohmann::json members = nlohmann::json::array();
  for (const NodeId member : config_.distribution->members)
    members.push_back(member.value);
  const nlohmann::json answer{
      {"strategy", "master-slave"},
      {"node", config_.node.value},
      {"master", master},
      {"term", election_->term()},
      {"lease_end_unix_s",
       master ? nlohmann::json(unix_seconds_(*election_->lease_end())) : nullptr},
      {"backed_master", backed ? nlohmann::json(backed->value) : nullptr},
      {"backed_master_host", backed ? nlohmann::json(host_of(*backed)) : nullptr},
      {"members", members},
  };
  return {200, "application/json", answer.dump() + "\n"};
}

HttpResponse MasterLeaseService::master_check() const {
  if (election_->is_master()) return {200, "text/plain", "master\n"};
  return {503, "text/plain", "not master\n"};
}

}  // namespace mycelium::real
