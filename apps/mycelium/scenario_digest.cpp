#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string_view>

#include <apps/mycelium/scenario_digest.hpp>
#include <core/fnv1a.hpp>

namespace mycelium::cli {

namespace {

// 64-bit FNV-1a (core/fnv1a.hpp) over length-prefixed pieces, so that ("ab", "c") and ("a",
// "bc") differ; not cryptographic, and it need not be: it catches mistakes.
class PieceHash {
 public:
  void add_piece(std::string_view bytes) {
    hash_.bytes(std::to_string(bytes.size()));
    hash_.bytes(std::string_view(":", 1));
    hash_.bytes(bytes);
  }
  std::uint64_t value() const { return hash_.value(); }

 private:
  Fnv1a64 hash_;
};

}  // namespace

std::string scenario_digest(const std::string& scenario_text,
                            const std::vector<ScenarioReference>& references) {
  PieceHash hash;
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
