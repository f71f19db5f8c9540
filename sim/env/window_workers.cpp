#include <core/assert.hpp>
#include <sim/env/window_workers.hpp>

namespace mycelium::sim {

namespace {

// Spins before blocking: about a few microseconds, what a window of a small platform costs.
constexpr int kSpins = 4000;

void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Waits until `value` is no longer `old`.
template <typename T>
void wait_change(const std::atomic<T>& value, T old) {
  for (int i = 0; i < kSpins; ++i) {
    if (value.load(std::memory_order_acquire) != old) return;
    relax();
  }
  while (value.load(std::memory_order_acquire) == old)
    value.wait(old, std::memory_order_acquire);
}

}  // namespace

WindowWorkers::WindowWorkers(std::uint32_t partitions) {
  MYCELIUM_ASSERT(partitions >= 2);
  threads_.reserve(partitions - 1);
  for (std::uint32_t p = 1; p < partitions; ++p)
    threads_.emplace_back([this, p] { worker_main(p); });
}

WindowWorkers::~WindowWorkers() {
  stopping_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  for (std::thread& thread : threads_)
    thread.join();
}

void WindowWorkers::run_all(const Work& work) {
  MYCELIUM_ASSERT(work != nullptr);
  work_ = &work;
  const auto workers = static_cast<std::uint32_t>(threads_.size());
  running_.store(workers, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_acq_rel);  // publishes everything written before
  generation_.notify_all();
  work(0);
  // Each worker's decrement releases what it wrote; the acquire here makes it ours.
  for (std::uint32_t left = running_.load(std::memory_order_acquire); left != 0;
       left = running_.load(std::memory_order_acquire))
    wait_change(running_, left);
  work_ = nullptr;
}

void WindowWorkers::worker_main(std::uint32_t partition) {
  std::uint64_t seen = 0;
  for (;;) {
    wait_change(generation_, seen);
    seen = generation_.load(std::memory_order_acquire);
    if (stopping_.load(std::memory_order_acquire)) return;
    (*work_)(partition);
    if (running_.fetch_sub(1, std::memory_order_acq_rel) == 1) running_.notify_one();
  }
}

}  // namespace mycelium::sim
