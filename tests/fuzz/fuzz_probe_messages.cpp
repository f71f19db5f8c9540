// Fuzz target for the RTT probe codec: no crash, and every accepted input re-encodes to itself.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include <core/placement/rtt_probe.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const auto message = mycelium::placement::decode_probe_message(input);
  if (!message) return 0;
  const std::vector<std::uint8_t> again = mycelium::placement::encode(*message);
  if (!std::equal(again.begin(), again.end(), input.begin(), input.end())) {
    std::fprintf(stderr, "fuzz_probe_messages: re-encoding differs from the input\n");
    std::abort();
  }
  return 0;
}
