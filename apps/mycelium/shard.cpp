#include <charconv>
#include <string>
#include <string_view>

#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/shard.hpp>

namespace mycelium::cli {

namespace {

// A decimal number of digits only (from_chars alone would take a leading '-'); the empty string
// when it is one, else what is wrong with it.
std::string parse_number(std::string_view text, std::uint64_t& value) {
  if (text.empty()) return "is missing";
  for (const char c : text) {
    if (c < '0' || c > '9') return "is not a whole number (digits 0-9 only)";
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return "is too large";
  return "";
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const auto fail = [&text](const std::string& why) -> Shard {
    throw UserError("--shard \"" + text + "\": " + why +
                    "; expected i/n, the shard index i from 0 to n-1 and the shard count n >= 1, "
                    "e.g. --shard 0/4");
  };
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) return fail("no '/'");
  Shard shard;
  const std::string index_problem =
      parse_number(std::string_view(text).substr(0, slash), shard.index);
  if (!index_problem.empty()) return fail("the index " + index_problem);
  const std::string count_problem =
      parse_number(std::string_view(text).substr(slash + 1), shard.count);
  if (!count_problem.empty()) return fail("the count " + count_problem);
  if (shard.count == 0) return fail("the count is 0");
  if (shard.index >= shard.count) {
    return fail("the index " + std::to_string(shard.index) + " is not below the count " +
                std::to_string(shard.count));
  }
  return shard;
}

std::vector<std::uint64_t> shard_run_indices(const Shard& shard, std::uint64_t sweep_run_count) {
  std::vector<std::uint64_t> indices;
  for (std::uint64_t index = shard.index; index < sweep_run_count;) {
    indices.push_back(index);
    if (sweep_run_count - index <= shard.count) break;  // index + count would not be below it
    index += shard.count;
  }
  return indices;
}

}  // namespace mycelium::cli
