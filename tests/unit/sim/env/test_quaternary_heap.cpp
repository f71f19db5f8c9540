// The 4-ary heap under the timer and arrival queues: whatever the interleaving of pushes and
// pops, entries come out in key order.
#include <algorithm>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include <core/env/random_stream.hpp>
#include <sim/env/quaternary_heap.hpp>

using namespace mycelium;
namespace heap4 = mycelium::sim::heap4;

namespace {

struct Entry {
  std::uint64_t key;
  std::uint64_t sequence;  // unique: the tie-break
  bool operator==(const Entry&) const = default;
};

struct Before {
  bool operator()(const Entry& a, const Entry& b) const {
    return a.key != b.key ? a.key < b.key : a.sequence < b.sequence;
  }
};

}  // namespace

TEST_CASE("4-ary heap pops in key order under random pushes and pops", "[sim]") {
  RandomStream random(42);
  std::vector<Entry> heap;
  std::vector<Entry> reference;  // kept sorted
  std::uint64_t sequence = 0;
  for (int step = 0; step < 20'000; ++step) {
    // Few distinct keys, so ties are common and the sequence decides.
    if (reference.empty() || random.uniform_int(0, 2) != 0) {
      const Entry entry{random.uniform_int(0, 50), ++sequence};
      heap4::push(heap, entry, Before{});
      reference.insert(std::upper_bound(reference.begin(), reference.end(), entry, Before{}),
                       entry);
    } else {
      REQUIRE(heap4::pop(heap, Before{}) == reference.front());
      reference.erase(reference.begin());
    }
    REQUIRE(heap.size() == reference.size());
  }

  SECTION("make turns any order into a heap") {
    std::reverse(heap.begin(), heap.end());
    heap4::make(heap, Before{});
    for (const Entry& expected : reference)
      REQUIRE(heap4::pop(heap, Before{}) == expected);
    CHECK(heap.empty());
  }
}
