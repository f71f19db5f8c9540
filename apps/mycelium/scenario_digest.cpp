#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string_view>

#include <apps/mycelium/scenario_digest.hpp>

namespace mycelium::cli {

namespace {

// 64-bit FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/): stable across platforms and
// builds, which std::hash is not; not cryptographic, and it need not be: it catches mistakes.
class Fnv1a64 {
 public:
  void add(std::string_view bytes) {
    for (const char c : bytes) {
      hash_ ^= static_cast<unsigned char>(c);
      hash_ *= 0x100000001b3ULL;
    }
  }
  // A length-prefixed piece, so that ("ab", "c") and ("a", "bc") differ.
  void add_piece(std::string_view bytes) {
    add(std::to_string(bytes.size()));
    add(std::string_view(":", 1));
    add(bytes);
  }
  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace

std::string scenario_digest(const std::string& scenario_text,
                            const std::vector<ScenarioReference>& references) {
  Fnv1a64 hash;
  hash.add_piece("mycelium scenario digest 1");  // a new layout of the stream changes this
  hash.add_piece(scenario_text);
  for (const ScenarioReference& reference : references) {
    hash.add_piece(std::filesystem::path(reference.written).lexically_normal().generic_string());
    hash.add_piece(reference.bytes);
  }
  char text[32];
  std::snprintf(text, sizeof text, "fnv1a64:%016llx",
                static_cast<unsigned long long>(hash.value()));
  return text;
}

}  // namespace mycelium::cli
