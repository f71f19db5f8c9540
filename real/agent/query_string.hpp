#pragma once
// The query of an admin API request ("service=orders&instance=orders-5&port=8080"): strict,
// because its values become service records other agents trust. Keys and values are RFC 3986
// unreserved characters or %XX escapes ('+' is not a space); every key at most once; bounded.

#include <map>
#include <string>
#include <string_view>
#include <variant>

namespace mycelium::real {

struct QueryLimits {
  static constexpr std::size_t kMaxParameters = 16;
  static constexpr std::size_t kMaxDecodedBytes = 256;  // per key and per value
};

using QueryParameters = std::map<std::string, std::string, std::less<>>;

// The parameters, or what is wrong with the query (naming the parameter where there is one).
std::variant<QueryParameters, std::string> parse_query(std::string_view query);

// Splits a request target at its '?': the path, and the query (empty if none).
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

}  // namespace mycelium::real
