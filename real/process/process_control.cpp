#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <system_error>

#include <core/assert.hpp>
#include <real/process/process_control.hpp>

namespace mycelium::real {

namespace fs = std::filesystem;

namespace {

const fs::path kCgroupRoot = "/sys/fs/cgroup";

void write_file(const fs::path& path, const std::string& value) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr)
    throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
  const bool written = std::fputs(value.c_str(), file) >= 0;
  const int saved = errno;
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    throw std::system_error(written ? errno : saved, std::generic_category(),
                            "cannot write \"" + value + "\" to " + path.string());
  }
}

fs::path make_group(const fs::path& parent, const std::string& name) {
  const fs::path group = parent / name;
  std::error_code error;
  fs::create_directory(group, error);
  if (error) throw std::system_error(error, "cannot create cgroup " + group.string());
  return group;
}

void remove_group(const fs::path& group, const fs::path& root_procs,
                  const std::vector<pid_t>& pids) {
  for (const pid_t pid : pids) {
    try {
      write_file(root_procs, std::to_string(pid));
    } catch (const std::system_error&) {
      // The process has exited: nothing to move.
    }
  }
  std::error_code ignored;
  fs::remove(group, ignored);  // rmdir: only an empty cgroup goes
}

}  // namespace

ProcessControl::ProcessControl(const std::string& name) {
  // cgroup v2: a unified hierarchy at the root with the cpu controller available.
  std::ifstream controllers(kCgroupRoot / "cgroup.controllers");
  std::string line;
  if (controllers && std::getline(controllers, line) && line.find("cpu") != std::string::npos) {
    v2_ = true;
    cpu_group_ = make_group(kCgroupRoot, name);
    return;
  }
  cpu_group_ = make_group(kCgroupRoot / "cpu", name);
  if (fs::exists(kCgroupRoot / "freezer" / "freezer.state") ||
      fs::is_directory(kCgroupRoot / "freezer"))
    freezer_group_ = make_group(kCgroupRoot / "freezer", name);
}

ProcessControl::~ProcessControl() {
  try {
    if (paused_) set_paused(false);
    if (!v2_) write_file(cpu_group_ / "cpu.cfs_quota_us", "-1");
  } catch (const std::system_error&) {
    // Best effort on the way out: the group is removed below anyway.
  }
  if (v2_) {
    remove_group(cpu_group_, kCgroupRoot / "cgroup.procs", pids_);
    return;
  }
  remove_group(cpu_group_, kCgroupRoot / "cpu" / "cgroup.procs", pids_);
  if (!freezer_group_.empty())
    remove_group(freezer_group_, kCgroupRoot / "freezer" / "cgroup.procs", pids_);
}

void ProcessControl::add(pid_t pid) {
  MYCELIUM_ASSERT(pid > 0);
  write_file(cpu_group_ / "cgroup.procs", std::to_string(pid));
  if (!freezer_group_.empty()) write_file(freezer_group_ / "cgroup.procs", std::to_string(pid));
  pids_.push_back(pid);
}

void ProcessControl::set_throttle_intensity(double intensity) {
  MYCELIUM_ASSERT(intensity >= 0.0 && intensity <= 1.0);
  // The kernel takes no quota under 1 ms: intensity 1 leaves 1 % of a CPU (pause stops it).
  const long quota =
      std::max(kMinQuotaMicroseconds,
               static_cast<long>((1.0 - intensity) * static_cast<double>(kPeriodMicroseconds)));
  if (v2_) {
    write_file(cpu_group_ / "cpu.max",
               intensity == 0.0
                   ? "max " + std::to_string(kPeriodMicroseconds)
                   : std::to_string(quota) + " " + std::to_string(kPeriodMicroseconds));
    return;
  }
  write_file(cpu_group_ / "cpu.cfs_period_us", std::to_string(kPeriodMicroseconds));
  write_file(cpu_group_ / "cpu.cfs_quota_us", intensity == 0.0 ? "-1" : std::to_string(quota));
}

void ProcessControl::set_paused(bool paused) {
  if (v2_) {
    write_file(cpu_group_ / "cgroup.freeze", paused ? "1" : "0");
  } else if (!freezer_group_.empty()) {
    write_file(freezer_group_ / "freezer.state", paused ? "FROZEN" : "THAWED");
  } else {
    for (const pid_t pid : pids_)
      ::kill(pid, paused ? SIGSTOP : SIGCONT);
  }
  paused_ = paused;
}

std::string ProcessControl::pause_mechanism() const {
  if (v2_) return "cgroup v2";
  return freezer_group_.empty() ? "signals" : "cgroup v1 freezer";
}

}  // namespace mycelium::real
