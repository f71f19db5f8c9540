// Fuzz target for the real runtime's message frame (core/wire/message_frame.hpp). Beyond "no
// crash": a frame that decodes re-encodes to exactly the bytes it took, a refusal always says
// why, and an incomplete input is a proper prefix of what a frame would need.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include <core/wire/message_frame.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mycelium::wire;
  const std::span<const std::uint8_t> input(data, size);
  const FrameDecode result = decode_frame(input);
  if (!result.message) {
    if (result.incomplete == result.error.empty()) return 0;  // exactly one of the two
    std::fprintf(stderr, "fuzz_message_frame: refusal without a reason, or both\n");
    std::abort();
  }
  if (result.frame_bytes > size) {
    std::fprintf(stderr, "fuzz_message_frame: frame longer than the input\n");
    std::abort();
  }
  const std::vector<std::uint8_t> again = encode_frame(*result.message);
  if (!std::equal(again.begin(), again.end(), input.begin(), input.begin() + result.frame_bytes)) {
    std::fprintf(stderr, "fuzz_message_frame: re-encoding differs from the input\n");
    std::abort();
  }
  return 0;
}
