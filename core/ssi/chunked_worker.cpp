#include <algorithm>
#include <cmath>

#include <core/assert.hpp>
#include <core/ssi/chunked_worker.hpp>

namespace mycelium::ssi {

ChunkedWorker::ChunkedWorker(Environment& env, ChunkedWorkerConfig config)
    : env_(env), config_(config) {
  MYCELIUM_ASSERT(config_.speed > 0.0);
  MYCELIUM_ASSERT(config_.wrong_result_probability >= 0.0 &&
                  config_.wrong_result_probability <= 1.0);
  env_.bind(kChunkedPort, [this](const Message& message) { on_message(message); });
}

ChunkedWorker::~ChunkedWorker() {
  env_.cancel_timer(timer_);
  env_.unbind(kChunkedPort);
}

void ChunkedWorker::on_message(const Message& message) {
  const std::optional<ChunkedMessage> decoded = decode_chunked(message.payload);
  if (!decoded || message.from != config_.coordinator) {
    env_.metrics().add_counter("ssi_chunked_messages_invalid_total", 1);
    return;
  }
  if (const auto* assign = std::get_if<AssignMessage>(&*decoded)) {
    if (queue_.size() >= config_.max_queued) {
      env_.metrics().add_counter("ssi_chunked_assignments_dropped_total", 1);
      return;
    }
    queue_.push_back(*assign);
    if (!current_) start_next();
  } else if (const auto* cancel = std::get_if<CancelMessage>(&*decoded)) {
    std::erase_if(queue_,
                  [&](const AssignMessage& queued) { return queued.chunk == cancel->chunk; });
    if (current_ && current_->chunk == cancel->chunk) {
      env_.cancel_timer(timer_);
      timer_ = TimerId{};
      env_.metrics().add_counter("ssi_chunked_busy_cancelled_ns_total",
                                 (env_.now() - started_at_).count());
      current_.reset();
      start_next();
    }
  }
}

void ChunkedWorker::start_next() {
  MYCELIUM_ASSERT(!current_);
  if (queue_.empty()) return;
  current_ = queue_.front();
  queue_.pop_front();
  started_at_ = env_.now();
  const auto compute = Duration(static_cast<Duration::rep>(
      std::ceil(static_cast<double>(current_->work_ns) / config_.speed)));
  timer_ = env_.schedule_once(compute, [this] { finish(); });
}

void ChunkedWorker::finish() {
  timer_ = TimerId{};
  MYCELIUM_ASSERT(current_);
  const Duration busy = env_.now() - started_at_;
  env_.metrics().add_counter("ssi_chunked_busy_done_ns_total", busy.count());
  std::uint64_t value = chunk_result(config_.job_seed, current_->chunk);
  if (config_.wrong_result_probability > 0.0 &&
      env_.random().uniform_real() < config_.wrong_result_probability) {
    value ^= 1 + env_.random().uniform_int(0, 1000);  // wrong, and not always the same wrong
  }
  send_payload(env_, config_.coordinator, kChunkedPort,
               encode(ResultMessage{current_->chunk, current_->copy, value,
                                    static_cast<std::uint64_t>(busy.count())}));
  current_.reset();
  start_next();
}

}  // namespace mycelium::ssi
