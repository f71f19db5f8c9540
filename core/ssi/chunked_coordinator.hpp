#pragma once
// The asynchronous chunked prototype (issue 9, item 3; docs/ssi.md): a job of `chunks` chunks,
// each computed by `redundancy` copies on distinct workers at once, the copies' results
// reconciled by the job's consistency model:
//  * kFirstResult: the first result settles the chunk; the other copies are cancelled. Fastest,
//    and trusts every worker: a wrong result is accepted if it comes first.
//  * kMajority: the chunk settles when floor(redundancy / 2) + 1 copies agree; copies that
//    disagree leave the chunk open, and it gets one more copy at a time until a value has a
//    majority or `max_copies` were started (then it is undecided).
// Each worker holds at most `max_in_flight_per_worker` copies. A copy not answered within
// `copy_timeout` is presumed lost (a crashed or very slow worker): the chunk gets a replacement
// copy elsewhere, and the worker gets nothing new until it answers again, so crashed workers and
// stragglers stop receiving work. Late results of settled chunks are counted, not used.
//
// Measured per job (ChunkedOutcome): makespan, copies started and timed out, the compute spent on
// the result used for each chunk (the rest of the workers' compute is the waste), and, against the
// correct results, how many settled chunks hold a wrong value.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include <core/env/environment.hpp>
#include <core/ssi/chunked_messages.hpp>

namespace mycelium::ssi {

enum class ChunkConsistency { kFirstResult, kMajority };

struct ChunkedJobConfig {
  // The coordinator keeps a record per chunk: a job has at most this many.
  static constexpr std::uint64_t kMaxChunks = 10'000'000;

  std::vector<NodeId> workers;                           // distinct, not the coordinator
  std::uint64_t chunks = 100;                            // <= kMaxChunks
  Duration chunk_work = std::chrono::milliseconds(100);  // per chunk, at speed 1
  // The chunk's input data, sent with each copy's assignment (the network carries it as bulk
  // bytes: a job over S bytes of state in M chunks ships S / M with every copy).
  std::uint64_t chunk_bytes = 0;
  std::uint32_t redundancy = 2;  // copies started at once, each on its own worker; <= workers
  ChunkConsistency consistency = ChunkConsistency::kFirstResult;
  std::uint32_t max_in_flight_per_worker = 2;
  Duration copy_timeout = std::chrono::seconds(1);
  std::uint32_t max_copies = 8;  // per chunk, every attempt counted; >= redundancy
  std::uint64_t job_seed = 0;    // the correct results are chunk_result(job_seed, chunk)
};

struct ChunkedOutcome {
  Duration makespan{};  // start to the last chunk settled
  std::uint64_t chunks_settled = 0;
  std::uint64_t chunks_undecided = 0;  // majority never reached within max_copies
  std::uint64_t chunks_wrong = 0;      // settled with a value that is not the correct one
  std::uint64_t copies_started = 0;
  std::uint64_t copies_timed_out = 0;
  std::uint64_t results_late = 0;  // results of chunks already settled
  Duration used_busy{};  // compute of the one result used per chunk (the first, or the first of
                         // the agreeing majority)
};

class ChunkedCoordinator {
 public:
  using OnDone = std::function<void(const ChunkedOutcome&)>;

  ChunkedCoordinator(Environment& env, ChunkedJobConfig config, OnDone on_done = {});
  ~ChunkedCoordinator();
  ChunkedCoordinator(const ChunkedCoordinator&) = delete;
  ChunkedCoordinator& operator=(const ChunkedCoordinator&) = delete;

  void start();
  bool done() const { return done_; }
  const ChunkedOutcome& outcome() const { return outcome_; }
  // The settled value of a chunk, if settled.
  std::optional<std::uint64_t> value(std::uint64_t chunk) const { return chunks_.at(chunk).value; }

 private:
  struct Copy {
    NodeId worker;
    TimerId timeout;
  };
  struct Chunk {
    std::optional<std::uint64_t> value;  // settled
    bool closed = false;                 // settled or undecided
    std::uint32_t copies_started = 0;
    std::uint32_t queued = 0;              // its entries in wanted_: copies to start
    std::map<std::uint32_t, Copy> active;  // by copy number
    std::set<NodeId> workers_used;
    std::vector<std::pair<std::uint64_t, Duration>> results;  // (value, busy)
  };
  struct Worker {
    std::uint32_t in_flight = 0;
    bool suspected = false;
  };

  void on_message(const Message& message);
  void on_result(NodeId from, const ResultMessage& result);
  void on_timeout(std::uint64_t chunk, std::uint32_t copy);
  void want_copy(std::uint64_t chunk);
  void take_wanted(std::size_t index);  // removes wanted_[index], counted off its chunk
  void fill();
  bool assign_to(NodeId worker);
  void settle(std::uint64_t chunk, std::uint64_t value, Duration busy);
  void close_chunk(std::uint64_t chunk);
  void release(std::uint64_t chunk, std::uint32_t copy, bool cancel);

  Environment& env_;
  ChunkedJobConfig config_;
  OnDone on_done_;
  std::vector<Chunk> chunks_;
  std::map<NodeId, Worker> workers_;
  std::deque<std::uint64_t> wanted_;  // one entry per copy to start, in order
  std::uint64_t open_chunks_ = 0;
  TimePoint started_at_;
  bool started_ = false;
  bool done_ = false;
  ChunkedOutcome outcome_;
};

}  // namespace mycelium::ssi
