#pragma once
// Updates waiting to be piggybacked on protocol messages. Each is sent a bounded number of times
// (the retransmit limit, lambda * log N: enough for an epidemic to reach everyone with high
// probability), least-sent first so fresh news spreads before old; a newer update about the
// same key replaces the queued one (and starts its count again). Bounded: beyond `max_size`, the
// most-sent update is dropped to make room.
//
// The updates live in one ordered map keyed by (transmissions, arrival ticket, key), so take()
// walks them in sending order without a lookup per entry (it runs for every message sent); a
// second map finds an update's place by key.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <tuple>
#include <vector>

#include <core/assert.hpp>

namespace mycelium::spore {

template <typename Key, typename Update>
class GossipQueue {
 public:
  explicit GossipQueue(std::size_t max_size) : max_size_(max_size) {
    MYCELIUM_ASSERT(max_size_ > 0);
  }

  void push(const Key& key, Update update) {
    erase(key);
    if (index_.size() == max_size_) erase(std::get<2>(std::prev(order_.end())->first));
    const Place place{0, next_ticket_++, key};
    order_.emplace(place, std::move(update));
    index_.emplace(key, place);
  }

  void erase(const Key& key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return;
    order_.erase(it->second);
    index_.erase(it);
  }

  // Up to `budget_bytes` of updates, least-sent first (oldest first among equals), each counted
  // as sent once more; those that reach `retransmit_limit` leave the queue.
  std::vector<Update> take(std::size_t budget_bytes, std::uint32_t retransmit_limit,
                           const std::function<std::size_t(const Update&)>& size_bytes) {
    std::vector<Update> taken;
    std::vector<typename Order::iterator> sent;
    std::size_t used = 0;
    // A smaller update further on may still fit after one that does not, but the scan gives up
    // after kMaxMisfits in a row: the message is as good as full, and take() runs per message.
    std::size_t misfits = 0;
    for (auto it = order_.begin(); it != order_.end() && misfits < kMaxMisfits; ++it) {
      const std::size_t size = size_bytes(it->second);
      if (used + size > budget_bytes) {
        ++misfits;
        continue;
      }
      misfits = 0;
      used += size;
      taken.push_back(it->second);
      sent.push_back(it);
    }
    for (const auto& it : sent) {
      auto node = order_.extract(it);
      Place& place = node.key();
      const Key key = std::get<2>(place);
      if (++std::get<0>(place) >= retransmit_limit) {
        index_.erase(key);
      } else {
        index_.at(key) = place;
        order_.insert(std::move(node));
      }
    }
    return taken;
  }

  std::size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }

 private:
  // (transmissions, arrival ticket, key): the sending order, ties broken deterministically.
  using Place = std::tuple<std::uint32_t, std::uint64_t, Key>;
  using Order = std::map<Place, Update>;
  static constexpr std::size_t kMaxMisfits = 16;

  std::size_t max_size_;
  std::uint64_t next_ticket_ = 0;
  Order order_;
  std::map<Key, Place> index_;
};

}  // namespace mycelium::spore
