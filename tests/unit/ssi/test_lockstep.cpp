// The lock-step prototype (core/ssi/lockstep_replica.hpp) on ManualNetwork: exact latencies, the
// state hashes of every replica equal, crash faults of the sequencer and of replicas with no
// acknowledged input lost, a retried input applied once, and a divergence found when one replica's
// state differs.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include <core/ssi/lockstep_client.hpp>
#include <core/ssi/lockstep_messages.hpp>
#include <core/ssi/lockstep_replica.hpp>
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
constexpr Duration kApply = 2ms;

// Replicas on nodes 0 .. n-1, clients on the nodes after them.
class LockstepCluster {
 public:
  explicit LockstepCluster(std::size_t replicas, std::uint64_t seed = 1, std::size_t clients = 1)
      : network_(replicas + clients, kOneWay, seed) {
    ssi::LockstepConfig config;
    for (std::size_t i = 0; i < replicas; ++i)
      config.members.push_back(NodeId{static_cast<std::uint32_t>(i)});
    config.apply_duration = kApply;
    config.heartbeat_interval = 20ms;
    config.sequencer_timeout = 100ms;
    for (std::size_t i = 0; i < replicas; ++i)
      replicas_.push_back(std::make_unique<ssi::LockstepReplica>(network_.node(i), config));
    ssi::LockstepClientConfig client;
    client.replicas = config.members;
    client.retry_timeout = 300ms;
    for (std::size_t c = 0; c < clients; ++c) {
      const NodeId node{static_cast<std::uint32_t>(replicas + c)};
      clients_.push_back(std::make_unique<ssi::LockstepClient>(
          network_.node(replicas + c), client,
          [this, node](const ssi::LockstepAnswer& answer) { answers_[node].push_back(answer); }));
    }
  }

  ManualNetwork& network() { return network_; }
  ssi::LockstepReplica* replica(std::size_t i) { return replicas_.at(i).get(); }
  ssi::LockstepClient& client(std::size_t c = 0) { return *clients_.at(c); }
  void start_clients() {
    for (auto& client : clients_)
      client->start();
  }
  NodeId client_node(std::size_t c = 0) const {
    return NodeId{static_cast<std::uint32_t>(replicas_.size() + c)};
  }
  const std::vector<ssi::LockstepAnswer>& answers(std::size_t c = 0) {
    return answers_[client_node(c)];
  }

  // A crash: the replica is gone (timers, port), and the network loses what goes to or from it.
  void crash(std::size_t i) {
    crashed_.insert(static_cast<std::uint32_t>(i));
    replicas_.at(i).reset();
    network_.set_drop_filter([this](const Message& message) {
      return crashed_.contains(message.from.value) || crashed_.contains(message.to.value);
    });
    network_.drop_in_flight([this](const Message& message) {
      return crashed_.contains(message.from.value) || crashed_.contains(message.to.value);
    });
  }

  std::vector<ssi::LockstepReplica*> survivors() {
    std::vector<ssi::LockstepReplica*> alive;
    for (auto& replica : replicas_)
      if (replica) alive.push_back(replica.get());
    return alive;
  }

  // Every surviving replica agrees: the same hash after every step two of them applied (the
  // chain makes equal hashes at one step mean equal histories), and none counted a divergence.
  void check_no_divergence() {
    const auto alive = survivors();
    REQUIRE(!alive.empty());
    for (ssi::LockstepReplica* replica : alive) {
      CHECK(replica->divergences() == 0);
      for (ssi::LockstepReplica* other : alive) {
        const std::uint64_t step = std::min(replica->state().step(), other->state().step());
        const auto mine = replica->hash_at(step);
        const auto theirs = other->hash_at(step);
        REQUIRE(mine.has_value());
        REQUIRE(theirs.has_value());
        CHECK(*mine == *theirs);
      }
    }
  }

  // No acknowledged input is lost: every survivor applied each client's inputs up to the last one
  // answered (and at most the one outstanding beyond it).
  void check_no_lost_input() {
    for (std::size_t c = 0; c < clients_.size(); ++c) {
      const auto& answers = answers_[client_node(c)];
      REQUIRE(!answers.empty());
      const std::uint64_t last_answered = answers.back().client_seq;
      for (ssi::LockstepReplica* replica : survivors()) {
        const auto record = replica->state().client(client_node(c).value);
        REQUIRE(record.has_value());
        CHECK(record->client_seq >= last_answered);
        CHECK(record->client_seq <= last_answered + 1);
      }
      for (std::size_t i = 0; i < answers.size(); ++i)
        CHECK(answers[i].client_seq == i + 1);  // each answered once, in order
    }
  }

 private:
  ManualNetwork network_;
  std::vector<std::unique_ptr<ssi::LockstepReplica>> replicas_;
  std::vector<std::unique_ptr<ssi::LockstepClient>> clients_;
  std::map<NodeId, std::vector<ssi::LockstepAnswer>> answers_;
  std::set<std::uint32_t> crashed_;
};

}  // namespace

TEST_CASE("lockstep codec: every message round-trips and damaged bytes are refused",
          "[ssi][lockstep]") {
  const ssi::LockstepInput input{7, 42, 0xdeadbeefcafeULL};
  const std::vector<ssi::LockstepMessage> messages = {
      ssi::SubmitMessage{input},
      ssi::OrderMessage{3, 99, input, std::nullopt},
      ssi::OrderMessage{3, 99, input, ssi::LockstepInput{1, 2, 3}},
      ssi::AckMessage{3, 99, 0xffffffffffffffffULL},
      ssi::CommitMessage{4, 100, input},
      ssi::HeartbeatMessage{5, 101},
      ssi::ViewChangeMessage{6, 102, input, ssi::LockstepPending{103, 5, input}},
      ssi::ViewChangeMessage{6, 0, std::nullopt, std::nullopt},
      ssi::NewViewMessage{7, 104, input},
      ssi::ReplyMessage{42, 105, 77},
  };
  for (const auto& message : messages) {
    const std::vector<std::uint8_t> bytes = ssi::encode(message);
    const auto decoded = ssi::decode_lockstep(bytes);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == message);
    for (std::size_t cut = 0; cut < bytes.size(); ++cut)
      CHECK_FALSE(ssi::decode_lockstep(std::span(bytes).first(cut)).has_value());
    std::vector<std::uint8_t> longer = bytes;
    longer.push_back(0);
    CHECK_FALSE(ssi::decode_lockstep(longer).has_value());
    std::vector<std::uint8_t> other_version = bytes;
    other_version[0] = 2;
    CHECK_FALSE(ssi::decode_lockstep(other_version).has_value());
  }
  std::vector<std::uint8_t> unknown_type = ssi::encode(messages[0]);
  unknown_type[1] = 200;
  CHECK_FALSE(ssi::decode_lockstep(unknown_type).has_value());
  std::vector<std::uint8_t> bad_flag = ssi::encode(messages[1]);
  bad_flag.back() = 2;  // the presence flag of `previous`, last byte when absent
  CHECK_FALSE(ssi::decode_lockstep(bad_flag).has_value());
}

TEST_CASE("lockstep: one node answers in one round trip plus the step's compute",
          "[ssi][lockstep]") {
  LockstepCluster cluster(1);
  cluster.start_clients();
  cluster.network().run_until(TimePoint(1s));
  REQUIRE(cluster.answers().size() > 10);
  for (const auto& answer : cluster.answers())
    CHECK(answer.latency == 2 * kOneWay + kApply);
  cluster.check_no_lost_input();
}

TEST_CASE("lockstep: three replicas answer one round trip later than one node, all in step",
          "[ssi][lockstep]") {
  LockstepCluster cluster(3);
  cluster.start_clients();
  cluster.network().run_until(TimePoint(1s));
  REQUIRE(cluster.answers().size() > 10);
  // client -> sequencer, order -> replica, ack -> sequencer, apply, answer -> client.
  for (const auto& answer : cluster.answers())
    CHECK(answer.latency == 4 * kOneWay + kApply);
  cluster.check_no_divergence();
  cluster.check_no_lost_input();
  for (ssi::LockstepReplica* replica : cluster.survivors())
    CHECK(replica->state().step() + 1 >= cluster.answers().size());
  auto& metrics = cluster.network().node(0).recorded_metrics();
  // The sequencer compared every acknowledging replica's hash with its own, every step.
  CHECK(metrics.counter("ssi_lockstep_hash_checks_total") >=
        static_cast<std::int64_t>(cluster.answers().size()));
}

TEST_CASE("lockstep: after the sequencer crashes the next view goes on with nothing lost",
          "[ssi][lockstep]") {
  LockstepCluster cluster(3);
  cluster.start_clients();
  cluster.network().run_until(TimePoint(500ms));
  const std::size_t before = cluster.answers().size();
  REQUIRE(before > 10);
  cluster.crash(0);
  cluster.network().run_until(TimePoint(2s));
  CHECK(cluster.answers().size() > before + 10);
  for (ssi::LockstepReplica* replica : cluster.survivors())
    CHECK(replica->view() == 1);
  CHECK(cluster.replica(1)->is_sequencer());
  cluster.check_no_divergence();
  cluster.check_no_lost_input();
}

TEST_CASE("lockstep: a commit that reached one replica before the sequencer died is kept",
          "[ssi][lockstep]") {
  // Five replicas (f = 2), three clients. The sequencer's commit of a step reaches replica 2
  // only, then the sequencer and replica 4 die. View 1's sequencer (replica 1) has the step only
  // as acknowledged, and the other clients' inputs wait for it too: it must learn from replica
  // 2's report that the step is committed, with its input, and not order another one there.
  LockstepCluster cluster(5, 1, 3);
  cluster.start_clients();
  cluster.network().run_until(TimePoint(300ms));
  std::optional<std::uint64_t> cut_step;
  std::optional<ssi::LockstepInput> cut_input;
  cluster.network().set_drop_filter([&](const Message& message) {
    if (message.from != NodeId{0} || message.to == NodeId{2}) return false;
    const auto decoded = ssi::decode_lockstep(message.payload);
    const auto* commit = decoded ? std::get_if<ssi::CommitMessage>(&*decoded) : nullptr;
    if (commit && !cut_step) {
      cut_step = commit->step;
      cut_input = commit->input;
    }
    return cut_step.has_value();  // from the first commit on, only replica 2 hears node 0
  });
  while (!cut_step)
    cluster.network().advance(1ms);
  cluster.network().advance(kOneWay);  // the commit reaches replica 2
  REQUIRE(cluster.replica(2)->committed_step() == *cut_step);
  REQUIRE(cluster.replica(1)->committed_step() == *cut_step - 1);
  cluster.crash(0);
  cluster.crash(4);
  cluster.network().run_until(TimePoint(3s));
  REQUIRE(cluster.replica(1)->is_sequencer());
  CHECK(cluster.replica(1)->committed_step() > *cut_step + 10);
  cluster.check_no_divergence();
  cluster.check_no_lost_input();
  // The committed input stayed at its step: the client it came from was answered for it once.
  const std::size_t owner = cut_input->client - 5;
  CHECK(cluster.answers(owner).size() >= cut_input->client_seq);
  CHECK(cluster.answers(owner)[cut_input->client_seq - 1].step == *cut_step);
}

TEST_CASE("lockstep: two sequencers in a row crash and the third view takes over",
          "[ssi][lockstep]") {
  LockstepCluster cluster(5);
  cluster.start_clients();
  cluster.network().run_until(TimePoint(400ms));
  cluster.crash(0);
  cluster.network().run_until(TimePoint(1s));
  REQUIRE(cluster.replica(1)->is_sequencer());
  const std::size_t before = cluster.answers().size();
  cluster.crash(1);
  cluster.network().run_until(TimePoint(3s));
  CHECK(cluster.replica(2)->is_sequencer());
  CHECK(cluster.answers().size() > before + 10);
  cluster.check_no_divergence();
  cluster.check_no_lost_input();
}

TEST_CASE("lockstep: a lost answer makes the client retry, and the input is applied once",
          "[ssi][lockstep]") {
  LockstepCluster cluster(3);
  bool dropped = false;
  cluster.network().set_drop_filter([&](const Message& message) {
    if (dropped || message.port != ssi::kLockstepClientPort) return false;
    dropped = true;  // the first answer only
    return true;
  });
  cluster.start_clients();
  cluster.network().run_until(TimePoint(1s));
  REQUIRE(dropped);
  REQUIRE(!cluster.answers().empty());
  CHECK(cluster.answers().front().client_seq == 1);
  CHECK(cluster.answers().front().retries == 1);
  CHECK(cluster.answers().front().step == 1);  // answered from the record, not ordered again
  // Every replica applied exactly one step per answered input (plus the one outstanding).
  for (ssi::LockstepReplica* replica : cluster.survivors()) {
    CHECK(replica->state().step() >= cluster.answers().size());
    CHECK(replica->state().step() <= cluster.answers().size() + 1);
  }
  cluster.check_no_lost_input();
}

TEST_CASE("lockstep: a replica whose state differs is found by the hash check", "[ssi][lockstep]") {
  LockstepCluster cluster(3);
  cluster.start_clients();
  cluster.network().run_until(TimePoint(200ms));
  CHECK(cluster.replica(0)->divergences() == 0);
  cluster.replica(2)->corrupt_state_for_test();
  cluster.network().run_until(TimePoint(400ms));
  CHECK(cluster.replica(0)->divergences() > 0);
  CHECK(cluster.network().node(0).recorded_metrics().counter("ssi_lockstep_divergences_total") > 0);
}

TEST_CASE("lockstep: the same seed gives the same history", "[ssi][lockstep]") {
  const auto final_hash = [](std::uint64_t seed) {
    LockstepCluster cluster(3, seed);
    cluster.start_clients();
    cluster.network().run_until(TimePoint(400ms));
    cluster.crash(0);
    cluster.network().run_until(TimePoint(1500ms));
    return std::make_pair(cluster.replica(1)->state().step(), cluster.replica(1)->state().hash());
  };
  CHECK(final_hash(5) == final_hash(5));
  CHECK(final_hash(5).second != final_hash(6).second);  // the inputs are the seed's draws
}
