#pragma once
// Master-slave for the application beside this agent (spec.distribution, strategy master-slave;
// docs/distribution.md, docs/myceliumd.md): the core's lease election (at most one master per
// term, at most one at any instant) runs among the members, and the application reads the
// outcome from the admin API instead of electing a master itself:
//   GET /distribution         {"strategy": "master-slave", "node", "master" (this node holds the
//                             lease), "term", "lease_end_unix_s" (null unless master),
//                             "backed_master" (the member this node's grant binds it to, null
//                             when none), "backed_master_host" (its host from spec.peers, or this
//                             node's listen host), "members"}
//   GET /distribution/master  200 "master" while this node holds the lease, 503 otherwise: a
//                             readiness or load-balancer check that routes writes to the master
// Each change (master of a term, stepped down) goes to the agent's log.

#include <functional>
#include <memory>
#include <string>

#include <core/distribution/lease_election.hpp>
#include <real/agent/admin_server.hpp>
#include <real/agent/agent_config.hpp>
#include <real/env/asio_environment.hpp>

namespace mycelium::real {

class MasterLeaseService {
 public:
  // `config` (with its distribution section) must outlive the service; `unix_seconds` turns the
  // environment's times into Unix seconds for the answers.
  MasterLeaseService(AsioEnvironment& env, const AgentConfig& config,
                     std::function<void(std::string)> log,
                     std::function<double(TimePoint)> unix_seconds);
  ~MasterLeaseService();
  MasterLeaseService(const MasterLeaseService&) = delete;
  MasterLeaseService& operator=(const MasterLeaseService&) = delete;

  HttpResponse status() const;
  HttpResponse master_check() const;

 private:
  std::string host_of(NodeId node) const;

  const AgentConfig& config_;
  std::function<void(std::string)> log_;
  std::function<double(TimePoint)> unix_seconds_;
  std::unique_ptr<distribution::LeaseElection> election_;
};

}  // namespace mycelium::real
