#pragma once
// The asynchronous chunked prototype's messages (issue 9, item 3; docs/ssi.md, "Asynchronous
// chunked prototype") and their wire codec. Coordinator and workers both listen on kChunkedPort.
//
// Wire: u8 version (=1) | u8 type | fields as varints, in declaration order. decode_chunked()
// checks everything and returns nullopt for anything else.

#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include <core/env/message.hpp>

namespace mycelium::ssi {

inline constexpr Port kChunkedPort{7310};

// Coordinator -> worker: compute `chunk` (`work_ns` of compute at speed 1). `copy` numbers the
// chunk's copies (0, 1, ...), so a result names the copy it answers.
struct AssignMessage {
  std::uint64_t chunk = 0;
  std::uint32_t copy = 0;
  std::uint64_t work_ns = 0;
  constexpr auto operator<=>(const AssignMessage&) const = default;
};

// Coordinator -> worker: the chunk is settled; stop computing it (or drop it from the queue).
struct CancelMessage {
  std::uint64_t chunk = 0;
  constexpr auto operator<=>(const CancelMessage&) const = default;
};

// Worker -> coordinator: the copy's result, and how long the worker computed it.
struct ResultMessage {
  std::uint64_t chunk = 0;
  std::uint32_t copy = 0;
  std::uint64_t value = 0;
  std::uint64_t busy_ns = 0;
  constexpr auto operator<=>(const ResultMessage&) const = default;
};

using ChunkedMessage = std::variant<AssignMessage, CancelMessage, ResultMessage>;

std::vector<std::uint8_t> encode(const ChunkedMessage& message);
std::optional<ChunkedMessage> decode_chunked(std::span<const std::uint8_t> bytes);

// The correct result of `chunk` of job `job_seed`: what an honest worker returns. Any function
// the coordinator cannot guess would do; this one is a hash.
std::uint64_t chunk_result(std::uint64_t job_seed, std::uint64_t chunk);

}  // namespace mycelium::ssi
