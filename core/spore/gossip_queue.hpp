#pragma once
// Updates waiting to be piggybacked on protocol messages. Each is sent a bounded number of times
// (the retransmit limit, lambda * log N: enough for an epidemic to reach everyone with high
// probability), least-sent first so fresh news spreads before old; a newer update about the
// same key replaces the queued one (and starts its count again). Bounded: beyond `max_size`, the
// most-sent update is dropped to make room.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <set>
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
    if (entries_.size() == max_size_) erase(std::get<2>(*std::prev(order_.end())));
    const std::uint64_t ticket = next_ticket_++;
    entries_[key] = Entry{std::move(update), 0, ticket};
    order_.emplace(0, ticket, key);
  }

  void erase(const Key& key) {
    const auto it = entries_.find(key);
    if (it == entries_.end()) return;
    order_.erase({it->second.transmissions, it->second.ticket, key});
    entries_.erase(it);
  }

  // Up to `budget_bytes` of updates, least-sent first (oldest first among equals), each counted
  // as sent once more; those that reach `retransmit_limit` leave the queue.
  std::vector<Update> take(std::size_t budget_bytes, std::uint32_t retransmit_limit,
                           const std::function<std::size_t(const Update&)>& size_bytes) {
    std::vector<Update> taken;
    std::vector<Key> sent;
    std::size_t used = 0;
    std::size_t smallest = std::numeric_limits<std::size_t>::max();  // smallest update seen: once
                                                                     // even that cannot fit, stop
    for (const auto& [transmissions, ticket, key] : order_) {
      if (smallest != std::numeric_limits<std::size_t>::max() && used + smallest > budget_bytes)
        break;
      const Entry& entry = entries_.at(key);
      const std::size_t size = size_bytes(entry.update);
      smallest = std::min(smallest, size);
      if (used + size > budget_bytes) continue;  // a smaller one may still fit
      used += size;
      taken.push_back(entry.update);
      sent.push_back(key);
    }
    for (const Key& key : sent) {
      Entry& entry = entries_.at(key);
      order_.erase({entry.transmissions, entry.ticket, key});
      if (++entry.transmissions >= retransmit_limit) {
        entries_.erase(key);
      } else {
        order_.emplace(entry.transmissions, entry.ticket, key);
      }
    }
    return taken;
  }

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    Update update;
    std::uint32_t transmissions = 0;
    std::uint64_t ticket = 0;  // insertion order, to break ties deterministically
  };
  std::size_t max_size_;
  std::uint64_t next_ticket_ = 0;
  std::map<Key, Entry> entries_;
  std::set<std::tuple<std::uint32_t, std::uint64_t, Key>> order_;
};

}  // namespace mycelium::spore
