#pragma once
// Finds the pages written since the last scan without any cooperation from the writer: it keeps
// one 64-bit hash per page (XXH3) and, each scan, hashes every page again and reports those whose
// hash changed. Works for any process sharing the memory, QEMU guests included; costs a full
// read of memory per scan (docs/real-runtime.md has the measured cost per GiB).
//
// A page written back to its previous contents between two scans is not reported (it holds
// what the replica holds); a write racing with the scan is reported at this scan or the next.
// Hash collisions (2^-64 per changed page) would hide a write: accepted, as QEMU's own
// dirty-rate sampling accepts sampling.

#include <cstdint>
#include <span>
#include <vector>

namespace mycelium::real {

class ScanDiffTracker {
 public:
  // Where the first scan's differences are taken from.
  enum class Baseline {
    kCurrent,  // the memory as it is now: the first scan reports what changed since
    kZeros,    // zero-filled memory: the first scan reports every page that is not all zeros,
               // so a replica that starts zero-filled gets the whole image through the protocol
  };

  // `memory` must outlive the tracker; its size a multiple of `page_bytes`.
  ScanDiffTracker(std::span<const std::uint8_t> memory, std::uint64_t page_bytes,
                  Baseline baseline = Baseline::kCurrent);

  // Pages whose contents changed since the previous scan (or construction), sorted.
  std::vector<std::uint64_t> scan();

  std::uint64_t page_count() const { return hashes_.size(); }
  std::uint64_t page_bytes() const { return page_bytes_; }

 private:
  std::span<const std::uint8_t> memory_;
  std::uint64_t page_bytes_;
  std::vector<std::uint64_t> hashes_;
};

}  // namespace mycelium::real
