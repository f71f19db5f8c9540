#pragma once
// A first-in first-out queue on one vector that allocates nothing until it first holds an
// element, and holds at most twice its elements, or kMinCompaction popped ones, besides them. Why
// not std::deque: an empty libstdc++ deque already holds a 512-byte block and its map, 576 bytes,
// which every spore member paid for its rumor order though most members never hold a rumor (at a
// million members: half a gigabyte for nothing).
//
// Popped elements stay in the vector until they are half of it; then the live ones move to the
// front, so each element is moved at most once per time it is passed over: O(1) amortised.

#include <cstddef>
#include <utility>
#include <vector>

#include <core/assert.hpp>

namespace mycelium::spore {

template <typename T>
class CompactFifo {
 public:
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  // Elements held, popped ones included (for tests of the bound).
  std::size_t held() const { return items_.size(); }
  std::size_t capacity() const { return items_.capacity(); }

  template <typename... Args>
  void emplace_back(Args&&... args) {
    items_.emplace_back(std::forward<Args>(args)...);
  }

  const T& front() const {
    MYCELIUM_ASSERT(!empty());
    return items_[head_];
  }

  void pop_front() {
    MYCELIUM_ASSERT(!empty());
    ++head_;
    if (empty()) {
      items_.clear();
      head_ = 0;
    } else if (head_ >= kMinCompaction && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  // Below this many popped elements a compaction would move more often than it saves.
  static constexpr std::size_t kMinCompaction = 16;

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;  // items_[0, head_) are popped
};

}  // namespace mycelium::spore
