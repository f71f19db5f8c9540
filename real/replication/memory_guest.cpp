#include <algorithm>
#include <cstring>

#include <core/assert.hpp>
#include <core/ram/replication_messages.hpp>
#include <real/replication/memory_guest.hpp>

namespace mycelium::real {

MemoryGuest::MemoryGuest(std::span<const std::uint8_t> memory, std::uint64_t page_bytes)
    : memory_(memory), page_bytes_(page_bytes), tracker_(memory, page_bytes) {}

void MemoryGuest::set_throttle_intensity(double intensity) {
  MYCELIUM_ASSERT(intensity >= 0.0 && intensity <= 1.0);
  intensity_ = intensity;
  if (on_throttle) on_throttle(intensity);
}

void MemoryGuest::pause() {
  if (paused_) return;
  paused_ = true;
  if (on_pause) on_pause(true);
}

void MemoryGuest::resume() {
  if (!paused_) return;
  paused_ = false;
  if (on_pause) on_pause(false);
}

DirtyPages MemoryGuest::read_dirty_pages() {
  if (on_read_window) on_read_window(true);
  DirtyPages dirty{page_bytes_, tracker_.scan()};
  for (const std::uint64_t page : dirty.pages) {
    const std::uint8_t* contents = memory_.data() + page * page_bytes_;
    auto [it, added] = read_copies_.try_emplace(page);
    if (added) copied_bytes_ += page_bytes_;
    it->second.assign(contents, contents + page_bytes_);
  }
  if (on_read_window) on_read_window(false);
  return dirty;
}

void MemoryGuest::capture_epoch(std::uint64_t epoch, std::span<const std::uint64_t> pages) {
  MYCELIUM_ASSERT(!epochs_.contains(epoch));
  auto copy = std::make_shared<EpochCopy>();
  copy->pages.assign(pages.begin(), pages.end());
  copy->bytes.resize(pages.size() * page_bytes_);
  for (std::size_t i = 0; i < pages.size(); ++i) {
    std::uint8_t* out = copy->bytes.data() + i * page_bytes_;
    const auto read = read_copies_.find(pages[i]);
    if (read != read_copies_.end()) {
      std::memcpy(out, read->second.data(), page_bytes_);
      read_copies_.erase(read);
      copied_bytes_ -= page_bytes_;
    } else {
      // Not read since its last epoch: a best-effort resync of a discarded page, which carries
      // no snapshot promise (its epoch is marked unrestorable). Its contents as they are now.
      std::memcpy(out, memory_.data() + pages[i] * page_bytes_, page_bytes_);
    }
  }
  copied_bytes_ += copy->bytes.size();
  epochs_.emplace(epoch, std::move(copy));
}

void MemoryGuest::release_epoch(std::uint64_t epoch) {
  const auto it = epochs_.find(epoch);
  if (it == epochs_.end()) return;
  copied_bytes_ -= it->second->bytes.size();
  epochs_.erase(it);  // a lane still writing a chunk of it keeps its own share
}

BulkSource MemoryGuest::source() {
  return [this](const Message& message, Bulk& bulk) { return lend_chunk(message, bulk); };
}

bool MemoryGuest::lend_chunk(const Message& message, Bulk& bulk) const {
  const ram::DecodeResult decoded = ram::decode_replication_message(message.payload);
  if (!decoded.message) return false;
  const auto* chunk = std::get_if<ram::EpochChunk>(&*decoded.message);
  if (chunk == nullptr || chunk->page_size_bytes != page_bytes_) return false;
  const auto epoch = epochs_.find(chunk->epoch);
  if (epoch == epochs_.end()) return false;  // released: nobody needs it any more
  const std::shared_ptr<const EpochCopy>& copy = epoch->second;
  if (chunk->pages.empty()) {
    bulk = Bulk{{}, copy};
    return true;
  }
  // A chunk is a contiguous slice of its epoch's sorted pages, so its bytes are contiguous in
  // the copy: find where it starts, check it is that slice, and lend it.
  const auto first = std::lower_bound(copy->pages.begin(), copy->pages.end(), chunk->pages[0]);
  const auto start = static_cast<std::size_t>(first - copy->pages.begin());
  if (copy->pages.size() - start < chunk->pages.size() ||
      !std::equal(chunk->pages.begin(), chunk->pages.end(), first))
    return false;
  bulk = Bulk{std::span<const std::uint8_t>(copy->bytes)
                  .subspan(start * page_bytes_, chunk->pages.size() * page_bytes_),
              copy};
  return true;
}

}  // namespace mycelium::real
