#pragma once
// Finds the pages written since the last scan by asking the kernel, for memory this process
// maps and writes itself (the writer is our own process): userfaultfd write protection in its
// asynchronous mode (Linux >= 6.7). Every tracked page starts write-protected; the first write
// to one unprotects it in the kernel without waking anybody (no fault message, no thread), and
// scan() asks /proc/self/pagemap (PAGEMAP_SCAN) for the written pages, protecting them again in
// the same call. Costs nothing per write after the first to a page in each epoch (one minor
// fault), and per scan a walk of the page tables, not of the memory (docs/real-runtime.md has the
// measured costs against scan-and-diff).
//
// Unlike ScanDiffTracker it reports a page written back to its old contents, and it cannot see
// writes made through another process's mapping (another process's page tables): for those,
// and for QEMU guests, scan-and-diff is the tracker. Debian 12's kernel headers predate the
// asynchronous mode; what they lack is defined in the .cpp.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mycelium::real {

class UffdWriteTracker {
 public:
  // Why this kernel cannot track writes this way, or "" when it can.
  static std::string unsupported_reason();

  // `memory` must be mapped by this process, page-aligned, a whole number of `page_bytes`, and
  // outlive the tracker; `page_bytes` a multiple of the system page size. Protects all of it;
  // the first scan reports what was written since. Throws std::system_error naming the step
  // that failed (no userfaultfd, no asynchronous mode, registration refused).
  UffdWriteTracker(std::span<std::uint8_t> memory, std::uint64_t page_bytes);
  ~UffdWriteTracker();
  UffdWriteTracker(const UffdWriteTracker&) = delete;
  UffdWriteTracker& operator=(const UffdWriteTracker&) = delete;

  // Pages (of page_bytes) written since the previous scan (or construction), sorted, each once.
  std::vector<std::uint64_t> scan();

  std::uint64_t page_count() const { return memory_.size() / page_bytes_; }
  std::uint64_t page_bytes() const { return page_bytes_; }

 private:
  std::span<std::uint8_t> memory_;
  std::uint64_t page_bytes_;
  int uffd_ = -1;
  int pagemap_ = -1;
};

}  // namespace mycelium::real
