#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

#include <core/assert.hpp>
#include <core/ram/replication_messages.hpp>
#include <real/replication/memory_guest.hpp>

namespace mycelium::real {

MemoryGuest::MemoryGuest(std::span<const std::uint8_t> memory, std::uint64_t page_bytes,
                         ScanDiffTracker::Baseline baseline)
    : memory_(memory), page_bytes_(page_bytes), tracker_(memory, page_bytes, baseline) {}

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

namespace {
constexpr std::size_t kDeviceStateLengthBytes = 8;
}  // namespace

void MemoryGuest::replicate_device_state(std::uint64_t region_bytes,
                                         std::function<std::vector<std::uint8_t>()> capture) {
  MYCELIUM_ASSERT(region_bytes > kDeviceStateLengthBytes && region_bytes % page_bytes_ == 0);
  MYCELIUM_ASSERT(capture != nullptr);
  // Zeros, as the replica's region starts: the first read sends every page the state fills.
  device_region_.assign(region_bytes, 0);
  capture_device_state_ = std::move(capture);
}

const std::uint8_t* MemoryGuest::page_now(std::uint64_t page) const {
  const std::uint64_t offset = page * page_bytes_;
  if (offset < memory_.size()) return memory_.data() + offset;
  MYCELIUM_ASSERT(offset - memory_.size() < device_region_.size());
  return device_region_.data() + (offset - memory_.size());
}

void MemoryGuest::read_device_state_pages(std::vector<std::uint64_t>& dirty) {
  const std::vector<std::uint8_t> state = capture_device_state_();
  if (state.size() > device_region_.size() - kDeviceStateLengthBytes) {
    throw std::length_error("device state of " + std::to_string(state.size()) +
                            " bytes does not fit its region of " +
                            std::to_string(device_region_.size()) + " bytes");
  }
  std::vector<std::uint8_t> region(device_region_.size(), 0);
  for (std::size_t i = 0; i < kDeviceStateLengthBytes; ++i)
    region[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(state.size()) >> (8 * i));
  std::copy(state.begin(), state.end(), region.begin() + kDeviceStateLengthBytes);
  const std::uint64_t first_page = memory_.size() / page_bytes_;
  for (std::uint64_t i = 0; i < region.size() / page_bytes_; ++i) {
    const auto offset = static_cast<std::ptrdiff_t>(i * page_bytes_);
    const auto page_size = static_cast<std::ptrdiff_t>(page_bytes_);
    if (!std::equal(region.begin() + offset, region.begin() + offset + page_size,
                    device_region_.begin() + offset))
      dirty.push_back(first_page + i);  // after every RAM page: the list stays sorted
  }
  device_region_ = std::move(region);
}

DirtyPages MemoryGuest::read_dirty_pages() {
  // The read's cost includes the hold around it (a libvirt suspend and resume for a VM).
  const auto started = std::chrono::steady_clock::now();
  if (on_read_window) on_read_window(true);
  DirtyPages dirty{page_bytes_, tracker_.scan()};
  if (capture_device_state_) {
    try {
      read_device_state_pages(dirty.pages);
    } catch (...) {
      if (on_read_window) on_read_window(false);  // never leave the guest stopped
      throw;
    }
  }
  for (const std::uint64_t page : dirty.pages) {
    const std::uint8_t* contents = page_now(page);
    auto [it, added] = read_copies_.try_emplace(page);
    if (added) copied_bytes_ += page_bytes_;
    it->second.assign(contents, contents + page_bytes_);
  }
  if (on_read_window) on_read_window(false);
  dirty.read_cost =
      std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - started);
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
      std::memcpy(out, page_now(pages[i]), page_bytes_);
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

std::vector<std::uint8_t> read_device_state(std::span<const std::uint8_t> region) {
  if (region.size() < kDeviceStateLengthBytes)
    throw std::length_error("device-state region of " + std::to_string(region.size()) + " bytes");
  std::uint64_t length = 0;
  for (std::size_t i = 0; i < kDeviceStateLengthBytes; ++i)
    length |= static_cast<std::uint64_t>(region[i]) << (8 * i);
  if (length > region.size() - kDeviceStateLengthBytes) {
    throw std::length_error("device-state length " + std::to_string(length) +
                            " does not fit its region of " + std::to_string(region.size()) +
                            " bytes");
  }
  const auto start = region.begin() + kDeviceStateLengthBytes;
  return {start, start + static_cast<std::ptrdiff_t>(length)};
}

}  // namespace mycelium::real
