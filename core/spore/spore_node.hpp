#pragma once
// One member of a Service Spore network (seed: EndomyceteServiceSpore): membership and failure
// detection (membership.hpp), the replicated service topology (service_topology.hpp), health
// monitoring of the instances this member registered, all over one authenticated datagram port
// (spore_codec.hpp, spore_auth.hpp). The seed's API: register_service_instance (register,
// publish, start health monitoring), deregister, discover_peer_instances (local view merged with
// the network's, de-duplicated, healthy), and change subscriptions.
//
// Every message piggybacks gossip: member updates first (membership decides how many), then
// service records in the room left, up to max_message_bytes. Push-pull exchanges carry a member
// sample and a topology sample, so a member that missed gossip catches up.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <core/env/environment.hpp>
#include <core/spore/gossip_queue.hpp>
#include <core/spore/membership.hpp>
#include <core/spore/service_topology.hpp>
#include <core/spore/spore_auth.hpp>

namespace mycelium::spore {

struct SporeNodeConfig {
  MembershipConfig membership = MembershipConfig::lan();
  ServiceTopologyConfig topology;
  std::string network_name = "mycelium";  // members of other networks are refused
  std::vector<std::uint8_t> network_key;  // shared by the network's members; >= 16 bytes
  // When set, used instead of an Authenticator keyed from network_key (which may then be
  // empty): the members of one process sharing a key share one (a simulation of a million
  // members saves a keyed context per member, and keeps one hot in cache). Single-threaded use.
  std::shared_ptr<const Authenticator> shared_authenticator;
  std::size_t max_tracked_senders = 4096;  // replay windows kept (spore_auth.hpp)
  // The first datagram sequence (spore_auth.hpp, first_sequence): 0 takes the Environment's
  // clock in ns. The real runtime sets the system clock's ns at start, so a restarted member is
  // not refused as a replay of its earlier life.
  std::uint64_t first_sequence = 0;
  Duration health_check_interval = std::chrono::seconds(10);
  Duration health_check_timeout = std::chrono::seconds(2);
  Duration tombstone_sweep_interval = std::chrono::minutes(1);
  std::size_t max_push_pull_instances = 16;
  std::size_t max_queued_instance_updates = 1024;
};

// Empty when usable; otherwise what is wrong, naming the field.
std::string validate(const SporeNodeConfig& config);

class SporeNode {
 public:
  // `seeds`: members to join through; `known_members`: members believed alive already
  // (Membership's constructor).
  SporeNode(Environment& env, SporeNodeConfig config, std::vector<NodeId> seeds,
            std::vector<NodeId> known_members = {});
  // The same with a configuration that many nodes share: a simulation keeps one copy, hot in
  // cache, instead of one per member (about 450 bytes each). `config` must not be null.
  SporeNode(Environment& env, std::shared_ptr<const SporeNodeConfig> config,
            std::vector<NodeId> seeds, std::vector<NodeId> known_members = {});
  ~SporeNode();
  SporeNode(const SporeNode&) = delete;
  SporeNode& operator=(const SporeNode&) = delete;

  WriteResult register_service_instance(const ServiceInstanceFields& fields);
  WriteResult deregister(std::string_view service, std::string_view instance_id);
  std::vector<ServiceInstanceRecord> discover_peer_instances(std::string_view service) const {
    return topology_.discover_peer_instances(service);
  }
  ServiceTopology::SubscriptionId subscribe(std::string service, ServiceTopology::Callback cb) {
    return topology_.subscribe(std::move(service), std::move(cb));
  }
  bool unsubscribe(ServiceTopology::SubscriptionId id) { return topology_.unsubscribe(id); }
  // Leaves the network gracefully (membership.hpp); instances stay registered until then.
  void leave() { membership_->leave(); }

  const Membership& membership() const { return *membership_; }
  const ServiceTopology& topology() const { return topology_; }

 private:
  using InstanceKey = std::pair<std::string, std::string>;

  void on_datagram(const Message& message);
  // Adds pending service records to the message's gossip unless `piggyback` is kNo.
  void send(NodeId to, SporeMessage message, Piggybacking piggyback);
  void publish(const ServiceInstanceRecord& record);
  void merge(const std::vector<ServiceInstanceRecord>& records);
  void on_member_changed(const MemberInfo& member);
  void check_local_health();
  void count_drop(std::string_view reason);

  Environment& env_;
  std::shared_ptr<const SporeNodeConfig> config_holder_;
  const SporeNodeConfig& config_;  // *config_holder_
  std::shared_ptr<const Authenticator> authenticator_;
  ReplayWindow replay_window_;
  std::uint64_t network_id_;
  std::uint64_t next_sequence_;
  RandomStream random_;
  ServiceTopology topology_;
  GossipQueue<InstanceKey, ServiceInstanceRecord> instance_gossip_;
  // Health answers may arrive after this node is gone: they hold a weak reference to this.
  std::shared_ptr<SporeNode*> alive_;
  TimerId health_timer_;
  TimerId sweep_timer_;
  std::unique_ptr<Membership> membership_;  // last: its constructor already sends
};

}  // namespace mycelium::spore
