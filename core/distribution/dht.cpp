#include <algorithm>
#include <bit>

#include <core/assert.hpp>
#include <core/distribution/dht.hpp>
#include <core/env/random_stream.hpp>
#include <core/wire/byte_io.hpp>

namespace mycelium::distribution {

namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kKeyBits = 64;
constexpr std::size_t kShortlistFactor = 4;  // a shortlist keeps at most 4k candidates

}  // namespace

DhtKey dht_key_of(NodeId node) {
  std::uint64_t state = node.value;
  return splitmix64(state);
}

std::vector<std::uint8_t> encode(const DhtMessage& message) {
  MYCELIUM_ASSERT(message.nodes.size() <= kMaxDhtNodesPerMessage);
  wire::ByteWriter writer;
  writer.u8(kVersion);
  writer.u8(static_cast<std::uint8_t>(message.type));
  writer.varint(message.lookup);
  writer.u64(message.target);
  writer.varint(message.nodes.size());
  for (const NodeId node : message.nodes)
    writer.varint(node.value);
  return writer.take();
}

std::optional<DhtMessage> decode_dht_message(std::span<const std::uint8_t> bytes) {
  wire::ByteReader reader(bytes);
  const std::uint8_t version = reader.u8();
  const std::uint8_t type = reader.u8();
  DhtMessage message;
  message.lookup = reader.varint();
  message.target = reader.u64();
  const std::uint64_t count = reader.varint();
  if (!reader.ok() || version != kVersion || type < 1 || type > 2 ||
      count > kMaxDhtNodesPerMessage || (type == 1 && count != 0)) {
    return std::nullopt;
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t node = reader.varint();
    if (node >= NodeId::kInvalidValue) return std::nullopt;
    message.nodes.push_back(NodeId{static_cast<std::uint32_t>(node)});
  }
  if (!reader.ok() || !reader.at_end()) return std::nullopt;
  message.type = static_cast<DhtMessageType>(type);
  return message;
}

DhtNode::DhtNode(Environment& env, DhtConfig config, std::vector<NodeId> bootstrap)
    : env_(env), config_(config), self_key_(dht_key_of(env.self())), buckets_(kKeyBits) {
  MYCELIUM_ASSERT(config_.bucket_size >= 1 && config_.parallelism >= 1);
  MYCELIUM_ASSERT(2 * config_.bucket_size <= kMaxDhtNodesPerMessage);
  env_.bind(kDhtPort, [this](const Message& message) { on_message(message); });
  for (const NodeId node : bootstrap)
    heard_from(node);
  lookup(self_key_, [](const std::vector<NodeId>&, std::size_t) {});  // join
}

DhtNode::~DhtNode() {
  for (auto& [id, running] : lookups_) {
    for (auto& [node, timer] : running.in_flight)
      env_.cancel_timer(timer);
  }
  env_.unbind(kDhtPort);
}

std::size_t DhtNode::known_nodes() const {
  std::size_t count = 0;
  for (const std::vector<NodeId>& bucket : buckets_)
    count += bucket.size();
  return count;
}

std::size_t DhtNode::bucket_of(NodeId node) const {
  const DhtKey distance = dht_key_of(node) ^ self_key_;
  MYCELIUM_ASSERT(distance !=
                  0);  // another node (keys of distinct ids differ: splitmix64 is a bijection)
  return kKeyBits - 1 - static_cast<std::size_t>(std::countl_zero(distance));
}

void DhtNode::heard_from(NodeId node) {
  if (node == env_.self() || !node.valid()) return;
  std::vector<NodeId>& bucket = buckets_[bucket_of(node)];
  const auto known = std::find(bucket.begin(), bucket.end(), node);
  if (known != bucket.end()) {
    bucket.erase(known);
    bucket.push_back(node);  // most recently heard last
  } else if (bucket.size() < config_.bucket_size) {
    bucket.push_back(node);
  }  // a full bucket keeps its nodes until one fails to answer
}

void DhtNode::learned_of(NodeId node) {
  // Named in an answer, not heard from: it may take a free place, and moves nothing.
  if (node == env_.self() || !node.valid()) return;
  std::vector<NodeId>& bucket = buckets_[bucket_of(node)];
  if (bucket.size() < config_.bucket_size &&
      std::find(bucket.begin(), bucket.end(), node) == bucket.end())
    bucket.push_back(node);
}

void DhtNode::failed(NodeId node) {
  std::vector<NodeId>& bucket = buckets_[bucket_of(node)];
  std::erase(bucket, node);
  env_.metrics().add_counter("distribution_dht_timeouts_total", 1);
}

std::vector<NodeId> DhtNode::closest_known(DhtKey target, std::size_t count) const {
  std::vector<NodeId> all;
  for (const std::vector<NodeId>& bucket : buckets_)
    all.insert(all.end(), bucket.begin(), bucket.end());
  const auto nearer = [target](NodeId a, NodeId b) {
    return (dht_key_of(a) ^ target) < (dht_key_of(b) ^ target);
  };
  const std::size_t kept = std::min(count, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(kept), all.end(),
                    nearer);
  all.resize(kept);
  return all;
}

bool DhtNode::lookup(DhtKey target, LookupDone done) {
  if (lookups_.size() >= config_.max_lookups) return false;
  const std::uint64_t id = next_lookup_++;
  Lookup& running = lookups_[id];
  running.target = target;
  running.done = std::move(done);
  // This node is a candidate too, already answered: it knows what it knows.
  running.shortlist.push_back(Candidate{env_.self(), Candidate::State::kAnswered});
  merge(running, closest_known(target, config_.bucket_size));
  advance(id);
  return true;
}

void DhtNode::merge(Lookup& running, std::span<const NodeId> nodes) {
  for (const NodeId node : nodes) {
    if (!node.valid()) continue;
    const bool present = std::any_of(running.shortlist.begin(), running.shortlist.end(),
                                     [node](const Candidate& c) { return c.node == node; });
    if (!present) running.shortlist.push_back(Candidate{node});
  }
  const DhtKey target = running.target;
  std::sort(running.shortlist.begin(), running.shortlist.end(),
            [target](const Candidate& a, const Candidate& b) {
              return (dht_key_of(a.node) ^ target) < (dht_key_of(b.node) ^ target);
            });
  const std::size_t limit = kShortlistFactor * config_.bucket_size;
  // Trim far candidates not in flight (an answer from one in flight still finds its entry).
  for (std::size_t i = running.shortlist.size(); i > limit; --i) {
    if (running.shortlist[i - 1].state != Candidate::State::kAsked)
      running.shortlist.erase(running.shortlist.begin() + static_cast<std::ptrdiff_t>(i - 1));
  }
}

void DhtNode::advance(std::uint64_t id) {
  Lookup& running = lookups_.at(id);
  // Ask the closest not asked yet among the k closest, up to alpha in flight.
  std::size_t considered = 0;
  bool pending = !running.in_flight.empty();
  for (Candidate& candidate : running.shortlist) {
    if (considered++ >= config_.bucket_size) break;
    if (candidate.state == Candidate::State::kAnswered) continue;
    pending = true;
    if (candidate.state == Candidate::State::kAsked) continue;
    if (running.in_flight.size() >= config_.parallelism) break;
    candidate.state = Candidate::State::kAsked;
    ++running.queries;
    const NodeId asked = candidate.node;
    running.in_flight[asked] = env_.schedule_once(config_.rpc_timeout, [this, id, asked] {
      Lookup& timed_out = lookups_.at(id);
      timed_out.in_flight.erase(asked);
      std::erase_if(timed_out.shortlist, [asked](const Candidate& c) { return c.node == asked; });
      failed(asked);
      advance(id);
    });
    send(asked, DhtMessage{DhtMessageType::kFindNode, id, running.target, {}});
  }
  if (pending) return;
  // The k closest have all answered.
  std::vector<NodeId> closest;
  for (const Candidate& candidate : running.shortlist) {
    if (closest.size() == config_.bucket_size) break;
    closest.push_back(candidate.node);
  }
  const std::size_t queries = running.queries;
  LookupDone done = std::move(running.done);
  lookups_.erase(id);
  env_.metrics().add_counter("distribution_dht_lookups_total", 1);
  done(closest, queries);
}

void DhtNode::on_message(const Message& message) {
  const std::optional<DhtMessage> decoded = decode_dht_message(message.payload);
  if (!decoded) {
    env_.metrics().add_counter("distribution_dht_messages_invalid_total", 1);
    return;
  }
  heard_from(message.from);
  if (decoded->type == DhtMessageType::kFindNode) {
    // 2k, not k: some of what a node knows may have crashed unseen, and the asker drops those
    // that do not answer; the live ones beyond them are then already in its shortlist.
    std::vector<NodeId> closest = closest_known(decoded->target, 2 * config_.bucket_size);
    std::erase(closest, message.from);  // it knows itself
    send(message.from,
         DhtMessage{DhtMessageType::kNodes, decoded->lookup, decoded->target, std::move(closest)});
    return;
  }
  const auto running = lookups_.find(decoded->lookup);
  if (running == lookups_.end()) return;  // finished, or an answer after its timeout
  const auto asked = running->second.in_flight.find(message.from);
  if (asked == running->second.in_flight.end()) return;  // not asked, or answered already
  env_.cancel_timer(asked->second);
  running->second.in_flight.erase(asked);
  for (Candidate& candidate : running->second.shortlist) {
    if (candidate.node == message.from) candidate.state = Candidate::State::kAnswered;
  }
  merge(running->second, decoded->nodes);
  for (const NodeId node : decoded->nodes)
    learned_of(node);
  advance(decoded->lookup);
}

void DhtNode::send(NodeId to, const DhtMessage& message) {
  send_payload(env_, to, kDhtPort, encode(message));
}

}  // namespace mycelium::distribution
