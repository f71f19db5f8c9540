#include <limits>
#include <type_traits>

#include <core/ssi/lockstep_messages.hpp>
#include <core/wire/byte_io.hpp>

namespace mycelium::ssi {

namespace {

constexpr std::uint8_t kVersion = 1;

// The wire type of each alternative: its index in LockstepMessage, plus one (0 is never sent).
template <typename T>
constexpr std::uint8_t wire_type() {
  constexpr LockstepMessage probe{std::in_place_type<T>};
  return static_cast<std::uint8_t>(probe.index() + 1);
}

void put(wire::ByteWriter& writer, const LockstepInput& input) {
  writer.varint(input.client);
  writer.varint(input.client_seq);
  writer.varint(input.value);
}

template <typename T, typename Put>
void put_optional(wire::ByteWriter& writer, const std::optional<T>& value, Put put_value) {
  writer.u8(value ? 1 : 0);
  if (value) put_value(*value);
}

void put(wire::ByteWriter& writer, const LockstepPending& pending) {
  writer.varint(pending.step);
  writer.varint(pending.view);
  put(writer, pending.input);
}

LockstepInput get_input(wire::ByteReader& reader) {
  LockstepInput input;
  const std::uint64_t client = reader.varint();
  if (client > std::numeric_limits<std::uint32_t>::max()) reader.fail("client id above 32 bits");
  input.client = static_cast<std::uint32_t>(client);
  input.client_seq = reader.varint();
  input.value = reader.varint();
  return input;
}

bool get_flag(wire::ByteReader& reader) {
  const std::uint8_t flag = reader.u8();
  if (flag > 1) reader.fail("presence flag not 0 or 1");
  return flag == 1;
}

std::optional<LockstepInput> get_optional_input(wire::ByteReader& reader) {
  if (!get_flag(reader)) return std::nullopt;
  return get_input(reader);
}

void encode_body(wire::ByteWriter& writer, const SubmitMessage& message) {
  put(writer, message.input);
}
void encode_body(wire::ByteWriter& writer, const OrderMessage& message) {
  writer.varint(message.view);
  writer.varint(message.step);
  put(writer, message.input);
  put_optional(writer, message.previous, [&](const LockstepInput& input) { put(writer, input); });
}
void encode_body(wire::ByteWriter& writer, const AckMessage& message) {
  writer.varint(message.view);
  writer.varint(message.step);
  writer.varint(message.hash_before);
}
void encode_body(wire::ByteWriter& writer, const CommitMessage& message) {
  writer.varint(message.view);
  writer.varint(message.step);
  put(writer, message.input);
}
void encode_body(wire::ByteWriter& writer, const HeartbeatMessage& message) {
  writer.varint(message.view);
  writer.varint(message.committed_step);
}
void encode_body(wire::ByteWriter& writer, const ViewChangeMessage& message) {
  writer.varint(message.view);
  writer.varint(message.committed_step);
  put_optional(writer, message.committed_input,
               [&](const LockstepInput& input) { put(writer, input); });
  put_optional(writer, message.pending,
               [&](const LockstepPending& pending) { put(writer, pending); });
}
void encode_body(wire::ByteWriter& writer, const NewViewMessage& message) {
  writer.varint(message.view);
  writer.varint(message.committed_step);
  put_optional(writer, message.committed_input,
               [&](const LockstepInput& input) { put(writer, input); });
}
void encode_body(wire::ByteWriter& writer, const ReplyMessage& message) {
  writer.varint(message.client_seq);
  writer.varint(message.step);
  writer.varint(message.hash);
}

LockstepMessage decode_body(std::uint8_t type, wire::ByteReader& reader) {
  switch (type) {
    case wire_type<SubmitMessage>():
      return SubmitMessage{get_input(reader)};
    case wire_type<OrderMessage>(): {
      OrderMessage message;
      message.view = reader.varint();
      message.step = reader.varint();
      message.input = get_input(reader);
      message.previous = get_optional_input(reader);
      return message;
    }
    case wire_type<AckMessage>(): {
      AckMessage message;
      message.view = reader.varint();
      message.step = reader.varint();
      message.hash_before = reader.varint();
      return message;
    }
    case wire_type<CommitMessage>(): {
      CommitMessage message;
      message.view = reader.varint();
      message.step = reader.varint();
      message.input = get_input(reader);
      return message;
    }
    case wire_type<HeartbeatMessage>(): {
      HeartbeatMessage message;
      message.view = reader.varint();
      message.committed_step = reader.varint();
      return message;
    }
    case wire_type<ViewChangeMessage>(): {
      ViewChangeMessage message;
      message.view = reader.varint();
      message.committed_step = reader.varint();
      message.committed_input = get_optional_input(reader);
      if (get_flag(reader)) {
        LockstepPending pending;
        pending.step = reader.varint();
        pending.view = reader.varint();
        pending.input = get_input(reader);
        message.pending = pending;
      }
      return message;
    }
    case wire_type<NewViewMessage>(): {
      NewViewMessage message;
      message.view = reader.varint();
      message.committed_step = reader.varint();
      message.committed_input = get_optional_input(reader);
      return message;
    }
    case wire_type<ReplyMessage>(): {
      ReplyMessage message;
      message.client_seq = reader.varint();
      message.step = reader.varint();
      message.hash = reader.varint();
      return message;
    }
    default:
      reader.fail("unknown message type");
      return SubmitMessage{};
  }
}

}  // namespace

std::vector<std::uint8_t> encode(const LockstepMessage& message) {
  wire::ByteWriter writer;
  writer.u8(kVersion);
  std::visit(
      [&](const auto& body) {
        writer.u8(wire_type<std::decay_t<decltype(body)>>());
        encode_body(writer, body);
      },
      message);
  return writer.take();
}

std::optional<LockstepMessage> decode_lockstep(std::span<const std::uint8_t> bytes) {
  wire::ByteReader reader(bytes);
  const std::uint8_t version = reader.u8();
  const std::uint8_t type = reader.u8();
  if (!reader.ok() || version != kVersion) return std::nullopt;
  LockstepMessage message = decode_body(type, reader);
  if (!reader.ok() || !reader.at_end()) return std::nullopt;
  return message;
}

}  // namespace mycelium::ssi
