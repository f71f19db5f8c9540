// The asynchronous chunked prototype (core/ssi/chunked_coordinator.hpp) on ManualNetwork: exact
// makespans without faults, redundancy against a straggler, a crashed worker's chunks done
// elsewhere, majority voting against a faulty worker (and first-result accepting its wrong
// values), undecided chunks ending the job, and the compute wasted on redundant copies.

#include <memory>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include <core/ssi/chunked_coordinator.hpp>
#include <core/ssi/chunked_messages.hpp>
#include <core/ssi/chunked_worker.hpp>
#include <tests/support/manual_environment.hpp>

namespace {

using namespace std::chrono_literals;
using mycelium::Duration;
using mycelium::Message;
using mycelium::NodeId;
using mycelium::TimePoint;
using mycelium::testing::ManualNetwork;
namespace ssi = mycelium::ssi;

constexpr Duration kOneWay = 5ms;
constexpr std::uint64_t kJobSeed = 99;

struct WorkerSpec {
  double speed = 1.0;
  double wrong = 0.0;
};

// The coordinator on node 0, workers on nodes 1..n.
class ChunkedCluster {
 public:
  ChunkedCluster(std::vector<WorkerSpec> workers, ssi::ChunkedJobConfig job)
      : network_(workers.size() + 1, kOneWay) {
    job.job_seed = kJobSeed;
    for (std::size_t i = 0; i < workers.size(); ++i) {
      const NodeId node{static_cast<std::uint32_t>(i + 1)};
      job.workers.push_back(node);
      ssi::ChunkedWorkerConfig config;
      config.coordinator = NodeId{0};
      config.job_seed = kJobSeed;
      config.speed = workers[i].speed;
      config.wrong_result_probability = workers[i].wrong;
      workers_.push_back(std::make_unique<ssi::ChunkedWorker>(network_.node(i + 1), config));
    }
    coordinator_ = std::make_unique<ssi::ChunkedCoordinator>(network_.node(0), job);
  }

  ManualNetwork& network() { return network_; }
  ssi::ChunkedCoordinator& coordinator() { return *coordinator_; }

  // Runs the job to its end (or fails after 60 simulated seconds).
  const ssi::ChunkedOutcome& run() {
    coordinator_->start();
    while (!coordinator_->done() && network_.now() < TimePoint(60s))
      network_.advance(1ms);
    REQUIRE(coordinator_->done());
    network_.run_until(network_.now() + 1s);  // late results and cancels land
    return coordinator_->outcome();
  }

  void crash_worker(std::size_t i) {
    const std::uint32_t node = static_cast<std::uint32_t>(i + 1);
    workers_.at(i).reset();
    network_.set_drop_filter([node](const Message& message) {
      return message.from.value == node || message.to.value == node;
    });
  }

  // Compute the workers spent, in nanoseconds: chunks finished and the part of cancelled ones.
  std::int64_t busy_ns() {
    std::int64_t total = 0;
    for (std::size_t i = 1; i < network_.size(); ++i) {
      const auto& metrics = network_.node(i).recorded_metrics();
      total += metrics.counter("ssi_chunked_busy_done_ns_total") +
               metrics.counter("ssi_chunked_busy_cancelled_ns_total");
    }
    return total;
  }

 private:
  ManualNetwork network_;
  std::vector<std::unique_ptr<ssi::ChunkedWorker>> workers_;
  std::unique_ptr<ssi::ChunkedCoordinator> coordinator_;
};

ssi::ChunkedJobConfig job(std::uint64_t chunks, std::uint32_t redundancy,
                          ssi::ChunkConsistency consistency = ssi::ChunkConsistency::kFirstResult) {
  ssi::ChunkedJobConfig config;
  config.chunks = chunks;
  config.chunk_work = 100ms;
  config.redundancy = redundancy;
  config.consistency = consistency;
  config.max_in_flight_per_worker = 1;
  config.copy_timeout = 1s;
  return config;
}

void check_all_correct(ChunkedCluster& cluster, std::uint64_t chunks) {
  for (std::uint64_t chunk = 0; chunk < chunks; ++chunk)
    CHECK(cluster.coordinator().value(chunk) == ssi::chunk_result(kJobSeed, chunk));
}

}  // namespace

TEST_CASE("chunked codec: every message round-trips and damaged bytes are refused",
          "[ssi][chunked]") {
  const std::vector<ssi::ChunkedMessage> messages = {
      ssi::AssignMessage{12, 3, 100000000},
      ssi::CancelMessage{12},
      ssi::ResultMessage{12, 3, 0xffffffffffffffffULL, 99999},
  };
  for (const auto& message : messages) {
    const std::vector<std::uint8_t> bytes = ssi::encode(message);
    const auto decoded = ssi::decode_chunked(bytes);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == message);
    for (std::size_t cut = 0; cut < bytes.size(); ++cut)
      CHECK_FALSE(ssi::decode_chunked(std::span(bytes).first(cut)).has_value());
    std::vector<std::uint8_t> longer = bytes;
    longer.push_back(0);
    CHECK_FALSE(ssi::decode_chunked(longer).has_value());
  }
  std::vector<std::uint8_t> unknown = ssi::encode(messages[1]);
  unknown[1] = 9;
  CHECK_FALSE(ssi::decode_chunked(unknown).has_value());
}

TEST_CASE("chunked: without faults, 20 chunks on 4 workers take 5 rounds of compute and messages",
          "[ssi][chunked]") {
  ChunkedCluster cluster({{}, {}, {}, {}}, job(20, 1));
  const auto& outcome = cluster.run();
  CHECK(outcome.makespan == 5 * (100ms + 2 * kOneWay));
  CHECK(outcome.chunks_settled == 20);
  CHECK(outcome.chunks_wrong == 0);
  CHECK(outcome.copies_started == 20);
  CHECK(outcome.used_busy == 20 * 100ms);
  CHECK(cluster.busy_ns() == Duration(20 * 100ms).count());  // nothing wasted
  check_all_correct(cluster, 20);
}

TEST_CASE("chunked: a second copy hides a straggler at the job's tail, and costs capacity",
          "[ssi][chunked]") {
  // Worker 4 runs at a tenth of the speed (a chunk takes it 1 s); copies time out only after
  // 5 s, so the straggler is waited for, never replaced.
  const std::vector<WorkerSpec> workers = {{}, {}, {}, {0.1, 0.0}};
  const auto slow_job = [](std::uint64_t chunks, std::uint32_t redundancy) {
    auto config = job(chunks, redundancy);
    config.copy_timeout = 5s;
    return config;
  };
  SECTION(
      "as many chunks as workers: the straggler's chunk is the tail; a copy elsewhere ends it") {
    ChunkedCluster single(workers, slow_job(4, 1));
    const ssi::ChunkedOutcome alone = single.run();
    ChunkedCluster doubled(workers, slow_job(4, 2));
    const ssi::ChunkedOutcome twice = doubled.run();
    CHECK(alone.makespan == 1000ms + 2 * kOneWay);
    CHECK(twice.makespan == 2 * (100ms + 2 * kOneWay));
    CHECK(twice.chunks_wrong == 0);
    check_all_correct(doubled, 4);
    CHECK(doubled.busy_ns() - twice.used_busy.count() > 0);  // the cancelled slow copies
    CHECK(single.busy_ns() - alone.used_busy.count() == 0);
  }
  SECTION(
      "many chunks: assigning one at a time already routes work around the straggler, and a "
      "second copy of everything halves the capacity") {
    ChunkedCluster single(workers, slow_job(40, 1));
    const ssi::ChunkedOutcome alone = single.run();
    ChunkedCluster doubled(workers, slow_job(40, 2));
    const ssi::ChunkedOutcome twice = doubled.run();
    CHECK(alone.makespan < twice.makespan);
    CHECK(alone.chunks_wrong == 0);
    CHECK(twice.chunks_wrong == 0);
  }
}

TEST_CASE("chunked: a crashed worker's chunks time out and are done elsewhere", "[ssi][chunked]") {
  ChunkedCluster cluster({{}, {}, {}, {}}, job(20, 1));
  cluster.coordinator().start();
  cluster.network().run_until(TimePoint(150ms));
  cluster.crash_worker(1);
  while (!cluster.coordinator().done() && cluster.network().now() < TimePoint(30s))
    cluster.network().advance(1ms);
  REQUIRE(cluster.coordinator().done());
  const auto& outcome = cluster.coordinator().outcome();
  CHECK(outcome.copies_timed_out == 1);  // the copy it held; then it gets nothing new
  CHECK(outcome.chunks_settled == 20);
  CHECK(outcome.chunks_wrong == 0);
  check_all_correct(cluster, 20);
}

TEST_CASE("chunked: a majority of three outvotes a faulty worker; first-result accepts it",
          "[ssi][chunked]") {
  const std::vector<WorkerSpec> workers = {{}, {}, {}, {1.0, 1.0}};  // worker 4 always wrong
  ChunkedCluster voting(workers, job(24, 3, ssi::ChunkConsistency::kMajority));
  const ssi::ChunkedOutcome voted = voting.run();
  CHECK(voted.chunks_settled == 24);
  CHECK(voted.chunks_wrong == 0);
  check_all_correct(voting, 24);
  ChunkedCluster trusting(workers, job(24, 1));
  const ssi::ChunkedOutcome trusted = trusting.run();
  CHECK(trusted.chunks_settled == 24);
  CHECK(trusted.chunks_wrong > 0);  // its chunks, a quarter of them
}

TEST_CASE("chunked: when no value ever wins a majority the chunks end undecided",
          "[ssi][chunked]") {
  // Every worker is wrong, each differently: no two copies agree.
  const std::vector<WorkerSpec> workers = {{1.0, 1.0}, {1.0, 1.0}, {1.0, 1.0}, {1.0, 1.0}};
  auto config = job(4, 3, ssi::ChunkConsistency::kMajority);
  config.max_copies = 4;
  ChunkedCluster cluster(workers, config);
  const auto& outcome = cluster.run();
  CHECK(outcome.chunks_undecided == 4);
  CHECK(outcome.chunks_settled == 0);
  CHECK(outcome.copies_started == 16);  // max_copies each
}
