#pragma once
// Peer-to-peer discovery by a Kademlia-style DHT (issue 8, item 5; docs/distribution.md), for
// `distributionStrategy: peer-to-peer` with `discoveryMechanism: dht`: which nodes are closest to
// a key (the peers responsible for it), found in O(log N) round trips without any node knowing
// the whole network. Bootstrapped from the peers the Service Spores report. Sans-IO.
//
//  * Keys are 64 bits; a node's key is splitmix64 of its id (uniform); distance is XOR.
//  * Routing table: one bucket per distance bit (the position of the highest differing bit),
//    each of at most `bucket_size` (k) nodes, least recently heard first. A node heard from goes
//    to the back of its bucket; a new one joins a full bucket only when a node there has failed
//    to answer (it is then dropped), so long-lived nodes stay, as Kademlia prefers.
//  * Lookup of a key: a shortlist of the k closest nodes known, `parallelism` (alpha) queries in
//    flight to the closest not yet asked; each answer (the 2k closest the answerer knows: some
//    may have crashed unseen) merges into the shortlist; a node that does not answer within `rpc_timeout` is dropped from it and
//    from the routing table. It ends when the k closest in the shortlist have all answered: its
//    result, with how many queries it took.
//  * Join: the bootstrap peers go into the table and the node looks up its own key, which fills
//    its buckets and puts it in its neighbours'.
// Bounded: buckets (64 x k), a lookup's shortlist (k + what one round of answers adds, trimmed to
// 4k), lookups at once (`max_lookups`: lookup() refuses beyond).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include <core/env/environment.hpp>

namespace mycelium::distribution {

inline constexpr Port kDhtPort{7340};

using DhtKey = std::uint64_t;
DhtKey dht_key_of(NodeId node);

// The wire: u8 version (=1) | u8 type (1 FindNode, 2 Nodes) | varint lookup | u64 target |
// varint count (<= 64) | count x varint node id. decode_dht_message() returns nullopt otherwise.
enum class DhtMessageType : std::uint8_t { kFindNode = 1, kNodes = 2 };
struct DhtMessage {
  DhtMessageType type = DhtMessageType::kFindNode;
  std::uint64_t lookup = 0;  // the asker's lookup number, echoed
  DhtKey target = 0;
  std::vector<NodeId> nodes;  // Nodes only
  bool operator==(const DhtMessage&) const = default;
};
inline constexpr std::size_t kMaxDhtNodesPerMessage = 64;
std::vector<std::uint8_t> encode(const DhtMessage& message);
std::optional<DhtMessage> decode_dht_message(std::span<const std::uint8_t> bytes);

struct DhtConfig {
  std::size_t bucket_size = 8;  // k: how many closest nodes a lookup returns; at most 32
  std::size_t parallelism = 3;  // alpha
  Duration rpc_timeout = std::chrono::milliseconds(500);
  std::size_t max_lookups = 64;
};

class DhtNode {
 public:
  // The k closest nodes to the key found (this node among them if it is one), closest first,
  // and the queries the lookup sent.
  using LookupDone = std::function<void(const std::vector<NodeId>& closest, std::size_t queries)>;

  DhtNode(Environment& env, DhtConfig config, std::vector<NodeId> bootstrap);
  ~DhtNode();
  DhtNode(const DhtNode&) = delete;
  DhtNode& operator=(const DhtNode&) = delete;

  // False when max_lookups are running.
  bool lookup(DhtKey target, LookupDone done);
  std::size_t known_nodes() const;

 private:
  struct Candidate {
    NodeId node;
    enum class State { kNew, kAsked, kAnswered } state = State::kNew;
  };
  struct Lookup {
    DhtKey target = 0;
    std::vector<Candidate> shortlist;  // closest first
    std::map<NodeId, TimerId> in_flight;
    std::size_t queries = 0;
    LookupDone done;
  };

  void on_message(const Message& message);
  void heard_from(NodeId node);
  void learned_of(NodeId node);
  void failed(NodeId node);
  std::vector<NodeId> closest_known(DhtKey target, std::size_t count) const;
  void merge(Lookup& lookup, std::span<const NodeId> nodes);
  void advance(std::uint64_t id);
  void send(NodeId to, const DhtMessage& message);
  std::size_t bucket_of(NodeId node) const;

  Environment& env_;
  DhtConfig config_;
  DhtKey self_key_;
  std::vector<std::vector<NodeId>> buckets_;  // 64, each least recently heard first
  std::map<std::uint64_t, Lookup> lookups_;
  std::uint64_t next_lookup_ = 1;
};

}  // namespace mycelium::distribution
