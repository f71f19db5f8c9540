#include <algorithm>

#include <core/assert.hpp>
#include <core/ssi/chunked_coordinator.hpp>

namespace mycelium::ssi {

namespace {

// How far into the queue of wanted copies a free worker looks for a chunk it does not already
// hold a copy of: bounds the work of one assignment.
constexpr std::size_t kAssignLookahead = 64;

}  // namespace

ChunkedCoordinator::ChunkedCoordinator(Environment& env, ChunkedJobConfig config, OnDone on_done)
    : env_(env), config_(std::move(config)), on_done_(std::move(on_done)) {
  MYCELIUM_ASSERT(!config_.workers.empty());
  MYCELIUM_ASSERT(config_.chunks <= ChunkedJobConfig::kMaxChunks);
  MYCELIUM_ASSERT(config_.redundancy >= 1 && config_.redundancy <= config_.workers.size());
  MYCELIUM_ASSERT(config_.max_copies >= config_.redundancy);
  MYCELIUM_ASSERT(config_.max_in_flight_per_worker >= 1);
  MYCELIUM_ASSERT(config_.copy_timeout > Duration::zero());
  MYCELIUM_ASSERT(config_.chunk_work >= Duration::zero());
  for (const NodeId worker : config_.workers) {
    MYCELIUM_ASSERT(worker != env_.self());
    workers_[worker] = Worker{};
  }
  MYCELIUM_ASSERT(workers_.size() == config_.workers.size());  // distinct
  chunks_.resize(config_.chunks);
  env_.bind(kChunkedPort, [this](const Message& message) { on_message(message); });
}

ChunkedCoordinator::~ChunkedCoordinator() {
  for (Chunk& chunk : chunks_)
    for (auto& [copy, active] : chunk.active)
      env_.cancel_timer(active.timeout);
  env_.unbind(kChunkedPort);
}

void ChunkedCoordinator::start() {
  MYCELIUM_ASSERT(!started_);
  started_ = true;
  started_at_ = env_.now();
  open_chunks_ = config_.chunks;
  for (std::uint64_t chunk = 0; chunk < config_.chunks; ++chunk) {
    for (std::uint32_t i = 0; i < config_.redundancy; ++i)
      wanted_.push_back(chunk);
    chunks_[chunk].queued = config_.redundancy;
  }
  if (open_chunks_ == 0) {
    done_ = true;
    if (on_done_) on_done_(outcome_);
    return;
  }
  fill();
}

void ChunkedCoordinator::on_message(const Message& message) {
  const std::optional<ChunkedMessage> decoded = decode_chunked(message.payload);
  const auto* result = decoded ? std::get_if<ResultMessage>(&*decoded) : nullptr;
  if (!result || !workers_.contains(message.from) || result->chunk >= chunks_.size()) {
    env_.metrics().add_counter("ssi_chunked_messages_invalid_total", 1);
    return;
  }
  on_result(message.from, *result);
}

void ChunkedCoordinator::on_result(NodeId from, const ResultMessage& result) {
  Worker& worker = workers_.at(from);
  worker.suspected = false;  // it answers: alive, if slow
  Chunk& chunk = chunks_[result.chunk];
  const auto active = chunk.active.find(result.copy);
  const bool expected = active != chunk.active.end() && active->second.worker == from;
  if (expected) release(result.chunk, result.copy, /*cancel=*/false);
  if (chunk.closed || !expected) {
    ++outcome_.results_late;
    fill();
    return;
  }
  const Duration busy(static_cast<Duration::rep>(result.busy_ns));
  chunk.results.emplace_back(result.value, busy);
  if (config_.consistency == ChunkConsistency::kFirstResult) {
    settle(result.chunk, result.value, busy);
  } else {
    const std::uint32_t needed = config_.redundancy / 2 + 1;
    const auto agreeing = static_cast<std::uint32_t>(
        std::count_if(chunk.results.begin(), chunk.results.end(),
                      [&](const auto& other) { return other.first == result.value; }));
    if (agreeing >= needed) {
      const auto first =
          std::find_if(chunk.results.begin(), chunk.results.end(),
                       [&](const auto& other) { return other.first == result.value; });
      settle(result.chunk, result.value, first->second);
    } else if (chunk.active.empty() && chunk.queued == 0) {
      want_copy(result.chunk);  // every copy answered, no majority: one more
    }
  }
  fill();
}

void ChunkedCoordinator::on_timeout(std::uint64_t chunk_id, std::uint32_t copy) {
  Chunk& chunk = chunks_[chunk_id];
  const auto active = chunk.active.find(copy);
  MYCELIUM_ASSERT(active != chunk.active.end());
  active->second.timeout = TimerId{};
  workers_.at(active->second.worker).suspected = true;
  ++outcome_.copies_timed_out;
  env_.metrics().add_counter("ssi_chunked_copies_timed_out_total", 1);
  release(chunk_id, copy, /*cancel=*/true);
  want_copy(chunk_id);
  fill();
}

void ChunkedCoordinator::want_copy(std::uint64_t chunk_id) {
  Chunk& chunk = chunks_[chunk_id];
  if (chunk.closed) return;
  if (chunk.copies_started + chunk.queued < config_.max_copies) {
    wanted_.push_front(chunk_id);  // replacements first: they hold the job back
    ++chunk.queued;
  } else if (chunk.active.empty() && chunk.queued == 0) {
    ++outcome_.chunks_undecided;
    close_chunk(chunk_id);
  }
}

void ChunkedCoordinator::fill() {
  if (done_) return;
  // Suspected workers get nothing while another one is trusted; when all are suspected they all
  // get work again (else a job whose workers were all slow once would never end).
  const bool all_suspected = std::all_of(workers_.begin(), workers_.end(),
                                         [](const auto& entry) { return entry.second.suspected; });
  // Round-robin over the workers with room, one copy each per pass, until nothing moves.
  bool assigned = true;
  while (assigned && !wanted_.empty()) {
    assigned = false;
    for (auto& [node, worker] : workers_)
      if ((all_suspected || !worker.suspected) &&
          worker.in_flight < config_.max_in_flight_per_worker)
        assigned = assign_to(node) || assigned;
  }
}

bool ChunkedCoordinator::assign_to(NodeId worker_id) {
  const std::size_t look = std::min(wanted_.size(), kAssignLookahead);
  for (std::size_t i = 0; i < look; ++i) {
    const std::uint64_t chunk_id = wanted_[i];
    Chunk& chunk = chunks_[chunk_id];
    if (chunk.closed) {
      take_wanted(i);
      return true;  // progress: a stale entry gone
    }
    // Copies of one chunk go to distinct workers, until every worker had one.
    if (chunk.workers_used.contains(worker_id) && chunk.workers_used.size() < workers_.size())
      continue;
    take_wanted(i);
    const std::uint32_t copy = chunk.copies_started++;
    chunk.workers_used.insert(worker_id);
    const TimerId timeout = env_.schedule_once(
        config_.copy_timeout, [this, chunk_id, copy] { on_timeout(chunk_id, copy); });
    chunk.active.emplace(copy, Copy{worker_id, timeout});
    ++workers_.at(worker_id).in_flight;
    ++outcome_.copies_started;
    Message out;
    out.to = worker_id;
    out.port = kChunkedPort;
    out.payload = encode(
        AssignMessage{chunk_id, copy, static_cast<std::uint64_t>(config_.chunk_work.count())});
    out.bulk_bytes = config_.chunk_bytes;
    env_.send(std::move(out));
    return true;
  }
  return false;
}

void ChunkedCoordinator::take_wanted(std::size_t index) {
  Chunk& chunk = chunks_[wanted_[index]];
  wanted_.erase(wanted_.begin() + static_cast<std::ptrdiff_t>(index));
  MYCELIUM_ASSERT(chunk.queued > 0);
  --chunk.queued;
}

void ChunkedCoordinator::settle(std::uint64_t chunk_id, std::uint64_t value, Duration busy) {
  Chunk& chunk = chunks_[chunk_id];
  chunk.value = value;
  ++outcome_.chunks_settled;
  outcome_.used_busy += busy;
  if (value != chunk_result(config_.job_seed, chunk_id)) ++outcome_.chunks_wrong;
  close_chunk(chunk_id);
}

void ChunkedCoordinator::close_chunk(std::uint64_t chunk_id) {
  Chunk& chunk = chunks_[chunk_id];
  MYCELIUM_ASSERT(!chunk.closed);
  chunk.closed = true;
  while (!chunk.active.empty())
    release(chunk_id, chunk.active.begin()->first, /*cancel=*/true);
  MYCELIUM_ASSERT(open_chunks_ > 0);
  if (--open_chunks_ == 0) {
    done_ = true;
    outcome_.makespan = env_.now() - started_at_;
    if (on_done_) on_done_(outcome_);
  }
}

// The copy is no longer active: its timer goes, its worker's slot frees, and with `cancel` the
// worker is told to stop it.
void ChunkedCoordinator::release(std::uint64_t chunk_id, std::uint32_t copy, bool cancel) {
  Chunk& chunk = chunks_[chunk_id];
  const auto active = chunk.active.find(copy);
  MYCELIUM_ASSERT(active != chunk.active.end());
  env_.cancel_timer(active->second.timeout);
  Worker& worker = workers_.at(active->second.worker);
  MYCELIUM_ASSERT(worker.in_flight > 0);
  --worker.in_flight;
  if (cancel) {
    send_payload(env_, active->second.worker, kChunkedPort, encode(CancelMessage{chunk_id}));
  }
  chunk.active.erase(active);
}

}  // namespace mycelium::ssi
