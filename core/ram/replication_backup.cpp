#include <algorithm>

#include <core/assert.hpp>
#include <core/ram/replication_backup.hpp>

namespace mycelium::ram {

ReplicationBackup::ReplicationBackup(Environment& env, NodeId primary, std::uint32_t stream)
    : env_(env), primary_(primary), stream_(stream) {
  MYCELIUM_ASSERT(primary_.valid() && primary_ != env_.self());
  env_.bind(kReplicationPort, [this](const Message& message) { on_message(message); });
}

ReplicationBackup::~ReplicationBackup() {
  stop();
}

void ReplicationBackup::stop() {
  if (stopped_) return;
  stopped_ = true;
  env_.unbind(kReplicationPort);
}

void ReplicationBackup::on_message(const Message& message) {
  DecodeResult decoded = decode_replication_message(message.payload);
  if (!decoded.message) {
    env_.metrics().add_counter("replication_messages_malformed_total", 1);
    return;
  }
  if (message.from != primary_) {
    env_.metrics().add_counter("replication_messages_unexpected_total", 1);
    return;
  }
  if (const auto* heartbeat = std::get_if<PrimaryHeartbeat>(&*decoded.message);
      heartbeat != nullptr && heartbeat->stream == stream_) {
    silences_.heard(env_.now());
    primary_last_committed_ = std::max(primary_last_committed_, heartbeat->last_committed);
    // Answer with our progress (epoch 0 names no chunk): the primary's failure detector hears
    // from us even while a large chunk is still crossing a slow link.
    send_ack(0, 0);
    return;
  }
  const EpochChunk* chunk = std::get_if<EpochChunk>(&*decoded.message);
  if (chunk == nullptr || chunk->stream != stream_ || message.bulk_bytes != chunk->data_bytes()) {
    env_.metrics().add_counter("replication_messages_unexpected_total", 1);
    return;
  }
  silences_.heard(env_.now());
  on_chunk(*chunk);
}

void ReplicationBackup::on_chunk(const EpochChunk& chunk) {
  if (chunk.epoch <= applied_through_) {
    acknowledge(chunk);  // our acknowledgement was lost or late: say it again
    return;
  }
  if (chunk.epoch > applied_through_ + kMaxEpochsAhead) {
    env_.metrics().add_counter("replication_chunks_refused_total", 1);
    return;
  }
  Assembly& assembly = pending_[chunk.epoch];
  if (assembly.chunk_count == 0) {
    assembly.chunk_count = chunk.chunk_count;
    assembly.have.assign(chunk.chunk_count, false);
    assembly.restorable = chunk.restorable;
    assembly.snapshot_time = chunk.snapshot_time;
  } else if (assembly.chunk_count != chunk.chunk_count ||
             assembly.snapshot_time != chunk.snapshot_time) {
    // The primary never re-splits an epoch: this chunk contradicts the ones we hold.
    env_.metrics().add_counter("replication_chunks_refused_total", 1);
    return;
  }
  if (!assembly.have[chunk.chunk_index]) {
    assembly.have[chunk.chunk_index] = true;
    ++assembly.received;
    bytes_received_ += chunk.data_bytes();
    env_.metrics().add_counter("replication_bytes_received_total",
                               static_cast<std::int64_t>(chunk.data_bytes()));
    if (apply_) assembly.chunks.push_back(chunk);
  }
  apply_ready_epochs();
  acknowledge(chunk);  // after applying, so applied_through is current
}

void ReplicationBackup::apply_ready_epochs() {
  while (!pending_.empty()) {
    auto it = pending_.begin();
    if (it->first != applied_through_ + 1 || it->second.received < it->second.chunk_count) return;
    applied_through_ = it->first;
    if (apply_) {
      for (const EpochChunk& chunk : it->second.chunks)
        apply_(chunk);
    }
    if (it->second.restorable) restore_point_ = {it->first, it->second.snapshot_time};
    pending_.erase(it);
    env_.metrics().add_counter("replication_epochs_applied_total", 1);
  }
}

void ReplicationBackup::acknowledge(const EpochChunk& chunk) {
  send_ack(chunk.epoch, chunk.chunk_index);
}

void ReplicationBackup::send_ack(std::uint64_t epoch, std::uint16_t chunk_index) {
  ChunkAck ack;
  ack.stream = stream_;
  ack.epoch = epoch;
  ack.chunk_index = chunk_index;
  ack.applied_through = applied_through_;
  send_payload(env_, primary_, kReplicationPort, encode(ack));
}

}  // namespace mycelium::ram
