#pragma once
// One myceliumd agent: the node's AsioEnvironment, its Service Spore member, the instances it
// registers, and the admin API (docs/myceliumd.md):
//   GET /status    name, node, network, address, uptime, live members, instances known
//   GET /members   every member this node knows, with state, incarnation and since when
//   GET /services  every service instance this node knows, with owner, ports, health, labels
//                  and when this node learned its current version
//   POST /services/register?service=S&instance=I[&port=P][&health=/path]  registers (or
//                  re-registers) an instance this node owns; POST /services/deregister?service=
//                  S&instance=I removes one
//   GET /replication  the replication role's state (primary or backup), when it has one
//   POST /replication/migrate?to=N  the primary starts a planned migration to backup N
//   /vms, POST /vms, POST /vms/standby, POST /vms/NAME/migrate, POST /vms/NAME/delete  the
//                  Endophyte VM this host runs or keeps a standby of (real/agent/vm_service.hpp)
//   GET /distribution, GET /distribution/master  the master-slave lease this agent runs for
//                  its application (spec.distribution; real/agent/master_lease_service.hpp)
//   GET /metrics   the node's metrics in the Prometheus text format
//   GET /series/NAME  the latest samples of one time series (replication_lag_ms, ...)
// Times in answers are Unix seconds (`*_unix_s`), so a harness can line up several agents.
// Everything runs on the io_context the caller runs (one thread).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include <core/spore/spore_node.hpp>
#include <real/agent/admin_server.hpp>
#include <real/agent/agent_config.hpp>
#include <real/agent/master_lease_service.hpp>
#include <real/agent/peer_resolver.hpp>
#include <real/agent/replication_role.hpp>
#include <real/agent/rtt_service.hpp>
#include <real/agent/vm_service.hpp>
#include <real/env/asio_environment.hpp>

namespace mycelium::real {

class Agent {
 public:
  // Binds the node's sockets and the admin API at once: throws boost::system::system_error when
  // an address is taken or unusable. `log` receives one line per notable event.
  Agent(boost::asio::io_context& io, AgentConfig config, std::function<void(std::string)> log);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Leaves the network gracefully (peers see it as left, not dead).
  void leave();

  HttpResponse answer(const HttpRequest& request);
  std::string status_json() const;
  std::string members_json() const;
  std::string services_json() const;
  std::string metrics_text() const;
  // POST /replication/migrate?to=N: 202 once started, 400 / 404 / 409 with the reason.
  HttpResponse migrate(std::string_view query) const;
  // POST /services/register and /services/deregister: the query's parameters, checked.
  HttpResponse register_instance(std::string_view query) const;
  HttpResponse deregister_instance(std::string_view query) const;
  // GET /series/NAME; 404 for a series never recorded.
  HttpResponse series_json(std::string_view name) const;
  const AsioEnvironment& environment() const { return *env_; }
  std::optional<boost::asio::ip::tcp::endpoint> admin_endpoint() const;

 private:
  // The /vms routes, `rest` the path after /vms.
  HttpResponse answer_vms(std::string_view method, std::string_view rest, std::string_view query,
                          std::string_view body);
  // Registers this host as an instance of kVmHostService: its admin address and zone as labels.
  void advertise_vm_host();

  // A time of the environment's clock as Unix seconds (the clocks are read together once).
  double unix_seconds(TimePoint at) const;

  // When this node learned the current version of each live instance (the topology's own
  // records carry no local times); an entry goes when its instance is removed.
  struct Learned {
    std::uint64_t version = 0;
    TimePoint at{};
  };
  void on_topology_change(const spore::ServiceInstanceRecord& record, spore::TopologyChange change);

  AgentConfig config_;
  std::function<void(std::string)> log_;
  std::unique_ptr<AsioEnvironment> env_;
  std::unique_ptr<spore::SporeNode> node_;
  std::unique_ptr<ReplicationRole> replication_;      // after env_: destroyed before it
  std::unique_ptr<VmService> vms_;                    // with spec.vmHost
  std::unique_ptr<RttService> rtt_;                   // answers every probe; probes on request
  std::unique_ptr<MasterLeaseService> master_lease_;  // spec.distribution: master-slave
  std::unique_ptr<AdminServer> admin_;
  std::unique_ptr<PeerResolver> resolver_;  // peers named by DNS; none when all are addresses
  TimePoint started_{};
  std::chrono::system_clock::time_point unix_at_start_{};
  std::map<std::pair<std::string, std::string>, Learned> learned_;
};

// The Prometheus text exposition (version 0.0.4) of `metrics`: counters as counter, gauges as
// gauge, each sample labelled with node="<id>"; names are already snake_case with units.
std::string prometheus_text(const AgentMetrics& metrics, NodeId node);

}  // namespace mycelium::real
