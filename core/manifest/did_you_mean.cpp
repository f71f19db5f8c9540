#include <algorithm>
#include <array>
#include <cctype>

#include <core/manifest/did_you_mean.hpp>

namespace mycelium::manifest {

namespace {
constexpr std::size_t kMaxCompared = 64;

char fold(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  a = a.substr(0, kMaxCompared);
  b = b.substr(0, kMaxCompared);
  std::array<std::size_t, kMaxCompared + 1> previous{};
  std::array<std::size_t, kMaxCompared + 1> current{};
  for (std::size_t j = 0; j <= b.size(); ++j)
    previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    previous = current;
  }
  return previous[b.size()];
}

std::optional<std::string> did_you_mean(std::string_view word,
                                        std::span<const std::string_view> candidates) {
  // A typo changes a few characters: allow one edit per three, at least two.
  const std::size_t max_distance = std::max<std::size_t>(2, word.size() / 3);
  std::optional<std::string> best;
  std::size_t best_distance = max_distance + 1;
  for (std::string_view candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(candidate);
    }
  }
  return best;
}

std::string did_you_mean_suffix(std::string_view word,
                                std::span<const std::string_view> candidates) {
  const auto suggestion = did_you_mean(word, candidates);
  return suggestion ? " (did you mean \"" + *suggestion + "\"?)" : std::string();
}

}  // namespace mycelium::manifest
