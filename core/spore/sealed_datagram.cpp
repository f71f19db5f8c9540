#include <core/assert.hpp>
#include <core/spore/sealed_datagram.hpp>
#include <core/wire/byte_io.hpp>

namespace mycelium::spore {

namespace {

OpenedDatagram refuse(SealedRefusal refusal, std::string error, SealedHeader header = {}) {
  return OpenedDatagram{refusal, std::move(error), header, {}};
}

}  // namespace

std::vector<std::uint8_t> seal(const SealedHeader& header, std::span<const std::uint8_t> body,
                               const Authenticator& authenticator) {
  MYCELIUM_ASSERT(header.sender.valid());
  wire::ByteWriter writer;
  writer.reserve(kSealedOverheadBytes + body.size());
  writer.u8(kSealedWireVersion);
  writer.u8(static_cast<std::uint8_t>(header.protocol));
  writer.u64(header.network_id);
  writer.u32(header.sender.value);
  writer.u64(header.sequence);
  for (const std::uint8_t byte : body)
    writer.u8(byte);
  const Mac mac = authenticator.mac(writer.bytes());
  for (const std::uint8_t byte : mac)
    writer.u8(byte);
  return writer.take();
}

std::string_view refusal_name(SealedRefusal refusal) {
  switch (refusal) {
    case SealedRefusal::kNone:
      return "none";
    case SealedRefusal::kMalformed:
      return "malformed";
    case SealedRefusal::kWrongVersion:
      return "wrong_version";
    case SealedRefusal::kWrongProtocol:
      return "wrong_protocol";
    case SealedRefusal::kForeignNetwork:
      return "foreign_network";
    case SealedRefusal::kBadMac:
      return "bad_mac";
    case SealedRefusal::kWrongSender:
      return "wrong_sender";
    case SealedRefusal::kReplayed:
      return "replayed";
  }
  return "unknown";
}

OpenedDatagram open_sealed(std::span<const std::uint8_t> datagram, SealedProtocol protocol,
                           NodeId from, std::uint64_t network_id,
                           const Authenticator& authenticator, ReplayWindow& replay_window) {
  if (datagram.size() < kSealedOverheadBytes) {
    return refuse(SealedRefusal::kMalformed, "truncated: " + std::to_string(datagram.size()) +
                                                 " bytes, a seal takes " +
                                                 std::to_string(kSealedOverheadBytes));
  }
  wire::ByteReader reader(datagram.first(kSealedHeaderBytes));
  const std::uint8_t version = reader.u8();
  const std::uint8_t protocol_code = reader.u8();
  SealedHeader header;
  header.protocol = static_cast<SealedProtocol>(protocol_code);
  header.network_id = reader.u64();
  header.sender = NodeId{reader.u32()};
  header.sequence = reader.u64();
  MYCELIUM_ASSERT(reader.ok() && reader.at_end());
  if (version != kSealedWireVersion) {
    return refuse(SealedRefusal::kWrongVersion, "wire version " + std::to_string(version) +
                                                    ", this build speaks " +
                                                    std::to_string(kSealedWireVersion));
  }
  if (protocol_code != static_cast<std::uint8_t>(protocol)) {
    return refuse(SealedRefusal::kWrongProtocol,
                  "sealed for protocol " + std::to_string(protocol_code) + ", expected " +
                      std::to_string(static_cast<unsigned>(protocol)));
  }
  if (header.network_id != network_id) {
    return refuse(SealedRefusal::kForeignNetwork,
                  "network id " + network_id_text(header.network_id) + " is not this network's " +
                      network_id_text(network_id));
  }
  const std::size_t signed_size = datagram.size() - kMacBytes;
  if (!authenticator.verify(datagram.first(signed_size), datagram.subspan(signed_size))) {
    return refuse(SealedRefusal::kBadMac, "MAC does not verify (claimed sender " +
                                              std::to_string(header.sender.value) + ", sequence " +
                                              std::to_string(header.sequence) + ")");
  }
  if (!header.sender.valid()) return refuse(SealedRefusal::kMalformed, "sender is the invalid id");
  if (header.sender != from) {
    return refuse(SealedRefusal::kWrongSender,
                  "sealed by node " + std::to_string(header.sender.value) + ", sent by node " +
                      std::to_string(from.value),
                  header);
  }
  if (replay_window.accept(header.sender, header.sequence) != ReplayVerdict::kFresh) {
    return refuse(SealedRefusal::kReplayed,
                  "sequence " + std::to_string(header.sequence) + " from node " +
                      std::to_string(header.sender.value) + " was accepted before, or is too old",
                  header);
  }
  return OpenedDatagram{SealedRefusal::kNone,
                        {},
                        header,
                        datagram.subspan(kSealedHeaderBytes, signed_size - kSealedHeaderBytes)};
}

}  // namespace mycelium::spore
