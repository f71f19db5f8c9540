#pragma once
// A guest for tests of the real runtime: its RAM is a buffer in this process, and it writes
// stamped pages when told to (a test double for the VM; the transport under test is real).
// Throttling scales how many pages a write() call touches; a paused guest writes nothing.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>
#include <span>
#include <vector>

#include <core/env/random_stream.hpp>
#include <core/env/vm_actuator.hpp>

namespace mycelium::real::testing {

class MemoryGuest final : public VmActuator {
 public:
  MemoryGuest(std::uint64_t pages, std::uint64_t page_bytes)
      : page_bytes_(page_bytes), memory_(pages * page_bytes, 0), random_(99) {}

  // Writes up to `pages` random pages (fewer when throttled, none when paused), each filled with
  // a stamp that changes on every write.
  void write(std::uint64_t pages) {
    if (paused_) return;
    const auto count = static_cast<std::uint64_t>(static_cast<double>(pages) * (1.0 - intensity_));
    const std::uint64_t page_count = memory_.size() / page_bytes_;
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint64_t page = random_.uniform_int(0, page_count - 1);
      const std::uint64_t stamp = ++stamp_;
      for (std::uint64_t offset = 0; offset < page_bytes_; offset += sizeof stamp)
        std::memcpy(memory_.data() + page * page_bytes_ + offset, &stamp, sizeof stamp);
      dirty_.insert(page);
    }
  }

  std::span<const std::uint8_t> memory() const { return memory_; }
  std::size_t dirty_pages() const { return dirty_.size(); }

  void set_throttle_intensity(double intensity) override { intensity_ = intensity; }
  double throttle_intensity() const override { return intensity_; }
  void pause() override { paused_ = true; }
  void resume() override { paused_ = false; }
  bool is_paused() const override { return paused_; }
  DirtyPages read_dirty_pages() override {
    DirtyPages dirty{page_bytes_, std::vector<std::uint64_t>(dirty_.begin(), dirty_.end())};
    dirty_.clear();
    return dirty;
  }
  std::uint64_t memory_bytes() const override { return memory_.size(); }

 private:
  std::uint64_t page_bytes_;
  std::vector<std::uint8_t> memory_;
  RandomStream random_;
  std::set<std::uint64_t> dirty_;
  std::uint64_t stamp_ = 0;
  double intensity_ = 0.0;
  bool paused_ = false;
};

}  // namespace mycelium::real::testing
