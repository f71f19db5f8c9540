// Fuzz target for the Service Spore wire codec (core/spore/spore_codec.hpp). Arbitrary bytes
// almost never carry a valid MAC, so the first input byte picks one of three ways in, to reach
// the body decoder too:
//   byte 0 % 3 == 0: body     the rest is u8 type | body, given to detail::decode_body
//   byte 0 % 3 == 1: signed   the rest is header | body; the target appends the MAC under the
//                             fuzz key and decodes the datagram
//   byte 0 % 3 == 2: raw      the rest is a whole datagram, decoded as it is
// Beyond "no crash": every refusal says why; every accepted input is canonical (encoding what it
// decoded to reproduces it byte for byte); a datagram the target signed itself never fails the
// MAC; an accepted datagram decoded again is refused as replayed.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include <core/spore/spore_auth.hpp>
#include <core/spore/spore_codec.hpp>

namespace {

using namespace mycelium::spore;

// The key and network the seeds in corpus/spore were made with.
constexpr std::string_view kFuzzKey = "mycelium spore fuzz key, 32 B...";
constexpr std::string_view kFuzzNetwork = "fuzz";

const Authenticator& fuzz_key() {
  static const Authenticator authenticator(key_bytes(kFuzzKey));
  return authenticator;
}

std::uint64_t fuzz_network() {
  static const std::uint64_t id = network_id_from_name(kFuzzNetwork);
  return id;
}

[[noreturn]] void broken(const char* property) {
  std::fprintf(stderr, "fuzz_spore_messages: %s\n", property);
  std::abort();
}

bool same(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

void fuzz_body(std::span<const std::uint8_t> input) {
  if (input.empty()) return;
  const std::uint8_t type = input[0];
  const std::span<const std::uint8_t> body = input.subspan(1);
  const detail::BodyDecodeResult result = detail::decode_body(type, body);
  if (!result.message) {
    if (result.error.empty()) broken("body refused without a reason");
    return;
  }
  if (detail::message_type(*result.message) != type) broken("body decoded to another type");
  if (!same(detail::encode_body(*result.message), body)) {
    broken("body re-encoding differs from the input");
  }
}

// Decodes `datagram` with a fresh replay window and checks the properties; returns the refusal.
SporeRefusal fuzz_datagram(std::span<const std::uint8_t> datagram) {
  ReplayWindow window(4);
  const SporeDecodeResult result = decode(datagram, fuzz_key(), window, fuzz_network());
  if (!result.message) {
    if (result.refusal == SporeRefusal::kNone) broken("refused without a refusal kind");
    if (result.error.empty()) broken("refused without a reason");
    return result.refusal;
  }
  if (result.refusal != SporeRefusal::kNone || !result.error.empty() || !result.envelope) {
    broken("accepted with a refusal, an error or no envelope");
  }
  if (!same(encode(*result.envelope, *result.message, fuzz_key()), datagram)) {
    broken("datagram re-encoding differs from the input");
  }
  const SporeDecodeResult again = decode(datagram, fuzz_key(), window, fuzz_network());
  if (again.refusal != SporeRefusal::kReplayed) broken("a replayed datagram was not refused");
  return SporeRefusal::kNone;
}

void fuzz_signed(std::span<const std::uint8_t> unsigned_part) {
  std::vector<std::uint8_t> datagram(unsigned_part.begin(), unsigned_part.end());
  const Mac mac = fuzz_key().mac(datagram);
  datagram.insert(datagram.end(), mac.begin(), mac.end());
  const SporeRefusal refusal = fuzz_datagram(datagram);
  if (refusal == SporeRefusal::kBadMac) broken("a datagram signed with the key failed the MAC");
  if (refusal == SporeRefusal::kReplayed) broken("a first datagram was refused as replayed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> input(data, size);
  const std::span<const std::uint8_t> rest = input.subspan(1);
  switch (input[0] % 3) {
    case 0:
      fuzz_body(rest);
      break;
    case 1:
      fuzz_signed(rest);
      break;
    default:
      if (fuzz_datagram(rest) == SporeRefusal::kReplayed) {
        broken("a first datagram was refused as replayed");
      }
      break;
  }
  return 0;
}
