#pragma once
// A primary and its backups on ManualNetwork for replication protocol tests: node 0 is the
// primary with a FakeVm guest, nodes 1..n its backups (config.backups), a GuestDriver to make the
// guest write.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <core/ram/replication_backup.hpp>
#include <core/ram/replication_primary.hpp>
#include <tests/support/guest_driver.hpp>
#include <tests/support/manual_environment.hpp>

namespace mycelium::testing {

struct ReplicationCluster {
  static constexpr std::uint64_t kPage = 4096;
  static constexpr std::uint64_t kGuestPages = 4096;  // 16 MiB guest

  // 10 ms epochs, a 64-page buffer throttled linearly from level 0.6 (at most 0.8), emergency
  // pause on (resume at 0.8), two connections per backup; backups nodes 1..backup_count.
  static ram::PrimaryConfig test_config(std::size_t backup_count) {
    ram::PrimaryConfig config;
    config.ram.buffer_bytes = 64 * kPage;
    config.ram.replication_interval = std::chrono::milliseconds(10);
    config.ram.throttle_threshold = 0.6;
    config.ram.max_intensity = 0.8;
    config.ram.throttling_curve.type = manifest::CurveType::kLinear;
    config.ram.emergency_pause_enabled = true;
    config.ram.resume_level = 0.8;
    for (std::size_t b = 1; b <= backup_count; ++b)
      config.backups.push_back(NodeId{static_cast<std::uint32_t>(b)});
    config.connections_per_backup = 2;
    return config;
  }

  explicit ReplicationCluster(const ram::PrimaryConfig& config,
                              Duration latency = std::chrono::milliseconds(1))
      : network(config.backups.size() + 1, latency) {
    vm = &network.node(0).attach_vm(kGuestPages * kPage, kPage);
    driver.emplace(network, *vm, kGuestPages);
    primary = std::make_unique<ram::ReplicationPrimary>(network.node(0), config);
    for (NodeId node : config.backups) {
      backups.push_back(std::make_unique<ram::ReplicationBackup>(network.node(node.value),
                                                                 NodeId{0}, config.stream));
    }
  }

  // Runs `duration` in 10 ms steps. Each step the guest writes `pages_per_step` distinct pages
  // (cycling through the guest), scaled by (1 - throttle intensity), and nothing while paused.
  void run_guest(Duration duration, double pages_per_step) {
    driver->run(duration, pages_per_step);
  }

  std::int64_t counter(std::size_t node, const std::string& name) {
    return network.node(node).recorded_metrics().counter(name);
  }
  const std::vector<std::pair<TimePoint, double>>& series(const std::string& name) {
    return network.node(0).recorded_metrics().series[name];
  }

  ManualNetwork network;
  FakeVm* vm = nullptr;
  std::unique_ptr<ram::ReplicationPrimary> primary;
  std::vector<std::unique_ptr<ram::ReplicationBackup>> backups;
  std::optional<GuestDriver> driver;  // once the guest exists
};

}  // namespace mycelium::testing
