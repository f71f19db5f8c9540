// CompactFifo: the same order as std::deque under any mix of pushes and pops, no allocation
// before the first push, and popped elements kept within its bound.

#include <deque>

#include <catch2/catch.hpp>

#include <core/env/random_stream.hpp>
#include <core/spore/compact_fifo.hpp>

using namespace mycelium;
using mycelium::spore::CompactFifo;

TEST_CASE("CompactFifo allocates nothing until it holds an element", "[spore]") {
  CompactFifo<std::pair<std::uint32_t, std::uint64_t>> fifo;
  CHECK(fifo.empty());
  CHECK(fifo.capacity() == 0);
  fifo.emplace_back(1U, 2U);
  CHECK(fifo.capacity() > 0);
  CHECK(fifo.front() == std::pair<std::uint32_t, std::uint64_t>{1U, 2U});
  fifo.pop_front();
  CHECK(fifo.empty());
  CHECK(fifo.held() == 0);
}

TEST_CASE("CompactFifo keeps std::deque's order and its bound under random use", "[spore]") {
  using Fifo = CompactFifo<std::uint64_t>;
  for (const std::uint64_t push_per_mille : {300U, 500U, 700U}) {
    CAPTURE(push_per_mille);
    RandomStream random(push_per_mille);
    Fifo fifo;
    std::deque<std::uint64_t> reference;
    std::uint64_t next = 0;
    for (int step = 0; step < 50000; ++step) {
      if (reference.empty() || random.uniform_int(0, 999) < push_per_mille) {
        fifo.emplace_back(next);
        reference.push_back(next);
        ++next;
      } else {
        REQUIRE(fifo.front() == reference.front());
        fifo.pop_front();
        reference.pop_front();
      }
      REQUIRE(fifo.size() == reference.size());
      REQUIRE(fifo.empty() == reference.empty());
      REQUIRE(fifo.held() <= 2 * fifo.size() + Fifo::kMinCompaction);
    }
  }
}
