#pragma once
// Suggests the closest known name for a misspelt field or enum value.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mycelium::manifest {

// Edit distance (insertions, deletions, substitutions), case-insensitive. Inputs longer than 64
// characters are compared by their first 64 only: names are short and the bound keeps it O(1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` when it is close enough to be a plausible typo, else nullopt.
std::optional<std::string> did_you_mean(std::string_view word,
                                        std::span<const std::string_view> candidates);

// " (did you mean \"x\"?)" or "" — ready to append to a message.
std::string did_you_mean_suffix(std::string_view word,
                                std::span<const std::string_view> candidates);

}  // namespace mycelium::manifest
