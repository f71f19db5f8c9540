#pragma once
// FNV-1a, 64 bits (http://www.isthe.com/chongo/tech/comp/fnv/): a hash that is the same on every
// platform and build, which std::hash is not. Not cryptographic: for seeds derived from names,
// digests that catch mistakes, and ids two parties compute without asking each other.

#include <cstdint>
#include <string_view>

namespace mycelium {

class Fnv1a64 {
 public:
  static constexpr std::uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
  static constexpr std::uint64_t kPrime = 0x100000001b3ULL;

  constexpr void byte(std::uint8_t value) {
    hash_ ^= value;
    hash_ *= kPrime;
  }
  // Each byte of `text` (as unsigned: independent of char signedness).
  constexpr void bytes(std::string_view text) {
    for (const char c : text)
      byte(static_cast<std::uint8_t>(c));
  }
  constexpr std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_ = kOffsetBasis;
};

constexpr std::uint64_t fnv1a_64(std::string_view text) {
  Fnv1a64 hash;
  hash.bytes(text);
  return hash.value();
}

}  // namespace mycelium
