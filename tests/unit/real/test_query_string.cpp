// The admin API's query parser: well-formed queries give their parameters, percent escapes
// decoded; anything else is refused with the reason, never half-read.

#include <catch2/catch.hpp>

#include <real/agent/query_string.hpp>

using namespace mycelium::real;

namespace {

QueryParameters parsed(std::string_view query) {
  auto result = parse_query(query);
  REQUIRE(std::holds_alternative<QueryParameters>(result));
  return std::get<QueryParameters>(result);
}

std::string refused(std::string_view query) {
  auto result = parse_query(query);
  REQUIRE(std::holds_alternative<std::string>(result));
  return std::get<std::string>(result);
}

}  // namespace

TEST_CASE("a query gives its parameters, escapes decoded") {
  const QueryParameters parameters = parsed("service=orders&instance=orders-5&health=%2Fhealthz");
  CHECK(parameters ==
        QueryParameters{{"health", "/healthz"}, {"instance", "orders-5"}, {"service", "orders"}});
  CHECK(parsed("").empty());
  CHECK(parsed("empty=") == QueryParameters{{"empty", ""}});
  CHECK(parsed("a=%7e%7E") == QueryParameters{{"a", "~~"}});
}

TEST_CASE("a malformed query is refused with the reason") {
  CHECK(refused("service") == "expected key=value, got 'service'");
  CHECK(refused("=x") == "expected key=value, got '=x'");
  CHECK(refused("a=1&") == "trailing '&'");
  CHECK(refused("a=1&a=2") == "parameter a given twice");
  CHECK(refused("a=b c") ==
        "parameter a: unexpected character (use letters, digits, - . _ ~ or %XX)");
  CHECK(refused("a=x+y").starts_with("parameter a: unexpected character"));
  CHECK(refused("a=%4") == "parameter a: '%' must be followed by two hex digits");
  CHECK(refused("a=%zz") == "parameter a: '%' must be followed by two hex digits");
  CHECK(refused("a=%0a") == "parameter a: a control character");
  CHECK(refused("a=" + std::string(QueryLimits::kMaxDecodedBytes + 1, 'x')) ==
        "parameter a: longer than 256 bytes");
  CHECK(parsed("a=" + std::string(QueryLimits::kMaxDecodedBytes, 'x')).at("a").size() == 256);
  std::string many;
  for (std::size_t i = 0; i <= QueryLimits::kMaxParameters; ++i)
    many += (i ? "&k" : "k") + std::to_string(i) + "=v";
  CHECK(refused(many) == "more than 16 parameters");
}

TEST_CASE("a target splits at its first question mark") {
  CHECK(split_target("/services/register?service=a") ==
        std::pair<std::string_view, std::string_view>{"/services/register", "service=a"});
  CHECK(split_target("/members") == std::pair<std::string_view, std::string_view>{"/members", ""});
  CHECK(split_target("/a?b?c") == std::pair<std::string_view, std::string_view>{"/a", "b?c"});
}

TEST_CASE("node-id lists: distinct ids separated by commas, bounded") {
  using mycelium::real::parse_node_id;
  using mycelium::real::parse_node_id_list;
  CHECK(parse_node_id("0") == 0U);
  CHECK(parse_node_id("4294967294") == 4294967294U);
  CHECK_FALSE(parse_node_id("4294967295"));  // NodeId's invalid value
  CHECK_FALSE(parse_node_id(""));
  CHECK_FALSE(parse_node_id("-1"));
  CHECK_FALSE(parse_node_id("2 "));
  CHECK(parse_node_id_list("2", 16) == std::vector<std::uint32_t>{2});
  CHECK(parse_node_id_list("2,3,9", 16) == std::vector<std::uint32_t>{2, 3, 9});
  CHECK_FALSE(parse_node_id_list("", 16));
  CHECK_FALSE(parse_node_id_list("2,", 16));
  CHECK_FALSE(parse_node_id_list(",2", 16));
  CHECK_FALSE(parse_node_id_list("2,,3", 16));
  CHECK_FALSE(parse_node_id_list("2,2", 16));
  CHECK_FALSE(parse_node_id_list("1,2,3", 2));
  CHECK(parse_node_id_list("1,2", 2).has_value());
}
