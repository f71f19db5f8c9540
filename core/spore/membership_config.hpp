#pragma once
// Settings of the Service Spore membership protocol (SWIM with the Lifeguard refinements), with
// defaults for a LAN and a WAN. Every interval and multiplier is here; docs/spore.md explains
// what each one trades.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <core/env/time.hpp>

namespace mycelium::spore {

struct MembershipConfig {
  // One protocol period: one member probed. Scaled by (1 + local health) under Lifeguard.
  Duration probe_interval = std::chrono::seconds(1);
  // How long a direct ping waits for its ack before indirect probes start (also scaled).
  Duration probe_timeout = std::chrono::milliseconds(500);
  // k: members asked to probe the target indirectly.
  std::uint32_t indirect_checks = 3;
  // When the direct ping times out, ping the target directly once more, beside the indirect
  // probes: memberlist's fallback probe (it uses TCP; a second datagram here). Under loss p, a
  // probe then fails only if both direct round trips and all k indirect ones do, which cuts
  // false suspicions (and the news they spread) by 1 / (1 - (1 - p)^2): 5x at 10 % loss.
  bool fallback_ping = true;
  // alpha: the shortest suspicion lasts alpha * max(1, log10 N) protocol periods.
  double suspicion_multiplier = 4.0;
  // beta: the longest (no independent confirmation) lasts beta times the shortest.
  double suspicion_max_multiplier = 6.0;
  // lambda: each update is piggybacked lambda * ceil(log10(N + 1)) times.
  std::uint32_t retransmit_multiplier = 4;
  // Lifeguard's S: local health ranges over 0 .. max_local_health.
  std::uint32_t max_local_health = 8;
  // Gossip rounds: this often, pending updates go to `gossip_fanout` random members in a Gossip
  // message of their own (memberlist's GossipInterval and GossipNodes); 0 members disables it,
  // leaving updates to ride on probes only (about one doubling per protocol period).
  Duration gossip_interval = std::chrono::milliseconds(200);
  std::uint32_t gossip_fanout = 3;
  // Anti-entropy: a push-pull exchange with one random member this often.
  Duration push_pull_interval = std::chrono::seconds(30);
  // A dead or departed member is forgotten this long after it went (memberlist's
  // GossipToTheDeadTime): long enough that the news of its death has finished spreading, so
  // stale gossip about it no longer circulates to bring it back.
  Duration gone_member_retention = std::chrono::seconds(30);
  // Bounds: members tracked (beyond, joins are refused and counted), members in one push-pull,
  // updates waiting to be gossiped.
  std::size_t max_members = 65536;
  // Partial view, for networks too large for every member to know every other (a member table
  // per member is N^2 in all): 0 keeps the full table above; otherwise a member knows, probes
  // and gossips to at most this many members, relays the news about the others (rumors, below)
  // and takes `expected_members` as the network size wherever SWIM scales with log N.
  std::size_t view_members = 0;
  std::size_t expected_members = 0;
  // Rumors kept about members outside a partial view (each relayed once per change, then
  // remembered for gone_member_retention so stale copies are not relayed again); the oldest
  // go first beyond this.
  std::size_t max_rumors = 1024;
  // Partial view only: a suspicion stays with the members that hold the suspect (strangers
  // neither relay it nor the refutation that answers it), so each member's share of the
  // network's false suspicions stays O(view) instead of O(N). The suspecter tells the suspect
  // directly, once per protocol period, and the suspect answers it directly; the helpers of the
  // failed probe that nacked (alive, and could not reach it either) count as independent
  // confirmations, since the other holders' suspicions no longer reach it. Deaths still reach
  // every member. Off: suspicions are relayed by everyone, like deaths.
  bool scoped_suspicions = true;
  // Scoped suspicions: witnesses. A suspicion still unrefuted after this fraction of the
  // shortest suspicion timeout asks one random member per protocol period to probe the suspect,
  // until it holds indirect_checks confirmations; a witness that nacks (alive, and could not
  // reach the suspect either) is one more. Without them, under heavy loss a suspecter holds only
  // the nacks of its own failed probe (each crosses the loss twice: about half arrive at 30 %),
  // so a real death waited out most of the longest timeout (6x the shortest). Held back until
  // the suspect has had this long to answer the suspecter's notes: a live one almost surely has
  // (at 30 % loss each note and answer get through together with probability 0.49 per period),
  // so the witnesses rarely shorten the suspicion of a live member. 0 disables them.
  double witness_after_fraction = 0.5;
  std::size_t max_push_pull_members = 48;
  std::size_t max_queued_updates = 4096;
  // A datagram carries at most this many bytes (envelope, body and piggybacked gossip).
  std::size_t max_message_bytes = 1400;

  // memberlist's DefaultLANConfig values: a data centre, sub-millisecond round trips.
  static MembershipConfig lan() { return MembershipConfig{}; }
  // memberlist's DefaultWANConfig values: round trips of tens to hundreds of milliseconds.
  static MembershipConfig wan() {
    MembershipConfig config;
    config.probe_interval = std::chrono::seconds(5);
    config.probe_timeout = std::chrono::seconds(3);
    config.suspicion_multiplier = 6.0;
    config.push_pull_interval = std::chrono::seconds(60);
    config.gossip_interval = std::chrono::milliseconds(500);
    config.gossip_fanout = 4;
    return config;
  }
};

// Empty when usable; otherwise what is wrong, naming the field.
std::string validate(const MembershipConfig& config);

}  // namespace mycelium::spore
