#include <algorithm>
#include <cstring>

#include <core/assert.hpp>
#include <real/replication/guest_pages.hpp>

namespace mycelium::real {

namespace {

// The chunk a replication message carries, if it is one whose pages all fit in `memory_bytes`.
std::optional<ram::EpochChunk> chunk_within(const Message& message, std::uint64_t memory_bytes) {
  ram::DecodeResult decoded = ram::decode_replication_message(message.payload);
  if (!decoded.message) return std::nullopt;
  auto* chunk = std::get_if<ram::EpochChunk>(&*decoded.message);
  if (chunk == nullptr || chunk->data_bytes() != message.bulk_bytes) return std::nullopt;
  const std::uint64_t pages_in_memory = memory_bytes / chunk->page_size_bytes;
  if (!chunk->pages.empty() && chunk->pages.back() >= pages_in_memory) return std::nullopt;
  return std::move(*chunk);
}

}  // namespace

BulkSink ReplicaWriter::sink() {
  return [this](const Message& message, std::span<const std::uint8_t> bulk) {
    return stage(message, bulk);
  };
}

BulkDestination ReplicaWriter::destination() {
  return [this](const Message& message) { return prepare(message); };
}

std::span<std::uint8_t> ReplicaWriter::prepare(const Message& message) {
  const std::optional<ram::EpochChunk> chunk = chunk_within(message, replica_bytes());
  // Anything else (malformed, written already, over the bound) goes through the lane's buffer
  // to stage(), which refuses or acknowledges it as before.
  if (!chunk || chunk->epoch <= applied_through_ || chunk->pages.empty()) return {};
  const auto key = std::pair{chunk->epoch, chunk->chunk_index};
  const auto found = staged_.find(key);
  if (found != staged_.end()) {
    // Complete: a retransmission, nothing to keep. Incomplete: its first copy broke off with its
    // connection; this one is read over it.
    return found->second.complete ? std::span<std::uint8_t>{} : std::span(found->second.bytes);
  }
  if (staged_bytes_ + message.bulk_bytes > kMaxStagedBytes) return {};
  Staged& staged = staged_[key];
  staged.bytes.resize(message.bulk_bytes);
  staged_bytes_ += message.bulk_bytes;
  return staged.bytes;
}

bool ReplicaWriter::stage(const Message& message, std::span<const std::uint8_t> bulk) {
  const std::optional<ram::EpochChunk> chunk = chunk_within(message, replica_bytes());
  if (!chunk || bulk.size() != chunk->data_bytes()) {
    ++refused_chunks_;
    return false;
  }
  // A retransmission of a chunk already written: the backup acknowledges it again, there is
  // nothing to keep.
  if (chunk->epoch <= applied_through_) return true;
  const auto key = std::pair{chunk->epoch, chunk->chunk_index};
  const auto found = staged_.find(key);
  if (found != staged_.end()) {
    // Read straight into its staging (prepare()), or arrived whole in the lane's buffer after a
    // first copy broke off: it is complete now. Complete already: a retransmission, nothing to
    // keep.
    Staged& staged = found->second;
    if (!staged.complete && bulk.data() != staged.bytes.data())
      std::copy(bulk.begin(), bulk.end(), staged.bytes.begin());
    staged.complete = true;
    return true;
  }
  if (staged_bytes_ + bulk.size() > kMaxStagedBytes) {
    ++refused_chunks_;
    return false;
  }
  staged_.emplace(key, Staged{std::vector<std::uint8_t>(bulk.begin(), bulk.end()), true});
  staged_bytes_ += bulk.size();
  return true;
}

std::uint8_t* ReplicaWriter::page_at(std::uint64_t page, std::uint64_t page_bytes) const {
  const std::uint64_t offset = page * page_bytes;
  if (offset < replica_.size()) {
    MYCELIUM_ASSERT(offset + page_bytes <= replica_.size());  // memory holds whole pages
    return replica_.data() + offset;
  }
  MYCELIUM_ASSERT(offset - replica_.size() + page_bytes <= after_.size());
  return after_.data() + (offset - replica_.size());
}

void ReplicaWriter::apply(const ram::EpochChunk& chunk) {
  const auto it = staged_.find(std::pair{chunk.epoch, chunk.chunk_index});
  // The backup applies only chunks it received, and each arrived with its bulk: a chunk without
  // staged pages would leave the replica behind the epoch it claims.
  MYCELIUM_ASSERT(it != staged_.end() || chunk.pages.empty());
  if (it == staged_.end()) {
    applied_through_ = std::max(applied_through_, chunk.epoch);
    return;
  }
  MYCELIUM_ASSERT(it->second.complete);
  const std::vector<std::uint8_t>& bytes = it->second.bytes;
  MYCELIUM_ASSERT(bytes.size() == chunk.data_bytes());
  const std::uint64_t page_bytes = chunk.page_size_bytes;
  for (std::size_t i = 0; i < chunk.pages.size(); ++i) {
    std::memcpy(page_at(chunk.pages[i], page_bytes), bytes.data() + i * page_bytes, page_bytes);
  }
  pages_written_ += chunk.pages.size();
  applied_through_ = std::max(applied_through_, chunk.epoch);
  staged_bytes_ -= bytes.size();
  staged_.erase(it);
}

}  // namespace mycelium::real
