// Fuzz target for the replication wire codec. Beyond "no crash": every input that decodes is
// canonical, so encoding the decoded message reproduces the input byte for byte, and every
// refusal says why.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include <core/ram/replication_messages.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mycelium::ram;
  const std::span<const std::uint8_t> input(data, size);
  const DecodeResult result = decode_replication_message(input);
  if (!result.message) {
    if (result.error.empty()) {
      std::fprintf(stderr, "fuzz_replication_messages: refusal without a reason\n");
      std::abort();
    }
    return 0;
  }
  const std::vector<std::uint8_t> again = encode(*result.message);
  if (!std::equal(again.begin(), again.end(), input.begin(), input.end())) {
    std::fprintf(stderr, "fuzz_replication_messages: re-encoding differs from the input\n");
    std::abort();
  }
  return 0;
}
