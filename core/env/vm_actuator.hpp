#pragma once
// The guest a node protects, as the replication protocol acts on it: slow it down, pause it,
// resume it, and ask which pages it wrote. The simulator models a guest (a dirty-page workload
// whose rate scales with the CPU left to it); the real runtime drives a KVM domain through
// libvirt (vCPU quota, suspend, dirty-page tracking) or a process (cgroup CPU quota, freezer).

#include <cstdint>
#include <span>
#include <vector>

#include <core/env/time.hpp>

namespace mycelium {

struct DirtyPages {
  std::uint64_t page_size_bytes = 4096;
  std::vector<std::uint64_t> pages;  // page indices (address / page_size_bytes), sorted, unique
  // How long the read took, as the backend measured it: zero in simulation (a read takes no
  // simulated time), the scan and the hold around it on a real host. The Environment's clock
  // cannot tell: it stands still during a callback. Bounds the shortest interval a primary keeps.
  Duration read_cost{};

  std::uint64_t bytes() const { return page_size_bytes * pages.size(); }
};

class VmActuator {
 public:
  virtual ~VmActuator() = default;

  // Fraction of guest CPU removed, in [0, 1]: 0 runs freely, 1 leaves it no CPU. The guest only
  // sees itself run slower, and dirties pages more slowly. Out-of-range values are a bug.
  virtual void set_throttle_intensity(double intensity) = 0;
  virtual double throttle_intensity() const = 0;

  // Stops / restarts the guest's vCPUs. Both are idempotent; the throttle intensity is kept
  // across a pause and applies again on resume.
  virtual void pause() = 0;
  virtual void resume() = 0;
  virtual bool is_paused() const = 0;

  // Pages written since the previous call (or since the guest started), sorted and unique; the
  // call clears the set, so each write is reported once. Pages are not read here: their contents
  // travel as Message::bulk_bytes, moved by the backend.
  virtual DirtyPages read_dirty_pages() = 0;

  // Size of guest RAM.
  virtual std::uint64_t memory_bytes() const = 0;

  // Replication launched epoch `epoch` from pages read_dirty_pages reported (sorted, unique). A
  // backend that moves real memory keeps their contents as of the reads that reported them,
  // until release_epoch, so every backup receives the same snapshot however late its chunks
  // go. The simulated guest has no contents: both do nothing by default.
  virtual void capture_epoch(std::uint64_t epoch, std::span<const std::uint64_t> pages) {
    (void)epoch;
    (void)pages;
  }
  // Every backup holds `epoch`, or was given up on: its contents may go.
  virtual void release_epoch(std::uint64_t epoch) { (void)epoch; }
};

}  // namespace mycelium
