#pragma once
// The Service Spore protocol's messages (membership and failure detection in the SWIM family
// with the Lifeguard refinements, gossip of the service topology, anti-entropy). Encoded by
// spore_codec.hpp inside an authenticated envelope (spore_auth.hpp); this header is only the
// data. Every message is small and bounded: a datagram of at most SporeConfig::max_message_bytes
// (default 1400), into which as many piggybacked updates are packed as fit.

#include <cstdint>
#include <variant>
#include <vector>

#include <core/env/message.hpp>
#include <core/env/node_id.hpp>
#include <core/spore/service_instance.hpp>

namespace mycelium::spore {

// Spore traffic has its own port on every node.
inline constexpr Port kSporePort{7200};

enum class MemberState : std::uint8_t {
  kAlive = 0,
  kSuspect = 1,  // someone failed to reach it; it has a suspicion timeout to refute
  kDead = 2,     // confirmed failed
  kLeft = 3,     // left on purpose (graceful leave)
};

// What one member says about another (SWIM's alive / suspect / confirm). For the same member, a
// higher incarnation wins; at equal incarnation kLeft > kDead > kSuspect > kAlive. Only the
// member itself raises its incarnation (to refute a suspicion, or when it rejoins).
struct MemberUpdate {
  NodeId member;
  std::uint64_t incarnation = 0;
  MemberState state = MemberState::kAlive;
  NodeId reporter;  // who suspects or declares it dead (Lifeguard counts independent suspicions);
                    // the member itself for kAlive and kLeft

  bool operator==(const MemberUpdate&) const = default;
};

// Gossip carried by every protocol message, newest first, as many as fit.
struct Piggyback {
  std::vector<MemberUpdate> members;
  std::vector<ServiceInstanceRecord> instances;

  bool operator==(const Piggyback&) const = default;
};

// Direct probe. The target answers with an Ack carrying the same sequence number.
struct Ping {
  std::uint32_t sequence = 0;
  NodeId target;  // the member meant to answer (a stale address then answers nothing)
  Piggyback gossip;
  bool operator==(const Ping&) const = default;
};

// Indirect probe request: please ping `target` for me and forward its ack (sequence numbers are
// the requester's).
struct PingRequest {
  std::uint32_t sequence = 0;
  NodeId target;
  Piggyback gossip;
  bool operator==(const PingRequest&) const = default;
};

// The target is alive: sent by the target to the prober, or forwarded by an intermediary to
// the member that asked it for an indirect probe.
struct Ack {
  std::uint32_t sequence = 0;
  NodeId target;  // the member whose liveness this proves
  Piggyback gossip;
  bool operator==(const Ack&) const = default;
};

// Lifeguard: an intermediary got no ack from the target in time. Tells the requester that the
// intermediary itself is alive and reachable, so a missing ack is not the requester's own fault.
struct Nack {
  std::uint32_t sequence = 0;
  NodeId target;
  bool operator==(const Nack&) const = default;
};

// Anti-entropy: a member sends a bounded sample of its state to one random member, which merges
// it and (for a request) answers with its own sample.
struct PushPull {
  bool is_reply = false;
  std::vector<MemberUpdate> members;
  std::vector<ServiceInstanceRecord> instances;
  bool operator==(const PushPull&) const = default;
};

// Gossip alone, pushed to a few random members every gossip interval: news spreads at the
// gossip rate rather than only on probes (one message per member per protocol period). No answer.
struct Gossip {
  Piggyback gossip;
  bool operator==(const Gossip&) const = default;
};

using SporeMessage = std::variant<Ping, PingRequest, Ack, Nack, PushPull, Gossip>;

}  // namespace mycelium::spore
