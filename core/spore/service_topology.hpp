#pragma once
// The service topology one member holds (seed: EndomyceteServiceSpore): the replicated map
// (service, instance_id) -> ServiceInstanceRecord, merged from gossip and anti-entropy, written
// by the local API for the instances this member owns, and read by discovery. Sans-IO: time
// comes in as arguments, nothing is sent; the Spore node gossips what the calls return.
// docs/spore.md, "Service topology", has the full model.
//
// Replication (a state-based CRDT: a last-writer-wins map with a single writer per key)
//  * Each key keeps one record: the greatest under a total order (record_beats): the higher
//    version wins; at equal version the record of the owner with the lower NodeId wins (two
//    members registered the same instance id: a misconfiguration, resolved the same way
//    everywhere); at equal version and owner (an owner that reused a version, e.g. after a
//    restart) a tombstone beats a live record, then the worse health wins (unhealthy, unknown,
//    healthy), then the larger ports, health endpoint and labels, compared lexicographically.
//    Keeping the maximum of a total order is idempotent, commutative and associative, so replicas
//    that merge the same records in any order, with duplicates, hold identical maps.
//  * Only the owner writes versions (register, deregister, set_health: each a new version).
//    Owner liveness from the membership layer (owner_gone / owner_back) only hides or shows an
//    owner's instances in discovery: it writes nothing and is local to this member.
//  * The owner is the authority on its own records. A record that names this member as owner
//    and beats what this member wrote in its present life (it comes from a previous life of the
//    member, before a restart that lost its state, or is a stale live copy resurrected after
//    its tombstone expired) is answered, not adopted: the member writes its present state for
//    that key (its live registration, or else a tombstone) at the stale record's version + 1
//    and returns it from merge() as `republished`, to gossip. If the stale record already says
//    exactly that (apart from its version), it is adopted as is. This applies only when the key
//    is absent here or owned by this member; a key another member has taken over is merged by
//    the general rule.
//
// Visibility
//  * instances(service): the live records (not tombstones) whose owner is not gone, whatever
//    their health. discover_peer_instances(service): those of them that are healthy. Both are
//    sorted by instance id and include this member's own instances.
//  * Subscriptions follow instances(): added (a key enters it), removed (leaves it: tombstone or
//    owner gone), health changed (stays, health differs, perhaps more), updated (stays, same
//    health, owner, ports, health endpoint or labels differ). A new version that changes none
//    of these (an owner republishing the same content at a higher version) notifies
//    nobody, and neither does a merge that changes nothing. Callbacks run after the state
//    change is complete, in subscription order; they may read the topology (discover,
//    instances, find, ...) and subscribe or unsubscribe (themselves included), but must not
//    change it (merge, the local API, owner_gone/back, expire): asserted.
//
// Bounds
//  * At most config.max_records records, tombstones included: a record for a new key beyond
//    that is refused and counted (counters().refused_full_total), and the member keeps working
//    on the keys it has. No live record is ever evicted; only expire() drops records, and only
//    tombstones older than config.tombstone_retention on this member's clock.
//  * Known trade-off of bounded tombstones: a stale live copy that arrives after this member
//    dropped the tombstone is a new key here, so the instance is back in discovery until the
//    owner's next version reaches this member. The owner answers such a copy with a newer
//    tombstone as soon as the copy reaches it (above); while the membership layer reports the
//    owner gone, the copy stays hidden anyway.
//  * At most config.max_gone_owners owners marked gone (beyond: refused and counted, their
//    instances stay visible) and config.max_subscriptions subscriptions (asserted).
//
// Costs: n records. merge, the local API and find: O(log n); instances and discover: O(log n +
// the service's records); owner_gone/back, expire, sample, digest: O(n); changed_since:
// O(log n + max_count).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <core/env/node_id.hpp>
#include <core/env/random_stream.hpp>
#include <core/env/time.hpp>
#include <core/spore/service_instance.hpp>

namespace mycelium::spore {

// Versions above this are refused (2^62: unreachable by honest increments), so that an owner can
// always answer a record with version + 1.
inline constexpr std::uint64_t kMaxInstanceVersion = std::uint64_t{1} << 62;

struct ServiceTopologyConfig {
  // Records held, tombstones included. 16 384 records of at most a few hundred bytes each (a
  // few MB): a thousand members running ten instances each plus a day of churn's tombstones.
  std::size_t max_records = 16'384;
  // How long a tombstone is kept after this member adopted it. It must outlive every path a
  // stale live copy can take back here: gossip spreads a tombstone to every member within
  // seconds and anti-entropy within minutes, so what remains is a member that was partitioned
  // or down and returns with its old copies; 24 h covers an outage over a night or a weekend
  // day (Serf keeps its tombstones and its reconnect window for the same 24 h). The cost is one
  // record per deregistration per day, inside max_records.
  Duration tombstone_retention = std::chrono::hours(24);
  std::size_t max_gone_owners = 65'536;  // owners marked gone at once (4 bytes + a set node each)
  std::size_t max_subscriptions = 1'024;
};

// Why a configuration cannot run; empty when it can.
std::string validate(const ServiceTopologyConfig& config);

// What the local API registers: the record's fields the application chooses. The owner (this
// member), the version and the initial health are the topology's.
struct ServiceInstanceFields {
  std::string service;
  std::string instance_id;
  std::vector<std::uint16_t> ports;
  std::string health_endpoint;  // empty: no check, healthy from registration
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by key, unique keys

  bool operator==(const ServiceInstanceFields&) const = default;
};

enum class TopologyChange : std::uint8_t {
  kAdded = 0,
  kUpdated = 1,
  kRemoved = 2,
  kHealthChanged = 3,
};
const char* topology_change_name(TopologyChange change);

// The outcome of a local write (register, deregister, set_health).
enum class WriteStatus : std::uint8_t {
  kPublished = 0,  // a new version: `record` is it; gossip it
  kUnchanged = 1,  // already so, no new version; `record` is the current one
  kNotFound = 2,   // no live record with that key (deregister: no record at all)
  kNotOwner = 3,   // the record belongs to another member: only its owner writes it
  kInvalid = 4,    // fields out of bounds (record_error says which), or the version space of
                   // the key is exhausted
  kFull = 5,       // a new key beyond max_records
};
const char* write_status_name(WriteStatus status);

struct WriteResult {
  WriteStatus status = WriteStatus::kInvalid;
  ServiceInstanceRecord record;  // see WriteStatus; empty for kNotFound, kInvalid, kFull

  bool published() const { return status == WriteStatus::kPublished; }
};

struct MergeResult {
  bool changed = false;  // the local state changed: the record (or `republished`) is news
  // This member answered a stale record of its own with a newer version: gossip it.
  std::optional<ServiceInstanceRecord> republished;

  explicit operator bool() const { return changed; }
};

// Records changed since a cursor, oldest change first (anti-entropy, gossip queues).
struct ChangeBatch {
  std::vector<ServiceInstanceRecord> records;
  std::uint64_t next_cursor = 0;  // pass to the next call
  bool complete = false;          // nothing changed after next_cursor (yet)
};

struct TopologyCounters {
  std::uint64_t refused_full_total = 0;          // new keys beyond max_records
  std::uint64_t refused_invalid_total = 0;       // merged records out of bounds
  std::uint64_t owner_conflicts_total = 0;       // same key and version, different owners
  std::uint64_t version_conflicts_total = 0;     // same key, version and owner, other content
  std::uint64_t own_records_answered_total = 0;  // stale own records answered with a version
  std::uint64_t takeovers_total = 0;  // registrations of a key whose live record another owned
  std::uint64_t tombstones_expired_total = 0;
  std::uint64_t refused_gone_owners_total = 0;  // owner_gone beyond max_gone_owners

  bool operator==(const TopologyCounters&) const = default;
};

class ServiceTopology {
 public:
  using Callback = std::function<void(const ServiceInstanceRecord&, TopologyChange)>;
  using SubscriptionId = std::uint64_t;  // never 0

  // `self` is this member, the owner of what the local API writes.
  explicit ServiceTopology(NodeId self, ServiceTopologyConfig config = {});
  // Not copyable (the change index points into the map); movable (map nodes survive a move).
  ServiceTopology(const ServiceTopology&) = delete;
  ServiceTopology& operator=(const ServiceTopology&) = delete;
  ServiceTopology(ServiceTopology&&) = default;
  ServiceTopology& operator=(ServiceTopology&&) = default;

  // Why a record cannot be held (bounds of service_instance.hpp, nonzero ports, labels sorted
  // with unique keys, a known health, version in [1, kMaxInstanceVersion], a valid owner);
  // empty when it can.
  static std::string record_error(const ServiceInstanceRecord& record);

  // True if `a` wins over `b` for the same key: the total order described above.
  static bool record_beats(const ServiceInstanceRecord& a, const ServiceInstanceRecord& b);

  // --- Replication: a record from gossip or anti-entropy. Invalid records are refused and
  // counted. `now` is this member's clock (never decreasing), used for tombstone retention.
  MergeResult merge(const ServiceInstanceRecord& record, TimePoint now);

  // --- The local API, for the instances this member owns.
  // Registers (or re-registers) an instance owned by this member. The version is one above
  // the record the key has here, if any (a key another member owned is taken over: counted
  // when its record was live). Health: when re-registering a live instance of this member with
  // the same health endpoint, its current health; else healthy if the endpoint is empty,
  // unknown (until set_health) if not. Re-registering identical fields changes nothing
  // (kUnchanged).
  WriteResult register_service_instance(const ServiceInstanceFields& fields, TimePoint now);
  // A tombstone (same fields, deregistered) one version above the live record.
  WriteResult deregister(std::string_view service, std::string_view instance_id, TimePoint now);
  // The result of a health check; a new version only when the health changes.
  WriteResult set_health(std::string_view service, std::string_view instance_id,
                         InstanceHealth health, TimePoint now);

  // --- Owner liveness, from the membership layer (dead or left; alive again). Returns whether
  // the owner's status changed. owner_gone(self) is ignored.
  bool owner_gone(NodeId owner);
  bool owner_back(NodeId owner);
  bool is_owner_gone(NodeId owner) const { return gone_owners_.contains(owner); }

  // --- Retention: drops the tombstones adopted at least tombstone_retention before `now`;
  // returns how many.
  std::size_t expire(TimePoint now);

  // --- Discovery.
  std::vector<ServiceInstanceRecord> discover_peer_instances(std::string_view service) const;
  std::vector<ServiceInstanceRecord> instances(std::string_view service) const;
  // The record held for a key, tombstones and hidden owners included; null if none. Valid until
  // the next change.
  const ServiceInstanceRecord* find(std::string_view service, std::string_view instance_id) const;

  // --- Subscriptions. `service` empty: every service.
  SubscriptionId subscribe(std::string service, Callback callback);
  // True if the subscription existed.
  bool unsubscribe(SubscriptionId id);
  std::size_t subscription_count() const { return active_subscriptions_; }

  // --- Anti-entropy and gossip.
  // Every record change here (an adopted merge or a local write) takes the next value of a
  // local counter; a record carries the counter of its last change. changed_since returns the
  // records whose counter is above `cursor`, oldest first, at most max_count of them.
  ChangeBatch changed_since(std::uint64_t cursor, std::size_t max_count) const;
  std::uint64_t change_counter() const { return change_counter_; }
  // min(max_count, size()) distinct records drawn uniformly with `random` (Floyd's algorithm),
  // returned in key order: the same state and stream state give the same sample.
  std::vector<ServiceInstanceRecord> sample(std::size_t max_count, RandomStream& random) const;

  // --- State export, to compare replicas: every record in key order, and a 64-bit FNV-1a hash
  // of them (owner liveness, counters and clocks are local and not included).
  std::vector<ServiceInstanceRecord> export_records() const;
  std::uint64_t digest() const;

  // --- Introspection.
  NodeId self() const { return self_; }
  const ServiceTopologyConfig& config() const { return config_; }
  std::size_t size() const { return records_.size(); }
  std::size_t tombstone_count() const { return tombstone_count_; }
  const TopologyCounters& counters() const { return counters_; }
  // Checks every invariant (O(n)); aborts on a violation. For tests.
  void check_invariants() const;

 private:
  struct Key {
    std::string service;
    std::string instance_id;
  };
  struct KeyLess {
    using is_transparent = void;
    static std::pair<std::string_view, std::string_view> view(const Key& key) {
      return {key.service, key.instance_id};
    }
    static std::pair<std::string_view, std::string_view> view(
        const std::pair<std::string_view, std::string_view>& key) {
      return key;
    }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
  };
  struct Entry {
    ServiceInstanceRecord record;
    TimePoint changed_at{};            // this member's clock when it adopted the record
    std::uint64_t change_counter = 0;  // its place in changed_since's order
  };
  using Records = std::map<Key, Entry, KeyLess>;

  struct Event {
    ServiceInstanceRecord record;
    TopologyChange change;
  };
  struct Subscription {
    std::string service;
    Callback callback;
    bool active = true;  // false once unsubscribed during a dispatch (erased after it)
  };

  bool visible(const ServiceInstanceRecord& record) const;
  // The notification for replacing `before` by `after` (either may be null: absent).
  std::optional<TopologyChange> change_between(const ServiceInstanceRecord* before,
                                               const ServiceInstanceRecord& after) const;
  // Stores `record` for its key (replacing `existing`, or inserting if it is end()), stamps it,
  // and queues the notification it causes. The key must be present or the map below max_records.
  void store(Records::iterator existing, const ServiceInstanceRecord& record, TimePoint now,
             std::vector<Event>& events);
  MergeResult merge_own(const ServiceInstanceRecord& record, Records::iterator existing,
                        TimePoint now);
  WriteResult write_local(Records::iterator existing, const ServiceInstanceRecord& record,
                          TimePoint now);
  void begin_mutation(TimePoint now);
  void begin_mutation();
  void end_dispatch();
  void notify(std::vector<Event>& events);
  bool full() const { return records_.size() >= config_.max_records; }

  NodeId self_;
  ServiceTopologyConfig config_;
  Records records_;
  std::map<std::uint64_t, Records::iterator> by_change_;  // change counter -> record
  std::set<NodeId> gone_owners_;
  std::map<SubscriptionId, Subscription> subscriptions_;
  SubscriptionId next_subscription_ = 1;
  std::size_t active_subscriptions_ = 0;
  std::uint64_t change_counter_ = 0;
  std::size_t tombstone_count_ = 0;
  TimePoint latest_now_ = kTimeZero;
  bool dispatching_ = false;
  TopologyCounters counters_;
};

}  // namespace mycelium::spore
