// Fuzz target for the device-state region a backup's replica holds after guest RAM
// (real/replication/memory_guest.hpp, read_device_state): the bytes come off the wire, through
// the replica. Beyond "no crash": a region is either refused with std::length_error, or gives a
// state of exactly the length it announces, which the region holds after its 8-byte length.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <stdexcept>
#include <vector>

#include <real/replication/memory_guest.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> region(data, size);
  std::vector<std::uint8_t> state;
  try {
    state = mycelium::real::read_device_state(region);
  } catch (const std::length_error&) {
    return 0;  // refused, with a reason
  }
  std::uint64_t announced = 0;
  for (int i = 0; i < 8; ++i)
    announced |= static_cast<std::uint64_t>(data[i]) << (8 * i);
  if (state.size() != announced || size < 8 + state.size() ||
      (!state.empty() && std::memcmp(state.data(), data + 8, state.size()) != 0)) {
    std::fprintf(stderr, "fuzz_device_state_region: state does not match its region\n");
    std::abort();
  }
  return 0;
}
