#pragma once
// For the SSI baseline programs: runs `produce` in a forked child and returns the trivially
// copyable value it produced, sent back through a pipe. Each SimGrid simulation then starts in a
// fresh process, as `mycelium run` does, so the figures are bit-for-bit reproducible
// (sim/env/simulation.hpp). Exits the program with status 1 when the child fails.

#include <cstdio>
#include <cstdlib>
#include <type_traits>

#include <sys/wait.h>
#include <unistd.h>

namespace mycelium::bench {

template <typename Produce>
auto in_child_process(const char* program, Produce produce) {
  using Value = decltype(produce());
  static_assert(std::is_trivially_copyable_v<Value>);
  int fds[2];
  if (pipe(fds) != 0) std::exit(1);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const Value value = produce();
    if (write(fds[1], &value, sizeof value) != static_cast<ssize_t>(sizeof value)) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  Value value{};
  const bool read_all = read(fds[0], &value, sizeof value) == static_cast<ssize_t>(sizeof value);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!read_all || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "%s: a run failed\n", program);
    std::exit(1);
  }
  return value;
}

}  // namespace mycelium::bench
