#include <algorithm>
#include <cstdio>

#include <core/assert.hpp>
#include <core/spore/spore_codec.hpp>
#include <core/spore/spore_node.hpp>

namespace mycelium::spore {

namespace {

// A node refuses an invalid configuration loudly, before any member is built from it.
std::shared_ptr<const SporeNodeConfig> checked(std::shared_ptr<const SporeNodeConfig> config) {
  MYCELIUM_ASSERT(config != nullptr);
  const std::string problem = validate(*config);
  if (!problem.empty()) std::fprintf(stderr, "invalid SporeNodeConfig: %s\n", problem.c_str());
  MYCELIUM_ASSERT(problem.empty());
  return config;
}

}  // namespace

std::string validate(const SporeNodeConfig& config) {
  if (std::string problem = validate(config.membership); !problem.empty())
    return "membership: " + problem;
  if (std::string problem = validate(config.topology); !problem.empty())
    return "topology: " + problem;
  if (config.network_name.empty()) return "network_name must not be empty";
  if (std::string problem = Authenticator::key_problem(config.network_key);
      !problem.empty() && !config.shared_authenticator)
    return "network_key: " + problem;
  if (config.max_tracked_senders == 0) return "max_tracked_senders must be at least 1";
  if (config.health_check_interval <= Duration::zero())
    return "health_check_interval must be positive";
  if (config.tombstone_sweep_interval <= Duration::zero())
    return "tombstone_sweep_interval must be positive";
  if (config.max_queued_instance_updates == 0)
    return "max_queued_instance_updates must be at least 1";
  return {};
}

SporeNode::SporeNode(Environment& env, SporeNodeConfig config, std::vector<NodeId> seeds,
                     std::vector<NodeId> known_members)
    : SporeNode(env, std::make_shared<const SporeNodeConfig>(std::move(config)), std::move(seeds),
                std::move(known_members)) {}

SporeNode::SporeNode(Environment& env, std::shared_ptr<const SporeNodeConfig> config,
                     std::vector<NodeId> seeds, std::vector<NodeId> known_members)
    : env_(env),
      config_holder_(checked(std::move(config))),
      config_(*config_holder_),
      authenticator_(config_.shared_authenticator
                         ? config_.shared_authenticator
                         : std::make_shared<const Authenticator>(config_.network_key)),
      replay_window_(config_.max_tracked_senders),
      network_id_(network_id_from_name(config_.network_name)),
      // Above every number a previous life of this member sent, which the others' replay windows
      // would refuse (first_sequence).
      next_sequence_(first_sequence(config_.first_sequence, env.now().time_since_epoch().count())),
      random_(env.random().next_u64()),
      topology_(env.self(), config_.topology),
      instance_gossip_(config_.max_queued_instance_updates),
      alive_(std::make_shared<SporeNode*>(this)) {
  env_.bind(kSporePort, [this](const Message& message) { on_datagram(message); });
  health_timer_ =
      env_.schedule_periodic(config_.health_check_interval, [this] { check_local_health(); });
  sweep_timer_ = env_.schedule_periodic(config_.tombstone_sweep_interval,
                                        [this] { topology_.expire(env_.now()); });
  MembershipHooks hooks;
  hooks.send = [this](NodeId to, SporeMessage message, Piggybacking piggyback) {
    send(to, std::move(message), piggyback);
  };
  hooks.member_changed = [this](const MemberInfo& member) { on_member_changed(member); };
  hooks.node_gossip_pending = [this] { return !instance_gossip_.empty(); };
  hooks.update_bytes = [](const MemberUpdate& update) { return encoded_size(update); };
  // While service records wait, member updates get at most half the room: a join storm of
  // member news must not starve a registration (measured: at 3000 members it reached nobody in
  // 25 s when member updates could take the whole datagram).
  hooks.message_bytes = [this](const SporeMessage& message) {
    const std::size_t base = encoded_size_without_gossip(message);
    if (instance_gossip_.empty() || base >= config_.membership.max_message_bytes) return base;
    return base + (config_.membership.max_message_bytes - base) / 2;
  };
  // The membership's configuration lives inside ours: an aliasing pointer shares its ownership.
  membership_ = std::make_unique<Membership>(
      env_, std::shared_ptr<const MembershipConfig>(config_holder_, &config_.membership),
      std::move(hooks), std::move(seeds), std::move(known_members));
}

SporeNode::~SporeNode() {
  membership_.reset();
  env_.cancel_timer(health_timer_);
  env_.cancel_timer(sweep_timer_);
  env_.unbind(kSporePort);
}

// --- the seed's API ---------------------------------------------------------------------------

WriteResult SporeNode::register_service_instance(const ServiceInstanceFields& fields) {
  WriteResult result = topology_.register_service_instance(fields, env_.now());
  if (result.published()) publish(result.record);
  return result;
}

WriteResult SporeNode::deregister(std::string_view service, std::string_view instance_id) {
  WriteResult result = topology_.deregister(service, instance_id, env_.now());
  if (result.published()) publish(result.record);
  return result;
}

// --- gossip -----------------------------------------------------------------------------------

void SporeNode::publish(const ServiceInstanceRecord& record) {
  instance_gossip_.push(InstanceKey{record.service, record.instance_id}, record);
  if (membership_) membership_->gossip_waiting();
}

void SporeNode::send(NodeId to, SporeMessage message, Piggybacking piggyback) {
  const std::size_t max_bytes = config_.membership.max_message_bytes;
  std::size_t used = encoded_size_without_gossip(message);
  const auto fill = [&](std::vector<MemberUpdate>& members,
                        std::vector<ServiceInstanceRecord>& instances, bool anti_entropy) {
    for (const MemberUpdate& update : members)
      used += encoded_size(update);
    MYCELIUM_ASSERT(used <= max_bytes);  // membership packed within the same budget
    if (piggyback == Piggybacking::kNo) return;
    if (anti_entropy) {
      for (const ServiceInstanceRecord& record :
           topology_.sample(config_.max_push_pull_instances, random_)) {
        const std::size_t size = encoded_size(record);
        if (used + size > max_bytes) continue;
        used += size;
        instances.push_back(record);
      }
      return;
    }
    // Before the membership exists (its constructor's first push-pulls), lambda * 1.
    const std::uint32_t limit =
        membership_ ? membership_->retransmit_limit() : config_.membership.retransmit_multiplier;
    instances = instance_gossip_.take(
        max_bytes - used, limit,
        [](const ServiceInstanceRecord& record) { return encoded_size(record); });
    for (const ServiceInstanceRecord& record : instances)
      used += encoded_size(record);
  };
  std::visit(
      [&fill](auto& body) {
        using Body = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<Body, PushPull>) {
          fill(body.members, body.instances, true);
        } else if constexpr (!std::is_same_v<Body, Nack>) {
          fill(body.gossip.members, body.gossip.instances, false);
        }
      },
      message);
  const Envelope envelope{network_id_, env_.self(), next_sequence_++};
  Message datagram;
  datagram.to = to;
  datagram.port = kSporePort;
  datagram.payload = encode(envelope, message, *authenticator_);
  MYCELIUM_ASSERT(datagram.payload.size() == used);
  env_.metrics().add_counter("spore_messages_sent_total", 1);
  env_.metrics().add_counter("spore_bytes_sent_total",
                             static_cast<std::int64_t>(datagram.payload.size()));
  env_.send(std::move(datagram));
}

// --- receiving --------------------------------------------------------------------------------

void SporeNode::count_drop(std::string_view reason) {
  env_.metrics().add_counter("spore_messages_dropped_total", 1);
  env_.metrics().add_counter("spore_messages_dropped_" + std::string(reason) + "_total", 1);
}

void SporeNode::on_datagram(const Message& message) {
  SporeDecodeResult decoded = decode(message.payload, *authenticator_, replay_window_, network_id_);
  if (decoded.refusal != SporeRefusal::kNone) {
    count_drop(refusal_name(decoded.refusal));
    return;
  }
  MYCELIUM_ASSERT(decoded.envelope && decoded.message);
  // The key authenticates the network, not the member: a member that claims another's id is
  // caught where the transport knows the source.
  if (decoded.envelope->sender != message.from) {
    count_drop("spoofed_sender");
    return;
  }
  env_.metrics().add_counter("spore_messages_received_total", 1);
  const NodeId from = decoded.envelope->sender;
  membership_->on_message(from, *decoded.message);
  std::visit(
      [this](const auto& body) {
        using Body = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<Body, PushPull>) {
          merge(body.instances);
        } else if constexpr (!std::is_same_v<Body, Nack>) {
          merge(body.gossip.instances);
        }
      },
      *decoded.message);
}

void SporeNode::merge(const std::vector<ServiceInstanceRecord>& records) {
  for (const ServiceInstanceRecord& record : records) {
    const MergeResult result = topology_.merge(record, env_.now());
    if (result.republished) {
      publish(*result.republished);  // our own record, answered with our current state
    } else if (result.changed) {
      publish(record);  // news: pass it on
    }
  }
}

void SporeNode::on_member_changed(const MemberInfo& member) {
  if (member.state == MemberState::kDead || member.state == MemberState::kLeft) {
    topology_.owner_gone(member.id);
  } else if (member.state == MemberState::kAlive) {
    topology_.owner_back(member.id);
  }
}

// --- health monitoring ------------------------------------------------------------------------

void SporeNode::check_local_health() {
  for (const ServiceInstanceRecord& record : topology_.export_records()) {
    if (record.owner != env_.self() || record.deregistered || record.health_endpoint.empty())
      continue;
    HealthCheck check;
    check.service = record.service;
    check.instance_id = record.instance_id;
    check.port = record.ports.empty() ? 0 : record.ports.front();
    check.endpoint = record.health_endpoint;
    check.timeout = config_.health_check_timeout;
    env_.metrics().add_counter("spore_health_checks_total", 1);
    std::weak_ptr<SporeNode*> node = alive_;
    env_.check_health(std::move(check), [node, service = record.service,
                                         instance = record.instance_id](bool healthy) {
      const std::shared_ptr<SporeNode*> self = node.lock();
      if (!self) return;  // this node was destroyed meanwhile
      SporeNode& spore = **self;
      const WriteResult result = spore.topology_.set_health(
          service, instance, healthy ? InstanceHealth::kHealthy : InstanceHealth::kUnhealthy,
          spore.env_.now());
      if (result.published()) spore.publish(result.record);
    });
  }
}

}  // namespace mycelium::spore
