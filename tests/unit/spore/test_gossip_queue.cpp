// GossipQueue: least-sent first, a newer update replaces the queued one, the retransmit limit and
// the size bound, and the byte budget of one message.

#include <catch2/catch.hpp>

#include <core/spore/gossip_queue.hpp>

using mycelium::spore::GossipQueue;

namespace {

std::size_t ten_bytes(const int&) {
  return 10;
}

}  // namespace

TEST_CASE("gossip queue: least-sent first, and each update leaves after the retransmit limit") {
  GossipQueue<char, int> queue(16);
  queue.push('a', 1);
  queue.push('b', 2);
  CHECK(queue.take(10, 3, ten_bytes) == std::vector<int>{1});  // room for one: the oldest
  CHECK(queue.take(10, 3, ten_bytes) == std::vector<int>{2});  // b was sent less than a
  queue.push('c', 3);
  CHECK(queue.take(100, 3, ten_bytes) == std::vector<int>{3, 1, 2});  // c: 0 sends, a and b: 1
  CHECK(queue.take(100, 3, ten_bytes) == std::vector<int>{3, 1, 2});  // a, b reach 3: gone
  CHECK(queue.size() == 1);
  CHECK(queue.take(100, 3, ten_bytes) == std::vector<int>{3});
  CHECK(queue.empty());
}

TEST_CASE("gossip queue: a newer update about a key replaces the queued one and its count") {
  GossipQueue<char, int> queue(16);
  queue.push('a', 1);
  queue.push('b', 2);
  CHECK(queue.take(100, 2, ten_bytes) == std::vector<int>{1, 2});
  queue.push('a', 10);  // fresh news about a: sent first again, with a full count
  CHECK(queue.take(100, 2, ten_bytes) == std::vector<int>{10, 2});
  CHECK(queue.take(100, 2, ten_bytes) == std::vector<int>{10});
  CHECK(queue.empty());
}

TEST_CASE("gossip queue: bounded, dropping the most-sent update, and a budget skips big ones") {
  GossipQueue<char, int> queue(2);
  queue.push('a', 1);
  queue.push('b', 2);
  queue.take(10, 9, ten_bytes);  // a sent once
  queue.push('c', 3);            // full: a, the most sent, makes room
  CHECK(queue.size() == 2);
  CHECK(queue.take(100, 9, ten_bytes) == std::vector<int>{2, 3});

  GossipQueue<char, int> sized(8);
  sized.push('x', 50);
  sized.push('y', 5);
  const auto bytes = [](const int& value) { return static_cast<std::size_t>(value); };
  CHECK(sized.take(20, 9, bytes) == std::vector<int>{5});  // 50 does not fit; 5 still does
}
