#include <cstdio>
#include <cstdlib>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <core/assert.hpp>
#include <core/spore/spore_auth.hpp>

namespace mycelium::spore {

// One HMAC-SHA256 context keyed once; each MAC is computed on a copy of it, so the key schedule
// (and OpenSSL's algorithm fetch) is paid once per Authenticator, not once per datagram.
struct Authenticator::Context {
  EVP_MAC_CTX* keyed = nullptr;

  Context() = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context() { EVP_MAC_CTX_free(keyed); }  // frees and wipes the key
};

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
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  MYCELIUM_ASSERT(hmac != nullptr);
  context_->keyed = EVP_MAC_CTX_new(hmac);
  EVP_MAC_free(hmac);  // the context holds its own reference
  MYCELIUM_ASSERT(context_->keyed != nullptr);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  MYCELIUM_ASSERT(EVP_MAC_init(context_->keyed, key.data(), key.size(), params) == 1);
}

Authenticator::~Authenticator() = default;
Authenticator::Authenticator(Authenticator&&) noexcept = default;
Authenticator& Authenticator::operator=(Authenticator&&) noexcept = default;

std::array<std::uint8_t, kHmacSha256Bytes> Authenticator::hmac_sha256(
    std::span<const std::uint8_t> bytes) const {
  MYCELIUM_ASSERT(context_ != nullptr);  // not a moved-from Authenticator
  EVP_MAC_CTX* mac_context = EVP_MAC_CTX_dup(context_->keyed);
  MYCELIUM_ASSERT(mac_context != nullptr);
  std::array<std::uint8_t, kHmacSha256Bytes> out{};
  std::size_t out_size = 0;
  const bool ok = EVP_MAC_update(mac_context, bytes.data(), bytes.size()) == 1 &&
                  EVP_MAC_final(mac_context, out.data(), &out_size, out.size()) == 1;
  EVP_MAC_CTX_free(mac_context);
  MYCELIUM_ASSERT(ok && out_size == out.size());
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

ReplayVerdict ReplayWindow::accept(NodeId sender, std::uint64_t sequence) {
  const auto found = index_.find(sender);
  if (found == index_.end()) {
    if (index_.size() >= max_senders_) {
      index_.erase(recency_.back().sender);
      recency_.pop_back();
      ++evictions_;
    }
    recency_.push_front({sender, sequence, 0});
    index_.emplace(sender, recency_.begin());
    return ReplayVerdict::kFresh;
  }
  SenderWindow& window = *found->second;
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
  recency_.splice(recency_.begin(), recency_, found->second);  // iterators stay valid
  return ReplayVerdict::kFresh;
}

}  // namespace mycelium::spore
