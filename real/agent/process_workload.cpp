#include <stdexcept>
#include <system_error>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <real/agent/process_workload.hpp>

namespace mycelium::real {

ProcessPrimary::ProcessPrimary(const AgentReplication& config, NodeId self,
                               std::function<void(std::string)> log)
    : memory_file_(config.memory_file) {
  const bool own_workload = !config.workload_command.empty();
  // Our own workload finds its memory file ready (kept if it holds an image already); another
  // one must have created it.
  memory_ = std::make_unique<SharedMemoryFile>(
      config.memory_file,
      own_workload ? SharedMemoryFile::Mode::kOpenOrCreate : SharedMemoryFile::Mode::kOpenExisting,
      config.memory_bytes);
  if (memory_->size_bytes() != config.memory_bytes) {
    throw std::runtime_error(
        config.memory_file + " holds " + std::to_string(memory_->size_bytes()) +
        " bytes, spec.replication.memorySize says " + std::to_string(config.memory_bytes));
  }
  if (!own_workload) return;
  workload_ = std::make_unique<ChildProcess>(config.workload_command);
  log("replication: started the workload, pid " + std::to_string(workload_->pid()) + ": " +
      config.workload_command.front());
  try {
    // Named after the agent's pid too: an agent killed with -9 leaves its (empty) group
    // behind, and a restarted or a second agent must not share it.
    cpu_ = std::make_unique<ProcessControl>("mycelium-" + std::to_string(self.value) + "-" +
                                            std::to_string(config.stream) + "-" +
                                            std::to_string(::getpid()));
    cpu_->add(workload_->pid());
    throttle_mechanism_ = cpu_->cpu_mechanism();
  } catch (const std::system_error& error) {
    cpu_.reset();
    log(std::string("replication: throttling is recorded, not applied: ") + error.what());
  }
}

ProcessPrimary::~ProcessPrimary() {
  cpu_.reset();  // lifts the quota and moves the workload out of the group
}

void ProcessPrimary::set_held(bool held) {
  if (!workload_) return;
  if (held && !workload_->frozen()) {
    workload_->freeze();  // false: it has exited, and writes nothing anyway
  } else if (!held && workload_->frozen()) {
    workload_->thaw();
  }
}

void ProcessPrimary::set_throttle_intensity(double intensity) {
  if (cpu_) cpu_->set_throttle_intensity(intensity);
}

void ProcessPrimary::abandon() {
  // Replication has stopped here; the workload's copy on this host is abandoned.
  cpu_.reset();
  workload_.reset();
}

void ProcessPrimary::describe(nlohmann::json& status) const {
  status["workload_pid"] = workload_ ? nlohmann::json(workload_->pid()) : nlohmann::json();
  status["throttle_mechanism"] = throttle_mechanism_;
}

std::string ProcessPrimary::description() const {
  return memory_file_;
}

ProcessStandby::ProcessStandby(const AgentReplication& config, std::function<void(std::string)> log)
    : memory_file_(config.memory_file),
      command_(config.workload_command),
      log_(std::move(log)),
      replica_(std::make_unique<SharedMemoryFile>(
          config.memory_file, SharedMemoryFile::Mode::kCreate, config.memory_bytes)) {}

bool ProcessStandby::resume() {
  if (command_.empty()) return false;
  workload_ = std::make_unique<ChildProcess>(command_);
  log_("replication: resumed the workload on the replica, pid " + std::to_string(workload_->pid()));
  return true;
}

void ProcessStandby::describe(nlohmann::json& status) const {
  status["workload_pid"] = workload_ ? nlohmann::json(workload_->pid()) : nlohmann::json();
}

}  // namespace mycelium::real
