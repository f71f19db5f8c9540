// Throttling and pausing a real process through the cgroup CPU controller and the freezer
// (real/process/process_control.hpp): a child spinning on a shared counter makes much less
// progress capped at 25 % of a CPU, none at all while paused, and runs again when resumed.
// Needs root (creating cgroups): elsewhere the test says so and checks nothing.

#include <atomic>
#include <chrono>
#include <csignal>
#include <system_error>
#include <thread>

#include <catch2/catch.hpp>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <real/process/process_control.hpp>

using namespace mycelium::real;
using namespace std::chrono_literals;

namespace {

// The progress counter the child increments, in memory shared with it.
std::atomic<std::uint64_t>* shared_counter() {
  void* memory = ::mmap(nullptr, sizeof(std::atomic<std::uint64_t>), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  REQUIRE(memory != MAP_FAILED);
  return new (memory) std::atomic<std::uint64_t>(0);
}

std::uint64_t progress_over(std::atomic<std::uint64_t>& counter, std::chrono::milliseconds span) {
  const std::uint64_t before = counter.load();
  std::this_thread::sleep_for(span);
  return counter.load() - before;
}

}  // namespace

TEST_CASE("process control: a capped process slows down, a paused one stops, and resumes") {
  if (::geteuid() != 0) {
    WARN("not root: cgroups cannot be created here, nothing checked");
    return;
  }
  std::atomic<std::uint64_t>* counter = shared_counter();
  const pid_t child = ::fork();
  if (child == 0) {
    for (;;)
      counter->fetch_add(1, std::memory_order_relaxed);
  }
  REQUIRE(child > 0);
  {
    ProcessControl control("mycelium-test-" + std::to_string(::getpid()));
    control.add(child);
    INFO("cpu: " << control.cpu_mechanism() << ", pause: " << control.pause_mechanism());
    const std::uint64_t free_running = progress_over(*counter, 300ms);
    control.set_throttle_intensity(0.75);
    std::this_thread::sleep_for(100ms);  // into a fresh period
    const std::uint64_t capped = progress_over(*counter, 300ms);
    INFO("progress in 300 ms: " << free_running << " free, " << capped << " capped at 25 %");
    CHECK(free_running > 0);
    CHECK(capped * 2 < free_running);  // at most ~25 % of a CPU against at least ~50 %
    control.set_throttle_intensity(0.0);
    control.set_paused(true);
    std::this_thread::sleep_for(100ms);  // the freezer settles
    CHECK(progress_over(*counter, 200ms) == 0);
    control.set_paused(false);
    CHECK(progress_over(*counter, 100ms) > 0);
  }  // the group goes, the child back to the root group
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}
