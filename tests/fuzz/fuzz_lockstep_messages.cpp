// Fuzz target for the lock-step prototype's codec (core/ssi/lockstep_messages.hpp): no crash,
// and every accepted input re-encodes to itself.

#include <cstdint>

#include <core/ssi/lockstep_messages.hpp>
#include <tests/fuzz/round_trip.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return mycelium::fuzz::check_round_trip(
      "fuzz_lockstep_messages", data, size,
      [](auto bytes) { return mycelium::ssi::decode_lockstep(bytes); },
      [](const auto& message) { return mycelium::ssi::encode(message); });
}
