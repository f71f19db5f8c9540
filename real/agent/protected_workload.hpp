#pragma once
// What a replication role protects (real/agent/replication_role.hpp), seen from the role: on the
// primary, memory to read, a workload to stop while it is read and to throttle, and perhaps a
// device state to replicate with the memory; on a backup, the replica to write and the way to
// resume the workload from it once promoted. Two kinds: a process whose RAM is a shared memory
// file (process_workload.hpp) and a libvirt domain (vm_workload.hpp).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <real/memory/scan_diff_tracker.hpp>

namespace mycelium::real {

class PrimaryWorkload {
 public:
  virtual ~PrimaryWorkload() = default;

  // The memory replicated, mapped for as long as this object lives.
  virtual std::span<const std::uint8_t> memory() const = 0;
  // What the first read diffs against: kZeros when the backups start from zero-filled replicas
  // and must get the whole image through the protocol.
  virtual ScanDiffTracker::Baseline baseline() const = 0;
  // A device state replicated with the memory (MemoryGuest::replicate_device_state): the region
  // it needs, 0 for none, and how to read it (called with the workload held).
  virtual std::uint64_t device_state_region_bytes() const { return 0; }
  virtual std::vector<std::uint8_t> save_device_state() { return {}; }
  // Whether set_held stops anything: a workload someone else runs cannot be stopped.
  virtual bool can_hold() const = 0;
  // Stopped while held (a read of its dirty pages, an emergency pause), running otherwise.
  virtual void set_held(bool held) = 0;
  virtual void set_throttle_intensity(double intensity) = 0;
  // Replication is set up: the workload may run (a guest started paused starts now).
  virtual void start() = 0;
  // A planned migration completed: the workload runs on the target now; stop the copy here.
  virtual void abandon() = 0;
  // Adds what /replication shows of it (workload_pid, throttle_mechanism, ...).
  virtual void describe(nlohmann::json& status) const = 0;
  // For logs: the workload and its memory in a few words.
  virtual std::string description() const = 0;
};

class StandbyWorkload {
 public:
  virtual ~StandbyWorkload() = default;

  // The replica of the primary's memory, zero-filled at first; and of its device-state region
  // (empty when the workload has none), of the primary's device_state_region_bytes().
  virtual std::span<std::uint8_t> replica() = 0;
  virtual std::span<std::uint8_t> replica_region() { return {}; }
  // Promoted: the replica holds a committed epoch; resume the workload from it. False when
  // there is nothing to resume (no command to run): the replica is only kept.
  virtual bool resume() = 0;
  virtual void describe(nlohmann::json& status) const = 0;
  virtual std::string description() const = 0;
};

}  // namespace mycelium::real
