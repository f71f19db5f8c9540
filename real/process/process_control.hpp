#pragma once
// Throttling and pausing a process, the process-guest side of the VM actuator (MemoryGuest's
// on_throttle / on_pause):
//   * throttle: the cgroup CPU controller caps the process group's CPU at (1 - intensity) of
//     one CPU: cgroup v1 cpu.cfs_quota_us over cpu.cfs_period_us (this machine), or cgroup v2
//     cpu.max ("quota period") where the unified hierarchy has the cpu controller;
//   * pause: the cgroup v1 freezer (freezer.state FROZEN / THAWED), or cgroup v2 cgroup.freeze,
//     or, without either, SIGSTOP / SIGCONT to each process.
// One ProcessControl makes one cgroup (named after `name`) and moves the processes it is given
// into it; destroying it thaws them, lifts the cap and moves them back to the root group.
// Creating cgroups needs root (or a delegated subtree): the constructor throws
// std::system_error naming the path when it cannot.

#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace mycelium::real {

class ProcessControl {
 public:
  static constexpr long kPeriodMicroseconds = 100000;  // 100 ms, the kernel's default period
  static constexpr long kMinQuotaMicroseconds = 1000;  // the kernel's smallest quota

  explicit ProcessControl(const std::string& name);
  ~ProcessControl();
  ProcessControl(const ProcessControl&) = delete;
  ProcessControl& operator=(const ProcessControl&) = delete;

  void add(pid_t pid);
  // Fraction of one CPU taken away, in [0, 1]: 0 lifts the cap; 1 leaves the kernel's smallest
  // quota, 1 % of a CPU (to stop the process, pause it).
  void set_throttle_intensity(double intensity);
  void set_paused(bool paused);

  // Which mechanisms this machine gave us: "cgroup v1", "cgroup v2", "signals".
  std::string cpu_mechanism() const { return v2_ ? "cgroup v2" : "cgroup v1"; }
  std::string pause_mechanism() const;

 private:
  bool v2_ = false;
  std::filesystem::path cpu_group_;
  std::filesystem::path freezer_group_;  // empty: no freezer (v1 without it): signals
  std::vector<pid_t> pids_;
  bool paused_ = false;
};

}  // namespace mycelium::real
