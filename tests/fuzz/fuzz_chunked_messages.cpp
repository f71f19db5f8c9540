// Fuzz target for the chunked prototype's codec (core/ssi/chunked_messages.hpp): no crash,
// and every accepted input re-encodes to itself.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include <core/ssi/chunked_messages.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const auto message = mycelium::ssi::decode_chunked(input);
  if (!message) return 0;
  const std::vector<std::uint8_t> again = mycelium::ssi::encode(*message);
  if (!std::equal(again.begin(), again.end(), input.begin(), input.end())) {
    std::fprintf(stderr, "fuzz_chunked_messages: re-encoding differs from the input\n");
    std::abort();
  }
  return 0;
}
