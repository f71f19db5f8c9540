#pragma once
// Runs a function in a forked child process and returns the text it produced. SimGrid's clock
// does not restart with a new engine (sim/env/simulation.hpp), so two simulations in one process
// start at different engine epochs and may differ in the last floating-point bit; children forked
// from the same parent state start at the same epoch, which is what a bit-for-bit comparison
// needs (the runner gets the same by running one simulation per process).

#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace mycelium::sim::testing {

inline std::string run_in_child_process(const std::function<std::string()>& produce) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);  // nothing buffered twice
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    std::string text;
    int status = 0;
    try {
      text = produce();
    } catch (...) {
      status = 1;
    }
    std::size_t written = 0;
    while (written < text.size()) {
      const ssize_t n = write(fds[1], text.data() + written, text.size() - written);
      if (n <= 0) break;
      written += static_cast<std::size_t>(n);
    }
    close(fds[1]);
    _exit(status);  // no destructors, no Catch reporting from the child
  }
  close(fds[1]);
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("the child process failed");
  }
  return text;
}

}  // namespace mycelium::sim::testing
