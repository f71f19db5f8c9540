#pragma once
// The guest a node protects, as the replication protocol acts on it: slow it down, pause it,
// resume it, and ask which pages it wrote. The simulator models a guest; the real runtime drives
// a process (cgroup CPU quota, freezer) or a KVM domain (libvirt vCPU quota, suspend).

#include <cstdint>
#include <vector>

namespace mycelium {

struct DirtyPages {
  std::uint64_t page_size_bytes = 4096;
  std::vector<std::uint64_t> pages;  // page indices, sorted, each once

  std::uint64_t bytes() const { return page_size_bytes * pages.size(); }
};

class VmActuator {
 public:
  virtual ~VmActuator() = default;

  // Fraction of guest CPU removed, in [0, 1]: 0 runs freely, 1 would stop it.
  virtual void set_throttle_intensity(double intensity) = 0;
  virtual double throttle_intensity() const = 0;

  virtual void pause() = 0;
  virtual void resume() = 0;
  virtual bool is_paused() const = 0;

  // Pages written since the previous call (or since start); the set is cleared by the call.
  virtual DirtyPages read_dirty_pages() = 0;

  virtual std::uint64_t memory_bytes() const = 0;
};

}  // namespace mycelium
