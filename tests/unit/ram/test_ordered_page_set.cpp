// OrderedPageSet: membership, arrival order, and take_sorted by either path (sorting the FIFO
// when few pages are queued, scanning the bitmap when many are).

#include <algorithm>
#include <random>

#include <catch2/catch.hpp>

#include <core/ram/ordered_page_set.hpp>

using mycelium::ram::OrderedPageSet;

TEST_CASE("pages are kept once and leave oldest first") {
  OrderedPageSet set(1000);
  CHECK(set.insert(5));
  CHECK(set.insert(900));
  CHECK_FALSE(set.insert(5));
  CHECK(set.insert(7));
  CHECK(set.size() == 3);
  CHECK(set.contains(900));
  CHECK(set.pop_oldest() == 5);
  CHECK(set.pop_oldest() == 900);
  CHECK_FALSE(set.contains(900));
  CHECK(set.insert(5));  // re-inserted after leaving: now the newest
  CHECK(set.pop_oldest() == 7);
  CHECK(set.pop_oldest() == 5);
  CHECK_FALSE(set.pop_oldest().has_value());
  CHECK(set.empty());
}

TEST_CASE("take_sorted returns every page sorted by either path, and empties the set") {
  for (const std::uint64_t count : {3ULL, 50ULL, 5000ULL}) {  // sorted FIFO .. bitmap scan
    OrderedPageSet set(1 << 16);
    std::mt19937_64 random(count);
    std::vector<std::uint64_t> expected;
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint64_t page = random() % (1 << 16);
      if (set.insert(page)) expected.push_back(page);
    }
    set.pop_oldest();  // the first one leaves before the rest are taken
    expected.erase(expected.begin());
    std::sort(expected.begin(), expected.end());
    INFO(count << " pages");
    CHECK(set.take_sorted() == expected);
    CHECK(set.empty());
    CHECK(set.take_sorted().empty());
    CHECK(set.insert(expected.empty() ? 1 : expected.front()));  // the bitmap was cleared
  }
}

TEST_CASE("a long-lived FIFO is compacted and keeps its order") {
  OrderedPageSet set(100000);
  for (std::uint64_t page = 0; page < 20000; ++page)
    set.insert(page);
  for (std::uint64_t page = 0; page < 15000; ++page)
    REQUIRE(set.pop_oldest() == page);
  for (std::uint64_t page = 20000; page < 20010; ++page)
    set.insert(page);
  CHECK(set.pop_oldest() == 15000);
  CHECK(set.size() == 5009);
}
