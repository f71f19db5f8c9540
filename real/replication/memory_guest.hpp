#pragma once
// A guest whose RAM is memory this process can map (a shared memory file: the demo workload, or
// a QEMU guest's file-backed RAM), as the replication primary drives it (VmActuator):
//   * read_dirty_pages(): the pages written since the last read, by scan-and-diff
//     (real/memory/scan_diff_tracker.hpp), and a copy of their contents as of this read;
//   * capture_epoch(): an epoch's pages keep those copies until release_epoch(), and source()
//     (the bulk source of kReplicationPort) sends chunks from them, so every backup, and every
//     retransmission, gets the same snapshot: the memory as of the read the epoch came from,
//     however long the writer keeps writing meanwhile.
// Throttling and pausing go to the callbacks given (cgroup CPU quota and freezer for a process:
// next); without them they are only recorded. Bounded: the copies are the replication buffer's
// pages (queued and in flight), which the primary keeps within bufferSize.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include <core/env/vm_actuator.hpp>
#include <real/env/asio_environment.hpp>
#include <real/memory/scan_diff_tracker.hpp>

namespace mycelium::real {

class MemoryGuest final : public VmActuator {
 public:
  // `baseline`: what the first read diffs against (ScanDiffTracker::Baseline). kZeros for a
  // replica that starts zero-filled (a fresh standby's RAM file): the first epochs carry the
  // whole image, the initial sync through the protocol itself.
  MemoryGuest(std::span<const std::uint8_t> memory, std::uint64_t page_bytes,
              ScanDiffTracker::Baseline baseline = ScanDiffTracker::Baseline::kCurrent);

  void set_throttle_intensity(double intensity) override;
  double throttle_intensity() const override { return intensity_; }
  void pause() override;
  void resume() override;
  bool is_paused() const override { return paused_; }
  DirtyPages read_dirty_pages() override;
  // Guest RAM, and the device-state region after it when there is one.
  std::uint64_t memory_bytes() const override { return memory_.size() + device_region_.size(); }
  void capture_epoch(std::uint64_t epoch, std::span<const std::uint64_t> pages) override;
  void release_epoch(std::uint64_t epoch) override;

  // Sends each chunk's pages from its epoch's copies (AsioEnvironment::set_bulk_source).
  BulkSource source();

  std::function<void(double intensity)> on_throttle;
  std::function<void(bool paused)> on_pause;
  // Called with true before read_dirty_pages() scans and copies, and with false after: a writer
  // stopped in between makes the pages read one snapshot (ChildProcess::freeze). Without it a
  // page written during the read can be newer than one copied before it.
  std::function<void(bool reading)> on_read_window;

  // Replicates the guest's device state with its RAM (a QEMU guest: real/vm/device_state.hpp),
  // so a backup can resume the guest, not only hold its memory. `capture` runs inside each read
  // window (on_read_window(true) has stopped the guest), so the state belongs with the pages of
  // that read. It goes into a region of `region_bytes` (whole pages) after guest RAM, as
  //   u64 little-endian length | the state | zeros,
  // whose pages are replicated like RAM pages (numbered on from the last RAM page; only those
  // that changed since the last read): a replica of memory_bytes() holds, at every committed
  // epoch, RAM and device state of the same instant (read_device_state). Call before
  // replication starts (memory_bytes() grows by the region). A state that does not fit throws
  // std::length_error from the read.
  void replicate_device_state(std::uint64_t region_bytes,
                              std::function<std::vector<std::uint8_t>()> capture);

  std::uint64_t copied_bytes() const { return copied_bytes_; }
  std::size_t epochs_held() const { return epochs_.size(); }

 private:
  struct EpochCopy {
    std::vector<std::uint64_t> pages;  // sorted
    std::vector<std::uint8_t> bytes;   // pages.size() x page_bytes, in that order
  };
  // Lends `bulk` a view of the chunk's pages in its epoch's copy (with a share of the copy: it
  // outlives a release while the lane writes it). False for a chunk that is not a slice of a
  // held epoch.
  bool lend_chunk(const Message& message, Bulk& bulk) const;

  // The contents of page `page` now: guest RAM, or the device-state region after it.
  const std::uint8_t* page_now(std::uint64_t page) const;
  // Captures the device state into the region and reports the region's pages that changed.
  void read_device_state_pages(std::vector<std::uint64_t>& dirty);

  std::span<const std::uint8_t> memory_;
  std::uint64_t page_bytes_;
  std::vector<std::uint8_t> device_region_;  // empty without replicate_device_state
  std::function<std::vector<std::uint8_t>()> capture_device_state_;
  ScanDiffTracker tracker_;
  // Pages read dirty and not yet in an epoch: their contents as of the last read that saw them.
  std::unordered_map<std::uint64_t, std::vector<std::uint8_t>> read_copies_;
  std::map<std::uint64_t, std::shared_ptr<const EpochCopy>> epochs_;
  std::uint64_t copied_bytes_ = 0;  // held now, read copies and epochs together
  double intensity_ = 0.0;
  bool paused_ = false;
};

// The device state a replica's region holds (MemoryGuest::replicate_device_state): `region`
// is the replica's bytes after guest RAM. Throws std::length_error when the length does not fit
// the region (not a region, or a torn one).
std::vector<std::uint8_t> read_device_state(std::span<const std::uint8_t> region);

}  // namespace mycelium::real
