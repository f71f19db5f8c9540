// Fuzz target for sealed datagrams (core/spore/sealed_datagram.hpp), what the lease election's
// messages travel in. Arbitrary bytes almost never carry a valid MAC, so the first input byte
// picks the way in:
//   byte 0 even: signed   the rest is header | body; the target appends the MAC under the fuzz
//                         key and opens it as sent by the sender its header names
//   byte 0 odd:  raw      the rest is a whole datagram, opened as sent by node 1
// Beyond "no crash": every refusal says why; an accepted datagram seals back to itself byte for
// byte and, opened again, is refused as replayed; a datagram the target signed itself never
// fails the MAC nor is taken for a replay; the body of an accepted one goes to the lease codec.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include <core/distribution/lease_election.hpp>
#include <core/spore/sealed_datagram.hpp>

namespace {

using namespace mycelium;
using namespace mycelium::spore;

// The key and network the seeds in corpus/sealed were made with.
constexpr std::string_view kFuzzKey = "mycelium sealed fuzz key, 32 B..";
constexpr std::string_view kFuzzNetwork = "fuzz";

const Authenticator& fuzz_key() {
  static const Authenticator authenticator(key_bytes(kFuzzKey));
  return authenticator;
}

[[noreturn]] void broken(const char* property) {
  std::fprintf(stderr, "fuzz_sealed_datagrams: %s\n", property);
  std::abort();
}

SealedRefusal fuzz_datagram(std::span<const std::uint8_t> datagram, NodeId from) {
  const std::uint64_t network = network_id_from_name(kFuzzNetwork);
  ReplayWindow window(4);
  const OpenedDatagram opened =
      open_sealed(datagram, SealedProtocol::kLease, from, network, fuzz_key(), window);
  if (opened.refusal != SealedRefusal::kNone) {
    if (opened.error.empty()) broken("refused without a reason");
    return opened.refusal;
  }
  if (!opened.error.empty()) broken("accepted with an error");
  const std::vector<std::uint8_t> again = seal(opened.header, opened.body, fuzz_key());
  if (!std::equal(again.begin(), again.end(), datagram.begin(), datagram.end())) {
    broken("sealing what was opened differs from the input");
  }
  if (open_sealed(datagram, SealedProtocol::kLease, from, network, fuzz_key(), window).refusal !=
      SealedRefusal::kReplayed) {
    broken("an accepted datagram opened again was not refused as replayed");
  }
  (void)distribution::decode_lease_message(opened.body);  // fuzzed as a whole by its own target
  return SealedRefusal::kNone;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    std::vector<std::uint8_t> datagram(rest.begin(), rest.end());
    const Mac mac = fuzz_key().mac(datagram);
    datagram.insert(datagram.end(), mac.begin(), mac.end());
    // The sender the header names (bytes 10..13, little-endian), as the transport would.
    std::uint32_t sender = 0;
    for (std::size_t i = 0; i < 4 && 10 + i < rest.size(); ++i)
      sender |= static_cast<std::uint32_t>(rest[10 + i]) << (8 * i);
    const SealedRefusal refusal = fuzz_datagram(datagram, NodeId{sender});
    if (refusal == SealedRefusal::kBadMac) broken("a datagram signed with the key failed the MAC");
    if (refusal == SealedRefusal::kReplayed) broken("a first datagram was refused as replayed");
  } else if (fuzz_datagram(rest, NodeId{1}) == SealedRefusal::kReplayed) {
    broken("a first datagram was refused as replayed");
  }
  return 0;
}
