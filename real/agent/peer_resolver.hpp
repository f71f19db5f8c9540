#pragma once
// Peers named by DNS (spec.peers[].address "db-0.db.default.svc.cluster.local:7946", docs/
// kubernetes.md): resolved in the background and handed to the AsioEnvironment's directory as
// they resolve. A StatefulSet's pods get their DNS records as they are created, so a name that
// does not resolve yet is retried every `retry_interval`; a pod rescheduled elsewhere gets a new
// address under the same name, so resolved names are resolved again every `refresh_interval` and
// a changed address replaces the old one. Until a peer resolves, what is sent to it is dropped
// (the spore's retries and its seeds' join retries carry on).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <real/agent/agent_config.hpp>

namespace mycelium::real {

struct PeerResolverConfig {
  std::chrono::milliseconds retry_interval{2000};
  std::chrono::milliseconds refresh_interval{30000};
  // Only addresses of the family this agent's socket speaks (a socket bound to 127.0.0.1 cannot
  // send to ::1, and "localhost" resolves to both).
  boost::asio::ip::udp protocol = boost::asio::ip::udp::v4();
};

class PeerResolver {
 public:
  using Resolved = std::function<void(NodeId node, const boost::asio::ip::udp::endpoint& endpoint)>;

  // Starts resolving every peer in `named` (addresses that are DNS names) at once. `resolved` is
  // called on the io_context's thread for each first address and each change.
  PeerResolver(boost::asio::io_context& io, std::vector<AgentPeer> named, Resolved resolved,
               std::function<void(std::string)> log, PeerResolverConfig config = {});
  ~PeerResolver();
  PeerResolver(const PeerResolver&) = delete;
  PeerResolver& operator=(const PeerResolver&) = delete;

  std::size_t resolved_count() const;

 private:
  struct Peer;
  void resolve(std::size_t index);
  void schedule(std::size_t index, std::chrono::milliseconds delay);

  boost::asio::io_context& io_;
  Resolved resolved_;
  std::function<void(std::string)> log_;
  PeerResolverConfig config_;
  std::vector<std::unique_ptr<Peer>> peers_;
  std::shared_ptr<bool> alive_;  // handlers that outlive the resolver see false
};

}  // namespace mycelium::real
