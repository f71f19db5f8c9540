// Fuzz target for the lease election's codec (core/distribution/lease_election.hpp): no crash,
// and every accepted input re-encodes to itself.

#include <cstdint>

#include <core/distribution/lease_election.hpp>
#include <tests/fuzz/round_trip.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return mycelium::fuzz::check_round_trip(
      "fuzz_lease_messages", data, size,
      [](auto bytes) { return mycelium::distribution::decode_lease_message(bytes); },
      [](const auto& message) { return mycelium::distribution::encode(message); });
}
