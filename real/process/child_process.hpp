#pragma once
// A workload process the agent starts and owns (AgentReplication::workload_command): started
// with fork and exec, killed with the agent (PR_SET_PDEATHSIG: a host crash takes both down, and
// no orphan keeps writing a memory file nobody replicates), and frozen for the instant the
// primary reads its memory, so that the pages read form one snapshot.
//
// freeze() sends SIGSTOP and waits (waitpid WUNTRACED) until the child has stopped: after it
// returns the child writes nothing until thaw(). Only the parent can wait for a child's stop,
// which is why the agent starts the workload itself rather than attaching to any pid.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace mycelium::real {

class ChildProcess {
 public:
  // Starts argv[0] (a path, or a name looked up in PATH) with argv. Throws std::system_error
  // when it cannot fork; a command that cannot be executed exits 127 at once (see exited()).
  explicit ChildProcess(const std::vector<std::string>& argv);
  // SIGTERM, then SIGKILL if it has not exited within `kStopGrace`; always reaps it.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  static constexpr std::chrono::milliseconds kStopGrace{500};

  pid_t pid() const { return pid_; }
  // Stops the child and returns once it is stopped; false if it has exited (nothing to stop).
  bool freeze();
  // Lets a frozen child run again.
  void thaw();
  bool frozen() const { return frozen_; }
  // The exit status once the child has exited (reaped without blocking), else nullopt.
  std::optional<int> exited();

 private:
  // Records an exit reported by waitpid.
  void record(int status);

  pid_t pid_ = -1;
  bool frozen_ = false;
  std::optional<int> exit_status_;
};

}  // namespace mycelium::real
