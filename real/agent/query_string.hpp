#pragma once
// The query of an admin API request ("service=orders&instance=orders-5&port=8080"): strict,
// because its values become service records other agents trust. Keys and values are RFC 3986
// unreserved characters or %XX escapes ('+' is not a space); every key at most once; bounded.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mycelium::real {

struct QueryLimits {
  static constexpr std::size_t kMaxParameters = 16;
  static constexpr std::size_t kMaxDecodedBytes = 256;  // per key and per value
};

using QueryParameters = std::map<std::string, std::string, std::less<>>;

// The parameters, or what is wrong with the query (naming the parameter where there is one).
std::variant<QueryParameters, std::string> parse_query(std::string_view query);

// The parameters when the query parses and names only `known` keys; otherwise why not, as the
// 400 answers of the admin API say it: "bad query: <what>" or "unknown parameter K; expected A,
// B".
std::variant<QueryParameters, std::string> parse_known_query(
    std::string_view query, std::initializer_list<std::string_view> known);

// A node id parameter: a decimal in 0 .. 4294967294 (NodeId's invalid value excluded).
std::optional<std::uint32_t> parse_node_id(std::string_view text);
// A list of them separated by commas ("2,3"; "%2C" in a query): 1 to `max_count` distinct ids,
// no empty item.
std::optional<std::vector<std::uint32_t>> parse_node_id_list(std::string_view text,
                                                             std::size_t max_count);

// Splits a request target at its '?': the path, and the query (empty if none).
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

}  // namespace mycelium::real
