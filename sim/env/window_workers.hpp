#pragma once
// The threads of a partitioned simulation (partition_plan.hpp): run_all() runs work(0) on the
// calling thread (the driver actor) and work(1) .. work(P - 1) on one worker thread each, and
// returns once every one has returned: one window of the event loop, then a barrier.
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
  // `partitions` >= 2; work(p) is called with p in [0, partitions).
  WindowWorkers(std::uint32_t partitions, std::function<void(std::uint32_t)> work);
  WindowWorkers(const WindowWorkers&) = delete;
  WindowWorkers& operator=(const WindowWorkers&) = delete;
  ~WindowWorkers();

  void run_all();

 private:
  void worker_main(std::uint32_t partition);

  std::function<void(std::uint32_t)> work_;
  std::atomic<std::uint64_t> generation_{0};  // bumped to start a window
  std::atomic<std::uint32_t> running_{0};     // workers still in the current window
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace mycelium::sim
