#pragma once
// The threads of a partitioned simulation (partition_plan.hpp): run_all(work) runs work(0) on
// the calling thread (the driver actor) and work(1) .. work(P - 1) on one worker thread each,
// and returns once every one has returned: one window of the event loop, then a barrier.
//
// Workers are started once and wait between windows: first spinning briefly (a window of a
// small platform can be microseconds of work, and a futex wake-up costs about as much), then
// blocked on an atomic. work() must not throw (the event loop catches what a callback throws and
// keeps it for the driver). Nothing here touches SimGrid.

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace mycelium::sim {

class WindowWorkers {
 public:
  using Work = std::function<void(std::uint32_t partition)>;

  // `partitions` >= 2: the calling thread and partitions - 1 workers.
  explicit WindowWorkers(std::uint32_t partitions);
  WindowWorkers(const WindowWorkers&) = delete;
  WindowWorkers& operator=(const WindowWorkers&) = delete;
  ~WindowWorkers();

  // work(p) for every partition p in [0, partitions), side by side; must not throw.
  void run_all(const Work& work);

 private:
  void worker_main(std::uint32_t partition);

  const Work* work_ = nullptr;                // run_all's, while it runs
  std::atomic<std::uint64_t> generation_{0};  // bumped to start a window
  std::atomic<std::uint32_t> running_{0};     // workers still in the current window
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace mycelium::sim
