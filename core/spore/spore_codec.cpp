#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <utility>

#include <core/assert.hpp>
#include <core/spore/spore_codec.hpp>
#include <core/wire/byte_io.hpp>

namespace mycelium::spore {

namespace {

enum class MessageType : std::uint8_t {
  kPing = 1,
  kPingRequest = 2,
  kAck = 3,
  kNack = 4,
  kPushPull = 5,
  kGossip = 6,
};

constexpr std::uint8_t kIsReplyFlag = 0x01;       // PushPull flags
constexpr std::uint8_t kDeregisteredFlag = 0x01;  // instance record flags
constexpr std::uint8_t kMaxMemberState = static_cast<std::uint8_t>(MemberState::kLeft);
constexpr std::uint8_t kMaxHealth = static_cast<std::uint8_t>(InstanceHealth::kUnhealthy);

// The fewest bytes an entry can take, to check a count against the bytes left before trusting it.
constexpr std::size_t kMinMemberUpdateBytes = 4;  // member, incarnation, state, reporter
// service and instance id (length and one byte each), owner, port count, endpoint length, label
// count, health, version, flags.
constexpr std::size_t kMinRecordBytes = 2 + 2 + 1 + 1 + 1 + 1 + 1 + 1 + 1;
constexpr std::size_t kMinLabelBytes = 3;  // key length, one key byte, value length
constexpr std::size_t kPortBytes = 2;

const char* type_name(std::uint8_t type) {
  switch (static_cast<MessageType>(type)) {
    case MessageType::kPing:
      return "Ping";
    case MessageType::kPingRequest:
      return "PingRequest";
    case MessageType::kAck:
      return "Ack";
    case MessageType::kNack:
      return "Nack";
    case MessageType::kPushPull:
      return "PushPull";
    case MessageType::kGossip:
      return "Gossip";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Validity, shared by the encoder (asserts) and the decoder (refuses).

bool string_fits(const std::string& value, std::size_t min_bytes, std::size_t max_bytes) {
  return value.size() >= min_bytes && value.size() <= max_bytes &&
         value.find('\0') == std::string::npos;
}

// Empty when string_fits(value, min_bytes, max_bytes), else why not.
std::string string_problem(std::string_view what, const std::string& value, std::size_t min_bytes,
                           std::size_t max_bytes) {
  if (value.size() < min_bytes || value.size() > max_bytes) {
    return std::string(what) + " has " + std::to_string(value.size()) + " bytes, expected " +
           std::to_string(min_bytes) + ".." + std::to_string(max_bytes);
  }
  if (const std::size_t nul = value.find('\0'); nul != std::string::npos) {
    return std::string(what) + " contains a NUL byte at offset " + std::to_string(nul);
  }
  return {};
}

[[noreturn]] void refuse_to_encode(const std::string& problem) {
  // A caller bug, not bad input: the protocol built a message the wire cannot carry.
  std::fprintf(stderr, "spore encode: %s\n", problem.c_str());
  std::abort();
}

void require_encodable(const std::string& problem) {
  if (!problem.empty()) refuse_to_encode(problem);
}

// ---------------------------------------------------------------------------------------------
// Sizes.

std::size_t string_size(const std::string& value) {
  return wire::varint_size(value.size()) + value.size();
}

std::size_t gossip_size(const std::vector<MemberUpdate>& members,
                        const std::vector<ServiceInstanceRecord>& instances) {
  std::size_t size = 0;
  for (const MemberUpdate& update : members)
    size += encoded_size(update);
  for (const ServiceInstanceRecord& record : instances)
    size += encoded_size(record);
  return size;
}

std::size_t gossip_size(const SporeMessage& message) {
  return std::visit(
      [](const auto& body) -> std::size_t {
        using Body = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<Body, Nack>) {
          return 0;
        } else if constexpr (std::is_same_v<Body, PushPull>) {
          return gossip_size(body.members, body.instances);
        } else {
          return gossip_size(body.gossip.members, body.gossip.instances);
        }
      },
      message);
}

// ---------------------------------------------------------------------------------------------
// Encoding.

void put_node(wire::ByteWriter& writer, NodeId id) {
  writer.varint(id.value);
}

void put_string(wire::ByteWriter& writer, const std::string& value) {
  writer.varint(value.size());
  for (const char c : value)
    writer.u8(static_cast<std::uint8_t>(c));
}

void put_update(wire::ByteWriter& writer, const MemberUpdate& update) {
  require_encodable(wire_problem(update));
  put_node(writer, update.member);
  writer.varint(update.incarnation);
  writer.u8(static_cast<std::uint8_t>(update.state));
  put_node(writer, update.reporter);
}

void put_record(wire::ByteWriter& writer, const ServiceInstanceRecord& record) {
  require_encodable(wire_problem(record));
  put_string(writer, record.service);
  put_string(writer, record.instance_id);
  put_node(writer, record.owner);
  writer.varint(record.ports.size());
  for (const std::uint16_t port : record.ports)
    writer.u16(port);
  put_string(writer, record.health_endpoint);
  writer.varint(record.labels.size());
  for (const auto& [key, value] : record.labels) {
    put_string(writer, key);
    put_string(writer, value);
  }
  writer.u8(static_cast<std::uint8_t>(record.health));
  writer.varint(record.version);
  writer.u8(record.deregistered ? kDeregisteredFlag : 0);
}

void put_gossip(wire::ByteWriter& writer, const std::vector<MemberUpdate>& members,
                const std::vector<ServiceInstanceRecord>& instances) {
  if (members.size() > kMaxGossipEntries || instances.size() > kMaxGossipEntries) {
    refuse_to_encode(std::to_string(members.size()) + " member updates and " +
                     std::to_string(instances.size()) + " instance records; at most " +
                     std::to_string(kMaxGossipEntries) + " of each");
  }
  writer.u16(static_cast<std::uint16_t>(members.size()));
  for (const MemberUpdate& update : members)
    put_update(writer, update);
  writer.u16(static_cast<std::uint16_t>(instances.size()));
  for (const ServiceInstanceRecord& record : instances)
    put_record(writer, record);
}

void put_probe(wire::ByteWriter& writer, std::uint32_t sequence, NodeId target) {
  if (!target.valid()) refuse_to_encode("probe target is the invalid NodeId");
  writer.varint(sequence);
  put_node(writer, target);
}

void put_body(wire::ByteWriter& writer, const Ping& ping) {
  put_probe(writer, ping.sequence, ping.target);
  put_gossip(writer, ping.gossip.members, ping.gossip.instances);
}

void put_body(wire::ByteWriter& writer, const PingRequest& request) {
  put_probe(writer, request.sequence, request.target);
  put_gossip(writer, request.gossip.members, request.gossip.instances);
}

void put_body(wire::ByteWriter& writer, const Ack& ack) {
  put_probe(writer, ack.sequence, ack.target);
  put_gossip(writer, ack.gossip.members, ack.gossip.instances);
}

void put_body(wire::ByteWriter& writer, const Nack& nack) {
  put_probe(writer, nack.sequence, nack.target);
}

void put_body(wire::ByteWriter& writer, const PushPull& push_pull) {
  writer.u8(push_pull.is_reply ? kIsReplyFlag : 0);
  put_gossip(writer, push_pull.members, push_pull.instances);
}

void put_body(wire::ByteWriter& writer, const Gossip& gossip) {
  put_gossip(writer, gossip.gossip.members, gossip.gossip.instances);
}

void put_body(wire::ByteWriter& writer, const SporeMessage& message) {
  std::visit([&writer](const auto& body) { put_body(writer, body); }, message);
}

// ---------------------------------------------------------------------------------------------
// Decoding. Each reader returns false with the reader failed (its error says why); `where`
// names the part being read, for the error.

struct Where {
  const char* part = "";
  std::size_t index = 0;
  bool indexed = false;

  std::string text() const {
    if (part[0] == '\0') return {};
    return std::string(part) + (indexed ? " " + std::to_string(index) : "") + ": ";
  }
};

bool read_node(wire::ByteReader& reader, NodeId& out, std::string_view what) {
  const std::uint64_t value = reader.varint();
  if (!reader.ok()) return false;
  if (value >= NodeId::kInvalidValue) {
    return reader.fail(std::string(what) + " " + std::to_string(value) + " is not a valid NodeId");
  }
  out = NodeId{static_cast<std::uint32_t>(value)};
  return true;
}

// Reads a string of at most max_bytes (the lower bound is wire_problem's).
bool read_string(wire::ByteReader& reader, std::string& out, std::size_t max_bytes,
                 std::string_view what) {
  const std::uint64_t length = reader.varint();
  if (!reader.ok()) return false;
  if (length > max_bytes) {
    return reader.fail(std::string(what) + " length " + std::to_string(length) + " exceeds " +
                       std::to_string(max_bytes));
  }
  if (length > reader.remaining()) {
    return reader.fail(std::string(what) + " length " + std::to_string(length) + " exceeds the " +
                       std::to_string(reader.remaining()) + " bytes left");
  }
  out.resize(static_cast<std::size_t>(length));
  for (char& c : out)
    c = static_cast<char>(reader.u8());
  return reader.ok();
}

// A count of entries of at least min_bytes each, at most max_count, that must fit the bytes left.
bool check_count(wire::ByteReader& reader, std::uint64_t count, std::size_t max_count,
                 std::size_t min_bytes, std::string_view what) {
  if (count > max_count) {
    return reader.fail(std::to_string(count) + " " + std::string(what) + ", at most " +
                       std::to_string(max_count));
  }
  if (count > reader.remaining() / min_bytes) {
    return reader.fail(std::to_string(count) + " " + std::string(what) + " need at least " +
                       std::to_string(count * min_bytes) + " bytes, " +
                       std::to_string(reader.remaining()) + " left");
  }
  return true;
}

bool read_update(wire::ByteReader& reader, MemberUpdate& update) {
  if (!read_node(reader, update.member, "member")) return false;
  update.incarnation = reader.varint();
  const std::uint8_t state = reader.u8();
  if (!reader.ok()) return false;
  if (state > kMaxMemberState) {
    return reader.fail("state " + std::to_string(state) + " out of range 0.." +
                       std::to_string(kMaxMemberState));
  }
  update.state = static_cast<MemberState>(state);
  return read_node(reader, update.reporter, "reporter");
}

bool read_record(wire::ByteReader& reader, ServiceInstanceRecord& record) {
  if (!read_string(reader, record.service, kMaxNameBytes, "service") ||
      !read_string(reader, record.instance_id, kMaxNameBytes, "instance_id") ||
      !read_node(reader, record.owner, "owner")) {
    return false;
  }
  const std::uint64_t port_count = reader.varint();
  if (!reader.ok() || !check_count(reader, port_count, kMaxPorts, kPortBytes, "ports")) {
    return false;
  }
  record.ports.resize(static_cast<std::size_t>(port_count));
  for (std::uint16_t& port : record.ports)
    port = reader.u16();
  if (!read_string(reader, record.health_endpoint, kMaxEndpointBytes, "health_endpoint")) {
    return false;
  }
  const std::uint64_t label_count = reader.varint();
  if (!reader.ok() || !check_count(reader, label_count, kMaxLabels, kMinLabelBytes, "labels")) {
    return false;
  }
  record.labels.resize(static_cast<std::size_t>(label_count));
  for (auto& [key, value] : record.labels) {
    if (!read_string(reader, key, kMaxNameBytes, "label key") ||
        !read_string(reader, value, kMaxLabelValueBytes, "label value")) {
      return false;
    }
  }
  record.health = static_cast<InstanceHealth>(reader.u8());  // range checked by wire_problem
  record.version = reader.varint();
  const std::uint8_t flags = reader.u8();
  if (!reader.ok()) return false;
  if ((flags & ~kDeregisteredFlag) != 0) {
    return reader.fail("unknown flag bits " + std::to_string(flags) + " in instance record");
  }
  record.deregistered = (flags & kDeregisteredFlag) != 0;
  if (const std::string problem = wire_problem(record); !problem.empty()) {
    return reader.fail(problem);
  }
  return true;
}

bool read_gossip(wire::ByteReader& reader, std::vector<MemberUpdate>& members,
                 std::vector<ServiceInstanceRecord>& instances, Where& where) {
  where = {"member update count"};
  const std::uint16_t member_count = reader.u16();
  if (!reader.ok() || !check_count(reader, member_count, kMaxGossipEntries, kMinMemberUpdateBytes,
                                   "member updates")) {
    return false;
  }
  members.resize(member_count);
  for (std::size_t i = 0; i < members.size(); ++i) {
    where = {"member update", i, true};
    if (!read_update(reader, members[i])) return false;
  }
  where = {"instance record count"};
  const std::uint16_t instance_count = reader.u16();
  if (!reader.ok() || !check_count(reader, instance_count, kMaxGossipEntries, kMinRecordBytes,
                                   "instance records")) {
    return false;
  }
  instances.resize(instance_count);
  for (std::size_t i = 0; i < instances.size(); ++i) {
    where = {"instance record", i, true};
    if (!read_record(reader, instances[i])) return false;
  }
  where = {};
  return true;
}

bool read_probe(wire::ByteReader& reader, std::uint32_t& sequence, NodeId& target) {
  const std::uint64_t value = reader.varint();
  if (!reader.ok()) return false;
  if (value > UINT32_MAX) {
    return reader.fail("sequence " + std::to_string(value) + " exceeds 32 bits");
  }
  sequence = static_cast<std::uint32_t>(value);
  return read_node(reader, target, "target");
}

template <typename Probe>
std::optional<SporeMessage> read_probe_with_gossip(wire::ByteReader& reader, Where& where) {
  Probe probe;
  if (!read_probe(reader, probe.sequence, probe.target) ||
      !read_gossip(reader, probe.gossip.members, probe.gossip.instances, where)) {
    return std::nullopt;
  }
  return SporeMessage(std::move(probe));
}

std::optional<SporeMessage> read_nack(wire::ByteReader& reader) {
  Nack nack;
  if (!read_probe(reader, nack.sequence, nack.target)) return std::nullopt;
  return SporeMessage(nack);
}

std::optional<SporeMessage> read_push_pull(wire::ByteReader& reader, Where& where) {
  PushPull push_pull;
  const std::uint8_t flags = reader.u8();
  if (!reader.ok()) return std::nullopt;
  if ((flags & ~kIsReplyFlag) != 0) {
    reader.fail("unknown flag bits " + std::to_string(flags) + " in push-pull");
    return std::nullopt;
  }
  push_pull.is_reply = (flags & kIsReplyFlag) != 0;
  if (!read_gossip(reader, push_pull.members, push_pull.instances, where)) return std::nullopt;
  return SporeMessage(std::move(push_pull));
}

std::optional<SporeMessage> read_gossip_only(wire::ByteReader& reader, Where& where) {
  Gossip gossip;
  if (!read_gossip(reader, gossip.gossip.members, gossip.gossip.instances, where))
    return std::nullopt;
  return SporeMessage(std::move(gossip));
}

SporeDecodeResult refuse(SporeRefusal refusal, const std::string& why,
                         std::optional<Envelope> envelope = std::nullopt) {
  return {envelope, std::nullopt, refusal, "spore message: " + why};
}

}  // namespace

std::string_view refusal_name(SporeRefusal refusal) {
  switch (refusal) {
    case SporeRefusal::kNone:
      return "none";
    case SporeRefusal::kMalformed:
      return "malformed";
    case SporeRefusal::kWrongVersion:
      return "wrong_version";
    case SporeRefusal::kForeignNetwork:
      return "foreign_network";
    case SporeRefusal::kBadMac:
      return "bad_mac";
    case SporeRefusal::kReplayed:
      return "replayed";
  }
  return "unknown";
}

std::string wire_problem(const ServiceInstanceRecord& record) {
  if (std::string problem = string_problem("service", record.service, 1, kMaxNameBytes);
      !problem.empty()) {
    return problem;
  }
  if (std::string problem = string_problem("instance_id", record.instance_id, 1, kMaxNameBytes);
      !problem.empty()) {
    return problem;
  }
  if (!record.owner.valid()) return "owner is the invalid NodeId";
  if (record.ports.size() > kMaxPorts) {
    return std::to_string(record.ports.size()) + " ports, at most " + std::to_string(kMaxPorts);
  }
  if (std::string problem =
          string_problem("health_endpoint", record.health_endpoint, 0, kMaxEndpointBytes);
      !problem.empty()) {
    return problem;
  }
  if (record.labels.size() > kMaxLabels) {
    return std::to_string(record.labels.size()) + " labels, at most " + std::to_string(kMaxLabels);
  }
  for (std::size_t i = 0; i < record.labels.size(); ++i) {
    // Names are only formatted for a problem: this runs for every record encoded or decoded.
    const auto& [key, value] = record.labels[i];
    const auto label = [i] { return "label " + std::to_string(i); };
    if (!string_fits(key, 1, kMaxNameBytes)) {
      return string_problem(label() + " key", key, 1, kMaxNameBytes);
    }
    if (!string_fits(value, 0, kMaxLabelValueBytes)) {
      return string_problem(label() + " value", value, 0, kMaxLabelValueBytes);
    }
    if (i > 0 && key == record.labels[i - 1].first) return label() + " repeats the previous key";
    if (i > 0 && key < record.labels[i - 1].first) {
      return label() + " key sorts before the previous one (labels are sorted by key)";
    }
  }
  if (static_cast<std::uint8_t>(record.health) > kMaxHealth) {
    return "health " + std::to_string(static_cast<unsigned>(record.health)) + " out of range 0.." +
           std::to_string(kMaxHealth);
  }
  if (record.version == 0) return "version 0 (versions start at 1)";
  return {};
}

std::string wire_problem(const MemberUpdate& update) {
  if (!update.member.valid()) return "member is the invalid NodeId";
  if (!update.reporter.valid()) return "reporter is the invalid NodeId";
  if (static_cast<std::uint8_t>(update.state) > kMaxMemberState) {
    return "state " + std::to_string(static_cast<unsigned>(update.state)) + " out of range 0.." +
           std::to_string(kMaxMemberState);
  }
  return {};
}

std::size_t encoded_size(const MemberUpdate& update) {
  return wire::varint_size(update.member.value) + wire::varint_size(update.incarnation) + 1 +
         wire::varint_size(update.reporter.value);
}

std::size_t encoded_size(const ServiceInstanceRecord& record) {
  std::size_t size = string_size(record.service) + string_size(record.instance_id) +
                     wire::varint_size(record.owner.value) +
                     wire::varint_size(record.ports.size()) + kPortBytes * record.ports.size() +
                     string_size(record.health_endpoint) + wire::varint_size(record.labels.size());
  for (const auto& [key, value] : record.labels)
    size += string_size(key) + string_size(value);
  return size + 1 + wire::varint_size(record.version) + 1;  // health, version, flags
}

std::size_t encoded_size_without_gossip(const SporeMessage& message) {
  constexpr std::size_t kGossipCounts = 2 + 2;
  const std::size_t body = std::visit(
      [](const auto& m) -> std::size_t {
        using Body = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<Body, PushPull>) {
          return 1 + kGossipCounts;
        } else if constexpr (std::is_same_v<Body, Gossip>) {
          return kGossipCounts;
        } else {
          const std::size_t probe =
              wire::varint_size(m.sequence) + wire::varint_size(m.target.value);
          return std::is_same_v<Body, Nack> ? probe : probe + kGossipCounts;
        }
      },
      message);
  return kEnvelopeOverheadBytes + body;
}

std::vector<std::uint8_t> encode(const Envelope& envelope, const SporeMessage& message,
                                 const Authenticator& authenticator) {
  if (!envelope.sender.valid()) refuse_to_encode("envelope sender is the invalid NodeId");
  const std::size_t size = encoded_size_without_gossip(message) + gossip_size(message);
  wire::ByteWriter writer;
  writer.reserve(size);
  writer.u8(kSporeWireVersion);
  writer.u8(detail::message_type(message));
  writer.u64(envelope.network_id);
  writer.u32(envelope.sender.value);
  writer.u64(envelope.sequence);
  put_body(writer, message);
  const Mac mac = authenticator.mac(writer.bytes());
  for (const std::uint8_t byte : mac)
    writer.u8(byte);
  std::vector<std::uint8_t> bytes = writer.take();
  MYCELIUM_ASSERT(bytes.size() == size);  // the size accounting is exact
  return bytes;
}

SporeDecodeResult decode(std::span<const std::uint8_t> datagram, const Authenticator& authenticator,
                         ReplayWindow& replay_window, std::uint64_t expected_network_id) {
  if (datagram.empty()) return refuse(SporeRefusal::kMalformed, "empty datagram");
  if (datagram[0] != kSporeWireVersion) {
    return refuse(SporeRefusal::kWrongVersion, "wire version " + std::to_string(datagram[0]) +
                                                   ", this build speaks " +
                                                   std::to_string(kSporeWireVersion));
  }
  if (datagram.size() < kEnvelopeOverheadBytes) {
    return refuse(SporeRefusal::kMalformed, "truncated: " + std::to_string(datagram.size()) +
                                                " bytes, an envelope and MAC take " +
                                                std::to_string(kEnvelopeOverheadBytes));
  }
  wire::ByteReader header(datagram.first(kEnvelopeHeaderBytes));
  header.u8();  // version, checked above
  const std::uint8_t type = header.u8();
  Envelope envelope;
  envelope.network_id = header.u64();
  envelope.sender = NodeId{header.u32()};
  envelope.sequence = header.u64();
  MYCELIUM_ASSERT(header.ok() && header.at_end());
  if (envelope.network_id != expected_network_id) {
    return refuse(SporeRefusal::kForeignNetwork,
                  "network id " + network_id_text(envelope.network_id) + " is not this network's " +
                      network_id_text(expected_network_id));
  }
  const std::size_t signed_size = datagram.size() - kMacBytes;
  if (!authenticator.verify(datagram.first(signed_size), datagram.subspan(signed_size))) {
    return refuse(SporeRefusal::kBadMac, "MAC does not verify (claimed sender " +
                                             std::to_string(envelope.sender.value) + ", sequence " +
                                             std::to_string(envelope.sequence) + ")");
  }
  if (!envelope.sender.valid()) {
    return refuse(SporeRefusal::kMalformed, "sender is the invalid NodeId");
  }
  switch (replay_window.accept(envelope.sender, envelope.sequence)) {
    case ReplayVerdict::kFresh:
      break;
    case ReplayVerdict::kDuplicate:
      return refuse(SporeRefusal::kReplayed,
                    "sequence " + std::to_string(envelope.sequence) + " from node " +
                        std::to_string(envelope.sender.value) + " was already accepted",
                    envelope);
    case ReplayVerdict::kTooOld:
      return refuse(SporeRefusal::kReplayed,
                    "sequence " + std::to_string(envelope.sequence) + " from node " +
                        std::to_string(envelope.sender.value) + " is more than " +
                        std::to_string(ReplayWindow::kWindowSize) + " below the highest accepted",
                    envelope);
  }
  detail::BodyDecodeResult body = detail::decode_body(
      type, datagram.subspan(kEnvelopeHeaderBytes, signed_size - kEnvelopeHeaderBytes));
  if (!body.message) return refuse(SporeRefusal::kMalformed, body.error, envelope);
  return {envelope, std::move(body.message), SporeRefusal::kNone, {}};
}

namespace detail {

std::uint8_t message_type(const SporeMessage& message) {
  static_assert(std::variant_size_v<SporeMessage> == 6, "a new message needs a type code");
  return std::visit(
      [](const auto& body) -> std::uint8_t {
        using Body = std::decay_t<decltype(body)>;
        MessageType type = MessageType::kPing;
        if constexpr (std::is_same_v<Body, PingRequest>) type = MessageType::kPingRequest;
        if constexpr (std::is_same_v<Body, Ack>) type = MessageType::kAck;
        if constexpr (std::is_same_v<Body, Nack>) type = MessageType::kNack;
        if constexpr (std::is_same_v<Body, PushPull>) type = MessageType::kPushPull;
        if constexpr (std::is_same_v<Body, Gossip>) type = MessageType::kGossip;
        return static_cast<std::uint8_t>(type);
      },
      message);
}

std::vector<std::uint8_t> encode_body(const SporeMessage& message) {
  wire::ByteWriter writer;
  writer.reserve(encoded_size_without_gossip(message) - kEnvelopeOverheadBytes +
                 gossip_size(message));
  put_body(writer, message);
  return writer.take();
}

BodyDecodeResult decode_body(std::uint8_t type, std::span<const std::uint8_t> body) {
  wire::ByteReader reader(body);
  Where where;
  std::optional<SporeMessage> message;
  switch (static_cast<MessageType>(type)) {
    case MessageType::kPing:
      message = read_probe_with_gossip<Ping>(reader, where);
      break;
    case MessageType::kPingRequest:
      message = read_probe_with_gossip<PingRequest>(reader, where);
      break;
    case MessageType::kAck:
      message = read_probe_with_gossip<Ack>(reader, where);
      break;
    case MessageType::kNack:
      message = read_nack(reader);
      break;
    case MessageType::kPushPull:
      message = read_push_pull(reader, where);
      break;
    case MessageType::kGossip:
      message = read_gossip_only(reader, where);
      break;
    default:
      return {std::nullopt, "unknown message type " + std::to_string(type)};
  }
  if (message && !reader.at_end()) {
    reader.fail(std::to_string(reader.remaining()) + " trailing bytes");
    message.reset();
  }
  if (!message) {
    return {std::nullopt, std::string(type_name(type)) + " body: " + where.text() + reader.error()};
  }
  return {std::move(message), {}};
}

}  // namespace detail

}  // namespace mycelium::spore
