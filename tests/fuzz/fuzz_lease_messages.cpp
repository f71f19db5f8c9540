// Fuzz target for the lease election's codec (core/distribution/lease_election.hpp): no crash,
// and every accepted input re-encodes to itself.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include <core/distribution/lease_election.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const auto message = mycelium::distribution::decode_lease_message(input);
  if (!message) return 0;
  const std::vector<std::uint8_t> again = mycelium::distribution::encode(*message);
  if (!std::equal(again.begin(), again.end(), input.begin(), input.end())) {
    std::fprintf(stderr, "fuzz_lease_messages: re-encoding differs from the input\n");
    std::abort();
  }
  return 0;
}
