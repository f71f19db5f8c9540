#pragma once
// A datagram sealed as the Service Spore's are (spore_auth.hpp), for the protocols that run beside
// the spore between the same members (the master-slave lease election):
//
//   u8 version (=1) | u8 protocol | u64 network id | u32 sender | u64 sequence | body | MAC
//
// integers little-endian, MAC the kMacBytes of HMAC-SHA256 under the network key over every byte
// before it. open_sealed() believes nothing before the MAC verifies; then it refuses a sender
// other than the one the transport names (a member's datagram sent on by someone else) and,
// through the receiver's ReplayWindow, a sequence it accepted before. The protocol byte keeps a
// datagram of one protocol from being taken for another's.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <core/env/node_id.hpp>
#include <core/spore/spore_auth.hpp>

namespace mycelium::spore {

inline constexpr std::uint8_t kSealedWireVersion = 1;
inline constexpr std::size_t kSealedHeaderBytes = 1 + 1 + 8 + 4 + 8;
inline constexpr std::size_t kSealedOverheadBytes = kSealedHeaderBytes + kMacBytes;

enum class SealedProtocol : std::uint8_t { kLease = 1 };

struct SealedHeader {
  SealedProtocol protocol = SealedProtocol::kLease;
  std::uint64_t network_id = 0;
  NodeId sender;               // must be valid
  std::uint64_t sequence = 0;  // never reused by a sender (see ReplayWindow)
};

std::vector<std::uint8_t> seal(const SealedHeader& header, std::span<const std::uint8_t> body,
                               const Authenticator& authenticator);

enum class SealedRefusal : std::uint8_t {
  kNone,
  kMalformed,       // too short, or the sender is the invalid id
  kWrongVersion,    // another wire version
  kWrongProtocol,   // sealed for another protocol
  kForeignNetwork,  // another network's id
  kBadMac,          // not sealed under this network's key, or changed since
  kWrongSender,     // sealed by a member other than the transport's sender
  kReplayed,        // accepted before, or older than the replay window reaches
};

// "malformed", "wrong_version", ...: for metric names.
std::string_view refusal_name(SealedRefusal refusal);

struct OpenedDatagram {
  SealedRefusal refusal = SealedRefusal::kNone;
  std::string error;  // why, when refused
  SealedHeader header;
  std::span<const std::uint8_t> body;  // within the datagram, when accepted
};

// `from`: the sender the transport names (Message::from). Records the sequence in
// `replay_window` only when everything else checked out.
OpenedDatagram open_sealed(std::span<const std::uint8_t> datagram, SealedProtocol protocol,
                           NodeId from, std::uint64_t network_id,
                           const Authenticator& authenticator, ReplayWindow& replay_window);

}  // namespace mycelium::spore
