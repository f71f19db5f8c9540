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

TEST_CASE("a sorted list into an empty set is taken back whole, and mixes with single inserts") {
  OrderedPageSet set(1000);
  CHECK(set.insert(3));
  CHECK(set.pop_oldest() == 3);  // empty again, with a dead FIFO entry behind it
  CHECK(set.insert_sorted({10, 20, 30}) == 3);
  CHECK(set.contains(20));
  CHECK_FALSE(set.contains(25));
  CHECK(set.take_sorted() == std::vector<std::uint64_t>{10, 20, 30});
  CHECK(set.empty());

  // Arrival order survives the adopted list meeting later inserts: the list came first.
  CHECK(set.insert_sorted({5, 7}) == 2);
  CHECK(set.insert_sorted({1, 7, 9}) == 2);  // 7 is already in: kept at its first arrival
  CHECK_FALSE(set.insert(5));
  CHECK(set.size() == 4);
  CHECK(set.pop_oldest() == 5);
  CHECK(set.pop_oldest() == 7);
  CHECK(set.pop_oldest() == 1);
  CHECK(set.take_sorted() == std::vector<std::uint64_t>{9});
}

TEST_CASE("take_sorted fills a recycled list and leaves the set usable") {
  OrderedPageSet set(1 << 12);
  for (std::uint64_t page = 4000; page > 0; page -= 2)
    set.insert(page);  // out of order: taken through the bitmap or a sort
  std::vector<std::uint64_t> recycled(5000, 7);
  const std::vector<std::uint64_t> pages = set.take_sorted(std::move(recycled));
  REQUIRE(pages.size() == 2000);
  CHECK(std::is_sorted(pages.begin(), pages.end()));
  CHECK(pages.front() == 2);
  CHECK(pages.back() == 4000);
  CHECK(set.insert(4000));
}
