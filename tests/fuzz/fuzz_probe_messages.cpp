// Fuzz target for the RTT probe codec: no crash, and every accepted input re-encodes to itself.

#include <cstdint>

#include <core/placement/rtt_probe.hpp>
#include <tests/fuzz/round_trip.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return mycelium::fuzz::check_round_trip(
      "fuzz_probe_messages", data, size,
      [](auto bytes) { return mycelium::placement::decode_probe_message(bytes); },
      [](const auto& message) { return mycelium::placement::encode(message); });
}
