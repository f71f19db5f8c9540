// The test guest's workload (tests/vm/make_guest.sh puts it in the initramfs; /init runs it):
// dirties memory in a loop and prints its progress to the console, so the host can read how
// fast the guest runs from the serial log.
//
//   dirty_counter [MIB]   (default 32)
//
// It writes one 64-bit word into every 4 KiB page of a MIB MiB buffer, page after page, round
// after round, and counts the pages written. Every 100 ms of guest time it prints one line:
//
//   dirty_counter count=123456 rate=98765
//
// count: pages written since start (monotonically increasing); rate: pages per second over the
// last interval. Lines are short on purpose: under TCG every byte to the serial port is an exit
// to QEMU. Static (cc -static) so the initramfs needs no libc.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum { kPageBytes = 4096, kPagesBetweenClockReads = 1024 };
static const int64_t kReportEveryNs = 100 * 1000 * 1000;

static int64_t now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

int main(int argc, char** argv) {
  const long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 32;
  if (mib <= 0) {
    fprintf(stderr, "dirty_counter: MIB must be a positive number of MiB, got %s\n", argv[1]);
    return 2;
  }
  const size_t bytes = (size_t)mib << 20;
  uint8_t* buffer = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buffer == MAP_FAILED) {
    perror("dirty_counter: mmap");
    return 1;
  }
  const size_t pages = bytes / kPageBytes;
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("dirty_counter start mib=%ld pages=%zu\n", mib, pages);

  uint64_t count = 0;
  uint64_t reported_count = 0;
  int64_t reported_at = now_ns();
  size_t page = 0;
  for (;;) {
    for (int i = 0; i < kPagesBetweenClockReads; ++i) {
      // A value that changes every round, so every write really changes the page.
      *(volatile uint64_t*)(buffer + page * kPageBytes + (count % 8) * 8) = count;
      ++count;
      if (++page == pages) page = 0;
    }
    const int64_t now = now_ns();
    if (now - reported_at >= kReportEveryNs) {
      const uint64_t rate = (count - reported_count) * 1000000000ull / (uint64_t)(now - reported_at);
      printf("dirty_counter count=%llu rate=%llu\n", (unsigned long long)count,
             (unsigned long long)rate);
      reported_count = count;
      reported_at = now;
    }
  }
}
