// Real guest memory: the shared memory file, the scan-and-diff dirty tracker watching another
// process write, the memory guest's epoch copies, and the demo workload's stamped-page format
// and its checker.

#include <cstring>
#include <filesystem>
#include <vector>

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <core/ram/replication_messages.hpp>
#include <real/memory/scan_diff_tracker.hpp>
#include <real/memory/shared_memory_file.hpp>
#include <real/memory/uffd_write_tracker.hpp>
#include <real/replication/guest_pages.hpp>
#include <real/replication/memory_guest.hpp>
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

TEST_CASE("scan-and-diff from a zero baseline reports every page that is not zeros, once") {
  std::vector<std::uint8_t> memory(8 * kPage, 0);
  memory[1 * kPage + 3] = 7;
  memory[6 * kPage + kPage - 1] = 9;
  ScanDiffTracker tracker(memory, kPage, ScanDiffTracker::Baseline::kZeros);
  // The first scan is the whole image a zero-filled replica lacks; then changes only.
  CHECK(tracker.scan() == std::vector<std::uint64_t>{1, 6});
  CHECK(tracker.scan().empty());
  memory[2 * kPage] = 1;
  CHECK(tracker.scan() == std::vector<std::uint64_t>{2});
  // The default baseline is the memory as it is: nothing to report at first.
  ScanDiffTracker current(memory, kPage);
  CHECK(current.scan().empty());
}

TEST_CASE("userfaultfd tracking finds the pages this process wrote, as scan-and-diff does") {
  if (const std::string reason = UffdWriteTracker::unsupported_reason(); !reason.empty()) {
    WARN("not run: " << reason);  // this machine's kernel (6.18) has it: the test runs here
    return;
  }
  const auto path = scratch_file("uffd");
  SharedMemoryFile file(path, SharedMemoryFile::Mode::kCreate, 256 * kPage);
  UffdWriteTracker tracker(file.bytes(), kPage);
  ScanDiffTracker reference(file.bytes(), kPage);
  CHECK(tracker.scan().empty());
  DemoWorkload workload(file.bytes(), kPage, 7);  // writes its header: page 0
  for (int round = 0; round < 5; ++round) {
    CAPTURE(round);
    workload.write(static_cast<std::uint64_t>(10 * round + 1));
    const std::vector<std::uint64_t> written = tracker.scan();
    CHECK(written == reference.scan());
    CHECK_FALSE(written.empty());
    CHECK(tracker.scan().empty());  // protected again by the scan that reported them
  }
  // A page written back with the same bytes is still a write (scan-and-diff would miss it).
  file.bytes()[9 * kPage] = file.bytes()[9 * kPage];
  CHECK(tracker.scan() == std::vector<std::uint64_t>{9});
  std::filesystem::remove(path);
}

TEST_CASE("userfaultfd tracking reports pages larger than the system's once each") {
  if (!UffdWriteTracker::unsupported_reason().empty()) return;  // reported by the test above
  const auto path = scratch_file("uffd-large");
  SharedMemoryFile file(path, SharedMemoryFile::Mode::kCreate, 64 * kPage);
  UffdWriteTracker tracker(file.bytes(), 4 * kPage);  // 16 pages of 16 KiB
  file.bytes()[0] = 1;                                // page 0
  file.bytes()[3 * kPage] = 1;                        // page 0 again, another system page
  file.bytes()[9 * kPage] = 1;                        // page 2
  file.bytes()[63 * kPage] = 1;                       // page 15, the last
  CHECK(tracker.scan() == std::vector<std::uint64_t>{0, 2, 15});
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

TEST_CASE("open-or-create keeps an existing image and refuses one of another size") {
  const auto path = scratch_file("image");
  {
    SharedMemoryFile created(path, SharedMemoryFile::Mode::kOpenOrCreate, 4 * kPage);
    CHECK(created.size_bytes() == 4 * kPage);
    created.bytes()[kPage + 7] = 42;
  }
  {
    SharedMemoryFile reopened(path, SharedMemoryFile::Mode::kOpenOrCreate, 4 * kPage);
    CHECK(reopened.bytes()[kPage + 7] == 42);  // kept, not truncated
  }
  CHECK_THROWS_WITH(SharedMemoryFile(path, SharedMemoryFile::Mode::kOpenOrCreate, 8 * kPage),
                    Catch::Contains(path.string() + " exists with 16384 bytes, not the 32768"));
  std::filesystem::remove(path);
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

TEST_CASE("a memory guest sends an epoch's pages as they were at the read, until released") {
  // The writer keeps writing after the read: every transmission of the epoch's chunks, the
  // first and any retransmission, must carry the contents the read saw, not the newer ones.
  std::vector<std::uint8_t> memory(16 * kPage, 0);
  MemoryGuest guest(memory, kPage);
  memory[3 * kPage] = 1;
  memory[7 * kPage + 9] = 2;
  const mycelium::DirtyPages dirty = guest.read_dirty_pages();
  REQUIRE(dirty.pages == std::vector<std::uint64_t>{3, 7});
  guest.capture_epoch(1, dirty.pages);
  memory[3 * kPage] = 100;  // written again after the read
  memory[7 * kPage + 9] = 200;

  mycelium::ram::EpochChunk fields;
  fields.epoch = 1;
  fields.page_size_bytes = kPage;
  mycelium::Message chunk;
  chunk.payload = mycelium::ram::encode_chunk(fields, std::vector<std::uint64_t>{7});
  chunk.bulk_bytes = kPage;
  mycelium::real::Bulk bulk;
  const mycelium::real::BulkSource source = guest.source();
  for (int transmission = 0; transmission < 2; ++transmission) {
    REQUIRE(source(chunk, bulk));
    REQUIRE(bulk.bytes.size() == kPage);
    CHECK(bulk.bytes[9] == 2);  // the read's contents, not the 200 written since
  }
  CHECK(guest.copied_bytes() == 2 * kPage);
  guest.release_epoch(1);
  CHECK(guest.copied_bytes() == 0);
  // A lane still writing the chunk keeps its view valid after the release.
  CHECK(bulk.bytes[9] == 2);
  mycelium::real::Bulk after_release;
  CHECK_FALSE(source(chunk, after_release));  // released: nothing to send any more
  // A chunk that is not a slice of its epoch (page 5 was never in it) is refused.
  guest.capture_epoch(2, std::vector<std::uint64_t>{3, 7});
  fields.epoch = 2;
  chunk.payload = mycelium::ram::encode_chunk(fields, std::vector<std::uint64_t>{5});
  CHECK_FALSE(source(chunk, after_release));
  chunk.payload = mycelium::ram::encode_chunk(fields, std::vector<std::uint64_t>{3, 7});
  chunk.bulk_bytes = 2 * kPage;
  REQUIRE(source(chunk, after_release));
  CHECK(after_release.bytes.size() == 2 * kPage);
  guest.release_epoch(2);
  // The next read sees the later writes, and an epoch of them sends those.
  CHECK(guest.read_dirty_pages().pages == std::vector<std::uint64_t>{3, 7});
}

TEST_CASE("a memory guest replicates its device state as pages after RAM, only those that change") {
  std::vector<std::uint8_t> memory(16 * kPage, 0);
  MemoryGuest guest(memory, kPage);
  std::vector<std::uint8_t> state(kPage + 100, 7);  // spans region pages 0 and 1 (after the length)
  bool stopped = false;
  int captures = 0;
  guest.on_read_window = [&](bool reading) { stopped = reading; };
  guest.replicate_device_state(4 * kPage, [&] {
    CHECK(stopped);  // taken while the guest is stopped, with the same read's pages
    ++captures;
    return state;
  });
  CHECK(guest.memory_bytes() == 20 * kPage);

  // The replica starts as RAM plus a zeroed region; apply each read's pages to it.
  std::vector<std::uint8_t> replica(20 * kPage, 0);
  const auto read_into_replica = [&] {
    const mycelium::DirtyPages dirty = guest.read_dirty_pages();
    static std::uint64_t epoch = 0;
    guest.capture_epoch(++epoch, dirty.pages);
    mycelium::ram::EpochChunk fields;
    fields.epoch = epoch;
    fields.page_size_bytes = kPage;
    mycelium::Message chunk;
    chunk.payload = mycelium::ram::encode_chunk(fields, dirty.pages);
    chunk.bulk_bytes = dirty.pages.size() * kPage;
    mycelium::real::Bulk bulk;
    REQUIRE((dirty.pages.empty() || guest.source()(chunk, bulk)));
    for (std::size_t i = 0; i < dirty.pages.size(); ++i)
      std::memcpy(replica.data() + dirty.pages[i] * kPage, bulk.bytes.data() + i * kPage, kPage);
    guest.release_epoch(epoch);
    return dirty.pages;
  };
  const auto replica_state = [&] {
    return read_device_state(std::span<const std::uint8_t>(replica).subspan(16 * kPage));
  };

  memory[2 * kPage] = 1;
  // First read: the RAM page and the region pages the length and state fill (16, 17).
  CHECK(read_into_replica() == std::vector<std::uint64_t>{2, 16, 17});
  CHECK(replica_state() == state);
  // Same state, nothing written: nothing to send.
  CHECK(read_into_replica().empty());
  // A change in the state's second page sends that page only.
  state[kPage + 50] = 9;
  CHECK(read_into_replica() == std::vector<std::uint64_t>{17});
  CHECK(replica_state() == state);
  // A shorter state rewrites the length (page 16) and clears the bytes it no longer has (17).
  state.resize(10);
  CHECK(read_into_replica() == std::vector<std::uint64_t>{16, 17});
  CHECK(replica_state() == state);
  CHECK(captures == 4);
  CHECK_FALSE(stopped);

  // A state larger than its region is an error, and the guest is not left stopped.
  state.assign(4 * kPage, 1);
  CHECK_THROWS_AS(guest.read_dirty_pages(), std::length_error);
  CHECK_FALSE(stopped);
  // A region whose length does not fit it is refused.
  std::vector<std::uint8_t> torn(kPage, 0xFF);
  CHECK_THROWS_AS(read_device_state(torn), std::length_error);
}

TEST_CASE("a replica writer in two parts puts RAM pages in the first and the rest in the second") {
  std::vector<std::uint8_t> ram(4 * kPage, 0);
  std::vector<std::uint8_t> region(2 * kPage, 0);
  ReplicaWriter writer(ram, region);
  const auto chunk_of = [](std::uint64_t epoch, std::vector<std::uint64_t> pages) {
    mycelium::ram::EpochChunk fields;
    fields.epoch = epoch;
    fields.page_size_bytes = kPage;
    fields.pages = std::move(pages);
    return fields;
  };
  const auto message_of = [](const mycelium::ram::EpochChunk& chunk) {
    mycelium::Message message;
    message.payload = mycelium::ram::encode(chunk);
    message.bulk_bytes = chunk.data_bytes();
    return message;
  };
  // Pages 1 and 3 are RAM, 4 and 5 the region after it; page i's bytes are all i + 1.
  const auto chunk = chunk_of(1, {1, 3, 4, 5});
  std::vector<std::uint8_t> bulk;
  for (const std::uint64_t page : chunk.pages)
    bulk.insert(bulk.end(), kPage, static_cast<std::uint8_t>(page + 1));
  REQUIRE(writer.sink()(message_of(chunk), bulk));
  writer.apply(chunk);
  CHECK(ram[1 * kPage] == 2);
  CHECK(ram[3 * kPage + kPage - 1] == 4);
  CHECK(ram[0] == 0);
  CHECK(region[0] == 5);
  CHECK(region[kPage + 7] == 6);
  CHECK(writer.pages_written() == 4);
  // A page past both parts is refused, as one past a single replica is.
  const auto outside = chunk_of(2, {6});
  const std::vector<std::uint8_t> one_page(kPage, 9);
  CHECK_FALSE(writer.sink()(message_of(outside), one_page));
  CHECK(writer.refused_chunks() == 1);
}
