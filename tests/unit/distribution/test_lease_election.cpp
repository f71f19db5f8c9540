// Master selection by lease (core/distribution/lease_election.hpp) on ManualNetwork, checked
// every millisecond: never two masters at once, never two masters of one term; a master is
// elected, a crashed master is replaced once its lease has run out, a master cut off in a
// minority steps down and the majority elects another, and the healed network keeps one master.
// Lease messages are sealed: forged, replayed, foreign and re-sent ones change nothing.

#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <core/distribution/lease_election.hpp>
#include <core/spore/sealed_datagram.hpp>
#include <tests/support/manual_environment.hpp>

using namespace mycelium;
using namespace mycelium::distribution;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kTestKey = "lease election test key, 32 B..";
constexpr std::string_view kTestNetwork = "lease-test";

std::shared_ptr<const spore::Authenticator> test_authenticator(std::string_view key = kTestKey) {
  return std::make_shared<const spore::Authenticator>(spore::key_bytes(key));
}

// A lease config for `n` members sealed under the test key.
LeaseConfig sealed_config(std::size_t n) {
  LeaseConfig config;
  for (std::size_t i = 0; i < n; ++i)
    config.members.push_back(NodeId{static_cast<std::uint32_t>(i)});
  config.authenticator = test_authenticator();
  config.network_id = spore::network_id_from_name(kTestNetwork);
  return config;
}

class LeaseCluster {
 public:
  explicit LeaseCluster(std::size_t n, std::uint64_t seed = 1) : network_(n, 5ms, seed) {
    const LeaseConfig config = sealed_config(n);
    for (std::size_t i = 0; i < n; ++i)
      nodes_.push_back(std::make_unique<LeaseElection>(network_.node(i), config));
    network_.set_drop_filter([this](const Message& message) {
      if (crashed_.contains(message.from.value) || crashed_.contains(message.to.value)) return true;
      if (cut_ && ((message.from.value == cut_->first && message.to.value == cut_->second) ||
                   (message.from.value == cut_->second && message.to.value == cut_->first)))
        return true;
      return side_.contains(message.from.value) != side_.contains(message.to.value);
    });
  }

  // Runs until `until` one millisecond at a time, checking the invariants at each.
  void run_until(TimePoint until) {
    while (network_.now() < until) {
      network_.advance(1ms);
      std::size_t masters = 0;
      for (std::size_t i = 0; i < nodes_.size(); ++i) {
        if (!nodes_[i] || !nodes_[i]->is_master()) continue;
        ++masters;
        masters_of_term_[nodes_[i]->term()].insert(i);
        first_seen_.try_emplace(nodes_[i]->term(), network_.now());
        master_time_[i] += 1;
      }
      REQUIRE(masters <= 1);
      for (const auto& [term, holders] : masters_of_term_)
        REQUIRE(holders.size() == 1);
      if (masters == 1) ++ms_with_master_;
    }
  }

  std::optional<std::size_t> master() const {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i] && nodes_[i]->is_master()) return i;
    return std::nullopt;
  }
  void crash(std::size_t i) {
    crashed_.insert(static_cast<std::uint32_t>(i));
    nodes_[i].reset();
  }
  // A new life of crashed node `i`, sealing from `first_sequence` (LeaseConfig's).
  void restart(std::size_t i, std::uint64_t first_sequence) {
    REQUIRE(nodes_[i] == nullptr);
    crashed_.erase(static_cast<std::uint32_t>(i));
    LeaseConfig config = sealed_config(nodes_.size());
    config.first_sequence = first_sequence;
    nodes_[i] = std::make_unique<LeaseElection>(network_.node(i), std::move(config));
  }
  std::int64_t counter(std::size_t i, const std::string& name) {
    return network_.node(i).recorded_metrics().counter(name);
  }
  // Cuts `side` off from the other nodes (both directions); an empty side heals.
  void partition(std::set<std::uint32_t> side) { side_ = std::move(side); }
  // Cuts the one link between two nodes, both directions.
  void cut(std::uint32_t a, std::uint32_t b) { cut_ = std::pair{a, b}; }
  TimePoint now() const { return network_.now(); }
  std::int64_t ms_with_master() const { return ms_with_master_; }
  const std::map<std::uint64_t, std::set<std::size_t>>& masters_of_term() const {
    return masters_of_term_;
  }
  TimePoint first_seen(std::uint64_t term) const { return first_seen_.at(term); }
  LeaseElection& node(std::size_t i) { return *nodes_.at(i); }

 private:
  testing::ManualNetwork network_;
  std::vector<std::unique_ptr<LeaseElection>> nodes_;
  std::set<std::uint32_t> crashed_;
  std::set<std::uint32_t> side_;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> cut_;
  std::map<std::uint64_t, std::set<std::size_t>> masters_of_term_;
  std::map<std::size_t, std::int64_t> master_time_;
  std::map<std::uint64_t, TimePoint> first_seen_;  // term -> when its master was first seen
  std::int64_t ms_with_master_ = 0;
};

}  // namespace

TEST_CASE("lease: five nodes elect one master and keep it", "[distribution][lease]") {
  LeaseCluster cluster(5);
  cluster.run_until(TimePoint(5s));
  REQUIRE(cluster.master().has_value());
  const std::size_t first = *cluster.master();
  cluster.run_until(TimePoint(20s));
  CHECK(cluster.master() == first);  // renewed, not re-elected
  CHECK(cluster.masters_of_term().size() == 1);
  CHECK(cluster.ms_with_master() > 15000);
  // Every member, the master too, backs the master: renewals keep their grants bound.
  for (std::uint32_t i = 0; i < 5; ++i) {
    const std::optional<NodeId> backed = cluster.node(i).backed_master();
    INFO("node " << i << " backs " << (backed ? static_cast<int>(backed->value) : -1) << ", master "
                 << first << ", its term " << cluster.node(i).term() << ", master term "
                 << cluster.node(first).term());
    CHECK(backed == NodeId{static_cast<std::uint32_t>(first)});
  }
}

TEST_CASE(
    "lease: a restarted member is heard only when its sequences start above its earlier "
    "life's",
    "[distribution][lease]") {
  LeaseCluster cluster(3);  // every node starts at clock 0: its sequences from 1
  cluster.run_until(TimePoint(5s));
  REQUIRE(cluster.master().has_value());
  const std::size_t master = *cluster.master();
  const std::size_t other = (master + 1) % 3;
  const std::uint64_t term = cluster.node(master).term();
  cluster.crash(other);
  cluster.run_until(TimePoint(6s));
  const char* const replayed = "distribution_lease_messages_refused_replayed_total";
  REQUIRE(cluster.counter(master, replayed) == 0);

  SECTION("from 1 again, as a clock that restarts at zero gives: its grants refused as replays") {
    cluster.restart(other, 1);
    cluster.run_until(TimePoint(9s));
    CHECK(cluster.counter(master, replayed) > 0);
  }
  SECTION("from the Environment's clock (0: the simulator's clock runs on across a restart)") {
    cluster.restart(other, 0);
    cluster.run_until(TimePoint(9s));
    CHECK(cluster.counter(master, replayed) == 0);
    CHECK(cluster.node(other).backed_master() == NodeId{static_cast<std::uint32_t>(master)});
  }
  SECTION("from a configured number above the earlier life's (the real runtime: system clock)") {
    cluster.restart(other, 1'000'000);
    cluster.run_until(TimePoint(9s));
    CHECK(cluster.counter(master, replayed) == 0);
    CHECK(cluster.node(other).backed_master() == NodeId{static_cast<std::uint32_t>(master)});
  }
  CHECK(cluster.master() == master);  // the restart changed no master
  CHECK(cluster.node(master).term() == term);
}

TEST_CASE("lease: a crashed master is replaced, only after its lease ran out",
          "[distribution][lease]") {
  LeaseCluster cluster(5);
  cluster.run_until(TimePoint(5s));
  REQUIRE(cluster.master().has_value());
  const std::size_t first = *cluster.master();
  const TimePoint old_lease_end = *cluster.node(first).lease_end();
  cluster.crash(first);
  // Once the grants to the dead master ran out (a lease and its margin), nobody vouches for it.
  cluster.run_until(old_lease_end + 2100ms);
  for (std::uint32_t i = 0; i < 5; ++i)
    if (i != first)
      CHECK(cluster.node(i).backed_master() != NodeId{static_cast<std::uint32_t>(first)});
  cluster.run_until(TimePoint(15s));
  REQUIRE(cluster.master().has_value());
  const std::size_t second = *cluster.master();
  CHECK(second != first);
  CHECK(cluster.masters_of_term().size() == 2);
  // The granters stayed bound to the dead master until its lease (and more) had run out: the
  // next master came after the old lease's end, not inside it.
  CHECK(cluster.first_seen(cluster.node(second).term()) >= old_lease_end);
}

TEST_CASE(
    "lease: a master cut off in a minority steps down; the majority elects another; healed, "
    "one master",
    "[distribution][lease]") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    LeaseCluster cluster(5, seed);
    cluster.run_until(TimePoint(5s));
    REQUIRE(cluster.master().has_value());
    const auto first = static_cast<std::uint32_t>(*cluster.master());
    const std::uint32_t other = (first + 1) % 5;
    cluster.partition({first, other});
    cluster.run_until(TimePoint(15s));
    REQUIRE(cluster.master().has_value());
    const auto second = static_cast<std::uint32_t>(*cluster.master());
    CHECK(second != first);
    CHECK(second != other);
    cluster.partition({});
    cluster.run_until(TimePoint(30s));
    CHECK(cluster.master().has_value());
  }
}

TEST_CASE("lease: a member cut off from the master alone cannot take over, the others being bound",
          "[distribution][lease]") {
  // Only the link between the master and one member is cut: that member hears of no master and
  // runs elections, but every other member is bound to the master, renewed every 500 ms, and
  // refuses it. (Without the binding rule its higher terms would win: two masters at once.)
  LeaseCluster cluster(5);
  cluster.run_until(TimePoint(5s));
  REQUIRE(cluster.master().has_value());
  const auto first = static_cast<std::uint32_t>(*cluster.master());
  const std::uint32_t loner = (first + 2) % 5;
  cluster.cut(first, loner);
  cluster.run_until(TimePoint(20s));
  CHECK(cluster.master() == first);
  CHECK(cluster.masters_of_term().size() >= 1);
}

TEST_CASE("lease codec: every message round-trips and damaged bytes are refused",
          "[distribution][lease]") {
  const std::vector<LeaseMessage> messages = {
      {LeaseMessageType::kRequest, 7, 3, true},
      {LeaseMessageType::kRequest, 0, 0, false},
      {LeaseMessageType::kGrant, 7, 3, false},
      {LeaseMessageType::kRefuse, 0xffffffffffffffffULL, 1, false},
  };
  for (const LeaseMessage& message : messages) {
    const std::vector<std::uint8_t> bytes = encode(message);
    const auto decoded = decode_lease_message(bytes);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == message);
    for (std::size_t cut = 0; cut < bytes.size(); ++cut)
      CHECK_FALSE(decode_lease_message(std::span(bytes).first(cut)).has_value());
    std::vector<std::uint8_t> longer = bytes;
    longer.push_back(0);
    CHECK_FALSE(decode_lease_message(longer).has_value());
  }
  std::vector<std::uint8_t> bad_holder = encode(messages[0]);
  bad_holder.back() = 2;
  CHECK_FALSE(decode_lease_message(bad_holder).has_value());
  std::vector<std::uint8_t> bad_type = encode(messages[2]);
  bad_type[1] = 4;
  CHECK_FALSE(decode_lease_message(bad_type).has_value());
}

TEST_CASE("lease: with two of five members crashed the other three keep a master",
          "[distribution][lease]") {
  // A majority is three: the lease must hold with any three members left, so none of them may
  // keep refusing the master. (A candidate that lost an election used to keep its promise of
  // that term to itself and refuse the winner's renewals of it for good.)
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    LeaseCluster cluster(5, seed);
    cluster.run_until(TimePoint(5s));
    REQUIRE(cluster.master().has_value());
    const std::size_t master = *cluster.master();
    int crashed = 0;
    for (std::size_t i = 0; i < 5 && crashed < 2; ++i) {
      if (i == master) continue;
      cluster.crash(i);
      ++crashed;
    }
    const std::int64_t before = cluster.ms_with_master();
    cluster.run_until(TimePoint(15s));
    INFO("seed " << seed << ", master " << master);
    CHECK(cluster.master() == master);
    CHECK(cluster.ms_with_master() - before == 10000);  // renewed throughout
  }
}

namespace {

// One member (node 0 of three) and hand-made datagrams: what it answers, and what it counts.
struct LoneMember {
  testing::ManualEnvironment env{NodeId{0}};
  LeaseElection election{env, sealed_config(3)};
  std::uint64_t network = spore::network_id_from_name(kTestNetwork);

  // A lease request for `term` from node `sender`, sealed under `key` with `sequence`.
  std::vector<std::uint8_t> request(std::uint32_t sender, std::uint64_t sequence,
                                    std::uint64_t term = 5, std::string_view key = kTestKey,
                                    std::uint64_t network_id = 0) const {
    const LeaseMessage message{LeaseMessageType::kRequest, term, 1, false};
    const spore::SealedHeader header{spore::SealedProtocol::kLease,
                                     network_id != 0 ? network_id : network, NodeId{sender},
                                     sequence};
    return spore::seal(header, encode(message), *test_authenticator(key));
  }
  // Delivers `payload` as sent by `from`; the lease messages node 0 sent in answer.
  std::vector<Message> deliver(std::uint32_t from, std::vector<std::uint8_t> payload) {
    env.take_outbox();
    env.deliver(Message{NodeId{from}, NodeId{0}, kLeasePort, std::move(payload)});
    std::vector<Message> answers;
    for (Message& message : env.take_outbox())
      if (message.port == kLeasePort) answers.push_back(std::move(message));
    return answers;
  }
  std::int64_t refused(const char* reason) {
    return env.recorded_metrics().counter(std::string("distribution_lease_messages_refused_") +
                                          reason + "_total");
  }
};

}  // namespace

TEST_CASE("lease: a sealed request is granted, and the grant is sealed by the granter",
          "[distribution][lease]") {
  LoneMember member;
  const std::vector<Message> answers = member.deliver(1, member.request(1, 100));
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].to == NodeId{1});
  spore::ReplayWindow window(3);
  const spore::OpenedDatagram opened =
      spore::open_sealed(answers[0].payload, spore::SealedProtocol::kLease, NodeId{0},
                         member.network, *test_authenticator(), window);
  REQUIRE(opened.refusal == spore::SealedRefusal::kNone);
  const std::optional<LeaseMessage> grant = decode_lease_message(opened.body);
  REQUIRE(grant.has_value());
  CHECK(grant->type == LeaseMessageType::kGrant);
  CHECK(grant->term == 5);
  CHECK(member.election.backed_master() == NodeId{1});
}

TEST_CASE("lease: forged, replayed, foreign and re-sent messages are refused and counted",
          "[distribution][lease]") {
  LoneMember member;
  SECTION("another key: no grant, and no promise") {
    CHECK(member.deliver(1, member.request(1, 100, 5, "somebody else's key, 32 bytes..")).empty());
    CHECK(member.refused("bad_mac") == 1);
    CHECK_FALSE(member.election.backed_master().has_value());
  }
  SECTION("a bit changed in a sealed request") {
    std::vector<std::uint8_t> bytes = member.request(1, 100);
    bytes[spore::kSealedHeaderBytes + 2] ^= 0x01;  // the term
    CHECK(member.deliver(1, bytes).empty());
    CHECK(member.refused("bad_mac") == 1);
    CHECK_FALSE(member.election.backed_master().has_value());
  }
  SECTION("an unsealed request, as this protocol's first version sent them") {
    CHECK(member.deliver(1, encode(LeaseMessage{LeaseMessageType::kRequest, 5, 1, false})).empty());
    CHECK(member.refused("malformed") == 1);
  }
  SECTION("another network's id, under the same key") {
    CHECK(member.deliver(1, member.request(1, 100, 5, kTestKey, 12345)).empty());
    CHECK(member.refused("foreign_network") == 1);
  }
  SECTION("node 1's sealed request sent on by node 2") {
    CHECK(member.deliver(2, member.request(1, 100)).empty());
    CHECK(member.refused("wrong_sender") == 1);
    CHECK_FALSE(member.election.backed_master().has_value());
  }
  SECTION("the same sealed request twice: one answer") {
    const std::vector<std::uint8_t> bytes = member.request(1, 100);
    CHECK(member.deliver(1, bytes).size() == 1);
    CHECK(member.deliver(1, bytes).empty());
    CHECK(member.refused("replayed") == 1);
    CHECK(member.deliver(1, member.request(1, 101)).size() == 1);  // a fresh one is answered
  }
  CHECK(member.env.recorded_metrics().counter("distribution_lease_messages_refused_total") >= 1);
}
