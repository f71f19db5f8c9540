// The Service Spore topology (core/spore/service_topology.hpp): the replicated map service ->
// instances. Local API and discovery, tombstones and their retention, owner liveness, the
// conflict rule, the size bound, change subscriptions, the anti-entropy helpers, and a
// randomized property test: replicas that receive the same records in any order, with
// duplicates, end identical.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <core/env/random_stream.hpp>
#include <core/spore/service_topology.hpp>

using namespace std::chrono_literals;
using namespace mycelium;
using namespace mycelium::spore;

namespace {

TimePoint at(Duration since_start) {
  return TimePoint(since_start);
}

ServiceInstanceFields fields(std::string service, std::string instance_id,
                             std::string health_endpoint = "",
                             std::vector<std::uint16_t> ports = {8080}) {
  ServiceInstanceFields result;
  result.service = std::move(service);
  result.instance_id = std::move(instance_id);
  result.ports = std::move(ports);
  result.health_endpoint = std::move(health_endpoint);
  return result;
}

ServiceInstanceRecord remote(std::string service, std::string instance_id, std::uint32_t owner,
                             std::uint64_t version,
                             InstanceHealth health = InstanceHealth::kHealthy,
                             bool deregistered = false) {
  ServiceInstanceRecord record;
  record.service = std::move(service);
  record.instance_id = std::move(instance_id);
  record.owner = NodeId{owner};
  record.ports = {9000};
  record.health_endpoint = "/health";
  record.health = health;
  record.version = version;
  record.deregistered = deregistered;
  return record;
}

std::vector<std::string> ids(const std::vector<ServiceInstanceRecord>& records) {
  std::vector<std::string> result;
  for (const ServiceInstanceRecord& record : records)
    result.push_back(record.instance_id);
  return result;
}

using Strings = std::vector<std::string>;

struct Notification {
  std::string instance_id;
  TopologyChange change;
  std::uint64_t version;

  bool operator==(const Notification&) const = default;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Local API and discovery

TEST_CASE("spore topology: registered and merged instances are discovered, de-duplicated, sorted") {
  ServiceTopology topology(NodeId{1});
  const WriteResult b = topology.register_service_instance(fields("orders", "orders-b"), at(1s));
  REQUIRE(b.published());
  CHECK(b.record.owner == NodeId{1});
  CHECK(b.record.version == 1);
  CHECK(b.record.health == InstanceHealth::kHealthy);  // no health endpoint: healthy at once

  CHECK(topology.merge(remote("orders", "orders-a", 2, 3), at(2s)).changed);
  CHECK(topology.merge(remote("orders", "orders-c", 3, 1), at(2s)).changed);
  CHECK(topology.merge(remote("payments", "payments-0", 3, 1), at(2s)).changed);
  // Duplicates and the same record through another path change nothing.
  CHECK_FALSE(topology.merge(remote("orders", "orders-a", 2, 3), at(3s)).changed);
  CHECK_FALSE(topology.merge(b.record, at(3s)).changed);

  CHECK(ids(topology.discover_peer_instances("orders")) ==
        Strings{"orders-a", "orders-b", "orders-c"});
  CHECK(ids(topology.discover_peer_instances("payments")) == Strings{"payments-0"});
  CHECK(topology.discover_peer_instances("order").empty());  // a prefix is another service
  CHECK(topology.discover_peer_instances("unknown").empty());
  CHECK(topology.size() == 4);
  topology.check_invariants();
}

TEST_CASE(
    "spore topology: an instance with a health endpoint is discovered after its first check") {
  ServiceTopology topology(NodeId{1});
  const WriteResult registered =
      topology.register_service_instance(fields("orders", "orders-0", "/health"), at(0s));
  REQUIRE(registered.published());
  CHECK(registered.record.health == InstanceHealth::kUnknown);
  CHECK(topology.discover_peer_instances("orders").empty());
  CHECK(ids(topology.instances("orders")) == Strings{"orders-0"});

  const WriteResult healthy =
      topology.set_health("orders", "orders-0", InstanceHealth::kHealthy, at(1s));
  REQUIRE(healthy.published());
  CHECK(healthy.record.version == 2);
  CHECK(ids(topology.discover_peer_instances("orders")) == Strings{"orders-0"});
}

TEST_CASE("spore topology: re-registration bumps the version only when the fields change") {
  ServiceTopology topology(NodeId{1});
  REQUIRE(
      topology.register_service_instance(fields("orders", "o-0", "/health"), at(0s)).published());
  REQUIRE(topology.set_health("orders", "o-0", InstanceHealth::kHealthy, at(1s)).published());

  const WriteResult same =
      topology.register_service_instance(fields("orders", "o-0", "/health"), at(2s));
  CHECK(same.status == WriteStatus::kUnchanged);
  CHECK(same.record.version == 2);

  // New ports, same endpoint: a new version that keeps the checked health.
  const WriteResult ports =
      topology.register_service_instance(fields("orders", "o-0", "/health", {8080, 8443}), at(3s));
  REQUIRE(ports.published());
  CHECK(ports.record.version == 3);
  CHECK(ports.record.health == InstanceHealth::kHealthy);

  // A new endpoint has not been checked yet.
  const WriteResult endpoint =
      topology.register_service_instance(fields("orders", "o-0", "/ready", {8080, 8443}), at(4s));
  REQUIRE(endpoint.published());
  CHECK(endpoint.record.version == 4);
  CHECK(endpoint.record.health == InstanceHealth::kUnknown);
}

TEST_CASE(
    "spore topology: deregistration hides the instance behind a tombstone stale copies lose to") {
  ServiceTopology topology(NodeId{1});
  const WriteResult registered =
      topology.register_service_instance(fields("orders", "orders-0"), at(0s));
  REQUIRE(registered.published());
  const WriteResult gone = topology.deregister("orders", "orders-0", at(1s));
  REQUIRE(gone.published());
  CHECK(gone.record.deregistered);
  CHECK(gone.record.version == 2);
  CHECK(topology.discover_peer_instances("orders").empty());
  CHECK(topology.instances("orders").empty());
  CHECK(topology.tombstone_count() == 1);

  // The stale live copy (still in flight somewhere) loses to the tombstone.
  CHECK_FALSE(topology.merge(registered.record, at(2s)).changed);
  CHECK(topology.discover_peer_instances("orders").empty());
  REQUIRE(topology.find("orders", "orders-0") != nullptr);
  CHECK(topology.find("orders", "orders-0")->deregistered);

  CHECK(topology.deregister("orders", "orders-0", at(3s)).status == WriteStatus::kUnchanged);
  CHECK(topology.deregister("orders", "nothing", at(3s)).status == WriteStatus::kNotFound);

  // Registering again writes above the tombstone.
  const WriteResult again =
      topology.register_service_instance(fields("orders", "orders-0"), at(4s));
  REQUIRE(again.published());
  CHECK(again.record.version == 3);
  CHECK(ids(topology.discover_peer_instances("orders")) == Strings{"orders-0"});
  CHECK(topology.tombstone_count() == 0);
  topology.check_invariants();
}

TEST_CASE("spore topology: an unhealthy instance is kept and marked but not discovered") {
  ServiceTopology topology(NodeId{1});
  REQUIRE(topology.register_service_instance(fields("orders", "a"), at(0s)).published());
  REQUIRE(topology.register_service_instance(fields("orders", "b"), at(0s)).published());

  const WriteResult sick = topology.set_health("orders", "a", InstanceHealth::kUnhealthy, at(1s));
  REQUIRE(sick.published());
  CHECK(sick.record.version == 2);
  CHECK(topology.set_health("orders", "a", InstanceHealth::kUnhealthy, at(2s)).status ==
        WriteStatus::kUnchanged);
  CHECK(topology.find("orders", "a")->version == 2);

  CHECK(ids(topology.discover_peer_instances("orders")) == Strings{"b"});
  const auto all = topology.instances("orders");
  REQUIRE(ids(all) == Strings{"a", "b"});
  CHECK(all[0].health == InstanceHealth::kUnhealthy);
  CHECK(all[1].health == InstanceHealth::kHealthy);

  // Remote unhealthy instances are kept as well.
  REQUIRE(topology.merge(remote("orders", "c", 7, 4, InstanceHealth::kUnhealthy), at(3s)).changed);
  CHECK(ids(topology.instances("orders")) == Strings{"a", "b", "c"});
  CHECK(ids(topology.discover_peer_instances("orders")) == Strings{"b"});

  REQUIRE(topology.set_health("orders", "a", InstanceHealth::kHealthy, at(4s)).published());
  CHECK(ids(topology.discover_peer_instances("orders")) == Strings{"a", "b"});
}

TEST_CASE("spore topology: only the owner writes its records") {
  ServiceTopology topology(NodeId{1});
  REQUIRE(topology.merge(remote("orders", "remote-0", 7, 4), at(0s)).changed);
  const WriteResult health =
      topology.set_health("orders", "remote-0", InstanceHealth::kUnhealthy, at(1s));
  CHECK(health.status == WriteStatus::kNotOwner);
  CHECK(health.record.owner == NodeId{7});
  CHECK(topology.deregister("orders", "remote-0", at(1s)).status == WriteStatus::kNotOwner);
  CHECK(topology.set_health("orders", "missing", InstanceHealth::kHealthy, at(1s)).status ==
        WriteStatus::kNotFound);
  CHECK(topology.find("orders", "remote-0")->version == 4);
}

TEST_CASE("spore topology: registering a key another member owns takes it over above its version") {
  ServiceTopology previous_owner(NodeId{3});
  ServiceTopology new_owner(NodeId{7});
  const WriteResult original =
      previous_owner.register_service_instance(fields("orders", "orders-0"), at(0s));
  REQUIRE(original.published());
  REQUIRE(new_owner.merge(original.record, at(1s)).changed);

  const WriteResult moved =
      new_owner.register_service_instance(fields("orders", "orders-0"), at(2s));
  REQUIRE(moved.published());
  CHECK(moved.record.owner == NodeId{7});
  CHECK(moved.record.version == 2);
  CHECK(new_owner.counters().takeovers_total == 1);

  // The previous owner adopts it and can no longer write the key.
  const MergeResult adopted = previous_owner.merge(moved.record, at(3s));
  CHECK(adopted.changed);
  CHECK_FALSE(adopted.republished.has_value());
  CHECK(previous_owner.find("orders", "orders-0")->owner == NodeId{7});
  CHECK(
      previous_owner.set_health("orders", "orders-0", InstanceHealth::kUnhealthy, at(4s)).status ==
      WriteStatus::kNotOwner);
}

// ---------------------------------------------------------------------------------------------
// Versions and conflicts

TEST_CASE("spore topology: the highest version wins in whatever order versions arrive") {
  const std::vector<ServiceInstanceRecord> versions = {
      remote("orders", "o", 5, 1, InstanceHealth::kUnknown),
      remote("orders", "o", 5, 2, InstanceHealth::kHealthy),
      remote("orders", "o", 5, 3, InstanceHealth::kUnhealthy),
      remote("orders", "o", 5, 4, InstanceHealth::kHealthy),
  };
  std::vector<std::size_t> order = {0, 1, 2, 3};
  do {
    ServiceTopology topology(NodeId{1});
    for (std::size_t index : order)
      topology.merge(versions[index], at(0s));
    REQUIRE(topology.find("orders", "o") != nullptr);
    CHECK(*topology.find("orders", "o") == versions[3]);
  } while (std::next_permutation(order.begin(), order.end()));

  ServiceTopology topology(NodeId{1});
  CHECK(topology.merge(versions[3], at(0s)).changed);
  for (std::size_t i = 0; i < 3; ++i)
    CHECK_FALSE(topology.merge(versions[i], at(0s)).changed);
}

TEST_CASE("spore topology: at equal version the lower owner id wins, on every replica") {
  const ServiceInstanceRecord by_three = remote("orders", "o", 3, 5);
  const ServiceInstanceRecord by_nine = remote("orders", "o", 9, 5);
  ServiceTopology first(NodeId{1});
  ServiceTopology second(NodeId{2});
  CHECK(first.merge(by_three, at(0s)).changed);
  CHECK_FALSE(first.merge(by_nine, at(0s)).changed);
  CHECK(second.merge(by_nine, at(0s)).changed);
  CHECK(second.merge(by_three, at(0s)).changed);
  CHECK(first.export_records() == second.export_records());
  CHECK(first.find("orders", "o")->owner == NodeId{3});
  CHECK(first.counters().owner_conflicts_total == 1);
  CHECK(second.counters().owner_conflicts_total == 1);
  // A higher version of the losing owner still wins: versions come first.
  CHECK(first.merge(remote("orders", "o", 9, 6), at(0s)).changed);
  CHECK(first.find("orders", "o")->owner == NodeId{9});
}

TEST_CASE(
    "spore topology: a reused version of one owner resolves by tombstone, then worse health") {
  ServiceInstanceRecord healthy = remote("orders", "o", 4, 7, InstanceHealth::kHealthy);
  ServiceInstanceRecord unknown = remote("orders", "o", 4, 7, InstanceHealth::kUnknown);
  ServiceInstanceRecord unhealthy = remote("orders", "o", 4, 7, InstanceHealth::kUnhealthy);
  ServiceInstanceRecord tombstone = remote("orders", "o", 4, 7, InstanceHealth::kHealthy, true);
  ServiceInstanceRecord other_ports = healthy;
  other_ports.ports = {9001};

  CHECK(ServiceTopology::record_beats(tombstone, unhealthy));
  CHECK(ServiceTopology::record_beats(unhealthy, unknown));
  CHECK(ServiceTopology::record_beats(unknown, healthy));
  CHECK(ServiceTopology::record_beats(other_ports, healthy));  // {9001} > {9000}
  CHECK_FALSE(ServiceTopology::record_beats(healthy, healthy));

  const std::vector<ServiceInstanceRecord> all = {healthy, unknown, unhealthy, tombstone,
                                                  other_ports};
  std::vector<std::size_t> order = {0, 1, 2, 3, 4};
  do {
    ServiceTopology topology(NodeId{1});
    for (std::size_t index : order)
      topology.merge(all[index], at(0s));
    CHECK(*topology.find("orders", "o") == tombstone);
  } while (std::next_permutation(order.begin(), order.end()));

  ServiceTopology topology(NodeId{1});
  topology.merge(healthy, at(0s));
  topology.merge(unhealthy, at(0s));
  CHECK(topology.counters().version_conflicts_total == 1);
}

// ---------------------------------------------------------------------------------------------
// Owner liveness

TEST_CASE(
    "spore topology: a gone owner's instances are hidden and shown again, no version written") {
  ServiceTopology topology(NodeId{1});
  REQUIRE(topology.register_service_instance(fields("orders", "mine"), at(0s)).published());
  REQUIRE(topology.merge(remote("orders", "theirs-0", 5, 2), at(0s)).changed);
  REQUIRE(topology.merge(remote("orders", "theirs-1", 5, 1), at(0s)).changed);
  REQUIRE(topology.merge(remote("orders", "other", 6, 1), at(0s)).changed);
  const auto before = topology.export_records();
  const std::uint64_t digest = topology.digest();
  const std::uint64_t changes = topology.change_counter();

  CHECK(topology.owner_gone(NodeId{5}));
  CHECK_FALSE(topology.owner_gone(NodeId{5}));  // already gone
  CHECK(topology.is_owner_gone(NodeId{5}));
  CHECK(ids(topology.discover_peer_instances("orders")) == Strings{"mine", "other"});
  CHECK(ids(topology.instances("orders")) == Strings{"mine", "other"});
  REQUIRE(topology.find("orders", "theirs-0") != nullptr);  // kept, hidden
  CHECK(topology.export_records() == before);
  CHECK(topology.digest() == digest);
  CHECK(topology.change_counter() == changes);

  // Records of a gone owner merged meanwhile are kept, hidden.
  REQUIRE(topology.merge(remote("orders", "theirs-2", 5, 1), at(1s)).changed);
  CHECK(ids(topology.discover_peer_instances("orders")) == Strings{"mine", "other"});

  CHECK(topology.owner_back(NodeId{5}));
  CHECK_FALSE(topology.owner_back(NodeId{5}));
  CHECK(ids(topology.discover_peer_instances("orders")) ==
        Strings{"mine", "other", "theirs-0", "theirs-1", "theirs-2"});

  // This member is never gone to itself.
  CHECK_FALSE(topology.owner_gone(NodeId{1}));
  CHECK(ids(topology.discover_peer_instances("orders")).size() == 5);
  topology.check_invariants();
}

TEST_CASE("spore topology: owners marked gone are bounded") {
  ServiceTopologyConfig config;
  config.max_gone_owners = 2;
  ServiceTopology topology(NodeId{1}, config);
  REQUIRE(topology.merge(remote("orders", "x", 9, 1), at(0s)).changed);
  CHECK(topology.owner_gone(NodeId{7}));
  CHECK(topology.owner_gone(NodeId{8}));
  CHECK_FALSE(topology.owner_gone(NodeId{9}));
  CHECK(topology.counters().refused_gone_owners_total == 1);
  CHECK(ids(topology.discover_peer_instances("orders")) == Strings{"x"});  // stays visible
  CHECK(topology.owner_back(NodeId{7}));
  CHECK(topology.owner_gone(NodeId{9}));
  CHECK(topology.discover_peer_instances("orders").empty());
}

// ---------------------------------------------------------------------------------------------
// Tombstone retention and the owner's authority

TEST_CASE(
    "spore topology: tombstones expire after the retention, and a stale copy then resurrects") {
  ServiceTopologyConfig config;
  config.tombstone_retention = 1h;
  ServiceTopology topology(NodeId{1}, config);
  const ServiceInstanceRecord live = remote("orders", "o", 7, 1);
  const ServiceInstanceRecord tombstone =
      remote("orders", "o", 7, 2, InstanceHealth::kHealthy, true);
  REQUIRE(topology.merge(live, at(0s)).changed);
  REQUIRE(topology.merge(tombstone, at(10s)).changed);
  REQUIRE(topology.merge(remote("orders", "keep", 7, 1), at(10s)).changed);

  CHECK(topology.expire(at(10s + 1h - 1ns)) == 0);
  CHECK(topology.find("orders", "o") != nullptr);
  CHECK_FALSE(topology.merge(live, at(10s + 1h - 1ns)).changed);  // still protected

  CHECK(topology.expire(at(10s + 1h)) == 1);
  CHECK(topology.find("orders", "o") == nullptr);
  CHECK(topology.find("orders", "keep") != nullptr);  // live records never expire
  CHECK(topology.counters().tombstones_expired_total == 1);
  CHECK(topology.tombstone_count() == 0);

  // The documented trade-off: the stale copy is a new key now, so it is discovered again ...
  CHECK(topology.merge(live, at(2h)).changed);
  CHECK(ids(topology.discover_peer_instances("orders")) == Strings{"keep", "o"});
  // ... until the owner's next version of it arrives.
  CHECK(
      topology.merge(remote("orders", "o", 7, 2, InstanceHealth::kHealthy, true), at(2h)).changed);
  CHECK(ids(topology.discover_peer_instances("orders")) == Strings{"keep"});
  topology.check_invariants();
}

TEST_CASE(
    "spore topology: the owner answers a resurrected copy of its own with a newer tombstone") {
  ServiceTopologyConfig config;
  config.tombstone_retention = 1h;
  ServiceTopology owner(NodeId{7}, config);
  ServiceTopology peer(NodeId{1}, config);
  const WriteResult live = owner.register_service_instance(fields("orders", "o"), at(0s));
  REQUIRE(live.published());
  const WriteResult tombstone = owner.deregister("orders", "o", at(1s));
  REQUIRE(tombstone.published());
  CHECK(owner.expire(at(2h)) == 1);
  CHECK(peer.merge(live.record, at(2h)).changed);  // the peer never saw the tombstone

  const MergeResult answer = owner.merge(live.record, at(3h));
  CHECK(answer.changed);
  REQUIRE(answer.republished.has_value());
  CHECK(answer.republished->deregistered);
  CHECK(answer.republished->owner == NodeId{7});
  CHECK(answer.republished->version == live.record.version + 1);
  CHECK(owner.counters().own_records_answered_total == 1);
  CHECK(owner.discover_peer_instances("orders").empty());

  CHECK(peer.merge(*answer.republished, at(3h)).changed);
  CHECK(peer.discover_peer_instances("orders").empty());
  // The owner's tombstone now beats the stale copy again.
  CHECK_FALSE(owner.merge(live.record, at(3h)).changed);
}

TEST_CASE(
    "spore topology: a restarted owner answers its previous life's records with its present") {
  ServiceTopology restarted(NodeId{7});
  const WriteResult present =
      restarted.register_service_instance(fields("orders", "o", "", {8080}), at(0s));
  REQUIRE(present.published());
  REQUIRE(present.record.version == 1);

  // Its previous life deregistered the instance at version 5: everyone else hides it.
  const ServiceInstanceRecord old_tombstone =
      remote("orders", "o", 7, 5, InstanceHealth::kHealthy, true);
  const MergeResult answer = restarted.merge(old_tombstone, at(1s));
  CHECK(answer.changed);
  REQUIRE(answer.republished.has_value());
  CHECK(answer.republished->version == 6);
  CHECK_FALSE(answer.republished->deregistered);
  CHECK(answer.republished->ports == std::vector<std::uint16_t>{8080});
  CHECK(ids(restarted.discover_peer_instances("orders")) == Strings{"o"});

  ServiceTopology peer(NodeId{1});
  REQUIRE(peer.merge(old_tombstone, at(1s)).changed);
  CHECK_FALSE(peer.merge(present.record, at(1s)).changed);  // version 1 loses everywhere
  CHECK(peer.merge(*answer.republished, at(2s)).changed);   // the answer wins
  CHECK(ids(peer.discover_peer_instances("orders")) == Strings{"o"});

  // A newer own record saying the same (apart from its version) is adopted as is.
  ServiceInstanceRecord same = *answer.republished;
  same.version = 9;
  const MergeResult adopted = restarted.merge(same, at(3s));
  CHECK(adopted.changed);
  CHECK_FALSE(adopted.republished.has_value());
  CHECK(restarted.find("orders", "o")->version == 9);
  // An older own record changes nothing.
  CHECK_FALSE(restarted.merge(remote("orders", "o", 7, 3), at(3s)).changed);

  // A live own record for a key this member does not hold: answered with a tombstone.
  const MergeResult unknown = restarted.merge(remote("orders", "ghost", 7, 4), at(4s));
  REQUIRE(unknown.republished.has_value());
  CHECK(unknown.republished->deregistered);
  CHECK(unknown.republished->version == 5);
  CHECK(ids(restarted.discover_peer_instances("orders")) == Strings{"o"});
  CHECK(restarted.counters().own_records_answered_total == 2);
  restarted.check_invariants();
}

// ---------------------------------------------------------------------------------------------
// Bounds and validation

TEST_CASE("spore topology: beyond max_records new keys are refused and counted, nothing evicted") {
  ServiceTopologyConfig config;
  config.max_records = 3;
  config.tombstone_retention = 1h;
  ServiceTopology topology(NodeId{1}, config);
  REQUIRE(topology.register_service_instance(fields("orders", "a"), at(0s)).published());
  REQUIRE(topology.register_service_instance(fields("orders", "b"), at(0s)).published());
  REQUIRE(topology.merge(remote("orders", "c", 5, 1), at(0s)).changed);

  CHECK(topology.register_service_instance(fields("orders", "d"), at(1s)).status ==
        WriteStatus::kFull);
  CHECK_FALSE(topology.merge(remote("orders", "e", 5, 1), at(1s)).changed);
  CHECK(topology.counters().refused_full_total == 1);
  CHECK(topology.size() == 3);
  CHECK(ids(topology.discover_peer_instances("orders")) == Strings{"a", "b", "c"});

  // Keys already held keep working, tombstones included (they count toward the bound).
  CHECK(topology.set_health("orders", "a", InstanceHealth::kUnhealthy, at(2s)).published());
  CHECK(topology.merge(remote("orders", "c", 5, 2), at(2s)).changed);
  CHECK(topology.deregister("orders", "b", at(2s)).published());
  CHECK_FALSE(topology.merge(remote("orders", "e", 5, 1), at(2s)).changed);
  CHECK(topology.counters().refused_full_total == 2);

  // Expiry frees the tombstone's place.
  CHECK(topology.expire(at(2s + 1h)) == 1);
  CHECK(topology.merge(remote("orders", "e", 5, 1), at(2s + 1h)).changed);
  CHECK(topology.size() == 3);
  topology.check_invariants();
}

TEST_CASE("spore topology: records out of bounds are refused and counted") {
  ServiceTopology topology(NodeId{1});
  std::vector<ServiceInstanceRecord> bad(10, remote("orders", "o", 5, 1));
  bad[0].service.clear();
  bad[1].instance_id = std::string(254, 'x');
  bad[2].owner = kInvalidNode;
  bad[3].ports = {0};
  bad[4].ports.assign(kMaxPorts + 1, 80);
  bad[5].labels = {{"zone", "a"}, {"tier", "web"}};  // not sorted
  bad[6].labels = {{"tier", "a"}, {"tier", "b"}};    // not unique
  bad[7].version = 0;
  bad[8].version = kMaxInstanceVersion + 1;
  bad[9].health_endpoint = std::string(kMaxEndpointBytes + 1, '/');
  for (const ServiceInstanceRecord& record : bad) {
    CHECK_FALSE(ServiceTopology::record_error(record).empty());
    CHECK_FALSE(topology.merge(record, at(0s)).changed);
  }
  CHECK(topology.counters().refused_invalid_total == bad.size());
  CHECK(topology.size() == 0);

  ServiceInstanceRecord good = remote("orders", "o", 5, kMaxInstanceVersion);
  good.labels = {{"tier", "web"}, {"zone", "a"}};
  CHECK(ServiceTopology::record_error(good).empty());
  CHECK(topology.merge(good, at(0s)).changed);

  ServiceInstanceFields unsorted = fields("orders", "mine");
  unsorted.labels = {{"zone", "a"}, {"tier", "web"}};
  CHECK(topology.register_service_instance(unsorted, at(0s)).status == WriteStatus::kInvalid);
  CHECK(topology.register_service_instance(fields("", "mine"), at(0s)).status ==
        WriteStatus::kInvalid);
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

TEST_CASE("spore topology: subscribers hear once per visible change and never for no change") {
  ServiceTopology topology(NodeId{1});
  std::vector<Notification> heard;
  std::vector<std::size_t> discovered_during_callback;
  topology.subscribe("orders", [&](const ServiceInstanceRecord& record, TopologyChange change) {
    heard.push_back(Notification{record.instance_id, change, record.version});
    // Callbacks run after the change: discovery already shows it.
    discovered_during_callback.push_back(topology.discover_peer_instances("orders").size());
  });
  std::size_t other_service_heard = 0;
  topology.subscribe("payments",
                     [&](const ServiceInstanceRecord&, TopologyChange) { ++other_service_heard; });

  REQUIRE(topology.merge(remote("orders", "a", 5, 1), at(0s)).changed);
  CHECK_FALSE(topology.merge(remote("orders", "a", 5, 1), at(0s)).changed);  // duplicate
  // A new version with the same content changes the state, not what discovery shows.
  CHECK(topology.merge(remote("orders", "a", 5, 2), at(0s)).changed);
  REQUIRE(topology.merge(remote("orders", "a", 5, 3, InstanceHealth::kUnhealthy), at(0s)).changed);
  ServiceInstanceRecord moved = remote("orders", "a", 5, 4, InstanceHealth::kUnhealthy);
  moved.ports = {9443};
  REQUIRE(topology.merge(moved, at(0s)).changed);
  CHECK_FALSE(topology.merge(remote("orders", "a", 5, 2), at(0s)).changed);  // stale
  REQUIRE(
      topology.merge(remote("orders", "a", 5, 5, InstanceHealth::kHealthy, true), at(0s)).changed);
  // A tombstone for an unknown key is not a visible change.
  REQUIRE(
      topology.merge(remote("orders", "b", 5, 2, InstanceHealth::kHealthy, true), at(0s)).changed);

  const std::vector<Notification> expected = {
      {"a", TopologyChange::kAdded, 1},
      {"a", TopologyChange::kHealthChanged, 3},
      {"a", TopologyChange::kUpdated, 4},
      {"a", TopologyChange::kRemoved, 5},
  };
  CHECK(heard == expected);
  CHECK(discovered_during_callback == std::vector<std::size_t>{1, 0, 0, 0});
  CHECK(other_service_heard == 0);
}

TEST_CASE("spore topology: owner gone and back notify each live instance once") {
  ServiceTopology topology(NodeId{1});
  std::vector<Notification> heard;
  topology.subscribe("", [&](const ServiceInstanceRecord& record, TopologyChange change) {
    heard.push_back(Notification{record.instance_id, change, record.version});
  });
  REQUIRE(topology.merge(remote("orders", "a", 5, 1), at(0s)).changed);
  REQUIRE(
      topology.merge(remote("payments", "p", 5, 1, InstanceHealth::kUnhealthy), at(0s)).changed);
  REQUIRE(topology.merge(remote("orders", "dead", 5, 2, InstanceHealth::kHealthy, true), at(0s))
              .changed);
  REQUIRE(topology.merge(remote("orders", "other", 6, 1), at(0s)).changed);
  heard.clear();

  REQUIRE(topology.owner_gone(NodeId{5}));
  CHECK(heard == std::vector<Notification>{{"a", TopologyChange::kRemoved, 1},
                                           {"p", TopologyChange::kRemoved, 1}});
  heard.clear();
  CHECK_FALSE(topology.owner_gone(NodeId{5}));
  // Changes to a gone owner's records are invisible.
  REQUIRE(topology.merge(remote("orders", "a", 5, 2, InstanceHealth::kUnhealthy), at(1s)).changed);
  REQUIRE(topology.merge(remote("orders", "b", 5, 1), at(1s)).changed);
  CHECK(heard.empty());

  REQUIRE(topology.owner_back(NodeId{5}));
  CHECK(heard == std::vector<Notification>{{"a", TopologyChange::kAdded, 2},
                                           {"b", TopologyChange::kAdded, 1},
                                           {"p", TopologyChange::kAdded, 1}});
}

TEST_CASE("spore topology: the local API notifies like merges, and callbacks may unsubscribe") {
  ServiceTopology topology(NodeId{1});
  std::vector<Notification> heard;
  std::vector<Notification> heard_once;
  ServiceTopology::SubscriptionId once = 0;
  ServiceTopology::SubscriptionId late = 0;
  std::size_t late_heard = 0;
  topology.subscribe("orders", [&](const ServiceInstanceRecord& record, TopologyChange change) {
    heard.push_back(Notification{record.instance_id, change, record.version});
  });
  once =
      topology.subscribe("orders", [&](const ServiceInstanceRecord& record, TopologyChange change) {
        heard_once.push_back(Notification{record.instance_id, change, record.version});
        CHECK(topology.unsubscribe(once));  // its own subscription, while it runs
        // A subscription made during a dispatch misses that dispatch.
        late = topology.subscribe(
            "orders", [&](const ServiceInstanceRecord&, TopologyChange) { ++late_heard; });
      });
  CHECK(topology.subscription_count() == 2);

  REQUIRE(topology.register_service_instance(fields("orders", "o", "/health"), at(0s)).published());
  CHECK(topology.subscription_count() == 2);  // `once` left, `late` came
  REQUIRE(topology.set_health("orders", "o", InstanceHealth::kHealthy, at(1s)).published());
  CHECK(topology.set_health("orders", "o", InstanceHealth::kHealthy, at(2s)).status ==
        WriteStatus::kUnchanged);
  REQUIRE(topology.register_service_instance(fields("orders", "o", "/health"), at(3s)).status ==
          WriteStatus::kUnchanged);
  REQUIRE(topology.deregister("orders", "o", at(4s)).published());

  CHECK(heard == std::vector<Notification>{{"o", TopologyChange::kAdded, 1},
                                           {"o", TopologyChange::kHealthChanged, 2},
                                           {"o", TopologyChange::kRemoved, 3}});
  CHECK(heard_once == std::vector<Notification>{{"o", TopologyChange::kAdded, 1}});
  CHECK(late_heard == 2);
  CHECK_FALSE(topology.unsubscribe(once));
  CHECK(topology.unsubscribe(late));
  CHECK(topology.subscription_count() == 1);
  topology.check_invariants();
}

// ---------------------------------------------------------------------------------------------
// Anti-entropy helpers and export

TEST_CASE("spore topology: changed_since lists changes oldest first in bounded batches") {
  ServiceTopologyConfig config;
  config.tombstone_retention = 1h;
  ServiceTopology topology(NodeId{1}, config);
  for (const char* id : {"e", "d", "c", "b", "a"})
    REQUIRE(topology.merge(remote("orders", id, 5, 1), at(0s)).changed);

  ChangeBatch first = topology.changed_since(0, 2);
  CHECK(ids(first.records) == Strings{"e", "d"});
  CHECK_FALSE(first.complete);
  ChangeBatch rest = topology.changed_since(first.next_cursor, 10);
  CHECK(ids(rest.records) == Strings{"c", "b", "a"});
  CHECK(rest.complete);
  CHECK(rest.next_cursor == topology.change_counter());
  CHECK(topology.changed_since(rest.next_cursor, 10).records.empty());

  // A changed record moves to the end; a refused merge is not a change.
  REQUIRE(
      topology.merge(remote("orders", "d", 5, 2, InstanceHealth::kHealthy, true), at(1s)).changed);
  CHECK_FALSE(topology.merge(remote("orders", "d", 5, 1), at(1s)).changed);
  ChangeBatch after = topology.changed_since(rest.next_cursor, 10);
  REQUIRE(ids(after.records) == Strings{"d"});
  CHECK(after.records[0].version == 2);
  CHECK(ids(topology.changed_since(0, 10).records) == Strings{"e", "c", "b", "a", "d"});

  // Expired tombstones leave the list.
  CHECK(topology.expire(at(1s + 1h)) == 1);
  CHECK(ids(topology.changed_since(0, 10).records) == Strings{"e", "c", "b", "a"});
  CHECK(topology.changed_since(0, 0).records.empty());
  topology.check_invariants();
}

TEST_CASE("spore topology: samples are bounded, distinct, in key order, and reproducible") {
  ServiceTopology topology(NodeId{1});
  for (int i = 0; i < 20; ++i) {
    REQUIRE(topology.merge(remote("orders", "o-" + std::to_string(100 + i), 5, 1), at(0s)).changed);
  }
  RandomStream stream(42);
  RandomStream same(42);
  std::map<std::string, int> seen;
  for (int round = 0; round < 200; ++round) {
    const auto sample = topology.sample(5, stream);
    REQUIRE(sample.size() == 5);
    const Strings sampled = ids(sample);
    CHECK(std::is_sorted(sampled.begin(), sampled.end()));
    CHECK(std::adjacent_find(sampled.begin(), sampled.end()) == sampled.end());
    CHECK(ids(topology.sample(5, same)) == sampled);
    for (const std::string& id : sampled)
      ++seen[id];
  }
  // Every record is drawn, and none far more than its share (200 x 5 / 20 = 50 each).
  REQUIRE(seen.size() == 20);
  for (const auto& [id, count] : seen) {
    CAPTURE(id);
    CHECK(count > 15);
    CHECK(count < 100);
  }
  // One record at a time reaches every record too (Floyd's last step draws from all of them).
  std::set<std::string> singles;
  for (int round = 0; round < 400; ++round) {
    const auto single = topology.sample(1, stream);
    REQUIRE(single.size() == 1);
    singles.insert(single[0].instance_id);
  }
  CHECK(singles.size() == 20);
  CHECK(topology.sample(100, stream).size() == 20);
  CHECK(topology.sample(0, stream).empty());
  ServiceTopology empty(NodeId{1});
  CHECK(empty.sample(5, stream).empty());
}

TEST_CASE("spore topology: the digest tells different states apart") {
  ServiceTopology a(NodeId{1});
  ServiceTopology b(NodeId{2});
  CHECK(a.digest() == b.digest());
  a.merge(remote("orders", "o", 5, 1), at(0s));
  CHECK(a.digest() != b.digest());
  b.merge(remote("orders", "o", 5, 1), at(0s));
  CHECK(a.digest() == b.digest());
  a.merge(remote("orders", "o", 5, 2), at(0s));
  CHECK(a.digest() != b.digest());
  b.merge(remote("orders", "o", 5, 2, InstanceHealth::kUnhealthy), at(0s));
  CHECK(a.digest() != b.digest());
}

// ---------------------------------------------------------------------------------------------
// Convergence, randomized

namespace {

// Isolated owners write records through the local API (the same keys on several owners give
// conflicting versions); some records of one owner are rewritten with the same version and
// other content (a reused version). Each record reaches at least one replica; replicas then
// receive shuffled, duplicated subsets and exchange through changed_since and sample.
struct Universe {
  std::vector<ServiceInstanceRecord> records;
};

ServiceInstanceFields random_fields(RandomStream& script) {
  static const char* const kServices[] = {"svc-a", "svc-b", "svc-c"};
  static const char* const kEndpoints[] = {"", "/health", "/ready"};
  ServiceInstanceFields result;
  result.service = kServices[script.uniform_int(0, 2)];
  result.instance_id = "i-" + std::to_string(script.uniform_int(0, 4));
  for (std::uint16_t port : {80, 443, 8080}) {
    if (script.bernoulli(0.5)) result.ports.push_back(port);
  }
  result.health_endpoint = kEndpoints[script.uniform_int(0, 2)];
  if (script.bernoulli(0.5))
    result.labels.emplace_back("tier", script.bernoulli(0.5) ? "db" : "web");
  if (script.bernoulli(0.5)) result.labels.emplace_back("zone", "a");
  return result;
}

Universe make_universe(RandomStream& script) {
  Universe universe;
  std::vector<ServiceTopology> owners;
  owners.reserve(4);
  for (std::uint32_t owner = 10; owner < 14; ++owner)
    owners.emplace_back(NodeId{owner});
  TimePoint now = kTimeZero;
  const std::uint64_t operations = script.uniform_int(20, 80);
  for (std::uint64_t i = 0; i < operations; ++i) {
    now += 1ms;
    ServiceTopology& owner = owners[script.uniform_int(0, owners.size() - 1)];
    const ServiceInstanceFields target = random_fields(script);
    const std::uint64_t kind = script.uniform_int(0, 9);
    WriteResult result;
    if (kind < 5) {
      result = owner.register_service_instance(target, now);
    } else if (kind < 8) {
      const InstanceHealth health = static_cast<InstanceHealth>(script.uniform_int(0, 2));
      result = owner.set_health(target.service, target.instance_id, health, now);
    } else {
      result = owner.deregister(target.service, target.instance_id, now);
    }
    if (result.published()) universe.records.push_back(result.record);
  }
  // Reused versions: same owner and version, other content.
  const std::size_t written = universe.records.size();
  for (std::size_t i = 0; i < written; ++i) {
    if (!script.bernoulli(0.1)) continue;
    ServiceInstanceRecord twin = universe.records[i];
    switch (script.uniform_int(0, 3)) {
      case 0:
        twin.health = static_cast<InstanceHealth>((static_cast<int>(twin.health) + 1) % 3);
        break;
      case 1:
        twin.deregistered = !twin.deregistered;
        break;
      case 2:
        twin.ports = {1234};
        break;
      default:
        twin.labels = {{"twin", "yes"}};
        break;
    }
    universe.records.push_back(twin);
  }
  return universe;
}

// What the documented rule says wins for each key, computed without record_beats: the highest
// version; among those the lowest owner; among those (a reused version) a tombstone if there is
// one. Keys whose winner is still ambiguous map to every remaining candidate.
std::map<std::pair<std::string, std::string>, std::vector<ServiceInstanceRecord>> expected_winners(
    const Universe& universe) {
  std::map<std::pair<std::string, std::string>, std::vector<ServiceInstanceRecord>> by_key;
  for (const ServiceInstanceRecord& record : universe.records)
    by_key[{record.service, record.instance_id}].push_back(record);
  for (auto& [key, candidates] : by_key) {
    std::uint64_t top_version = 0;
    for (const auto& record : candidates)
      top_version = std::max(top_version, record.version);
    std::erase_if(candidates, [&](const auto& record) { return record.version != top_version; });
    NodeId lowest = candidates.front().owner;
    for (const auto& record : candidates)
      lowest = std::min(lowest, record.owner);
    std::erase_if(candidates, [&](const auto& record) { return record.owner != lowest; });
    const bool any_tombstone = std::any_of(candidates.begin(), candidates.end(),
                                           [](const auto& record) { return record.deregistered; });
    if (any_tombstone)
      std::erase_if(candidates, [](const auto& record) { return !record.deregistered; });
  }
  return by_key;
}

// Mirrors instances() from notifications alone and counts notifications that do not change it.
class Mirror {
 public:
  explicit Mirror(ServiceTopology& topology) {
    topology.subscribe("", [this](const ServiceInstanceRecord& record, TopologyChange change) {
      on_change(record, change);
    });
  }

  void on_change(const ServiceInstanceRecord& record, TopologyChange change) {
    const auto key = std::make_pair(record.service, record.instance_id);
    const auto it = view_.find(key);
    const bool present = it != view_.end();
    switch (change) {
      case TopologyChange::kAdded:
        if (present) ++anomalies_;
        view_[key] = record;
        return;
      case TopologyChange::kRemoved:
        if (!present) ++anomalies_;
        view_.erase(key);
        return;
      case TopologyChange::kHealthChanged:
      case TopologyChange::kUpdated: {
        if (!present) {
          ++anomalies_;
          view_[key] = record;
          return;
        }
        const ServiceInstanceRecord& old = it->second;
        const bool health_differs = old.health != record.health;
        const bool fields_differ = old.owner != record.owner || old.ports != record.ports ||
                                   old.health_endpoint != record.health_endpoint ||
                                   old.labels != record.labels;
        if (change == TopologyChange::kHealthChanged ? !health_differs
                                                     : (health_differs || !fields_differ))
          ++anomalies_;
        it->second = record;
        return;
      }
    }
  }

  // The view, without versions: a version-only change is not announced, by design.
  std::vector<ServiceInstanceRecord> view_without_versions() const {
    std::vector<ServiceInstanceRecord> result;
    for (const auto& [key, record] : view_) {
      result.push_back(record);
      result.back().version = 0;
    }
    return result;
  }

  std::size_t anomalies() const { return anomalies_; }

 private:
  std::map<std::pair<std::string, std::string>, ServiceInstanceRecord> view_;
  std::size_t anomalies_ = 0;
};

std::vector<ServiceInstanceRecord> visible_without_versions(const ServiceTopology& topology) {
  std::vector<ServiceInstanceRecord> result;
  for (const char* service : {"svc-a", "svc-b", "svc-c"}) {
    for (ServiceInstanceRecord record : topology.instances(service)) {
      record.version = 0;
      result.push_back(std::move(record));
    }
  }
  return result;
}

}  // namespace

TEST_CASE("spore topology: replicas converge whatever the order and duplication of deliveries") {
  constexpr std::uint64_t kSeeds = 200;
  constexpr std::size_t kReplicas = 4;
  std::size_t keys_checked = 0;
  std::size_t conflicts_seen = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    CAPTURE(seed);
    RandomStream script = RandomStream::derive(seed, NodeId{0}, "test.spore.topology");
    const Universe universe = make_universe(script);
    REQUIRE_FALSE(universe.records.empty());

    std::vector<ServiceTopology> replicas;
    replicas.reserve(kReplicas);
    for (std::uint32_t r = 0; r < kReplicas; ++r)
      replicas.emplace_back(NodeId{r});
    std::vector<Mirror> mirrors;
    mirrors.reserve(kReplicas);
    for (ServiceTopology& replica : replicas)
      mirrors.emplace_back(replica);

    // Deliveries: every record to one replica at least, to each other with probability 1/2,
    // each delivery repeated up to twice more; every replica's inbox shuffled.
    std::vector<std::vector<ServiceInstanceRecord>> inboxes(kReplicas);
    for (const ServiceInstanceRecord& record : universe.records) {
      const std::size_t sure = script.uniform_int(0, kReplicas - 1);
      for (std::size_t r = 0; r < kReplicas; ++r) {
        if (r != sure && !script.bernoulli(0.5)) continue;
        const std::uint64_t copies = 1 + script.uniform_int(0, 2);
        for (std::uint64_t c = 0; c < copies; ++c)
          inboxes[r].push_back(record);
      }
    }
    TimePoint now = kTimeZero;
    for (std::size_t r = 0; r < kReplicas; ++r) {
      script.shuffle(std::span(inboxes[r]));
      for (const ServiceInstanceRecord& record : inboxes[r]) {
        now += 1us;
        const MergeResult result = replicas[r].merge(record, now);
        REQUIRE_FALSE(result.republished.has_value());  // replicas own nothing here
        // Owner liveness comes and goes meanwhile: it must not affect the records.
        if (script.bernoulli(0.05)) {
          const NodeId owner{static_cast<std::uint32_t>(script.uniform_int(10, 13))};
          if (script.bernoulli(0.5)) {
            replicas[r].owner_gone(owner);
          } else {
            replicas[r].owner_back(owner);
          }
        }
      }
    }

    // Anti-entropy: random push-pull samples, then rounds of incremental pulls in random
    // order, in random batch sizes, until every replica has heard every other (transitively).
    for (int exchange = 0; exchange < 8; ++exchange) {
      const std::size_t from = script.uniform_int(0, kReplicas - 1);
      const std::size_t to = script.uniform_int(0, kReplicas - 1);
      for (const auto& record : replicas[from].sample(script.uniform_int(1, 6), script))
        replicas[to].merge(record, now);
    }
    std::vector<std::vector<std::uint64_t>> cursors(kReplicas,
                                                    std::vector<std::uint64_t>(kReplicas, 0));
    for (std::size_t round = 0; round < kReplicas; ++round) {
      std::vector<std::pair<std::size_t, std::size_t>> pairs;
      for (std::size_t a = 0; a < kReplicas; ++a) {
        for (std::size_t b = 0; b < kReplicas; ++b) {
          if (a != b) pairs.emplace_back(a, b);
        }
      }
      script.shuffle(std::span(pairs));
      for (const auto& [to, from] : pairs) {
        for (int batches = 0; batches < 10'000; ++batches) {
          const ChangeBatch batch =
              replicas[from].changed_since(cursors[to][from], script.uniform_int(1, 7));
          for (const auto& record : batch.records)
            replicas[to].merge(record, now);
          cursors[to][from] = batch.next_cursor;
          if (batch.complete) break;
        }
      }
    }

    const auto reference = replicas[0].export_records();
    for (std::size_t r = 0; r < kReplicas; ++r) {
      CAPTURE(r);
      replicas[r].check_invariants();
      CHECK(replicas[r].export_records() == reference);
      CHECK(replicas[r].digest() == replicas[0].digest());
      CHECK(mirrors[r].anomalies() == 0);
      CHECK(mirrors[r].view_without_versions() == visible_without_versions(replicas[r]));
    }

    // The winners are the documented ones.
    const auto winners = expected_winners(universe);
    REQUIRE(reference.size() == winners.size());
    for (const ServiceInstanceRecord& record : reference) {
      const auto& candidates = winners.at({record.service, record.instance_id});
      CHECK(std::find(candidates.begin(), candidates.end(), record) != candidates.end());
      ++keys_checked;
    }
    for (const ServiceTopology& replica : replicas) {
      conflicts_seen +=
          replica.counters().owner_conflicts_total + replica.counters().version_conflicts_total;
    }
  }
  // The property was exercised: many keys, and conflicts among them.
  CHECK(keys_checked > kSeeds * 8);
  CHECK(conflicts_seen > kSeeds * 10);
}
