#include <array>

#include <catch2/catch.hpp>

#include <core/manifest/did_you_mean.hpp>

using namespace mycelium::manifest;

TEST_CASE("edit distance counts insertions, deletions and substitutions", "[manifest]") {
  CHECK(edit_distance("replicas", "replicas") == 0);
  CHECK(edit_distance("replica", "replicas") == 1);
  CHECK(edit_distance("replicsa", "replicas") == 2);
  CHECK(edit_distance("Replicas", "replicas") == 0);  // case-insensitive
  CHECK(edit_distance("", "abc") == 3);
}

TEST_CASE("did you mean suggests only plausible typos", "[manifest]") {
  constexpr std::array<std::string_view, 3> fields{"replicas", "placement", "name"};
  CHECK(did_you_mean("replica", fields) == "replicas");
  CHECK(did_you_mean("placment", fields) == "placement");
  CHECK(did_you_mean("nmae", fields) == "name");
  CHECK_FALSE(did_you_mean("zoneSpread", fields).has_value());
  CHECK(did_you_mean_suffix("replica", fields) == " (did you mean \"replicas\"?)");
  CHECK(did_you_mean_suffix("bogus", fields).empty());
}
