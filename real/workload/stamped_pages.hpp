#pragma once
// The demo workload's memory format (docs/real-runtime.md, "Demo workload"), so that any copy of
// its memory (a replica, a restored image) can be checked for consistency without the writer:
//
//   page 0        header: magic, page size, page count, the sequence number of the last write
//                 that completed (written after the page it stamps)
//   page p >= 1   never written (all zero), or a stamp: magic, p, sequence number s, then a
//                 pattern that is a function of (p, s) filling the rest of the page
//
// Sequence numbers grow by one per page write. A consistent image: every page is zero or a
// whole stamp of itself (no torn or misplaced page), and no page is newer than the header says.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include <core/env/random_stream.hpp>

namespace mycelium::real {

inline constexpr std::uint64_t kStampMagic = 0x4D59434C53544D50;   // "MYCLSTMP"
inline constexpr std::uint64_t kHeaderMagic = 0x4D59434C48454144;  // "MYCLHEAD"

void write_stamp(std::span<std::uint8_t> page, std::uint64_t page_index, std::uint64_t sequence);
// The stamp's sequence number; 0 for a page never written; nullopt for anything else (torn,
// misplaced, corrupt).
std::optional<std::uint64_t> read_stamp(std::span<const std::uint8_t> page,
                                        std::uint64_t page_index);

struct ImageCheck {
  bool header_ok = false;
  std::uint64_t header_sequence = 0;  // the last write the image claims complete
  std::uint64_t newest_page_sequence = 0;
  std::uint64_t pages_written = 0;
  std::uint64_t bad_pages = 0;  // torn, misplaced or corrupt
  // Every page whole, none newer than the header.
  bool consistent() const {
    return header_ok && bad_pages == 0 && newest_page_sequence <= header_sequence;
  }
};
ImageCheck check_image(std::span<const std::uint8_t> memory, std::uint64_t page_bytes);

// Writes stamped pages into `memory` (at least 2 pages): each write picks a random page >= 1,
// stamps it with the next sequence number, then records that number in the header.
class DemoWorkload {
 public:
  DemoWorkload(std::span<std::uint8_t> memory, std::uint64_t page_bytes, std::uint64_t seed);

  // Writes `count` pages; returns the sequence number of the last one.
  std::uint64_t write(std::uint64_t count);
  std::uint64_t sequence() const { return sequence_; }

  // Called after each write with the page and its sequence number (tests keep a log to know
  // what any snapshot must hold).
  std::function<void(std::uint64_t page, std::uint64_t sequence)> on_write;

 private:
  std::span<std::uint8_t> memory_;
  std::uint64_t page_bytes_;
  std::uint64_t page_count_;
  RandomStream random_;
  std::uint64_t sequence_ = 0;
};

}  // namespace mycelium::real
