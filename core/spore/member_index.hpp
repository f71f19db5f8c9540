#pragma once
// A map from member id to a small index (a slot of a member table), as one flat array: open
// addressing with linear probing, 8 bytes per slot, at most half full.
//
// Why not std::unordered_map: a lookup there reads the bucket array, then a node allocated on
// its own, then the table it points into: three cache misses, and in a simulation of a million
// members every datagram looks up a member in a table that is cold. Here a lookup reads one
// slot (rarely two lines). Erasing shifts the following slots back (no tombstones), so the table
// never degrades however members come and go.

#include <bit>
#include <cstdint>
#include <optional>
#include <vector>

#include <core/assert.hpp>
#include <core/env/node_id.hpp>

namespace mycelium::spore {

class MemberIndex {
 public:
  // The index stored for `id`, if any.
  std::optional<std::uint32_t> find(NodeId id) const {
    if (size_ == 0) return std::nullopt;
    for (std::size_t slot = home(id.value);; slot = next(slot)) {
      const Slot& entry = slots_[slot];
      if (entry.key == kEmpty) return std::nullopt;
      if (entry.key == id.value) return entry.index;
    }
  }

  // Sets the index of `id`, adding it if absent.
  void set(NodeId id, std::uint32_t index) {
    MYCELIUM_ASSERT(id.valid());  // the invalid id marks empty slots
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t slot = home(id.value);
    while (slots_[slot].key != kEmpty && slots_[slot].key != id.value)
      slot = next(slot);
    if (slots_[slot].key == kEmpty) ++size_;
    slots_[slot] = Slot{id.value, index};
  }

  // Removes `id`; false if it was absent.
  bool erase(NodeId id) {
    if (size_ == 0) return false;
    std::size_t hole = home(id.value);
    while (slots_[hole].key != id.value) {
      if (slots_[hole].key == kEmpty) return false;
      hole = next(hole);
    }
    // Backward-shift deletion: move later members of the probe run into the hole when their
    // home does not lie cyclically in (hole, slot], so every lookup still finds them.
    for (std::size_t slot = next(hole); slots_[slot].key != kEmpty; slot = next(slot)) {
      const std::size_t slot_home = home(slots_[slot].key);
      const bool stays = hole <= slot ? (hole < slot_home && slot_home <= slot)
                                      : (hole < slot_home || slot_home <= slot);
      if (stays) continue;
      slots_[hole] = slots_[slot];
      hole = slot;
    }
    slots_[hole] = Slot{};
    --size_;
    return true;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  static constexpr std::uint32_t kEmpty = NodeId::kInvalidValue;
  struct Slot {
    std::uint32_t key = kEmpty;
    std::uint32_t index = 0;
  };

  // Fibonacci hashing: member ids are dense small integers, which a plain mask would cluster.
  std::size_t home(std::uint32_t key) const {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  std::size_t next(std::size_t slot) const { return (slot + 1) & (slots_.size() - 1); }

  void grow() {
    const std::size_t capacity = slots_.empty() ? 8 : slots_.size() * 2;
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
    size_ = 0;
    for (const Slot& entry : old) {
      if (entry.key != kEmpty) set(NodeId{entry.key}, entry.index);
    }
  }

  std::vector<Slot> slots_;  // a power of two, or empty
  unsigned shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace mycelium::spore
