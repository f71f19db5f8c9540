#pragma once
// A worker of the asynchronous chunked prototype (chunked_coordinator.hpp): computes the chunks
// the coordinator assigns, one at a time in arrival order, each taking its work divided by this
// worker's speed (a straggler has a speed below 1), and returns each result. A cancelled chunk
// leaves the queue, or stops if it is being computed. A faulty worker returns a wrong value with
// `wrong_result_probability` (drawn from its node's random stream), which majority voting is for.
//
// Counters (nanoseconds of this worker's time): ssi_chunked_busy_done_ns_total for chunks
// computed to the end, ssi_chunked_busy_cancelled_ns_total for the part of cancelled ones.

#include <cstdint>
#include <deque>

#include <core/env/environment.hpp>
#include <core/ssi/chunked_messages.hpp>

namespace mycelium::ssi {

struct ChunkedWorkerConfig {
  NodeId coordinator;
  std::uint64_t job_seed = 0;  // chunk_result(job_seed, chunk) is the right answer
  double speed = 1.0;          // > 0
  double wrong_result_probability = 0.0;
  std::size_t max_queued = 256;  // assignments beyond are dropped (the coordinator times out)
};

class ChunkedWorker {
 public:
  ChunkedWorker(Environment& env, ChunkedWorkerConfig config);
  ~ChunkedWorker();
  ChunkedWorker(const ChunkedWorker&) = delete;
  ChunkedWorker& operator=(const ChunkedWorker&) = delete;

 private:
  void on_message(const Message& message);
  void start_next();
  void finish();

  Environment& env_;
  ChunkedWorkerConfig config_;
  std::deque<AssignMessage> queue_;
  std::optional<AssignMessage> current_;
  TimePoint started_at_;
  TimerId timer_;
};

}  // namespace mycelium::ssi
