#pragma once
// What the codec fuzz targets check beyond "no crash": every input the decoder accepts encodes
// back to exactly those bytes (no two encodings of one message, nothing ignored).

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

namespace mycelium::fuzz {

// decode(bytes) -> optional<Message>; encode(Message) -> vector<uint8_t>. Aborts, naming
// `target`, when an accepted input re-encodes differently.
template <typename Decode, typename Encode>
int check_round_trip(const char* target, const std::uint8_t* data, std::size_t size, Decode decode,
                     Encode encode) {
  const std::span<const std::uint8_t> input(data, size);
  const auto message = decode(input);
  if (!message) return 0;
  const std::vector<std::uint8_t> again = encode(*message);
  if (!std::equal(again.begin(), again.end(), input.begin(), input.end())) {
    std::fprintf(stderr, "%s: re-encoding differs from the input\n", target);
    std::abort();
  }
  return 0;
}

}  // namespace mycelium::fuzz
