// Real guest memory: the shared memory file, the scan-and-diff dirty tracker watching another
// process write, and the demo workload's stamped-page format and its checker.

#include <cstring>
#include <filesystem>
#include <vector>

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <real/memory/scan_diff_tracker.hpp>
#include <real/memory/shared_memory_file.hpp>
#include <real/workload/stamped_pages.hpp>

using namespace mycelium::real;

namespace {

constexpr std::uint64_t kPage = 4096;

std::filesystem::path scratch_file(const char* name) {
  return std::filesystem::temp_directory_path() /
         (std::string("mycelium-test-") + name + "-" + std::to_string(::getpid()));
}

// Runs `body` in a child process and waits for it; true if it exited 0.
template <typename Body>
bool in_child_process(Body body) {
  const pid_t child = ::fork();
  if (child == 0) {
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::vector<std::uint64_t> pages_differing(std::span<const std::uint8_t> a,
                                           std::span<const std::uint8_t> b) {
  std::vector<std::uint64_t> pages;
  for (std::uint64_t page = 0; page < a.size() / kPage; ++page) {
    if (std::memcmp(a.data() + page * kPage, b.data() + page * kPage, kPage) != 0)
      pages.push_back(page);
  }
  return pages;
}

}  // namespace

TEST_CASE("scan-and-diff finds exactly the pages another process wrote") {
  const auto path = scratch_file("scan");
  SharedMemoryFile memory(path, SharedMemoryFile::Mode::kCreate, 1024 * kPage);
  ScanDiffTracker tracker(memory.bytes(), kPage);
  CHECK(tracker.scan().empty());  // nothing written since the hashes were taken
  std::vector<std::uint8_t> before(memory.bytes().begin(), memory.bytes().end());
  for (std::uint64_t seed : {1, 2}) {
    // The writer is another process that maps the same file: no cooperation with the tracker.
    REQUIRE(in_child_process([&path, seed] {
      SharedMemoryFile writer_view(path, SharedMemoryFile::Mode::kOpenExisting);
      DemoWorkload workload(writer_view.bytes(), kPage, seed);
      workload.write(300);
    }));
    const std::vector<std::uint64_t> expected = pages_differing(before, memory.bytes());
    REQUIRE(expected.size() > 100);  // 300 random writes over 1023 pages, plus the header
    CHECK(tracker.scan() == expected);
    CHECK(tracker.scan().empty());  // each write reported once
    before.assign(memory.bytes().begin(), memory.bytes().end());
  }
  // A page written back to what it held is not a change.
  const std::uint8_t old_byte = memory.bytes()[5 * kPage];
  memory.bytes()[5 * kPage] = static_cast<std::uint8_t>(old_byte + 1);
  memory.bytes()[5 * kPage] = old_byte;
  CHECK(tracker.scan().empty());
  std::filesystem::remove(path);
}

TEST_CASE("a shared memory file refuses what it cannot map, naming the path") {
  CHECK_THROWS_WITH(
      SharedMemoryFile("/nonexistent/dir/guest", SharedMemoryFile::Mode::kCreate, kPage),
      Catch::Contains("/nonexistent/dir/guest"));
  const auto empty = scratch_file("empty");
  { SharedMemoryFile created(empty, SharedMemoryFile::Mode::kCreate, kPage); }
  std::filesystem::resize_file(empty, 0);
  CHECK_THROWS_WITH(SharedMemoryFile(empty, SharedMemoryFile::Mode::kOpenExisting),
                    Catch::Contains(empty.string()));
  std::filesystem::remove(empty);
}

TEST_CASE("the demo workload's image checks consistent, and every kind of damage is caught") {
  std::vector<std::uint8_t> memory(64 * kPage, 0);
  DemoWorkload workload(memory, kPage, 7);
  CHECK(workload.write(500) == 500);
  ImageCheck check = check_image(memory, kPage);
  CHECK(check.consistent());
  CHECK(check.header_sequence == 500);
  CHECK(check.newest_page_sequence == 500);
  CHECK(check.pages_written == 63);  // 500 writes over 63 pages: every one written

  SECTION("a torn page") {
    memory[9 * kPage + 2000] ^= 0xFF;
    check = check_image(memory, kPage);
    CHECK_FALSE(check.consistent());
    CHECK(check.bad_pages == 1);
  }
  SECTION("a page copied to the wrong place") {
    std::memcpy(memory.data() + 3 * kPage, memory.data() + 4 * kPage, kPage);
    CHECK(check_image(memory, kPage).bad_pages == 1);
  }
  SECTION("a page newer than the header (the header copied before the page)") {
    std::vector<std::uint8_t> older_header(memory.begin(), memory.begin() + kPage);
    workload.write(1);
    std::memcpy(memory.data(), older_header.data(), kPage);
    check = check_image(memory, kPage);
    CHECK(check.bad_pages == 0);
    CHECK(check.newest_page_sequence == 501);
    CHECK(check.header_sequence == 500);
    CHECK_FALSE(check.consistent());
  }
  SECTION("a restored image resumes its sequence") {
    DemoWorkload resumed(memory, kPage, 8);
    CHECK(resumed.sequence() == 500);
    CHECK(resumed.write(1) == 501);
    CHECK(check_image(memory, kPage).consistent());
  }
}
