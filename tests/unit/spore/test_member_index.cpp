// MemberIndex: the flat member-id map agrees with std::unordered_map under any sequence of
// sets and erases, including erases inside probe runs (backward shift) and growth.

#include <unordered_map>

#include <catch2/catch.hpp>

#include <core/env/random_stream.hpp>
#include <core/spore/member_index.hpp>

using namespace mycelium;
using mycelium::spore::MemberIndex;

TEST_CASE("MemberIndex finds what was set and nothing else", "[spore]") {
  MemberIndex index;
  CHECK(index.empty());
  CHECK_FALSE(index.find(NodeId{7}).has_value());
  CHECK_FALSE(index.erase(NodeId{7}));
  index.set(NodeId{7}, 3);
  index.set(NodeId{0}, 9);
  CHECK(index.find(NodeId{7}) == 3U);
  CHECK(index.find(NodeId{0}) == 9U);
  index.set(NodeId{7}, 4);  // an update, not a second entry
  CHECK(index.size() == 2);
  CHECK(index.find(NodeId{7}) == 4U);
  CHECK(index.erase(NodeId{7}));
  CHECK_FALSE(index.find(NodeId{7}).has_value());
  CHECK(index.find(NodeId{0}) == 9U);
  CHECK(index.size() == 1);
}

TEST_CASE("MemberIndex agrees with a reference map under random sets and erases", "[spore]") {
  // Few distinct ids for many operations: long probe runs, erases in their middle, regrowth.
  for (const std::uint32_t id_range : {16U, 200U, 5000U}) {
    CAPTURE(id_range);
    RandomStream random(id_range);
    MemberIndex index;
    std::unordered_map<std::uint32_t, std::uint32_t> reference;
    for (int step = 0; step < 20000; ++step) {
      const auto id = static_cast<std::uint32_t>(random.uniform_int(0, id_range - 1));
      if (random.uniform_int(0, 2) == 0) {
        CHECK(index.erase(NodeId{id}) == (reference.erase(id) == 1));
      } else {
        const auto value = static_cast<std::uint32_t>(random.uniform_int(0, 1000000));
        index.set(NodeId{id}, value);
        reference[id] = value;
      }
      REQUIRE(index.size() == reference.size());
    }
    for (std::uint32_t id = 0; id < id_range; ++id) {
      const auto found = reference.find(id);
      const std::optional<std::uint32_t> expected =
          found == reference.end() ? std::nullopt : std::optional<std::uint32_t>(found->second);
      REQUIRE(index.find(NodeId{id}) == expected);
    }
  }
}
