#include <optional>

#include <boost/asio/ip/udp.hpp>

#include <real/agent/peer_resolver.hpp>

namespace mycelium::real {

namespace asio = boost::asio;

struct PeerResolver::Peer {
  Peer(asio::io_context& io, AgentPeer named) : peer(std::move(named)), resolver(io), timer(io) {}
  AgentPeer peer;
  asio::ip::udp::resolver resolver;
  asio::steady_timer timer;
  std::optional<asio::ip::udp::endpoint> endpoint;  // the last address handed on
  bool failing_logged = false;
};

PeerResolver::PeerResolver(asio::io_context& io, std::vector<AgentPeer> named, Resolved resolved,
                           std::function<void(std::string)> log, PeerResolverConfig config)
    : io_(io),
      resolved_(std::move(resolved)),
      log_(std::move(log)),
      config_(config),
      alive_(std::make_shared<bool>(true)) {
  for (AgentPeer& peer : named)
    peers_.push_back(std::make_unique<Peer>(io_, std::move(peer)));
  for (std::size_t i = 0; i < peers_.size(); ++i)
    resolve(i);
}

PeerResolver::~PeerResolver() {
  *alive_ = false;
  for (const std::unique_ptr<Peer>& peer : peers_) {
    peer->resolver.cancel();
    peer->timer.cancel();
  }
}

std::size_t PeerResolver::resolved_count() const {
  std::size_t count = 0;
  for (const std::unique_ptr<Peer>& peer : peers_)
    count += peer->endpoint.has_value() ? 1 : 0;
  return count;
}

void PeerResolver::resolve(std::size_t index) {
  const AgentPeer& named = peers_[index]->peer;
  peers_[index]->resolver.async_resolve(
      config_.protocol, named.address.host, std::to_string(named.address.port),
      [this, index, alive = alive_](const boost::system::error_code& error,
                                    asio::ip::udp::resolver::results_type results) {
        if (!*alive || error == asio::error::operation_aborted) return;
        Peer& peer = *peers_[index];
        const std::string name = peer.peer.address.to_string();
        if (error || results.empty()) {
          if (!peer.failing_logged) {
            log_("peer " + std::to_string(peer.peer.node.value) + " (" + name +
                 ") does not resolve yet (" + (error ? error.message() : "no address") +
                 "): retrying every " + std::to_string(config_.retry_interval.count()) + " ms");
            peer.failing_logged = true;
          }
          // A peer that resolved before keeps its last address meanwhile.
          schedule(index, peer.endpoint ? config_.refresh_interval : config_.retry_interval);
          return;
        }
        peer.failing_logged = false;
        const asio::ip::udp::endpoint endpoint = results.begin()->endpoint();
        if (peer.endpoint != endpoint) {
          log_("peer " + std::to_string(peer.peer.node.value) + " (" + name + ") is at " +
               endpoint.address().to_string() + ":" + std::to_string(endpoint.port()));
          peer.endpoint = endpoint;
          resolved_(peer.peer.node, endpoint);
        }
        schedule(index, config_.refresh_interval);
      });
}

void PeerResolver::schedule(std::size_t index, std::chrono::milliseconds delay) {
  Peer& peer = *peers_[index];
  peer.timer.expires_after(delay);
  peer.timer.async_wait([this, index, alive = alive_](const boost::system::error_code& error) {
    if (!*alive || error) return;
    resolve(index);
  });
}

}  // namespace mycelium::real
