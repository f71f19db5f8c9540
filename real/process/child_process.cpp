#include <cerrno>
#include <csignal>
#include <system_error>
#include <thread>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <core/assert.hpp>
#include <real/process/child_process.hpp>

namespace mycelium::real {

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  MYCELIUM_ASSERT(!argv.empty());
  // Built before fork: the child may only call async-signal-safe functions until exec.
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "cannot fork " + argv[0]);
  if (pid_ == 0) {
    // Dies with the agent; if the agent died before this line, go now.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (exit_status_) return;
  if (frozen_) thaw();
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  while (!exited() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (exit_status_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

bool ChildProcess::freeze() {
  MYCELIUM_ASSERT(!frozen_);
  if (exit_status_ || ::kill(pid_, SIGSTOP) != 0) return false;
  for (;;) {
    int status = 0;
    const pid_t got = ::waitpid(pid_, &status, WUNTRACED);
    if (got < 0 && errno == EINTR) continue;
    if (got == pid_ && WIFSTOPPED(status)) {
      frozen_ = true;
      return true;
    }
    if (got == pid_) record(status);
    return false;
  }
}

void ChildProcess::thaw() {
  MYCELIUM_ASSERT(frozen_);
  frozen_ = false;
  ::kill(pid_, SIGCONT);
}

std::optional<int> ChildProcess::exited() {
  if (exit_status_) return exit_status_;
  int status = 0;
  const pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got == pid_) record(status);
  return exit_status_;
}

void ChildProcess::record(int status) {
  if (WIFEXITED(status)) exit_status_ = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) exit_status_ = 128 + WTERMSIG(status);
}

}  // namespace mycelium::real
