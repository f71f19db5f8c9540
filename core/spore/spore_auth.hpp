#pragma once
// Authentication of Service Spore datagrams (docs/spore.md, "Authentication and replay"):
//
//  * Authenticator: HMAC-SHA256 under the network key, truncated to its first 16 bytes (RFC 2104
//    and RFC 4231's truncation: test case 5 of RFC 4231 is exactly this MAC). Computed with
//    OpenSSL's libcrypto (pure computation: core/ stays sans-IO). Every member of one network
//    shares the key; a datagram whose MAC does not verify is dropped before anything in it is
//    believed.
//  * ReplayWindow: per sender, the highest envelope sequence accepted plus a 64-entry bitmap of
//    the 64 sequences below it, so a captured datagram is accepted once, reordering within 64
//    is tolerated, and anything older is refused. Bounded to `max_senders` senders.
//  * network_id_from_name: the u64 network id every envelope carries, from the network's name,
//    so members configured with different networks refuse each other's datagrams.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <core/env/node_id.hpp>

namespace mycelium::spore {

// A network key shorter than this is refused (128 bits: the MAC is no stronger than its key).
inline constexpr std::size_t kMinKeyBytes = 16;
// Bytes of the truncated MAC at the end of every datagram.
inline constexpr std::size_t kMacBytes = 16;
// Bytes of a full HMAC-SHA256.
inline constexpr std::size_t kHmacSha256Bytes = 32;

using Mac = std::array<std::uint8_t, kMacBytes>;

// The bytes of a key written as text (a simulation's fixed key, a test's): what Authenticator's
// constructor takes.
inline std::span<const std::uint8_t> key_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

class Authenticator {
 public:
  // Empty when `key` can be a network key, otherwise why not: configuration code checks a key
  // with this first and reports the problem, since the constructor refuses it by aborting.
  static std::string key_problem(std::span<const std::uint8_t> key);

  // Keys the HMAC with `key`: only SHA-256 states that absorbed the key's pad blocks are kept.
  // A key with a key_problem() is a caller bug: prints the problem and aborts.
  // One Authenticator serves one thread at a time: every MAC reuses one scratch context.
  explicit Authenticator(std::span<const std::uint8_t> key);
  ~Authenticator();
  Authenticator(Authenticator&&) noexcept;
  Authenticator& operator=(Authenticator&&) noexcept;
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // The full HMAC-SHA256 of `bytes` (for tests against the RFC 4231 vectors).
  std::array<std::uint8_t, kHmacSha256Bytes> hmac_sha256(std::span<const std::uint8_t> bytes) const;
  // The MAC a datagram carries: the first kMacBytes of hmac_sha256(bytes).
  Mac mac(std::span<const std::uint8_t> bytes) const;
  // True when `mac` (any length; only kMacBytes can match) is the MAC of `bytes`. The comparison
  // takes the same time wherever the first difference is (CRYPTO_memcmp).
  bool verify(std::span<const std::uint8_t> bytes, std::span<const std::uint8_t> mac) const;

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// The network id of the network called `name`: the first 8 bytes of SHA-256(name), read as a
// little-endian u64 (so `printf %s NAME | sha256sum` shows it, byte-reversed).
std::uint64_t network_id_from_name(std::string_view name);
// A network id as refusals print it: "0x" and 16 lowercase hex digits.
std::string network_id_text(std::uint64_t network_id);

// The first sequence number a node seals its datagrams with: `configured` when it is not 0, else
// `clock_ns` (its Environment's clock in ns), and at least 1. It must be above every number an
// earlier life of the same member sent, or the others' replay windows refuse the new life as a
// replay. The simulator's clock runs on across a restart, so the clock does; the real runtime's
// Environment clock starts again at 0 with each process, so the agent configures the system
// clock's nanoseconds at start (a member sends far fewer than one datagram per nanosecond).
std::uint64_t first_sequence(std::uint64_t configured, std::int64_t clock_ns);

enum class ReplayVerdict : std::uint8_t {
  kFresh,      // never seen from this sender: accepted and now recorded
  kDuplicate,  // within the window and already seen
  kTooOld,     // more than kWindowSize below the highest sequence seen from this sender
};

// Which (sender, sequence) pairs have been accepted, as far as a bounded memory can tell.
//
// Per sender: the highest sequence accepted and a bitmap of the kWindowSize sequences below it
// (bit i-1 set: highest - i was accepted). A sequence above the highest is fresh (the window
// slides up); one at most kWindowSize below it is fresh once; older ones are refused, since
// whether they were seen is forgotten. Only the caller decides what reaches the window: the
// codec offers it only datagrams whose MAC verified, so entries are created for members of the
// network only and an outsider cannot flush anyone out of it.
//
// At most max_senders senders are tracked. A sender not yet tracked gets a fresh window when it
// is first heard, evicting the sender heard least recently (last accepted datagram) when full.
// What eviction gives away: the evicted sender's next datagram is accepted whatever its
// sequence, so datagrams of that sender captured earlier can be replayed, each once again (in
// increasing order, the first one re-creating its window). That is acceptable because
//  * eviction needs more than max_senders members of the network heard since that sender was
//    last heard; sized at or above the network's member count, it does not happen;
//  * what a replay can carry is stale: member updates and instance records are ordered by
//    incarnation and version, so an old copy loses against what the receiver already knows;
//    an old Ack or Nack answers a probe that is no longer outstanding; an old Ping or
//    PingRequest costs the receiver one small answer. Replay wastes work but forges no state.
// Senders must also never reuse a sequence: a restarted member continues above what it sent
// before (or its datagrams are refused until it passes that or the receivers forget it).
class ReplayWindow {
 public:
  static constexpr std::uint64_t kWindowSize = 64;

  // max_senders >= 1.
  explicit ReplayWindow(std::size_t max_senders);

  // Fresh: records it and returns kFresh. Otherwise changes nothing.
  ReplayVerdict accept(NodeId sender, std::uint64_t sequence);

  bool tracks(NodeId sender) const;
  std::size_t tracked_senders() const { return senders_.size(); }
  std::size_t max_senders() const { return max_senders_; }
  // Senders forgotten to make room, since construction (for a metric).
  std::uint64_t evictions() const { return evictions_; }

 private:
  struct SenderWindow {
    std::uint64_t highest = 0;
    std::uint64_t below = 0;       // bit i-1: highest - i accepted, i = 1..kWindowSize
    std::uint64_t last_heard = 0;  // heard_ when last accepted: eviction order
  };

  // Index of `sender` in senders_, or where it would go.
  std::size_t lower_bound(NodeId sender) const;

  std::size_t max_senders_;
  std::uint64_t evictions_ = 0;
  std::uint64_t heard_ = 0;  // datagrams accepted, a clock for recency
  // Sorted sender ids, and their windows at the same index. Apart, because every datagram
  // searches the ids: 4 bytes each, the search touches a few cache lines instead of one per
  // step (a member's table is cold when a datagram arrives: at 100 000 members the search was
  // 11 % of the simulation, almost all of it cache misses).
  std::vector<std::uint32_t> senders_;
  std::vector<SenderWindow> windows_;
};

}  // namespace mycelium::spore
