// mycelium-workload: the demo workload of the real runtime (docs/real-runtime.md, "Demo
// workload"), and the checker for any copy of its memory.
//
//   mycelium-workload run --memory /dev/shm/guest --size-mib 64 --rate 20000 [--duration-s 10]
//   mycelium-workload check --memory /dev/shm/replica
//
// run: creates the memory file (or resumes the image already in it) and writes stamped pages at
// `rate` pages per second until the duration ends or SIGTERM/SIGINT; prints the last sequence
// number. check: prints what the image holds; exit 0 when consistent, 1 when not, 2 on usage
// or file errors.

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <thread>

#include <CLI/CLI.hpp>

#include <real/memory/shared_memory_file.hpp>
#include <real/workload/stamped_pages.hpp>

namespace {

std::atomic<bool> stop_requested{false};

void request_stop(int) {
  stop_requested = true;
}

int run(const std::string& path, std::uint64_t size_mib, std::uint64_t page_bytes, double rate,
        double duration_s, std::uint64_t seed) {
  using Clock = std::chrono::steady_clock;
  mycelium::real::SharedMemoryFile memory(
      path, mycelium::real::SharedMemoryFile::Mode::kOpenOrCreate, size_mib << 20);
  mycelium::real::DemoWorkload workload(memory.bytes(), page_bytes, seed);
  std::signal(SIGTERM, request_stop);
  std::signal(SIGINT, request_stop);
  const auto start = Clock::now();
  // Writes in 1 ms steps, catching up to rate x elapsed so the rate holds on average.
  std::uint64_t written = 0;
  while (!stop_requested) {
    const double elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
    if (duration_s > 0 && elapsed_s >= duration_s) break;
    const auto due = static_cast<std::uint64_t>(elapsed_s * rate);
    if (due > written) {
      workload.write(due - written);
      written = due;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::printf("wrote %llu pages, last sequence %llu\n", static_cast<unsigned long long>(written),
              static_cast<unsigned long long>(workload.sequence()));
  return 0;
}

int check(const std::string& path, std::uint64_t page_bytes) {
  const mycelium::real::SharedMemoryFile memory(
      path, mycelium::real::SharedMemoryFile::Mode::kOpenExisting);
  const mycelium::real::ImageCheck result = mycelium::real::check_image(memory.bytes(), page_bytes);
  std::printf("%s: %s; header sequence %llu, newest page %llu, %llu pages written, %llu bad\n",
              path.c_str(), result.consistent() ? "consistent" : "NOT consistent",
              static_cast<unsigned long long>(result.header_sequence),
              static_cast<unsigned long long>(result.newest_page_sequence),
              static_cast<unsigned long long>(result.pages_written),
              static_cast<unsigned long long>(result.bad_pages));
  return result.consistent() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mycelium-workload: the demo workload and its image checker"};
  app.require_subcommand(1);
  std::string path;
  std::uint64_t size_mib = 64, page_bytes = 4096, seed = 1;
  double rate = 10000, duration_s = 0;
  CLI::App* run_command = app.add_subcommand("run", "write stamped pages into a memory file");
  run_command->add_option("--memory", path, "the memory file (e.g. /dev/shm/guest)")->required();
  run_command->add_option("--size-mib", size_mib, "its size in MiB")->check(CLI::Range(1, 1 << 20));
  run_command->add_option("--rate", rate, "pages written per second")->check(CLI::Range(0.0, 1e9));
  run_command->add_option("--duration-s", duration_s, "stop after this long (0: until SIGTERM)")
      ->check(CLI::Range(0.0, 1e7));
  run_command->add_option("--seed", seed, "which pages it picks");
  CLI::App* check_command = app.add_subcommand("check", "check an image for consistency");
  check_command->add_option("--memory", path, "the memory file or replica")->required();
  for (CLI::App* command : {run_command, check_command}) {
    command->add_option("--page-size", page_bytes, "bytes per page")
        ->check(CLI::IsMember({std::uint64_t{4096}, std::uint64_t{2} << 20}));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }
  try {
    if (run_command->parsed()) return run(path, size_mib, page_bytes, rate, duration_s, seed);
    return check(path, page_bytes);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "mycelium-workload: %s\n", error.what());
    return 2;
  }
}
