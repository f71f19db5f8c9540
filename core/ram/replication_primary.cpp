#include <algorithm>
#include <cmath>

#include <core/assert.hpp>
#include <core/ram/replication_primary.hpp>

namespace mycelium::ram {

namespace {

// Epoch snapshots remembered for RPO accounting (about 17 minutes at 1 ms epochs).
constexpr std::size_t kDirtiedHistoryEpochs = 1 << 20;
// Distinct slices of the newest epoch kept encoded for reuse: enough for every backup's split
// when they agree (the usual case), bounded when they do not.
constexpr std::size_t kMaxEncodedSlices = 64;

}  // namespace

std::string validate(const PrimaryConfig& config, const VmActuator* vm) {
  if (vm == nullptr) return "the primary's node protects no guest (no VM attached)";
  if (config.backups.empty()) return "no backup nodes";
  if (config.connections_per_backup == 0 || config.connections_per_backup > rhizo::kMaxConnections)
    return "connections per backup must be between 1 and " + std::to_string(rhizo::kMaxConnections);
  if (config.max_epochs_in_flight == 0) return "max epochs in flight must be at least 1";
  if (config.page_size_bytes == 0 || config.page_size_bytes > kMaxPageSizeBytes ||
      (config.page_size_bytes & (config.page_size_bytes - 1)) != 0)
    return "page size must be a power of two up to 1 GiB";
  if (vm->memory_bytes() < config.page_size_bytes || vm->memory_bytes() % config.page_size_bytes)
    return "guest memory is not a whole number of pages";
  if (config.ram.buffer_bytes < config.page_size_bytes) return "buffer smaller than one page";
  if (config.ram.replication_interval < std::chrono::milliseconds(1) ||
      config.ram.replication_interval > std::chrono::milliseconds(1000))
    return "replication interval must be between 1 ms and 1000 ms";
  if (config.initial_rate_bytes_per_s <= 0.0) return "initial rate must be positive";
  if (config.heartbeat_interval <= Duration::zero()) return "heartbeat interval must be positive";
  if (config.backup_failure_timeout <= Duration::zero())
    return "backup failure timeout must be positive";
  for (std::size_t i = 0; i < config.backups.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (config.backups[i] == config.backups[j]) return "a backup node is listed twice";
    }
  }
  return {};
}

ReplicationPrimary::ReplicationPrimary(Environment& env, PrimaryConfig config)
    : env_(env),
      vm_(*env.vm()),
      config_(std::move(config)),
      buffer_(config_.ram.buffer_bytes, config_.page_size_bytes,
              vm_.memory_bytes() / config_.page_size_bytes, config_.backups.size()),
      policy_(make_throttle_policy(config_.ram)) {
  MYCELIUM_ASSERT(validate(config_, env.vm()).empty());
  rhizo::ConnectionSetConfig connections = rhizo::connection_set_config(
      manifest::RhizomorphConfig{config_.connections_per_backup, config_.load_balancing});
  for (NodeId node : config_.backups) {
    MYCELIUM_ASSERT(node != env_.self());
    backups_.push_back(BackupState{node, true, 0, rhizo::ConnectionSet(connections),
                                   std::vector<std::uint64_t>(connections.target_count, 0),
                                   env_.now()});
  }
  previous_tick_ = env_.now();
  env_.bind(kReplicationPort, [this](const Message& message) { on_message(message); });
  tick_timer_ = env_.schedule_periodic(config_.ram.replication_interval, [this] { on_tick(); });
  heartbeat_timer_ =
      env_.schedule_periodic(config_.heartbeat_interval, [this] { send_heartbeats(); });
  // One at once, before the first read of the guest: a backup measures how long a live primary
  // goes quiet (SilenceTracker), and the first read's silence counts only if something came
  // before it (a real read of a large guest takes seconds).
  send_heartbeats();
}

void ReplicationPrimary::send_heartbeats() {
  PrimaryHeartbeat heartbeat;
  heartbeat.stream = config_.stream;
  heartbeat.last_launched = buffer_.last_launched();
  heartbeat.last_committed = buffer_.last_committed();
  send_to_live_backups(kReplicationPort, 0, encode(heartbeat));
}

void ReplicationPrimary::send_to_live_backups(Port port, std::uint16_t lane,
                                              const std::vector<std::uint8_t>& payload) {
  for (const BackupState& backup : backups_) {
    if (!backup.live) continue;
    Message message;
    message.to = backup.node;
    message.port = port;
    message.lane = lane;
    message.payload = payload;
    env_.send(std::move(message));
  }
}

ReplicationPrimary::~ReplicationPrimary() {
  stop();
}

void ReplicationPrimary::stop() {
  if (stopped_) return;
  stopped_ = true;
  env_.cancel_timer(tick_timer_);
  env_.cancel_timer(heartbeat_timer_);
  for (auto& [key, chunk] : chunks_)
    env_.cancel_timer(chunk.retransmit_timer);
  chunks_.clear();
  env_.unbind(kReplicationPort);
}

std::string ReplicationPrimary::reconfigure(const manifest::DistributedRamConfig& ram) {
  if (stopped_) return "replication has stopped";
  if (migration_) return "a migration is running";
  PrimaryConfig candidate = config_;
  candidate.ram = ram;
  if (std::string problem = validate(candidate, &vm_); !problem.empty()) return problem;
  if (ram == config_.ram) return {};
  const bool new_interval = ram.replication_interval != config_.ram.replication_interval;
  config_.ram = ram;
  buffer_.set_capacity(ram.buffer_bytes);
  policy_ = make_throttle_policy(config_.ram);
  if (new_interval) {
    env_.cancel_timer(tick_timer_);
    tick_timer_ = env_.schedule_periodic(config_.ram.replication_interval, [this] { on_tick(); });
  }
  if (!config_.ram.emergency_pause_enabled && paused_) {
    vm_.resume();  // best effort from now on: the next tick discards instead
    paused_ = false;
  }
  env_.metrics().add_counter("replication_reconfigurations_total", 1);
  return {};
}

Duration ReplicationPrimary::recent_read_cost(double quantile) const {
  MYCELIUM_ASSERT(quantile > 0.0 && quantile <= 1.0);
  if (recent_reads_.empty()) return Duration::zero();
  std::vector<Duration> reads(recent_reads_.begin(), recent_reads_.end());  // at most 32
  const auto rank =
      static_cast<std::size_t>(std::ceil(quantile * static_cast<double>(reads.size())));
  const auto nth = reads.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(reads.begin(), nth, reads.end());
  return *nth;
}

void ReplicationPrimary::on_tick() {
  const TimePoint now = env_.now();
  detect_failed_backups(now);
  DirtyPages dirty = vm_.read_dirty_pages();
  MYCELIUM_ASSERT(dirty.read_cost >= Duration::zero());
  recent_reads_.push_back(dirty.read_cost);
  if (recent_reads_.size() > kReadCostWindow) recent_reads_.pop_front();
  MYCELIUM_ASSERT(dirty.page_size_bytes == config_.page_size_bytes);
  const std::uint64_t dirty_bytes = dirty.bytes();
  const bool best_effort = !config_.ram.emergency_pause_enabled;
  MetricsSink& metrics = env_.metrics();

  if (best_effort) {
    const std::uint64_t requeued = buffer_.requeue_stale_that_fit(previous_tick_);
    if (requeued > 0)
      metrics.add_counter("replication_resync_bytes_total", static_cast<std::int64_t>(requeued));
  }
  buffer_.queue_dirty(std::move(dirty.pages), previous_tick_);
  dirtied_bytes_total_ += dirty_bytes;
  if (best_effort) {
    const std::uint64_t discarded = buffer_.discard_oldest_to_fit();
    if (discarded > 0) {
      metrics.add_counter("replication_discarded_bytes_total",
                          static_cast<std::int64_t>(discarded));
    }
  }
  // The epoch's real length: the configured interval, except right after a reconfiguration.
  const Duration epoch_length =
      now > previous_tick_ ? now - previous_tick_ : config_.ram.replication_interval;
  previous_tick_ = now;
  try_launch(true);

  const EpochObservation observation{std::min(1.0, buffer_.level()), dirty_bytes,
                                     sent_bytes_since_tick_, epoch_length};
  intensity_ = policy_->next_intensity(observation);
  if (migration_ && migration_->phase == MigrationPhase::kConverging) {
    intensity_ = std::max(intensity_, migration_->intensity);
  }
  MYCELIUM_ASSERT(intensity_ >= 0.0 && intensity_ <= config_.ram.max_intensity);
  vm_.set_throttle_intensity(intensity_);
  update_pause();
  if (migration_) migration_tick();
  if (stopped_) return;  // the migration completed: the guest is the target's now

  const double length_s = to_seconds(epoch_length);
  const std::optional<TimePoint> oldest = buffer_.oldest_uncommitted_write();
  metrics.record("replication_buffer_level_ratio", now, buffer_.level());
  metrics.record("throttle_intensity_ratio", now, intensity_);
  metrics.record("replication_lag_bytes", now, static_cast<double>(buffer_.uncommitted_bytes()));
  metrics.record("replication_lag_ms", now, oldest ? to_seconds(now - *oldest) * 1e3 : 0.0);
  metrics.record("guest_dirty_rate_bytes_per_s", now, static_cast<double>(dirty_bytes) / length_s);
  metrics.record("replication_send_rate_bytes_per_s", now,
                 static_cast<double>(sent_bytes_since_tick_) / length_s);
  metrics.record("guest_paused", now, paused_ ? 1.0 : 0.0);
  metrics.record("replication_stale_bytes", now, static_cast<double>(buffer_.stale_bytes()));
  sent_bytes_since_tick_ = 0;
}

void ReplicationPrimary::try_launch(bool allow_empty) {
  if (stopped_) return;
  if (buffer_.queued_bytes() == 0 && !(allow_empty && buffer_.in_flight().empty())) return;
  // Launch when enough backups to commit have room in their window. A backup that lags behind
  // them still gets every epoch (pipelined past its window): the buffer holds the data for it,
  // so a slow backup shows up as buffer level, hence throttling, until it is declared failed.
  const std::uint32_t required = required_acks();
  std::uint32_t with_room = 0;
  for (std::size_t b = 0; b < backups_.size(); ++b) {
    if (backups_[b].live && buffer_.unacknowledged_by(b) < config_.max_epochs_in_flight)
      ++with_room;
  }
  if (required == 0 || with_room < required) return;
  // The queued pages were copied at the last read: that is the instant this epoch captures.
  const EpochRecord& epoch = buffer_.launch(previous_tick_);
  vm_.capture_epoch(epoch.id, epoch.pages);
  dirtied_at_epoch_.emplace_back(epoch.id, dirtied_bytes_total_);
  if (dirtied_at_epoch_.size() > kDirtiedHistoryEpochs) dirtied_at_epoch_.pop_front();
  env_.metrics().add_counter("replication_epochs_launched_total", 1);
  send_epoch(epoch);
}

void ReplicationPrimary::send_epoch(const EpochRecord& epoch) {
  const std::size_t page_count = epoch.pages.size();
  const TimePoint now = env_.now();
  for (std::size_t b = 0; b < backups_.size(); ++b) {
    BackupState& backup = backups_[b];
    if (!backup.live) continue;
    backup.connections.poll(now);  // connections whose backoff ran out are usable again
    std::vector<rhizo::Share> shares =
        backup.connections.split(page_count, config_.page_size_bytes);
    if (shares.empty()) {
      // Every connection is down: the whole epoch waits, as one chunk, for a reconnection.
      shares.push_back(rhizo::Share{0, page_count});
    }
    MYCELIUM_ASSERT(shares.size() <= kMaxChunksPerEpoch);
    const auto count = static_cast<std::uint16_t>(shares.size());
    std::size_t first_page = 0;
    for (std::uint16_t i = 0; i < count; ++i) {
      Chunk chunk;
      chunk.backup = b;
      chunk.epoch = epoch.id;
      chunk.index = i;
      chunk.count = count;
      chunk.first_page = first_page;
      chunk.end_page = first_page + shares[i].pages;
      first_page = chunk.end_page;
      const std::uint64_t key = chunk_key(b, epoch.id, chunk.index);
      Chunk& stored = chunks_.emplace(key, chunk).first->second;
      if (backup.connections.usable(shares[i].connection)) {
        stored.connection = shares[i].connection;
        transmit(stored);
      } else {
        transmit_on_best(stored);
      }
    }
    MYCELIUM_ASSERT(first_page == page_count);
  }
}

void ReplicationPrimary::transmit(Chunk& chunk) {
  MYCELIUM_ASSERT(chunk.connection.has_value());
  const EpochRecord* epoch = buffer_.find(chunk.epoch);
  MYCELIUM_ASSERT(epoch != nullptr);  // held until every live backup acknowledged it
  const std::uint64_t chunk_bytes = data_bytes(chunk);

  BackupState& backup = backups_[chunk.backup];
  Message message;
  message.to = backup.node;
  message.port = kReplicationPort;
  message.payload = encoded_payload(chunk, *epoch);
  message.bulk_bytes = chunk_bytes;
  message.lane = static_cast<std::uint16_t>(*chunk.connection);
  const std::uint64_t wire_bytes = message.wire_bytes();
  env_.send(std::move(message));

  chunk.sent_at = env_.now();
  ++chunk.transmissions;
  backup.connections.on_sent(*chunk.connection, chunk_bytes, chunk.sent_at);
  sent_bytes_since_tick_ += wire_bytes;
  env_.metrics().add_counter("replication_bytes_sent_total", static_cast<std::int64_t>(wire_bytes));

  // Time the bytes should take at what the connection has shown, plus a round trip; before any
  // measurement, the deliberately pessimistic initial rate.
  const rhizo::ConnectionStats& stats = backup.connections.stats(*chunk.connection);
  const double rate = stats.throughput_bytes_per_s().value_or(config_.initial_rate_bytes_per_s);
  const Duration expected = from_seconds(static_cast<double>(wire_bytes) / rate) +
                            2 * stats.smoothed_rtt().value_or(Duration::zero());
  schedule_retry(chunk, std::max(config_.min_retransmit_timeout, 3 * expected));
}

std::vector<std::uint8_t> ReplicationPrimary::encoded_payload(const Chunk& chunk,
                                                              const EpochRecord& epoch) {
  const bool newest = epoch.id == buffer_.last_launched();
  if (newest && encoded_epoch_ == epoch.id) {
    for (const EncodedSlice& slice : encoded_slices_) {
      if (slice.index == chunk.index && slice.count == chunk.count &&
          slice.first_page == chunk.first_page && slice.end_page == chunk.end_page)
        return slice.payload;
    }
  }
  EpochChunk body;
  body.stream = config_.stream;
  body.epoch = chunk.epoch;
  body.chunk_index = chunk.index;
  body.chunk_count = chunk.count;
  body.restorable = epoch.restorable;
  body.snapshot_time = epoch.snapshot_time;
  body.page_size_bytes = config_.page_size_bytes;
  const std::span<const std::uint64_t> pages(epoch.pages.data() + chunk.first_page,
                                             chunk.end_page - chunk.first_page);
  std::vector<std::uint8_t> payload = encode_chunk(body, pages);
  if (!newest) return payload;  // a retransmission of an older epoch: rare, not kept
  if (encoded_epoch_ != epoch.id) {
    encoded_epoch_ = epoch.id;
    encoded_slices_.clear();
  }
  if (encoded_slices_.size() < kMaxEncodedSlices)
    encoded_slices_.push_back(
        {chunk.index, chunk.count, chunk.first_page, chunk.end_page, payload});
  return payload;
}

void ReplicationPrimary::schedule_retry(Chunk& chunk, Duration delay) {
  const std::uint64_t key = chunk_key(chunk.backup, chunk.epoch, chunk.index);
  chunk.retransmit_timer = env_.schedule_once(delay, [this, key] { on_retransmit_timeout(key); });
}

void ReplicationPrimary::transmit_on_best(Chunk& chunk) {
  rhizo::ConnectionSet& connections = backups_[chunk.backup].connections;
  connections.poll(env_.now());
  chunk.connection = connections.best();
  if (chunk.connection) {
    transmit(chunk);
    return;
  }
  // Nothing usable: try again when the first connection is due back.
  const TimePoint retry_at = connections.next_reconnect_at().value_or(env_.now());
  schedule_retry(chunk, std::max(retry_at - env_.now(), config_.min_retransmit_timeout / 10));
}

void ReplicationPrimary::on_retransmit_timeout(std::uint64_t key) {
  const auto it = chunks_.find(key);
  if (it == chunks_.end()) return;
  Chunk& chunk = it->second;
  rhizo::ConnectionSet& connections = backups_[chunk.backup].connections;
  if (chunk.connection) {
    // No answer: the connection counts a timeout (enough of them fail it).
    if (connections.usable(*chunk.connection)) {
      const std::uint64_t bytes = data_bytes(chunk);
      connections.on_timeout(*chunk.connection, bytes, env_.now());
    }
    env_.metrics().add_counter("replication_chunks_retransmitted_total", 1);
  }
  transmit_on_best(chunk);
}

void ReplicationPrimary::connection_failed(NodeId node, std::uint32_t connection) {
  const std::optional<std::size_t> backup = backup_index(node);
  if (!backup || !backups_[*backup].live) return;
  rhizo::ConnectionSet& connections = backups_[*backup].connections;
  if (connection >= connections.size() || !connections.usable(connection)) return;
  connections.fail(connection, env_.now());
  env_.metrics().add_counter("rhizomorph_connections_failed_total", 1);
  // What it carried is lost with it: send those chunks again now, on the others.
  for (auto& [key, chunk] : chunks_) {
    if (chunk.backup != *backup || chunk.connection != connection) continue;
    env_.cancel_timer(chunk.retransmit_timer);
    env_.metrics().add_counter("replication_chunks_retransmitted_total", 1);
    transmit_on_best(chunk);
  }
}

std::uint64_t ReplicationPrimary::connection_acked_bytes(NodeId node,
                                                         std::uint32_t connection) const {
  const std::optional<std::size_t> backup = backup_index(node);
  MYCELIUM_ASSERT(backup.has_value() && connection < backups_[*backup].acked_bytes.size());
  return backups_[*backup].acked_bytes[connection];
}

const rhizo::ConnectionSet& ReplicationPrimary::connections(NodeId node) const {
  const std::optional<std::size_t> backup = backup_index(node);
  MYCELIUM_ASSERT(backup.has_value());
  return backups_[*backup].connections;
}

void ReplicationPrimary::on_message(const Message& message) {
  DecodeResult decoded = decode_replication_message(message.payload);
  if (!decoded.message) {
    env_.metrics().add_counter("replication_messages_malformed_total", 1);
    return;
  }
  const std::optional<std::size_t> backup = backup_index(message.from);
  const ChunkAck* ack = std::get_if<ChunkAck>(&*decoded.message);
  if (!backup || ack == nullptr || ack->stream != config_.stream) {
    env_.metrics().add_counter("replication_messages_unexpected_total", 1);
    return;
  }
  on_ack(*backup, *ack);
}

void ReplicationPrimary::detect_failed_backups(TimePoint now) {
  for (std::size_t b = 0; b < backups_.size(); ++b) {
    BackupState& backup = backups_[b];
    if (!backup.live) continue;
    if (buffer_.unacknowledged_by(b) == 0) {
      backup.last_heard = now;  // owes nothing: silence is no sign of failure
      continue;
    }
    if (now - backup.last_heard > config_.backup_failure_timeout) mark_backup_failed(backup.node);
  }
}

void ReplicationPrimary::on_ack(std::size_t backup, const ChunkAck& ack) {
  BackupState& state = backups_[backup];
  if (!state.live) return;
  state.last_heard = env_.now();
  if (ack.applied_through > buffer_.last_launched() || ack.epoch > buffer_.last_launched()) {
    env_.metrics().add_counter("replication_messages_unexpected_total", 1);
    return;
  }
  const auto it = chunks_.find(chunk_key(backup, ack.epoch, ack.chunk_index));
  if (it != chunks_.end()) {
    Chunk& chunk = it->second;
    env_.cancel_timer(chunk.retransmit_timer);
    const std::uint64_t bytes = data_bytes(chunk);
    if (chunk.connection && state.connections.usable(*chunk.connection)) {
      // Karn: the set measures only a chunk sent once.
      state.connections.on_acked(*chunk.connection, bytes, chunk.sent_at, env_.now(),
                                 chunk.transmissions == 1);
    }
    if (chunk.connection) state.acked_bytes[*chunk.connection] += bytes;
    env_.metrics().add_counter("replication_bytes_acked_total", static_cast<std::int64_t>(bytes));
    chunks_.erase(it);
  }
  // A backup holds an epoch once it applied it and every one before it: only then does the
  // epoch count for commit, so the most up-to-date backup can always restore the last commit.
  if (ack.applied_through <= state.applied_through) return;
  for (std::uint64_t epoch = state.applied_through + 1; epoch <= ack.applied_through; ++epoch) {
    buffer_.acknowledge(backup, epoch);  // false for epochs already released: fine
  }
  // Chunks of applied epochs whose own acknowledgement was lost need no retransmission.
  const auto first = chunks_.lower_bound(chunk_key(backup, state.applied_through + 1, 0));
  const auto last = chunks_.upper_bound(chunk_key(backup, ack.applied_through, 0xffff));
  for (auto stale = first; stale != last; ++stale)
    env_.cancel_timer(stale->second.retransmit_timer);
  chunks_.erase(first, last);
  state.applied_through = ack.applied_through;
  settle();
}

void ReplicationPrimary::settle() {
  const std::uint32_t required = required_acks();
  if (required > 0) {
    const std::size_t committed = buffer_.commit_ready(required);
    if (committed > 0) {
      env_.metrics().add_counter("replication_epochs_committed_total",
                                 static_cast<std::int64_t>(committed));
    }
  }
  const std::uint64_t oldest_before =
      buffer_.in_flight().empty() ? buffer_.last_launched() + 1 : buffer_.in_flight().front().id;
  buffer_.release(live_backups());
  const std::uint64_t oldest_after =
      buffer_.in_flight().empty() ? buffer_.last_launched() + 1 : buffer_.in_flight().front().id;
  for (std::uint64_t epoch = oldest_before; epoch < oldest_after; ++epoch)
    vm_.release_epoch(epoch);
  try_launch(false);
  update_pause();
  if (migration_) check_migration_complete();
}

void ReplicationPrimary::update_pause() {
  if (!config_.ram.emergency_pause_enabled || stopped_) return;
  // In migration's phase 2 the guest stays paused whatever the level.
  if (migration_ && migration_->phase == MigrationPhase::kFinalTransfer) return;
  const double level = buffer_.level();
  if (!paused_ && level >= 1.0) {
    vm_.pause();
    paused_ = true;
    env_.metrics().add_counter("replication_emergency_pauses_total", 1);
  } else if (paused_ && level <= config_.ram.resume_level) {
    vm_.resume();
    paused_ = false;
  }
}

void ReplicationPrimary::mark_backup_failed(NodeId node) {
  const std::optional<std::size_t> backup = backup_index(node);
  if (!backup || !backups_[*backup].live) return;
  backups_[*backup].live = false;
  for (auto it = chunks_.begin(); it != chunks_.end();) {
    if (it->second.backup == *backup) {
      env_.cancel_timer(it->second.retransmit_timer);
      it = chunks_.erase(it);
    } else {
      ++it;
    }
  }
  env_.metrics().add_counter("replication_backups_failed_total", 1);
  settle();
}

std::uint32_t ReplicationPrimary::required_acks() const {
  const auto live = static_cast<std::uint32_t>(
      std::count_if(backups_.begin(), backups_.end(), [](const BackupState& b) { return b.live; }));
  if (config_.ram.commit_policy == manifest::CommitPolicy::kAll) return live;
  return static_cast<std::uint32_t>(backups_.size() / 2 + 1);
}

std::vector<bool> ReplicationPrimary::live_backups() const {
  std::vector<bool> live;
  live.reserve(backups_.size());
  for (const BackupState& backup : backups_)
    live.push_back(backup.live);
  return live;
}

std::optional<std::size_t> ReplicationPrimary::backup_index(NodeId node) const {
  for (std::size_t b = 0; b < backups_.size(); ++b) {
    if (backups_[b].node == node) return b;
  }
  return std::nullopt;
}

std::uint64_t ReplicationPrimary::data_bytes(const Chunk& chunk) const {
  return (chunk.end_page - chunk.first_page) * config_.page_size_bytes;
}

std::uint64_t ReplicationPrimary::chunk_key(std::size_t backup, std::uint64_t epoch,
                                            std::uint16_t index) {
  // 16 bits of backup slot, 32 of epoch, 16 of chunk: ample for a run (4 billion epochs).
  MYCELIUM_ASSERT(backup < (1U << 16) && epoch < (1ULL << 32));
  return (static_cast<std::uint64_t>(backup) << 48) | (epoch << 16) | index;
}

std::optional<std::uint64_t> ReplicationPrimary::dirtied_bytes_at(std::uint64_t epoch) const {
  if (epoch == 0) return 0;
  if (dirtied_at_epoch_.empty() || epoch < dirtied_at_epoch_.front().first ||
      epoch > dirtied_at_epoch_.back().first)
    return std::nullopt;
  const auto& entry = dirtied_at_epoch_[epoch - dirtied_at_epoch_.front().first];
  MYCELIUM_ASSERT(entry.first == epoch);
  return entry.second;
}

}  // namespace mycelium::ram
