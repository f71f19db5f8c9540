#include <algorithm>
#include <cstdio>
#include <cstdlib>

// The SHA-256 block interface (SHA256_Init/Update/Final), deprecated in OpenSSL 3.0 in favour of
// EVP but still built: asked for at the 1.1.1 API level so its declarations carry no deprecation.
// Why it, below.
#define OPENSSL_API_COMPAT 10101
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <core/assert.hpp>
#include <core/spore/spore_auth.hpp>

namespace mycelium::spore {

// HMAC-SHA256 (RFC 2104) from two SHA-256 states that have already absorbed the key's inner and
// outer pad blocks: each MAC copies them (plain structs) and hashes the datagram, then the inner
// digest. The simulator computes two per datagram, hundreds of millions of times in a
// million-member run. Measured on 120-byte datagrams: 0.55 us per MAC duplicating a keyed
// EVP_MAC context, 0.22 us copying EVP_MD_CTX states (each copy frees and allocates the
// provider's state and wipes it), and less again with plain SHA256_CTX copies (bench figure in
// docs/spore.md). The pads are wiped once absorbed; the states are wiped on destruction.
struct Authenticator::Context {
  SHA256_CTX inner{};  // after (key ^ ipad)
  SHA256_CTX outer{};  // after (key ^ opad)

  Context() = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context() {
    OPENSSL_cleanse(&inner, sizeof inner);
    OPENSSL_cleanse(&outer, sizeof outer);
  }
};

namespace {

constexpr std::size_t kSha256BlockBytes = 64;

void absorb_pad(SHA256_CTX& state, const std::array<std::uint8_t, kSha256BlockBytes>& key,
                std::uint8_t pad) {
  std::array<std::uint8_t, kSha256BlockBytes> block{};
  for (std::size_t i = 0; i < block.size(); ++i)
    block[i] = key[i] ^ pad;
  MYCELIUM_ASSERT(SHA256_Init(&state) == 1 &&
                  SHA256_Update(&state, block.data(), block.size()) == 1);
  OPENSSL_cleanse(block.data(), block.size());
}

}  // namespace

std::string Authenticator::key_problem(std::span<const std::uint8_t> key) {
  if (key.size() < kMinKeyBytes) {
    return "network key has " + std::to_string(key.size()) + " bytes; at least " +
           std::to_string(kMinKeyBytes) + " are required";
  }
  return {};
}

Authenticator::Authenticator(std::span<const std::uint8_t> key)
    : context_(std::make_unique<Context>()) {
  const std::string problem = key_problem(key);
  if (!problem.empty()) {
    std::fprintf(stderr, "spore Authenticator: %s\n", problem.c_str());
    std::abort();
  }
  // RFC 2104: a key longer than the block is hashed first; shorter ones are zero-padded.
  std::array<std::uint8_t, kSha256BlockBytes> block_key{};
  if (key.size() > block_key.size()) {
    MYCELIUM_ASSERT(SHA256(key.data(), key.size(), block_key.data()) != nullptr);
  } else {
    std::copy(key.begin(), key.end(), block_key.begin());
  }
  absorb_pad(context_->inner, block_key, 0x36);
  absorb_pad(context_->outer, block_key, 0x5c);
  OPENSSL_cleanse(block_key.data(), block_key.size());
}

Authenticator::~Authenticator() = default;
Authenticator::Authenticator(Authenticator&&) noexcept = default;
Authenticator& Authenticator::operator=(Authenticator&&) noexcept = default;

std::array<std::uint8_t, kHmacSha256Bytes> Authenticator::hmac_sha256(
    std::span<const std::uint8_t> bytes) const {
  MYCELIUM_ASSERT(context_ != nullptr);  // not a moved-from Authenticator
  std::array<std::uint8_t, kHmacSha256Bytes> out{};
  SHA256_CTX work = context_->inner;
  bool ok =
      SHA256_Update(&work, bytes.data(), bytes.size()) == 1 && SHA256_Final(out.data(), &work) == 1;
  work = context_->outer;
  ok = ok && SHA256_Update(&work, out.data(), out.size()) == 1 &&
       SHA256_Final(out.data(), &work) == 1;
  OPENSSL_cleanse(&work, sizeof work);
  MYCELIUM_ASSERT(ok);
  return out;
}

Mac Authenticator::mac(std::span<const std::uint8_t> bytes) const {
  const std::array<std::uint8_t, kHmacSha256Bytes> full = hmac_sha256(bytes);
  Mac truncated{};
  for (std::size_t i = 0; i < kMacBytes; ++i)
    truncated[i] = full[i];
  return truncated;
}

bool Authenticator::verify(std::span<const std::uint8_t> bytes,
                           std::span<const std::uint8_t> mac) const {
  if (mac.size() != kMacBytes) return false;  // the length is public: no need to hide it
  const Mac expected = this->mac(bytes);
  return CRYPTO_memcmp(expected.data(), mac.data(), kMacBytes) == 0;
}

std::string network_id_text(std::uint64_t network_id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text = "0x";
  for (int shift = 60; shift >= 0; shift -= 4)
    text += kDigits[(network_id >> shift) & 0xf];
  return text;
}

std::uint64_t first_sequence(std::uint64_t configured, std::int64_t clock_ns) {
  if (configured != 0) return configured;
  return std::max<std::uint64_t>(1,
                                 static_cast<std::uint64_t>(std::max<std::int64_t>(0, clock_ns)));
}

std::uint64_t network_id_from_name(std::string_view name) {
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  MYCELIUM_ASSERT(EVP_Digest(name.data(), name.size(), digest.data(), &digest_size, EVP_sha256(),
                             nullptr) == 1);
  MYCELIUM_ASSERT(digest_size == 32);
  std::uint64_t id = 0;
  for (int i = 0; i < 8; ++i)
    id |= static_cast<std::uint64_t>(digest[static_cast<std::size_t>(i)]) << (8 * i);
  return id;
}

ReplayWindow::ReplayWindow(std::size_t max_senders) : max_senders_(max_senders) {
  MYCELIUM_ASSERT(max_senders >= 1);
}

std::size_t ReplayWindow::lower_bound(NodeId sender) const {
  return static_cast<std::size_t>(std::lower_bound(senders_.begin(), senders_.end(), sender.value) -
                                  senders_.begin());
}

bool ReplayWindow::tracks(NodeId sender) const {
  const std::size_t at = lower_bound(sender);
  return at < senders_.size() && senders_[at] == sender.value;
}

ReplayVerdict ReplayWindow::accept(NodeId sender, std::uint64_t sequence) {
  MYCELIUM_ASSERT(senders_.size() == windows_.size());
  std::size_t at = lower_bound(sender);
  if (at == senders_.size() || senders_[at] != sender.value) {
    if (senders_.size() >= max_senders_) {
      // Evict the sender heard least recently: a linear scan, only when a new sender arrives
      // at a full table (the table is small: flat vectors cost 28 bytes per sender where a
      // list and a hash map cost about 100, which matters at a million members).
      const auto oldest = static_cast<std::size_t>(
          std::min_element(windows_.begin(), windows_.end(),
                           [](const SenderWindow& a, const SenderWindow& b) {
                             return a.last_heard < b.last_heard;
                           }) -
          windows_.begin());
      senders_.erase(senders_.begin() + static_cast<std::ptrdiff_t>(oldest));
      windows_.erase(windows_.begin() + static_cast<std::ptrdiff_t>(oldest));
      if (oldest < at) --at;
      ++evictions_;
    }
    senders_.insert(senders_.begin() + static_cast<std::ptrdiff_t>(at), sender.value);
    windows_.insert(windows_.begin() + static_cast<std::ptrdiff_t>(at),
                    SenderWindow{sequence, 0, ++heard_});
    return ReplayVerdict::kFresh;
  }
  SenderWindow& window = windows_[at];
  if (sequence > window.highest) {
    const std::uint64_t shift = sequence - window.highest;
    if (shift < kWindowSize) {
      window.below = (window.below << shift) | (1ULL << (shift - 1));
    } else if (shift == kWindowSize) {
      window.below = 1ULL << (kWindowSize - 1);  // only the old highest is still in range
    } else {
      window.below = 0;
    }
    window.highest = sequence;
  } else {
    const std::uint64_t behind = window.highest - sequence;
    if (behind == 0) return ReplayVerdict::kDuplicate;
    if (behind > kWindowSize) return ReplayVerdict::kTooOld;
    const std::uint64_t bit = 1ULL << (behind - 1);
    if ((window.below & bit) != 0) return ReplayVerdict::kDuplicate;
    window.below |= bit;
  }
  window.last_heard = ++heard_;
  return ReplayVerdict::kFresh;
}

}  // namespace mycelium::spore
