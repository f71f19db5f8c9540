#pragma once
// The Service Spore wire format (docs/spore.md has it as tables). One datagram is one message:
//
//   u8 version (=1) | u8 type | u64 network_id | u32 sender | u64 sender_sequence | body | MAC
//
// all integers little-endian; `v` below is a LEB128 varint in its shortest form, `node` a varint
// NodeId (< 0xffffffff, the invalid sentinel); MAC = the first 16 bytes of HMAC-SHA256 under the
// network key over every byte before it (spore_auth.hpp).
//
//   Ping        (type 1): v sequence | node target | piggyback
//   PingRequest (type 2): v sequence | node target | piggyback
//   Ack         (type 3): v sequence | node target | piggyback
//   Nack        (type 4): v sequence | node target
//   PushPull    (type 5): u8 flags (bit 0: is_reply) | u16 count | count x member update
//                                                    | u16 count | count x instance record
//   piggyback           : u16 count | count x member update | u16 count | count x instance record
//   member update       : node member | v incarnation | u8 state (0..3) | node reporter
//   instance record     : str service | str instance_id | node owner | v port count (<= 16)
//                         | count x u16 port | str health_endpoint | v label count (<= 32)
//                         | count x (str key | str value) | u8 health (0..2) | v version (> 0)
//                         | u8 flags (bit 0: deregistered)
//   str                 : v length | length bytes (no NUL; bounds in service_instance.hpp)
//
// The gossip lists have fixed u16 counts so that the size of a message is exactly
// encoded_size_without_gossip(message) plus the encoded_size of each update and record it
// carries: a sender packs a datagram by adding sizes, with no count that grows a byte at 128.
//
// Decoding (decode): version, then network id, both before the MAC (a member of another network
// is reported as such even when its key differs too, and checking costs no HMAC); then the MAC
// (constant-time); then the sender's replay window; then the body. A datagram whose MAC fails
// never reaches the replay window. The encoding is canonical: every accepted datagram is exactly
// what encode() makes of what it decoded to (the fuzz target checks it).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <core/env/node_id.hpp>
#include <core/spore/service_instance.hpp>
#include <core/spore/spore_auth.hpp>
#include <core/spore/spore_messages.hpp>

namespace mycelium::spore {

inline constexpr std::uint8_t kSporeWireVersion = 1;
// version, type, network id, sender, sender sequence.
inline constexpr std::size_t kEnvelopeHeaderBytes = 1 + 1 + 8 + 4 + 8;
// What every datagram spends besides its body: header and MAC (38 bytes).
inline constexpr std::size_t kEnvelopeOverheadBytes = kEnvelopeHeaderBytes + kMacBytes;
// Most member updates, or instance records, one message can carry (each list has a u16 count).
inline constexpr std::size_t kMaxGossipEntries = 0xffff;

// Who sent a datagram, in which network, as its how-many-th datagram (the sender numbers every
// datagram it sends, to anyone, with a sequence that never repeats: ReplayWindow).
struct Envelope {
  std::uint64_t network_id = 0;
  NodeId sender;
  std::uint64_t sequence = 0;

  bool operator==(const Envelope&) const = default;
};

// Why a datagram was dropped; the node counts each in spore_messages_dropped_total by reason.
enum class SporeRefusal : std::uint8_t {
  kNone,            // accepted
  kMalformed,       // too short, or (authenticated) an invalid header field or body
  kWrongVersion,    // first byte is not kSporeWireVersion
  kForeignNetwork,  // network id is not ours (unauthenticated: checked before the MAC)
  kBadMac,          // the MAC does not verify: tampered, truncated, or another key
  kReplayed,        // authenticated, but the sender's replay window refused its sequence
};
// snake_case name for metric labels: "none", "malformed", "wrong_version", "foreign_network",
// "bad_mac", "replayed".
std::string_view refusal_name(SporeRefusal refusal);

// Empty when the codec can carry it, otherwise the first problem, naming the field. The encoder
// aborts on a problem (a caller bug); the decoder refuses the same problems (kMalformed).
// Record: service and instance_id 1..kMaxNameBytes bytes, health_endpoint at most
// kMaxEndpointBytes, label keys 1..kMaxNameBytes and values at most kMaxLabelValueBytes bytes,
// no NUL in any of them (UTF-8 is not checked); owner valid; at most kMaxPorts ports and
// kMaxLabels labels, sorted by key (bytewise) with unique keys; health known; version > 0.
std::string wire_problem(const ServiceInstanceRecord& record);
// Update: member and reporter valid NodeIds, state known.
std::string wire_problem(const MemberUpdate& update);

// The datagram for `message` from `envelope.sender` (valid), signed with `authenticator`.
std::vector<std::uint8_t> encode(const Envelope& envelope, const SporeMessage& message,
                                 const Authenticator& authenticator);

// Size accounting, exact: encode(e, m, a).size() == encoded_size_without_gossip(m)
//   + sum of encoded_size(u) over the updates + sum of encoded_size(r) over the records that m
// carries (its piggyback; for a PushPull, its members and instances).
std::size_t encoded_size(const MemberUpdate& update);
std::size_t encoded_size(const ServiceInstanceRecord& record);
// Envelope, MAC and body with empty gossip lists; a Nack's whole size.
std::size_t encoded_size_without_gossip(const SporeMessage& message);

struct SporeDecodeResult {
  // Set once the MAC verified and the sender is a valid NodeId, so also for kReplayed and for an
  // authenticated datagram with a malformed body (who sent it can be believed).
  std::optional<Envelope> envelope;
  std::optional<SporeMessage> message;  // set exactly when refusal == kNone
  SporeRefusal refusal = SporeRefusal::kNone;
  std::string error;  // why, when refused
};

// Checks, in order: version, network id == expected_network_id, MAC, replay window (an accepted
// sequence is recorded there even if the body then turns out malformed: the sender did send
// it), body (and no trailing bytes).
SporeDecodeResult decode(std::span<const std::uint8_t> datagram, const Authenticator& authenticator,
                         ReplayWindow& replay_window, std::uint64_t expected_network_id);

// The body codec without the envelope, for the fuzz target and tests.
namespace detail {

// The type byte of `message` (1..5).
std::uint8_t message_type(const SporeMessage& message);
// The body bytes of `message` (what lies between the header and the MAC).
std::vector<std::uint8_t> encode_body(const SporeMessage& message);

struct BodyDecodeResult {
  std::optional<SporeMessage> message;
  std::string error;  // why, when refused
};
// Decodes the body of a message of type `type`; every byte of `body` must be used.
BodyDecodeResult decode_body(std::uint8_t type, std::span<const std::uint8_t> body);

}  // namespace detail

}  // namespace mycelium::spore
