#include <atomic>
#include <cstring>

#include <core/assert.hpp>
#include <real/workload/stamped_pages.hpp>

namespace mycelium::real {

namespace {

constexpr std::size_t kWord = sizeof(std::uint64_t);

std::uint64_t load(std::span<const std::uint8_t> bytes, std::size_t word) {
  std::uint64_t value = 0;
  std::memcpy(&value, bytes.data() + word * kWord, kWord);
  return value;
}

void store(std::span<std::uint8_t> bytes, std::size_t word, std::uint64_t value) {
  std::memcpy(bytes.data() + word * kWord, &value, kWord);
}

// Word i of the pattern of page p at sequence s (splitmix64 of the three).
std::uint64_t pattern(std::uint64_t page, std::uint64_t sequence, std::uint64_t word) {
  std::uint64_t x = page * 0x9E3779B97F4A7C15ULL ^ sequence * 0xBF58476D1CE4E5B9ULL ^ word;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

void write_stamp(std::span<std::uint8_t> page, std::uint64_t page_index, std::uint64_t sequence) {
  MYCELIUM_ASSERT(page.size() >= 4 * kWord && page.size() % kWord == 0 && sequence > 0);
  store(page, 0, kStampMagic);
  store(page, 1, page_index);
  store(page, 2, sequence);
  for (std::size_t word = 3; word < page.size() / kWord; ++word)
    store(page, word, pattern(page_index, sequence, word));
}

std::optional<std::uint64_t> read_stamp(std::span<const std::uint8_t> page,
                                        std::uint64_t page_index) {
  if (load(page, 0) == 0 && load(page, 1) == 0 && load(page, 2) == 0) {
    for (std::size_t word = 3; word < page.size() / kWord; ++word) {
      if (load(page, word) != 0) return std::nullopt;
    }
    return 0;  // never written
  }
  if (load(page, 0) != kStampMagic || load(page, 1) != page_index) return std::nullopt;
  const std::uint64_t sequence = load(page, 2);
  if (sequence == 0) return std::nullopt;
  for (std::size_t word = 3; word < page.size() / kWord; ++word) {
    if (load(page, word) != pattern(page_index, sequence, word)) return std::nullopt;
  }
  return sequence;
}

ImageCheck check_image(std::span<const std::uint8_t> memory, std::uint64_t page_bytes) {
  ImageCheck check;
  if (page_bytes < 4 * kWord || memory.size() < 2 * page_bytes || memory.size() % page_bytes != 0)
    return check;
  const std::span<const std::uint8_t> header = memory.first(page_bytes);
  check.header_ok = load(header, 0) == kHeaderMagic && load(header, 1) == page_bytes &&
                    load(header, 2) == memory.size() / page_bytes;
  check.header_sequence = load(header, 3);
  for (std::uint64_t page = 1; page < memory.size() / page_bytes; ++page) {
    const auto sequence = read_stamp(memory.subspan(page * page_bytes, page_bytes), page);
    if (!sequence) {
      ++check.bad_pages;
    } else if (*sequence > 0) {
      ++check.pages_written;
      check.newest_page_sequence = std::max(check.newest_page_sequence, *sequence);
    }
  }
  return check;
}

DemoWorkload::DemoWorkload(std::span<std::uint8_t> memory, std::uint64_t page_bytes,
                           std::uint64_t seed)
    : memory_(memory),
      page_bytes_(page_bytes),
      page_count_(memory.size() / page_bytes),
      random_(seed) {
  MYCELIUM_ASSERT(page_bytes_ >= 4 * kWord && page_bytes_ % kWord == 0);
  MYCELIUM_ASSERT(page_count_ >= 2 && memory_.size() % page_bytes_ == 0);
  const std::span<std::uint8_t> header = memory_.first(page_bytes_);
  // Resumes from an image it wrote before (a restored replica), else starts one.
  if (load(header, 0) == kHeaderMagic && load(header, 1) == page_bytes_ &&
      load(header, 2) == page_count_) {
    sequence_ = load(header, 3);
  } else {
    store(header, 0, kHeaderMagic);
    store(header, 1, page_bytes_);
    store(header, 2, page_count_);
    store(header, 3, 0);
  }
}

std::uint64_t DemoWorkload::write(std::uint64_t count) {
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t page = random_.uniform_int(1, page_count_ - 1);
    ++sequence_;
    write_stamp(memory_.subspan(page * page_bytes_, page_bytes_), page, sequence_);
    // The page before the header: a reader that sees header sequence s finds every write up to
    // s complete (on this machine's memory model, with the fence).
    std::atomic_thread_fence(std::memory_order_release);
    store(memory_.first(page_bytes_), 3, sequence_);
    if (on_write) on_write(page, sequence_);
  }
  return sequence_;
}

}  // namespace mycelium::real
