// The Service Spore wire codec and its authentication: round trips, exact sizes, every refusal
// kind with its reason, the replay window, and HMAC-SHA256 against RFC 4231.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <core/env/random_stream.hpp>
#include <core/spore/spore_auth.hpp>
#include <core/spore/spore_codec.hpp>
#include <core/wire/byte_io.hpp>

using namespace mycelium;
using namespace mycelium::spore;

namespace {

constexpr std::uint64_t kNetwork = 0x1122334455667788ULL;

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

std::vector<std::uint8_t> repeated(std::uint8_t byte, std::size_t count) {
  return std::vector<std::uint8_t>(count, byte);
}

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(
        static_cast<std::uint8_t>(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

const Authenticator& network_key() {
  static const Authenticator authenticator(bytes_of("a network key of 32 bytes, test."));
  return authenticator;
}

ServiceInstanceRecord sample_record(std::uint32_t i) {
  ServiceInstanceRecord record;
  record.service = "orders";
  record.instance_id = "orders-" + std::to_string(i);
  record.owner = NodeId{i * 1000};  // 2-byte varints from i = 1
  record.ports = {8080, 9090, static_cast<std::uint16_t>(i)};
  record.health_endpoint = "/health";
  record.labels = {{"tier", "backend"}, {"version", "1.2." + std::to_string(i)}, {"zone", ""}};
  record.health = static_cast<InstanceHealth>(i % 3);
  record.version = 1 + 300ULL * i;
  record.deregistered = i % 2 == 1;
  return record;
}

Piggyback full_piggyback() {
  Piggyback gossip;
  gossip.members = {
      {NodeId{1}, 0, MemberState::kAlive, NodeId{1}},
      {NodeId{200}, 70000, MemberState::kSuspect, NodeId{3}},
      {NodeId{0x7fffffff}, UINT64_MAX, MemberState::kDead, NodeId{0xfffffffe}},
      {NodeId{0}, 5, MemberState::kLeft, NodeId{0}},
  };
  gossip.instances = {sample_record(0), sample_record(1), sample_record(2)};
  return gossip;
}

std::vector<SporeMessage> every_message_type() {
  const Piggyback gossip = full_piggyback();
  return {
      Ping{7, NodeId{2}, gossip},
      PingRequest{UINT32_MAX, NodeId{300}, gossip},
      Ack{0, NodeId{0xfffffffe}, gossip},
      Nack{128, NodeId{9}},
      PushPull{true, gossip.members, gossip.instances},
      PushPull{false, {}, {}},
      Gossip{gossip},
      Gossip{},
      Ping{1, NodeId{4}, {}},
  };
}

std::size_t gossip_bytes(const SporeMessage& message) {
  const auto sum = [](const std::vector<MemberUpdate>& members,
                      const std::vector<ServiceInstanceRecord>& instances) {
    std::size_t size = 0;
    for (const MemberUpdate& update : members)
      size += encoded_size(update);
    for (const ServiceInstanceRecord& record : instances)
      size += encoded_size(record);
    return size;
  };
  if (const auto* push_pull = std::get_if<PushPull>(&message)) {
    return sum(push_pull->members, push_pull->instances);
  }
  if (std::holds_alternative<Nack>(message)) return 0;
  return std::visit(
      [&sum](const auto& m) -> std::size_t {
        if constexpr (requires { m.gossip; }) {
          return sum(m.gossip.members, m.gossip.instances);
        } else {
          return 0;
        }
      },
      message);
}

// A datagram signed with the network key whose header and body are whatever the test says: for
// refusals the encoder would never produce.
std::vector<std::uint8_t> signed_datagram(std::uint8_t type, std::span<const std::uint8_t> body,
                                          std::uint32_t sender = 1, std::uint64_t sequence = 1,
                                          std::uint8_t version = kSporeWireVersion,
                                          std::uint64_t network = kNetwork) {
  wire::ByteWriter writer;
  writer.u8(version);
  writer.u8(type);
  writer.u64(network);
  writer.u32(sender);
  writer.u64(sequence);
  std::vector<std::uint8_t> bytes = writer.take();
  bytes.insert(bytes.end(), body.begin(), body.end());
  const Mac mac = network_key().mac(bytes);
  bytes.insert(bytes.end(), mac.begin(), mac.end());
  return bytes;
}

SporeDecodeResult decode_fresh(std::span<const std::uint8_t> datagram) {
  ReplayWindow window(16);
  return decode(datagram, network_key(), window, kNetwork);
}

// The refusal of an authenticated datagram carrying `body` as a message of `type`.
std::string malformed_body(std::uint8_t type, const std::vector<std::uint8_t>& body) {
  const SporeDecodeResult result = decode_fresh(signed_datagram(type, body));
  CHECK(result.refusal == SporeRefusal::kMalformed);
  CHECK_FALSE(result.message.has_value());
  CHECK(result.envelope.has_value());  // authenticated: the sender is known
  const detail::BodyDecodeResult direct = detail::decode_body(type, body);
  CHECK_FALSE(direct.message.has_value());
  CHECK(result.error == "spore message: " + direct.error);
  return result.error;
}

std::vector<std::uint8_t> concat(const std::vector<std::uint8_t>& head,
                                 const std::vector<std::uint8_t>& tail) {
  // Built into a fresh vector: GCC 12 at -O2 reports a false -Warray-bounds for an insert at the
  // end of a moved-in vector, which -Werror turns into a failed release build.
  std::vector<std::uint8_t> joined;
  joined.reserve(head.size() + tail.size());
  for (const std::uint8_t byte : head)
    joined.push_back(byte);
  for (const std::uint8_t byte : tail)
    joined.push_back(byte);
  return joined;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("every spore message type round-trips with full piggybacks", "[spore]") {
  std::uint64_t sequence = 1;
  ReplayWindow window(4);
  for (const SporeMessage& message : every_message_type()) {
    const Envelope envelope{kNetwork, NodeId{42}, sequence++};
    const std::vector<std::uint8_t> datagram = encode(envelope, message, network_key());
    const SporeDecodeResult result = decode(datagram, network_key(), window, kNetwork);
    INFO("type " << static_cast<int>(detail::message_type(message)) << ": " << result.error);
    REQUIRE(result.refusal == SporeRefusal::kNone);
    REQUIRE(result.message.has_value());
    CHECK(result.error.empty());
    CHECK(*result.message == message);
    REQUIRE(result.envelope.has_value());
    CHECK(*result.envelope == envelope);
    CHECK(result.message->index() == message.index());

    // The body codec alone agrees with the envelope's body bytes.
    const std::vector<std::uint8_t> body = detail::encode_body(message);
    CHECK(std::equal(body.begin(), body.end(), datagram.begin() + kEnvelopeHeaderBytes,
                     datagram.end() - static_cast<std::ptrdiff_t>(kMacBytes)));
    const detail::BodyDecodeResult direct =
        detail::decode_body(detail::message_type(message), body);
    REQUIRE(direct.message.has_value());
    CHECK(*direct.message == message);
  }
}

TEST_CASE("spore type codes and the envelope layout are the documented ones", "[spore]") {
  const std::vector<SporeMessage> messages = {Ping{}, PingRequest{}, Ack{},
                                              Nack{}, PushPull{},    Gossip{}};
  for (std::size_t i = 0; i < messages.size(); ++i)
    CHECK(detail::message_type(messages[i]) == i + 1);

  const std::vector<std::uint8_t> datagram =
      encode({0x0102030405060708ULL, NodeId{0x0a0b0c0d}, 0x1112131415161718ULL}, Nack{5, NodeId{6}},
             network_key());
  const std::vector<std::uint8_t> header = {1,    4,    0x08, 0x07, 0x06, 0x05, 0x04, 0x03,
                                            0x02, 0x01, 0x0d, 0x0c, 0x0b, 0x0a, 0x18, 0x17,
                                            0x16, 0x15, 0x14, 0x13, 0x12, 0x11};
  REQUIRE(datagram.size() == kEnvelopeOverheadBytes + 2);
  CHECK(std::vector<std::uint8_t>(datagram.begin(), datagram.begin() + 22) == header);
  CHECK(datagram[22] == 5);
  CHECK(datagram[23] == 6);
  const std::vector<std::uint8_t> signed_part(datagram.begin(), datagram.begin() + 24);
  const Mac mac = network_key().mac(signed_part);
  CHECK(std::equal(mac.begin(), mac.end(), datagram.begin() + 24, datagram.end()));
}

TEST_CASE("spore encoded sizes are exact, so a datagram can be packed by adding sizes", "[spore]") {
  for (const SporeMessage& message : every_message_type()) {
    const std::vector<std::uint8_t> datagram =
        encode({kNetwork, NodeId{1}, 1}, message, network_key());
    INFO("type " << static_cast<int>(detail::message_type(message)));
    CHECK(datagram.size() == encoded_size_without_gossip(message) + gossip_bytes(message));
  }
  // A Nack: header, 1-byte sequence and target, MAC.
  CHECK(encoded_size_without_gossip(Nack{5, NodeId{6}}) == 22 + 2 + 16);
  // A Ping without gossip: header, 1-byte sequence and target, two u16 counts, MAC.
  CHECK(encoded_size_without_gossip(Ping{5, NodeId{6}, {}}) == 22 + 2 + 4 + 16);
  // A member update with small numbers takes 4 bytes; varints grow with the values.
  CHECK(encoded_size(MemberUpdate{NodeId{1}, 0, MemberState::kAlive, NodeId{1}}) == 4);
  CHECK(encoded_size(MemberUpdate{NodeId{128}, 128, MemberState::kAlive, NodeId{1}}) == 6);

  // Counts are fixed-width: 300 updates (more than a 1-byte varint count) still add up exactly.
  Ping big{1, NodeId{2}, {}};
  std::size_t expected = encoded_size_without_gossip(big);
  for (std::uint32_t i = 0; i < 300; ++i) {
    big.gossip.members.push_back({NodeId{i}, i, MemberState::kSuspect, NodeId{i + 1}});
    expected += encoded_size(big.gossip.members.back());
  }
  for (std::uint32_t i = 0; i < 130; ++i) {
    big.gossip.instances.push_back(sample_record(i));
    expected += encoded_size(big.gossip.instances.back());
  }
  const std::vector<std::uint8_t> datagram = encode({kNetwork, NodeId{1}, 1}, big, network_key());
  CHECK(datagram.size() == expected);
  const SporeDecodeResult result = decode_fresh(datagram);
  REQUIRE(result.message.has_value());
  CHECK(std::get<Ping>(*result.message) == big);
}

TEST_CASE("a record at every bound round-trips and its size is exact", "[spore]") {
  ServiceInstanceRecord record;
  record.service = std::string(kMaxNameBytes, 's');
  record.instance_id = std::string(kMaxNameBytes, '\xff');  // bytes, not necessarily UTF-8
  record.owner = NodeId{0xfffffffe};
  for (std::size_t i = 0; i < kMaxPorts; ++i)
    record.ports.push_back(static_cast<std::uint16_t>(65535 - i));
  record.health_endpoint = std::string(kMaxEndpointBytes, '/');
  for (std::size_t i = 0; i < kMaxLabels; ++i) {
    std::string key(kMaxNameBytes, 'k');
    key[0] = static_cast<char>('A' + i);
    record.labels.emplace_back(key, std::string(kMaxLabelValueBytes, 'v'));
  }
  record.health = InstanceHealth::kUnhealthy;
  record.version = UINT64_MAX;
  CHECK(wire_problem(record).empty());
  const PushPull push_pull{false, {}, {record}};
  const std::vector<std::uint8_t> datagram =
      encode({kNetwork, NodeId{1}, 1}, push_pull, network_key());
  CHECK(datagram.size() == encoded_size_without_gossip(push_pull) + encoded_size(record));
  const SporeDecodeResult result = decode_fresh(datagram);
  REQUIRE(result.message.has_value());
  CHECK(std::get<PushPull>(*result.message) == push_pull);
}

TEST_CASE("a tampered byte fails the MAC, except in the version and network id checked before it",
          "[spore]") {
  const std::vector<std::uint8_t> good =
      encode({kNetwork, NodeId{3}, 77}, Ping{7, NodeId{2}, full_piggyback()}, network_key());
  ReplayWindow window(4);
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const std::uint8_t flip : {0x01, 0x80}) {
      std::vector<std::uint8_t> bytes = good;
      bytes[i] ^= flip;
      const SporeDecodeResult result = decode(bytes, network_key(), window, kNetwork);
      INFO("byte " << i << " ^ " << static_cast<int>(flip) << ": " << result.error);
      CHECK_FALSE(result.message.has_value());
      CHECK_FALSE(result.envelope.has_value());  // nothing unauthenticated is handed out
      if (i == 0) {
        CHECK(result.refusal == SporeRefusal::kWrongVersion);
      } else if (i >= 2 && i < 10) {
        CHECK(result.refusal == SporeRefusal::kForeignNetwork);
      } else {
        CHECK(result.refusal == SporeRefusal::kBadMac);
        CHECK(contains(result.error, "MAC does not verify"));
      }
    }
  }
  // None of them touched the replay window: the genuine datagram is still fresh, and only once.
  CHECK(window.tracked_senders() == 0);
  CHECK(decode(good, network_key(), window, kNetwork).refusal == SporeRefusal::kNone);
  CHECK(decode(good, network_key(), window, kNetwork).refusal == SporeRefusal::kReplayed);
}

TEST_CASE("a datagram under another key fails the MAC", "[spore]") {
  const Authenticator other(bytes_of("another network key, 32 bytes.."));
  const std::vector<std::uint8_t> datagram =
      encode({kNetwork, NodeId{3}, 1}, Nack{1, NodeId{2}}, other);
  const SporeDecodeResult result = decode_fresh(datagram);
  CHECK(result.refusal == SporeRefusal::kBadMac);
  CHECK(contains(result.error, "claimed sender 3, sequence 1"));
}

TEST_CASE("another network id is refused before the MAC is checked", "[spore]") {
  // Same key, other network: the MAC would verify, so only the network id check refuses it.
  const std::vector<std::uint8_t> same_key =
      encode({kNetwork + 1, NodeId{3}, 1}, Nack{1, NodeId{2}}, network_key());
  ReplayWindow window(4);
  SporeDecodeResult result = decode(same_key, network_key(), window, kNetwork);
  CHECK(result.refusal == SporeRefusal::kForeignNetwork);
  CHECK(result.error ==
        "spore message: network id 0x1122334455667789 is not this network's 0x1122334455667788");
  // Other key and other network: reported as a foreign network, not as a bad MAC.
  const Authenticator other(bytes_of("another network key, 32 bytes.."));
  result =
      decode(encode({7, NodeId{3}, 1}, Nack{1, NodeId{2}}, other), network_key(), window, kNetwork);
  CHECK(result.refusal == SporeRefusal::kForeignNetwork);
  CHECK_FALSE(result.envelope.has_value());
  CHECK(window.tracked_senders() == 0);
  // Each network accepts its own.
  CHECK(decode(same_key, network_key(), window, kNetwork + 1).refusal == SporeRefusal::kNone);
}

TEST_CASE("replayed and too-old datagrams are refused, reordering within the window is not",
          "[spore]") {
  ReplayWindow window(8);
  const auto send = [&](std::uint64_t sequence, NodeId sender = NodeId{5}) {
    return decode(encode({kNetwork, sender, sequence}, Ping{1, NodeId{2}, {}}, network_key()),
                  network_key(), window, kNetwork);
  };
  CHECK(send(100).refusal == SporeRefusal::kNone);
  SporeDecodeResult replay = send(100);
  CHECK(replay.refusal == SporeRefusal::kReplayed);
  CHECK(replay.error == "spore message: sequence 100 from node 5 was already accepted");
  REQUIRE(replay.envelope.has_value());  // authenticated: the caller may log who
  CHECK(replay.envelope->sender == NodeId{5});
  CHECK_FALSE(replay.message.has_value());

  CHECK(send(200).refusal == SporeRefusal::kNone);
  // 65 behind the highest: outside the window.
  const SporeDecodeResult old = send(135);
  CHECK(old.refusal == SporeRefusal::kReplayed);
  CHECK(contains(old.error, "more than 64 below"));
  // 64 behind, and anything between: accepted once each, in any order.
  for (const std::uint64_t sequence : {136, 199, 150, 137}) {
    CHECK(send(sequence).refusal == SporeRefusal::kNone);
    CHECK(send(sequence).refusal == SporeRefusal::kReplayed);
  }
  CHECK(send(200).refusal == SporeRefusal::kReplayed);
  // Windows are per sender.
  CHECK(send(100, NodeId{6}).refusal == SporeRefusal::kNone);
}

TEST_CASE("a wrong version is refused whatever follows", "[spore]") {
  std::vector<std::uint8_t> datagram =
      encode({kNetwork, NodeId{3}, 1}, Nack{1, NodeId{2}}, network_key());
  datagram[0] = 2;
  SporeDecodeResult result = decode_fresh(datagram);
  CHECK(result.refusal == SporeRefusal::kWrongVersion);
  CHECK(result.error == "spore message: wire version 2, this build speaks 1");
  // Even signed with the right key, and even a single byte.
  CHECK(decode_fresh(signed_datagram(4, std::vector<std::uint8_t>{1, 2}, 1, 1, 0)).refusal ==
        SporeRefusal::kWrongVersion);
  CHECK(decode_fresh(std::vector<std::uint8_t>{9}).refusal == SporeRefusal::kWrongVersion);
}

TEST_CASE("a datagram truncated at every length is malformed or fails the MAC", "[spore]") {
  const std::vector<std::uint8_t> good =
      encode({kNetwork, NodeId{3}, 9},
             PushPull{false, full_piggyback().members, full_piggyback().instances}, network_key());
  ReplayWindow window(4);
  for (std::size_t length = 0; length < good.size(); ++length) {
    const std::span<const std::uint8_t> prefix(good.data(), length);
    const SporeDecodeResult result = decode(prefix, network_key(), window, kNetwork);
    INFO("length " << length << ": " << result.error);
    CHECK_FALSE(result.message.has_value());
    CHECK_FALSE(result.error.empty());
    if (length < kEnvelopeOverheadBytes) {
      CHECK(result.refusal == SporeRefusal::kMalformed);
      CHECK(contains(result.error, length == 0 ? "empty datagram" : "truncated"));
    } else {
      CHECK(result.refusal == SporeRefusal::kBadMac);
    }
  }
  CHECK(window.tracked_senders() == 0);
  CHECK(decode(good, network_key(), window, kNetwork).refusal == SporeRefusal::kNone);
  // Trailing bytes after the MAC also break it (the MAC is read from the end).
  std::vector<std::uint8_t> longer = good;
  longer.push_back(0);
  CHECK(decode_fresh(longer).refusal == SporeRefusal::kBadMac);
}

TEST_CASE("every authenticated body is bounded and validated, each refusal with a reason",
          "[spore]") {
  using Bytes = std::vector<std::uint8_t>;
  // Ping: sequence 1, target 2, no members, no instances.
  CHECK(malformed_body(1, {1, 2, 0, 0, 0, 0, 0}) == "spore message: Ping body: 1 trailing bytes");
  CHECK(malformed_body(1, {1, 2, 0, 0, 0}) ==
        "spore message: Ping body: instance record count: truncated: needed 2 more bytes, 1 left");
  CHECK(contains(malformed_body(0, {}), "unknown message type 0"));
  CHECK(contains(malformed_body(7, {}), "unknown message type 7"));
  CHECK(malformed_body(6, {0, 0, 0}) ==
        "spore message: Gossip body: instance record count: truncated: needed 2 more bytes, 1 left");
  // Sequence above 32 bits; target the invalid NodeId; a padded varint.
  CHECK(contains(malformed_body(4, {0x80, 0x80, 0x80, 0x80, 0x10, 2}),
                 "sequence 4294967296 exceeds 32 bits"));
  CHECK(contains(malformed_body(4, {1, 0xff, 0xff, 0xff, 0xff, 0x0f}),
                 "target 4294967295 is not a valid NodeId"));
  CHECK(contains(malformed_body(4, {0x81, 0x00, 2}), "shortest form"));
  // Counts that the bytes left cannot hold, checked before anything is allocated.
  CHECK(contains(malformed_body(3, {1, 2, 0xff, 0xff, 1, 2, 3}),
                 "65535 member updates need at least 262140 bytes, 3 left"));
  CHECK(contains(malformed_body(3, concat({1, 2, 0, 0, 2, 0}, Bytes(11, 1))),
                 "2 instance records need at least 22 bytes, 11 left"));
  // Member update: state out of range, invalid member.
  CHECK(malformed_body(2, {1, 2, 1, 0, 3, 0, 4, 3, 0, 0}) ==
        "spore message: PingRequest body: member update 0: state 4 out of range 0..3");
  CHECK(contains(
      malformed_body(2, {1, 2, 2, 0, 3, 0, 1, 3, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0}),
      "member update 1: member 4294967295 is not a valid NodeId"));
  // PushPull flags.
  CHECK(contains(malformed_body(5, {2, 0, 0, 0, 0}), "unknown flag bits 2 in push-pull"));
}

namespace {

// The body of a PushPull carrying one record, re-encoded after `edit` broke it: the encoder
// refuses invalid records, so the test writes them by hand.
std::vector<std::uint8_t> push_pull_body_with(const ServiceInstanceRecord& record) {
  wire::ByteWriter writer;
  writer.u8(0);
  writer.u16(0);
  writer.u16(1);
  const auto put_string = [&writer](const std::string& s) {
    writer.varint(s.size());
    for (const char c : s)
      writer.u8(static_cast<std::uint8_t>(c));
  };
  put_string(record.service);
  put_string(record.instance_id);
  writer.varint(record.owner.value);
  writer.varint(record.ports.size());
  for (const std::uint16_t port : record.ports)
    writer.u16(port);
  put_string(record.health_endpoint);
  writer.varint(record.labels.size());
  for (const auto& [key, value] : record.labels) {
    put_string(key);
    put_string(value);
  }
  writer.u8(static_cast<std::uint8_t>(record.health));
  writer.varint(record.version);
  writer.u8(record.deregistered ? 1 : 0);
  return writer.take();
}

std::string record_refusal(ServiceInstanceRecord record) {
  const std::string problem = wire_problem(record);
  CHECK_FALSE(problem.empty());  // the encoder would refuse it too
  const std::string error = malformed_body(5, push_pull_body_with(record));
  CHECK(contains(error, "PushPull body: instance record 0: "));
  return error;
}

}  // namespace

TEST_CASE("instance records outside the data model's bounds are refused with the field named",
          "[spore]") {
  // The hand-written body matches the encoder's for a valid record.
  const ServiceInstanceRecord good = sample_record(1);
  CHECK(push_pull_body_with(good) == detail::encode_body(PushPull{false, {}, {good}}));
  CHECK(detail::decode_body(5, push_pull_body_with(good)).message.has_value());

  ServiceInstanceRecord record = good;
  record.service.clear();
  CHECK(contains(record_refusal(record), "service has 0 bytes, expected 1..253"));
  record = good;
  record.service = std::string(kMaxNameBytes + 1, 's');
  CHECK(contains(record_refusal(record), "service length 254 exceeds 253"));
  record = good;
  record.instance_id = std::string("orders\0-1", 9);
  CHECK(contains(record_refusal(record), "instance_id contains a NUL byte at offset 6"));
  record = good;
  record.owner = kInvalidNode;
  CHECK(contains(record_refusal(record), "owner 4294967295 is not a valid NodeId"));
  record = good;
  record.ports.assign(kMaxPorts + 1, 80);
  CHECK(contains(record_refusal(record), "17 ports, at most 16"));
  record = good;
  record.health_endpoint = std::string(kMaxEndpointBytes + 1, '/');
  CHECK(contains(record_refusal(record), "health_endpoint length 257 exceeds 256"));
  record = good;
  record.labels.clear();
  for (std::size_t i = 0; i <= kMaxLabels; ++i)
    record.labels.emplace_back(std::string(1, static_cast<char>('A' + i)), "");
  CHECK(contains(record_refusal(record), "33 labels, at most 32"));
  record = good;
  record.labels = {{"b", "1"}, {"a", "2"}};
  CHECK(contains(record_refusal(record), "label 1 key sorts before the previous one"));
  record = good;
  record.labels = {{"a", "1"}, {"a", "2"}};
  CHECK(contains(record_refusal(record), "label 1 repeats the previous key"));
  record = good;
  record.labels = {{"", "1"}};
  CHECK(contains(record_refusal(record), "label 0 key has 0 bytes"));
  record = good;
  record.labels = {{"a", std::string(1, '\0')}};
  CHECK(contains(record_refusal(record), "label 0 value contains a NUL byte"));
  record = good;
  record.labels = {{"a", std::string(kMaxLabelValueBytes + 1, 'v')}};
  CHECK(contains(record_refusal(record), "label value length 254 exceeds 253"));
  record = good;
  record.health = static_cast<InstanceHealth>(3);
  CHECK(contains(record_refusal(record), "health 3 out of range 0..2"));
  record = good;
  record.version = 0;
  CHECK(contains(record_refusal(record), "version 0 (versions start at 1)"));

  // Unknown flag bits in a record.
  std::vector<std::uint8_t> body = push_pull_body_with(good);
  body.back() = 0x02;
  CHECK(contains(malformed_body(5, body), "unknown flag bits 2 in instance record"));
}

TEST_CASE("an authenticated datagram from the invalid NodeId is malformed and not tracked",
          "[spore]") {
  ReplayWindow window(4);
  const std::vector<std::uint8_t> datagram =
      signed_datagram(4, std::vector<std::uint8_t>{1, 2}, NodeId::kInvalidValue);
  const SporeDecodeResult result = decode(datagram, network_key(), window, kNetwork);
  CHECK(result.refusal == SporeRefusal::kMalformed);
  CHECK(result.error == "spore message: sender is the invalid NodeId");
  CHECK_FALSE(result.envelope.has_value());
  CHECK(window.tracked_senders() == 0);
}

TEST_CASE("an authenticated datagram with a malformed body uses up its sequence", "[spore]") {
  ReplayWindow window(4);
  const std::vector<std::uint8_t> datagram =
      signed_datagram(4, std::vector<std::uint8_t>{1}, 3, 50);
  CHECK(decode(datagram, network_key(), window, kNetwork).refusal == SporeRefusal::kMalformed);
  CHECK(decode(datagram, network_key(), window, kNetwork).refusal == SporeRefusal::kReplayed);
}

TEST_CASE("refusal names are the metric labels", "[spore]") {
  CHECK(refusal_name(SporeRefusal::kNone) == "none");
  CHECK(refusal_name(SporeRefusal::kMalformed) == "malformed");
  CHECK(refusal_name(SporeRefusal::kWrongVersion) == "wrong_version");
  CHECK(refusal_name(SporeRefusal::kForeignNetwork) == "foreign_network");
  CHECK(refusal_name(SporeRefusal::kBadMac) == "bad_mac");
  CHECK(refusal_name(SporeRefusal::kReplayed) == "replayed");
}

TEST_CASE("the replay window forgets the least recently heard sender beyond its bound", "[spore]") {
  ReplayWindow window(3);
  CHECK(window.accept(NodeId{1}, 10) == ReplayVerdict::kFresh);
  CHECK(window.accept(NodeId{2}, 10) == ReplayVerdict::kFresh);
  CHECK(window.accept(NodeId{3}, 10) == ReplayVerdict::kFresh);
  CHECK(window.accept(NodeId{1}, 11) == ReplayVerdict::kFresh);      // 1 heard again: 2 is oldest
  CHECK(window.accept(NodeId{2}, 10) == ReplayVerdict::kDuplicate);  // refusals do not refresh
  CHECK(window.tracked_senders() == 3);
  CHECK(window.accept(NodeId{4}, 1) == ReplayVerdict::kFresh);
  CHECK(window.tracked_senders() == 3);
  CHECK(window.evictions() == 1);
  CHECK_FALSE(window.tracks(NodeId{2}));
  CHECK(window.tracks(NodeId{1}));
  CHECK(window.tracks(NodeId{3}));
  CHECK(window.tracks(NodeId{4}));
  // What eviction gives away, as documented: the evicted sender's old sequence is fresh again.
  CHECK(window.accept(NodeId{2}, 10) == ReplayVerdict::kFresh);
  CHECK(window.evictions() == 2);
  CHECK_FALSE(window.tracks(NodeId{3}));
  // The others kept their windows.
  CHECK(window.accept(NodeId{1}, 11) == ReplayVerdict::kDuplicate);
  CHECK(window.accept(NodeId{4}, 1) == ReplayVerdict::kDuplicate);

  // Thousands of senders never grow it past its bound.
  ReplayWindow bounded(100);
  for (std::uint32_t sender = 0; sender < 5000; ++sender)
    CHECK(bounded.accept(NodeId{sender}, 1) == ReplayVerdict::kFresh);
  CHECK(bounded.tracked_senders() == 100);
  CHECK(bounded.evictions() == 4900);
}

TEST_CASE("the replay window agrees with an exact model within its bounds", "[spore]") {
  // Model: a set of accepted sequences per sender; fresh iff unseen and not more than 64 below
  // the highest accepted. With max_senders above the senders used, nothing is evicted.
  auto random = RandomStream::derive(7, NodeId{0}, "replay-window-test");
  ReplayWindow window(8);
  std::vector<std::set<std::uint64_t>> seen(4);
  std::vector<std::uint64_t> highest(4, 0);
  std::size_t fresh = 0;
  for (int step = 0; step < 20000; ++step) {
    const std::size_t sender = random.next_u64() % 4;
    // Mostly near the top (reordering, duplicates), sometimes a jump ahead.
    const std::uint64_t top = highest[sender];
    const std::uint64_t draw = random.next_u64() % 100;
    std::uint64_t sequence = 0;
    if (draw < 5) {
      sequence = top + 1 + random.next_u64() % 200;
    } else {
      const std::uint64_t back = random.next_u64() % 80;
      sequence = top >= back ? top - back + random.next_u64() % 4 : random.next_u64() % 4;
    }
    const bool model_fresh = !seen[sender].contains(sequence) &&
                             (seen[sender].empty() || sequence + 64 >= highest[sender]);
    const ReplayVerdict verdict =
        window.accept(NodeId{static_cast<std::uint32_t>(sender)}, sequence);
    INFO("step " << step << " sender " << sender << " sequence " << sequence);
    REQUIRE((verdict == ReplayVerdict::kFresh) == model_fresh);
    if (!model_fresh && !seen[sender].contains(sequence)) {
      CHECK(verdict == ReplayVerdict::kTooOld);
    }
    if (model_fresh) {
      seen[sender].insert(sequence);
      highest[sender] = std::max(highest[sender], sequence);
      ++fresh;
    }
  }
  CHECK(fresh > 1000);  // the walk exercised acceptance, not only refusals
  CHECK(window.evictions() == 0);
}

TEST_CASE("HMAC-SHA256 is the standard one: RFC 4231 test vectors", "[spore]") {
  struct Vector {
    std::vector<std::uint8_t> key;
    std::vector<std::uint8_t> data;
    const char* hmac;
  };
  // Test cases 2 ("Jefe", 4 bytes) is below the minimum key length and not usable here.
  const std::vector<Vector> vectors = {
      // Test case 1.
      {repeated(0x0b, 20), bytes_of("Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      // Test case 3.
      {repeated(0xaa, 20), repeated(0xdd, 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      // Test case 4.
      {from_hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), repeated(0xcd, 50),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      // Test case 6: a key longer than the block size.
      {repeated(0xaa, 131), bytes_of("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      // Test case 7.
      {repeated(0xaa, 131),
       bytes_of("This is a test using a larger than block-size key and a larger than block-size "
                "data. The key needs to be hashed before being used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const Vector& vector : vectors) {
    const Authenticator authenticator(vector.key);
    const auto hmac = authenticator.hmac_sha256(vector.data);
    CHECK(std::vector<std::uint8_t>(hmac.begin(), hmac.end()) == from_hex(vector.hmac));
  }
  // Test case 5 is HMAC-SHA-256 truncated to 128 bits: exactly the MAC a datagram carries.
  const Authenticator truncation(repeated(0x0c, 20));
  const Mac mac = truncation.mac(bytes_of("Test With Truncation"));
  CHECK(std::vector<std::uint8_t>(mac.begin(), mac.end()) ==
        from_hex("a3b6167473100ee06e0c796c2955552b"));
  CHECK(truncation.verify(bytes_of("Test With Truncation"),
                          from_hex("a3b6167473100ee06e0c796c2955552b")));
  CHECK_FALSE(truncation.verify(bytes_of("Test With Truncation"),
                                from_hex("a3b6167473100ee06e0c796c2955552c")));
  CHECK_FALSE(truncation.verify(bytes_of("Test With Truncation"), from_hex("a3b6167473100ee0")));
}

TEST_CASE("network keys shorter than 16 bytes are refused with a reason", "[spore]") {
  CHECK(Authenticator::key_problem(repeated(1, 15)) ==
        "network key has 15 bytes; at least 16 are required");
  CHECK(Authenticator::key_problem({}) == "network key has 0 bytes; at least 16 are required");
  CHECK(Authenticator::key_problem(repeated(1, 16)).empty());
}

TEST_CASE("a moved Authenticator keeps its key", "[spore]") {
  Authenticator first(bytes_of("0123456789abcdef"));
  const Mac before = first.mac(bytes_of("x"));
  Authenticator second(std::move(first));
  CHECK(second.mac(bytes_of("x")) == before);
  Authenticator third(bytes_of("fedcba9876543210"));
  CHECK(third.mac(bytes_of("x")) != before);
  third = std::move(second);
  CHECK(third.mac(bytes_of("x")) == before);
}

TEST_CASE("the network id is the first 8 bytes of SHA-256 of the name, little-endian", "[spore]") {
  // printf test-net | sha256sum: 254ddbe0ec1e5f3e d4b492876e2b6b9a ...
  CHECK(network_id_from_name("test-net") == 0x3e5f1eece0db4d25ULL);
  CHECK(network_id_from_name("test-net") == network_id_from_name("test-net"));
  CHECK(network_id_from_name("test-net") != network_id_from_name("test-net2"));
  // An empty name is a name too: SHA-256("") starts e3b0c442 98fc1c14.
  CHECK(network_id_from_name("") == 0x141cfc9842c4b0e3ULL);
}
