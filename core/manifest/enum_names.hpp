#pragma once
// A compile-time table between an enum and the spellings users write in manifests.

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace mycelium::manifest {

template <typename Enum, std::size_t N>
struct EnumNames {
  std::array<std::pair<Enum, std::string_view>, N> entries;

  constexpr std::string_view name(Enum value) const {
    for (const auto& [candidate, spelling] : entries) {
      if (candidate == value) return spelling;
    }
    return "?";
  }

  constexpr std::optional<Enum> parse(std::string_view spelling) const {
    for (const auto& [candidate, text] : entries) {
      if (text == spelling) return candidate;
    }
    return std::nullopt;
  }

  constexpr std::array<std::string_view, N> spellings() const {
    std::array<std::string_view, N> names{};
    for (std::size_t i = 0; i < N; ++i)
      names[i] = entries[i].second;
    return names;
  }
};

}  // namespace mycelium::manifest
