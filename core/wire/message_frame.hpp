#pragma once
// How the real runtime puts an Environment Message on a socket: one frame per message, the same
// on a UDP datagram (one frame per datagram) and on a TCP stream (frames back to back). The
// payload is the protocol's own encoding (spore, replication), untouched.
//
// Layout (little-endian):
//   u32 frame_bytes   bytes after this field (so a stream reader knows where the frame ends)
//   u8  version (=1)
//   u32 from | u32 to | u16 port | u16 lane
//   u64 bulk_bytes    guest bytes that follow the frame on its stream (0 on a datagram)
//   u32 payload_bytes | payload
//   u32 crc32c        over every byte before it, frame_bytes included
// Decoding never trusts a length: each is checked against the bytes present and the bounds
// below before anything is allocated; a frame whose checksum does not match is refused.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <core/env/message.hpp>

namespace mycelium::wire {

inline constexpr std::uint8_t kFrameVersion = 1;
// Header and checksum around the payload.
inline constexpr std::size_t kFrameOverheadBytes = 4 + 1 + 4 + 4 + 2 + 2 + 8 + 4 + 4;
// Largest payload a frame carries: replication chunks name up to a few hundred thousand pages.
inline constexpr std::size_t kMaxFramePayloadBytes = 16U << 20;
// Largest bulk a frame announces (a replication chunk's pages).
inline constexpr std::uint64_t kMaxFrameBulkBytes = 1ULL << 40;

// CRC-32C (Castagnoli), as iSCSI and ext4 use it: check value of "123456789" is 0xE3069283.
std::uint32_t crc32c(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0);

// Appends `message` as one frame to `out`. Asserts the bounds above.
void encode_frame(const Message& message, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode_frame(const Message& message);

struct FrameDecode {
  std::optional<Message> message;  // empty when refused or incomplete
  std::size_t frame_bytes = 0;     // bytes the frame takes in the input, when decoded
  bool incomplete = false;         // a stream must wait for more bytes (not an error)
  std::string error;               // why it was refused
};

// Decodes the frame at the start of `bytes`. A datagram must hold exactly one frame; a stream
// reader calls this on its buffer and drops frame_bytes after each success.
FrameDecode decode_frame(std::span<const std::uint8_t> bytes);

}  // namespace mycelium::wire
