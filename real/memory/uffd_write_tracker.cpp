#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <core/assert.hpp>
#include <real/memory/uffd_write_tracker.hpp>

// What Debian 12's headers (Linux 6.1) lack: the asynchronous write protection of Linux 6.7
// (include/uapi/linux/userfaultfd.h) and the PAGEMAP_SCAN ioctl (include/uapi/linux/fs.h).
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef PAGEMAP_SCAN
namespace {
struct page_region {
  std::uint64_t start;
  std::uint64_t end;
  std::uint64_t categories;
};
struct pm_scan_arg {
  std::uint64_t size;
  std::uint64_t flags;
  std::uint64_t start;
  std::uint64_t end;
  std::uint64_t walk_end;
  std::uint64_t vec;
  std::uint64_t vec_len;
  std::uint64_t max_pages;
  std::uint64_t category_inverted;
  std::uint64_t category_mask;
  std::uint64_t category_anyof_mask;
  std::uint64_t return_mask;
};
}  // namespace
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_WRITTEN (1 << 1)
#define PM_SCAN_WP_MATCHING (1 << 0)
#define PM_SCAN_CHECK_WPASYNC (1 << 1)
#endif

namespace mycelium::real {

namespace {

constexpr std::uint64_t kWantedFeatures =
    UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED | UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
// Regions returned per PAGEMAP_SCAN call; a scan with more goes on from where the kernel stopped.
constexpr std::size_t kRegionsPerCall = 512;

[[noreturn]] void fail(const std::string& step) {
  throw std::system_error(errno, std::generic_category(), "userfaultfd write tracking: " + step);
}

// A userfaultfd with the asynchronous write protection enabled, or -1 with errno set.
int open_async_uffd() {
  const int fd = static_cast<int>(::syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));
  if (fd < 0) return -1;
  uffdio_api api{};
  api.api = UFFD_API;
  api.features = kWantedFeatures;
  if (::ioctl(fd, UFFDIO_API, &api) != 0 || (api.features & kWantedFeatures) != kWantedFeatures) {
    if (errno == 0) errno = ENOTSUP;
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

}  // namespace

std::string UffdWriteTracker::unsupported_reason() {
  errno = 0;
  const int fd = open_async_uffd();
  if (fd < 0) {
    return std::string("no userfaultfd with asynchronous write protection (Linux >= 6.7): ") +
           std::generic_category().message(errno);
  }
  ::close(fd);
  return "";
}

UffdWriteTracker::UffdWriteTracker(std::span<std::uint8_t> memory, std::uint64_t page_bytes)
    : memory_(memory), page_bytes_(page_bytes) {
  const auto system_page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  MYCELIUM_ASSERT(page_bytes_ >= system_page && page_bytes_ % system_page == 0);
  MYCELIUM_ASSERT(!memory_.empty() && memory_.size() % page_bytes_ == 0);
  MYCELIUM_ASSERT(reinterpret_cast<std::uintptr_t>(memory_.data()) % system_page == 0);
  errno = 0;
  uffd_ = open_async_uffd();
  if (uffd_ < 0) fail("cannot open a userfaultfd with asynchronous write protection");
  uffdio_register registration{};
  registration.range.start = reinterpret_cast<std::uint64_t>(memory_.data());
  registration.range.len = memory_.size();
  registration.mode = UFFDIO_REGISTER_MODE_WP;
  if (::ioctl(uffd_, UFFDIO_REGISTER, &registration) != 0) {
    const int saved = errno;
    ::close(uffd_);
    errno = saved;
    fail("cannot register the memory");
  }
  uffdio_writeprotect protect{};
  protect.range = registration.range;
  protect.mode = UFFDIO_WRITEPROTECT_MODE_WP;
  pagemap_ = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (::ioctl(uffd_, UFFDIO_WRITEPROTECT, &protect) != 0 || pagemap_ < 0) {
    const int saved = errno;
    if (pagemap_ >= 0) ::close(pagemap_);
    ::close(uffd_);
    errno = saved;
    fail("cannot write-protect the memory or open /proc/self/pagemap");
  }
}

UffdWriteTracker::~UffdWriteTracker() {
  // Closing the userfaultfd unregisters the range and drops the protection.
  ::close(pagemap_);
  ::close(uffd_);
}

std::vector<std::uint64_t> UffdWriteTracker::scan() {
  const auto base = reinterpret_cast<std::uint64_t>(memory_.data());
  const std::uint64_t end = base + memory_.size();
  std::vector<page_region> regions(kRegionsPerCall);
  std::vector<std::uint64_t> pages;
  std::uint64_t from = base;
  // Bounded: each call either finishes the range or moves `from` forward (walk_end > from).
  while (from < end) {
    pm_scan_arg arg{};
    arg.size = sizeof(arg);
    arg.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC;
    arg.start = from;
    arg.end = end;
    arg.vec = reinterpret_cast<std::uint64_t>(regions.data());
    arg.vec_len = regions.size();
    arg.category_mask = PAGE_IS_WRITTEN;
    arg.return_mask = PAGE_IS_WRITTEN;
    const long found = ::ioctl(pagemap_, PAGEMAP_SCAN, &arg);
    if (found < 0) fail("PAGEMAP_SCAN failed");
    for (long i = 0; i < found; ++i) {
      const page_region& region = regions[static_cast<std::size_t>(i)];
      MYCELIUM_ASSERT(region.start >= base && region.end <= end && region.start < region.end);
      const std::uint64_t first = (region.start - base) / page_bytes_;
      const std::uint64_t last = (region.end - 1 - base) / page_bytes_;
      // Regions are sorted; with pages larger than the system's, two may share a page.
      for (std::uint64_t page = first; page <= last; ++page) {
        if (pages.empty() || pages.back() < page) pages.push_back(page);
      }
    }
    MYCELIUM_ASSERT(arg.walk_end > from || arg.walk_end == end);
    from = arg.walk_end;
  }
  return pages;
}

}  // namespace mycelium::real
