// ChildProcess: a frozen child makes no progress until thawed, its exit is seen without
// blocking, and destroying it stops it.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <signal.h>
#include <unistd.h>

#include <real/process/child_process.hpp>

using mycelium::real::ChildProcess;
using namespace std::chrono_literals;

namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A shell counting as fast as it can into `path` (each value replaces the last).
std::vector<std::string> counter(const std::filesystem::path& path) {
  return {"/bin/sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > " + path.string() + "; done"};
}

bool wait_for_change(const std::filesystem::path& path, const std::string& from) {
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(5ms);
    const std::string now = read_all(path);
    if (!now.empty() && now != from) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a frozen child makes no progress until thawed") {
  const auto path =
      std::filesystem::temp_directory_path() / ("mycelium-child-" + std::to_string(::getpid()));
  ChildProcess child(counter(path));
  REQUIRE(wait_for_change(path, ""));
  REQUIRE(child.freeze());
  CHECK(child.frozen());
  const std::string frozen_at = read_all(path);
  std::this_thread::sleep_for(100ms);
  CHECK(read_all(path) == frozen_at);  // stopped: not one more write
  child.thaw();
  CHECK(wait_for_change(path, frozen_at));
  CHECK_FALSE(child.exited().has_value());
  std::filesystem::remove(path);
}

TEST_CASE("a child's exit is seen without blocking, and freezing it then fails") {
  ChildProcess quick({"/bin/sh", "-c", "exit 3"});
  std::optional<int> status;
  for (int i = 0; i < 400 && !status; ++i) {
    std::this_thread::sleep_for(5ms);
    status = quick.exited();
  }
  CHECK(status == 3);
  CHECK_FALSE(quick.freeze());
  ChildProcess missing({"/nonexistent/program"});
  for (int i = 0; i < 400 && !missing.exited(); ++i)
    std::this_thread::sleep_for(5ms);
  CHECK(missing.exited() == 127);
}

TEST_CASE("destroying a child stops it, even a frozen one") {
  pid_t pid = 0;
  {
    ChildProcess child({"/bin/sh", "-c", "while :; do sleep 0.01; done"});
    pid = child.pid();
    REQUIRE(child.freeze());
  }
  CHECK(::kill(pid, 0) != 0);  // gone and reaped: no such process
}
