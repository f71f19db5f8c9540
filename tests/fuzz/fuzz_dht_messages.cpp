// Fuzz target for the DHT's codec (core/distribution/dht.hpp): no crash,
// and every accepted input re-encodes to itself.

#include <cstdint>

#include <core/distribution/dht.hpp>
#include <tests/fuzz/round_trip.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return mycelium::fuzz::check_round_trip(
      "fuzz_dht_messages", data, size,
      [](auto bytes) { return mycelium::distribution::decode_dht_message(bytes); },
      [](const auto& message) { return mycelium::distribution::encode(message); });
}
