#pragma once
// A process protected by replication (spec.replication in the agent's config): its RAM is a
// shared memory file. With a workload command the agent starts the process itself, stops it
// (SIGSTOP, waited for) while reading and for an emergency pause, and throttles it with the
// cgroup CPU controller (where the agent may not create cgroups, e.g. not root, throttling is
// only recorded, and logged so); without one it reads a writer it cannot stop.

#include <functional>
#include <memory>
#include <string>

#include <real/agent/agent_config.hpp>
#include <real/agent/protected_workload.hpp>
#include <real/memory/shared_memory_file.hpp>
#include <real/process/child_process.hpp>
#include <real/process/process_control.hpp>

namespace mycelium::real {

class ProcessPrimary final : public PrimaryWorkload {
 public:
  // Maps the memory file (created when the agent runs the workload, else it must exist at
  // memory_bytes) and starts the workload. Throws naming the file.
  ProcessPrimary(const AgentReplication& config, NodeId self, std::function<void(std::string)> log);
  ~ProcessPrimary() override;

  std::span<const std::uint8_t> memory() const override { return memory_->bytes(); }
  ScanDiffTracker::Baseline baseline() const override {
    return ScanDiffTracker::Baseline::kCurrent;
  }
  bool can_hold() const override { return workload_ != nullptr; }
  void set_held(bool held) override;
  void set_throttle_intensity(double intensity) override;
  void start() override {}  // started at construction
  void abandon() override;
  void describe(nlohmann::json& status) const override;
  std::string description() const override;

 private:
  std::string memory_file_;
  std::unique_ptr<SharedMemoryFile> memory_;
  std::unique_ptr<ChildProcess> workload_;  // when the agent started it
  std::unique_ptr<ProcessControl> cpu_;     // its CPU quota, when cgroups are ours to make
  std::string throttle_mechanism_ = "none";
};

class ProcessStandby final : public StandbyWorkload {
 public:
  // Creates (truncates) the replica file, zero-filled.
  ProcessStandby(const AgentReplication& config, std::function<void(std::string)> log);

  std::span<std::uint8_t> replica() override { return replica_->bytes(); }
  bool resume() override;  // starts the workload command on the replica, if there is one
  void describe(nlohmann::json& status) const override;
  std::string description() const override { return memory_file_; }

 private:
  std::string memory_file_;
  std::vector<std::string> command_;
  std::function<void(std::string)> log_;
  std::unique_ptr<SharedMemoryFile> replica_;
  std::unique_ptr<ChildProcess> workload_;  // started once promoted
};

}  // namespace mycelium::real
