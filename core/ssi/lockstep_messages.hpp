#pragma once
// The lock-step prototype's messages (issue 9, item 2; docs/ssi.md, "Lock-step prototype") and
// their wire codec. Replicas talk on kLockstepPort, clients hear their replies on
// kLockstepClientPort.
//
// Wire: u8 version (=1) | u8 type | fields as varints, in declaration order; an optional field is
// a u8 presence flag (0 or 1) then the field. decode() checks everything and returns nullopt for
// anything else (unknown version or type, truncation, trailing bytes, a bad flag): the message is
// dropped and counted, never trusted.

#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include <core/env/message.hpp>

namespace mycelium::ssi {

inline constexpr Port kLockstepPort{7300};
inline constexpr Port kLockstepClientPort{7301};

// One client input: the client's node, its own sequence number (1, 2, ...; one outstanding at a
// time) and the value the state machine folds in.
struct LockstepInput {
  std::uint32_t client = 0;
  std::uint64_t client_seq = 0;
  std::uint64_t value = 0;
  constexpr auto operator<=>(const LockstepInput&) const = default;
};

// An input ordered at `step` in `view` but not yet known committed.
struct LockstepPending {
  std::uint64_t step = 0;
  std::uint64_t view = 0;
  LockstepInput input;
  constexpr auto operator<=>(const LockstepPending&) const = default;
};

// Client -> every replica: please order this input (only the sequencer acts on it).
struct SubmitMessage {
  LockstepInput input;
  constexpr auto operator<=>(const SubmitMessage&) const = default;
};

// Sequencer -> replicas: `input` is proposed for `step`. `previous` is the committed input of
// step - 1, for a replica whose commit of it is late or lost.
struct OrderMessage {
  std::uint64_t view = 0;
  std::uint64_t step = 0;
  LockstepInput input;
  std::optional<LockstepInput> previous;
  constexpr auto operator<=>(const OrderMessage&) const = default;
};

// Replica -> sequencer: I hold `step`'s input, and applied everything before it; my state hash
// after step - 1 is `hash_before`, which the sequencer compares with its own.
struct AckMessage {
  std::uint64_t view = 0;
  std::uint64_t step = 0;
  std::uint64_t hash_before = 0;
  constexpr auto operator<=>(const AckMessage&) const = default;
};

// Sequencer -> replicas: `step` is committed (a majority holds it): apply it.
struct CommitMessage {
  std::uint64_t view = 0;
  std::uint64_t step = 0;
  LockstepInput input;
  constexpr auto operator<=>(const CommitMessage&) const = default;
};

// Sequencer -> replicas, every heartbeat interval: I am alive and lead `view`.
struct HeartbeatMessage {
  std::uint64_t view = 0;
  std::uint64_t committed_step = 0;
  constexpr auto operator<=>(const HeartbeatMessage&) const = default;
};

// Replica -> the sequencer of `view`: I moved to `view`; what I know. `committed_step` is the
// last step whose input I know committed (applied or being applied), `committed_input` that
// input; `pending` an input I acknowledged beyond it.
struct ViewChangeMessage {
  std::uint64_t view = 0;
  std::uint64_t committed_step = 0;
  std::optional<LockstepInput> committed_input;
  std::optional<LockstepPending> pending;
  constexpr auto operator<=>(const ViewChangeMessage&) const = default;
};

// New sequencer -> replicas: `view` starts from `committed_step`, whose input is
// `committed_input` (for a replica one step behind).
struct NewViewMessage {
  std::uint64_t view = 0;
  std::uint64_t committed_step = 0;
  std::optional<LockstepInput> committed_input;
  constexpr auto operator<=>(const NewViewMessage&) const = default;
};

// Sequencer -> client: your input `client_seq` was applied at `step`; the state hash after it.
struct ReplyMessage {
  std::uint64_t client_seq = 0;
  std::uint64_t step = 0;
  std::uint64_t hash = 0;
  constexpr auto operator<=>(const ReplyMessage&) const = default;
};

using LockstepMessage =
    std::variant<SubmitMessage, OrderMessage, AckMessage, CommitMessage, HeartbeatMessage,
                 ViewChangeMessage, NewViewMessage, ReplyMessage>;

std::vector<std::uint8_t> encode(const LockstepMessage& message);
std::optional<LockstepMessage> decode_lockstep(std::span<const std::uint8_t> bytes);

}  // namespace mycelium::ssi
