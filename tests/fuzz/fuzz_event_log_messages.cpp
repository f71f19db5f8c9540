// Fuzz target for the event log's codec (core/distribution/event_log.hpp): no crash,
// and every accepted input re-encodes to itself.

#include <cstdint>

#include <core/distribution/event_log.hpp>
#include <tests/fuzz/round_trip.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return mycelium::fuzz::check_round_trip(
      "fuzz_event_log_messages", data, size,
      [](auto bytes) { return mycelium::distribution::decode_event_log_message(bytes); },
      [](const auto& message) { return mycelium::distribution::encode(message); });
}
