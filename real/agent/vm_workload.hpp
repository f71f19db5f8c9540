#pragma once
// An Endophyte VM protected by replication (docs/vm.md, "Deploying VMs through myceliumd"): a
// libvirt domain rendered from its EndophyteVM manifest, booted from the host's image catalog
// (spec.vmHost.images, by spec.vmSpec.osConfig.type).
//   VmPrimary: the guest, started paused so that replication sees it from its first write; its
//              RAM file is the memory replicated (diffed against zeros: the backups start from
//              zero-filled standbys and get the whole image through the protocol), with its
//              device state; held still (suspended) for each read and each emergency pause,
//              throttled by vCPU quota.
//   VmStandby: the same guest on a backup host, started paused with its incoming migration
//              deferred: its RAM file is the replica, written by the backup as epochs apply, and
//              the replica of the device state is a file of its own. Promoted, it loads the
//              device state and runs: the guest continues from the last applied epoch.
// Each domain is named mycelium-<vm>-<node>, so the primary and its standbys never share a name
// (on one libvirtd too), and a domain of that name left over by a crashed agent is removed
// first. The agent owns its domains: they are destroyed and undefined with this object.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <core/env/node_id.hpp>
#include <core/manifest/endophyte_vm.hpp>
#include <real/agent/agent_config.hpp>
#include <real/agent/protected_workload.hpp>
#include <real/memory/shared_memory_file.hpp>
#include <real/vm/domain_type.hpp>
#include <real/vm/guest_control.hpp>
#include <real/vm/libvirt_driver.hpp>

namespace mycelium::real {

// What both ends need: the driver (shared: a workload may outlive the agent's handle on it),
// the host's settings, the manifest.
struct VmContext {
  std::shared_ptr<LibvirtDriver> driver;
  AgentVmHost host;
  DomainType type;
  manifest::EndophyteVM vm;
  NodeId self;
};

// mycelium-<vm name>-<node>.
std::string vm_domain_name(const std::string& vm_name, NodeId node);
// The region after guest RAM that holds the device state (the test guest's is ~230 KiB).
inline constexpr std::uint64_t kDeviceStateRegionBytes = 4ULL << 20;

class VmPrimary final : public PrimaryWorkload {
 public:
  // Defines and starts the domain paused, and maps its RAM file. Throws std::invalid_argument
  // for an image the catalog lacks, LibvirtError or std::runtime_error for what failed.
  explicit VmPrimary(VmContext context);
  ~VmPrimary() override;

  std::span<const std::uint8_t> memory() const override { return ram_->bytes(); }
  ScanDiffTracker::Baseline baseline() const override { return ScanDiffTracker::Baseline::kZeros; }
  std::uint64_t device_state_region_bytes() const override { return kDeviceStateRegionBytes; }
  std::vector<std::uint8_t> save_device_state() override;
  bool can_hold() const override { return true; }
  void set_held(bool held) override;
  void set_throttle_intensity(double intensity) override { throttle_(intensity); }
  void start() override;
  void abandon() override;
  void describe(nlohmann::json& status) const override;
  std::string description() const override;

  const std::string& domain() const { return domain_; }
  std::string ram_path() const { return ram_->path().string(); }

  // The guest's dirty rate through libvirt (page sampling over kDirtyRateWindow): each call keeps
  // the last calculation's result when there is a new one and starts the next calculation when
  // none runs. Call every few seconds while the guest runs; throws LibvirtError.
  void sample_dirty_rate();
  struct DirtyRateSample {
    double bytes_per_s = 0;
    double measured_at_unix_s = 0;  // when this agent read it
  };
  std::optional<DirtyRateSample> dirty_rate() const { return dirty_rate_; }
  static constexpr std::chrono::seconds kDirtyRateWindow{1};

 private:
  // The domain runs exactly when started and not held.
  void apply();

  VmContext context_;
  std::string domain_;
  std::unique_ptr<SharedMemoryFile> ram_;
  VcpuThrottle throttle_;
  bool started_ = false;
  bool held_ = false;
  bool suspended_ = true;  // started paused
  bool abandoned_ = false;
  std::optional<DirtyRateSample> dirty_rate_;
  std::int64_t last_dirty_rate_start_s_ = -1;  // QEMU's start time of the result kept
};

class VmStandby final : public StandbyWorkload {
 public:
  // Defines and starts the standby paused, waiting for its device state; maps its RAM file
  // (zero-filled) and creates the device-state replica file in spec.vmHost.stateDirectory.
  explicit VmStandby(VmContext context);
  ~VmStandby() override;

  std::span<std::uint8_t> replica() override { return ram_->bytes(); }
  std::span<std::uint8_t> replica_region() override { return region_->bytes(); }
  bool resume() override;  // loads the replica's device state and runs the guest
  void describe(nlohmann::json& status) const override;
  std::string description() const override;

  const std::string& domain() const { return domain_; }
  std::string ram_path() const { return ram_->path().string(); }

 private:
  VmContext context_;
  std::string domain_;
  std::unique_ptr<SharedMemoryFile> ram_;
  std::unique_ptr<SharedMemoryFile> region_;
};

}  // namespace mycelium::real
