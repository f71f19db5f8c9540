#pragma once
// A 4-ary min-heap over a std::vector of small, trivially copyable entries: the TimerQueue's and
// the ArrivalQueue's. With a million nodes these heaps hold millions of entries, far beyond the
// caches, and a pop walks from the root to a leaf: a 4-ary heap has half the levels of a binary
// one (std::push_heap / std::pop_heap), and the four children of a node share one or two cache
// lines. Measured on bench_network_model at 1M nodes: see simulation.hpp, "Network model".
//
// `before(a, b)`: a comes out before b (a strict weak order). Entries with equal keys come out in
// an unspecified order, so both queues make their keys unique (a sequence number): then the pop
// order is the keys' order, whatever the heap's layout or arity.

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

namespace mycelium::sim::heap4 {

inline constexpr std::size_t kArity = 4;

// Moves the entry at `index` towards the root until its parent comes before it. The loop runs at
// most once per level (log4 n).
template <typename T, typename Before>
void sift_up(std::vector<T>& heap, std::size_t index, Before before) {
  static_assert(std::is_trivially_copyable_v<T>);
  const T value = heap[index];
  while (index > 0) {
    const std::size_t parent = (index - 1) / kArity;
    if (!before(value, heap[parent])) break;
    heap[index] = heap[parent];
    index = parent;
  }
  heap[index] = value;
}

// Moves the entry at `index` towards the leaves until no child comes before it; at most once per
// level.
template <typename T, typename Before>
void sift_down(std::vector<T>& heap, std::size_t index, Before before) {
  static_assert(std::is_trivially_copyable_v<T>);
  const std::size_t size = heap.size();
  const T value = heap[index];
  for (;;) {
    const std::size_t first_child = kArity * index + 1;
    if (first_child >= size) break;
    const std::size_t end = std::min(first_child + kArity, size);
    std::size_t best = first_child;
    for (std::size_t child = first_child + 1; child < end; ++child) {
      if (before(heap[child], heap[best])) best = child;
    }
    if (!before(heap[best], value)) break;
    heap[index] = heap[best];
    index = best;
  }
  heap[index] = value;
}

template <typename T, typename Before>
void push(std::vector<T>& heap, const T& value, Before before) {
  heap.push_back(value);
  sift_up(heap, heap.size() - 1, before);
}

// Removes and returns the first entry; the heap must not be empty.
template <typename T, typename Before>
T pop(std::vector<T>& heap, Before before) {
  const T first = heap.front();
  heap.front() = heap.back();
  heap.pop_back();
  if (!heap.empty()) sift_down(heap, 0, before);
  return first;
}

// Makes a heap of any vector, in O(n).
template <typename T, typename Before>
void make(std::vector<T>& heap, Before before) {
  if (heap.size() < 2) return;
  for (std::size_t index = (heap.size() - 2) / kArity + 1; index-- > 0;)
    sift_down(heap, index, before);
}

}  // namespace mycelium::sim::heap4
