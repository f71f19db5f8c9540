#include <algorithm>

#include <core/assert.hpp>
#include <core/fnv1a.hpp>
#include <core/spore/service_topology.hpp>

namespace mycelium::spore {

namespace {

using KeyView = std::pair<std::string_view, std::string_view>;

// Pessimistic at a tie: the worse health wins.
int health_badness(InstanceHealth health) {
  switch (health) {
    case InstanceHealth::kHealthy:
      return 0;
    case InstanceHealth::kUnknown:
      return 1;
    case InstanceHealth::kUnhealthy:
      return 2;
  }
  return 3;
}

bool same_key(const ServiceInstanceRecord& a, const ServiceInstanceRecord& b) {
  return a.service == b.service && a.instance_id == b.instance_id;
}

// Everything but the version.
bool same_content(const ServiceInstanceRecord& a, const ServiceInstanceRecord& b) {
  return same_key(a, b) && a.owner == b.owner && a.ports == b.ports &&
         a.health_endpoint == b.health_endpoint && a.labels == b.labels && a.health == b.health &&
         a.deregistered == b.deregistered;
}

bool same_fields(const ServiceInstanceRecord& record, const ServiceInstanceFields& fields) {
  return record.ports == fields.ports && record.health_endpoint == fields.health_endpoint &&
         record.labels == fields.labels;
}

// FNV-1a, 64 bits, over a canonical byte encoding (little-endian integers, length-prefixed
// strings), so the digest is the same on every machine.
class Fnv1a {
 public:
  void byte(std::uint8_t value) { hash_.byte(value); }
  void u64(std::uint64_t value) {
    for (int shift = 0; shift < 64; shift += 8)
      byte(static_cast<std::uint8_t>(value >> shift));
  }
  void text(std::string_view value) {
    u64(value.size());
    hash_.bytes(value);
  }
  std::uint64_t value() const { return hash_.value(); }

 private:
  Fnv1a64 hash_;
};

}  // namespace

std::string validate(const ServiceTopologyConfig& config) {
  if (config.max_records < 1) return "max_records must be at least 1";
  if (config.tombstone_retention <= Duration::zero()) return "tombstone_retention must be positive";
  if (config.max_gone_owners < 1) return "max_gone_owners must be at least 1";
  if (config.max_subscriptions < 1) return "max_subscriptions must be at least 1";
  return "";
}

const char* topology_change_name(TopologyChange change) {
  switch (change) {
    case TopologyChange::kAdded:
      return "added";
    case TopologyChange::kUpdated:
      return "updated";
    case TopologyChange::kRemoved:
      return "removed";
    case TopologyChange::kHealthChanged:
      return "health changed";
  }
  return "?";
}

const char* write_status_name(WriteStatus status) {
  switch (status) {
    case WriteStatus::kPublished:
      return "published";
    case WriteStatus::kUnchanged:
      return "unchanged";
    case WriteStatus::kNotFound:
      return "not found";
    case WriteStatus::kNotOwner:
      return "not owner";
    case WriteStatus::kInvalid:
      return "invalid";
    case WriteStatus::kFull:
      return "full";
  }
  return "?";
}

ServiceTopology::ServiceTopology(NodeId self, ServiceTopologyConfig config)
    : self_(self), config_(std::move(config)) {
  MYCELIUM_ASSERT(self_.valid());
  MYCELIUM_ASSERT(validate(config_).empty());
}

std::string ServiceTopology::record_error(const ServiceInstanceRecord& record) {
  if (record.service.empty() || record.service.size() > kMaxNameBytes)
    return "service must be 1 to 253 bytes";
  if (record.instance_id.empty() || record.instance_id.size() > kMaxNameBytes)
    return "instance_id must be 1 to 253 bytes";
  if (!record.owner.valid()) return "owner must be a valid node";
  if (record.ports.size() > kMaxPorts) return "at most 16 ports";
  for (std::uint16_t port : record.ports) {
    if (port == 0) return "ports must be nonzero";
  }
  if (record.health_endpoint.size() > kMaxEndpointBytes)
    return "health_endpoint must be at most 256 bytes";
  if (record.labels.size() > kMaxLabels) return "at most 32 labels";
  for (std::size_t i = 0; i < record.labels.size(); ++i) {
    const auto& [key, value] = record.labels[i];
    if (key.empty() || key.size() > kMaxNameBytes) return "label keys must be 1 to 253 bytes";
    if (value.size() > kMaxLabelValueBytes) return "label values must be at most 253 bytes";
    if (i > 0 && !(record.labels[i - 1].first < key)) return "label keys must be sorted and unique";
  }
  if (static_cast<std::uint8_t>(record.health) >
      static_cast<std::uint8_t>(InstanceHealth::kUnhealthy))
    return "unknown health";
  if (record.version == 0 || record.version > kMaxInstanceVersion)
    return "version must be in [1, 2^62]";
  return "";
}

bool ServiceTopology::record_beats(const ServiceInstanceRecord& a, const ServiceInstanceRecord& b) {
  MYCELIUM_ASSERT(same_key(a, b));
  if (a.version != b.version) return a.version > b.version;
  if (a.owner != b.owner) return a.owner < b.owner;
  if (a.deregistered != b.deregistered) return a.deregistered;
  if (a.health != b.health) return health_badness(a.health) > health_badness(b.health);
  if (a.ports != b.ports) return a.ports > b.ports;
  if (a.health_endpoint != b.health_endpoint) return a.health_endpoint > b.health_endpoint;
  return a.labels > b.labels;
}

// ---------------------------------------------------------------------------------------------
// Replication

MergeResult ServiceTopology::merge(const ServiceInstanceRecord& record, TimePoint now) {
  begin_mutation(now);
  if (!record_error(record).empty()) {
    ++counters_.refused_invalid_total;
    return {};
  }
  const auto existing = records_.find(KeyView{record.service, record.instance_id});
  if (record.owner == self_ &&
      (existing == records_.end() || existing->second.record.owner == self_))
    return merge_own(record, existing, now);

  if (existing == records_.end()) {
    if (full()) {
      ++counters_.refused_full_total;
      return {};
    }
  } else {
    const ServiceInstanceRecord& current = existing->second.record;
    if (record.version == current.version && record != current) {
      if (record.owner != current.owner) {
        ++counters_.owner_conflicts_total;
      } else {
        ++counters_.version_conflicts_total;
      }
    }
    if (!record_beats(record, current)) return {};  // stale, a duplicate, or a lost conflict
  }
  std::vector<Event> events;
  store(existing, record, now, events);
  notify(events);
  return MergeResult{true, std::nullopt};
}

MergeResult ServiceTopology::merge_own(const ServiceInstanceRecord& record,
                                       Records::iterator existing, TimePoint now) {
  if (existing != records_.end() && !record_beats(record, existing->second.record)) return {};
  // `record` names this member as owner and beats what it wrote in its present life (or the key
  // is absent here): a previous life's record, or a resurrected copy. Answer with the present
  // state: the live registration, else a tombstone.
  if (existing == records_.end() && full()) {
    ++counters_.refused_full_total;
    return {};
  }
  ServiceInstanceRecord answer;
  if (existing != records_.end() && !existing->second.record.deregistered) {
    answer = existing->second.record;
  } else {
    answer = record;
    answer.deregistered = true;
  }
  std::vector<Event> events;
  if (same_content(answer, record)) {  // it already says so: adopt it as is
    store(existing, record, now, events);
    notify(events);
    return MergeResult{true, std::nullopt};
  }
  if (record.version >= kMaxInstanceVersion) {  // cannot answer with a higher version
    ++counters_.refused_invalid_total;
    return {};
  }
  answer.version = record.version + 1;
  ++counters_.own_records_answered_total;
  store(existing, answer, now, events);
  notify(events);
  return MergeResult{true, answer};
}

// ---------------------------------------------------------------------------------------------
// The local API

WriteResult ServiceTopology::register_service_instance(const ServiceInstanceFields& fields,
                                                       TimePoint now) {
  begin_mutation(now);
  ServiceInstanceRecord record;
  record.service = fields.service;
  record.instance_id = fields.instance_id;
  record.owner = self_;
  record.ports = fields.ports;
  record.health_endpoint = fields.health_endpoint;
  record.labels = fields.labels;
  record.health =
      fields.health_endpoint.empty() ? InstanceHealth::kHealthy : InstanceHealth::kUnknown;
  record.version = 1;
  record.deregistered = false;
  if (!record_error(record).empty()) return WriteResult{WriteStatus::kInvalid, {}};

  const auto existing = records_.find(KeyView{record.service, record.instance_id});
  if (existing == records_.end()) {
    if (full()) return WriteResult{WriteStatus::kFull, {}};
    return write_local(existing, record, now);
  }
  const ServiceInstanceRecord& current = existing->second.record;
  const bool mine_live = current.owner == self_ && !current.deregistered;
  if (mine_live && same_fields(current, fields))
    return WriteResult{WriteStatus::kUnchanged, current};
  if (mine_live && current.health_endpoint == fields.health_endpoint)
    record.health = current.health;
  if (current.version >= kMaxInstanceVersion) return WriteResult{WriteStatus::kInvalid, {}};
  record.version = current.version + 1;
  if (current.owner != self_ && !current.deregistered) ++counters_.takeovers_total;
  return write_local(existing, record, now);
}

WriteResult ServiceTopology::deregister(std::string_view service, std::string_view instance_id,
                                        TimePoint now) {
  begin_mutation(now);
  const auto existing = records_.find(KeyView{service, instance_id});
  if (existing == records_.end()) return WriteResult{WriteStatus::kNotFound, {}};
  const ServiceInstanceRecord& current = existing->second.record;
  if (current.owner != self_) return WriteResult{WriteStatus::kNotOwner, current};
  if (current.deregistered) return WriteResult{WriteStatus::kUnchanged, current};
  if (current.version >= kMaxInstanceVersion) return WriteResult{WriteStatus::kInvalid, {}};
  ServiceInstanceRecord tombstone = current;
  tombstone.deregistered = true;
  tombstone.version = current.version + 1;
  return write_local(existing, tombstone, now);
}

WriteResult ServiceTopology::set_health(std::string_view service, std::string_view instance_id,
                                        InstanceHealth health, TimePoint now) {
  begin_mutation(now);
  if (static_cast<std::uint8_t>(health) > static_cast<std::uint8_t>(InstanceHealth::kUnhealthy))
    return WriteResult{WriteStatus::kInvalid, {}};
  const auto existing = records_.find(KeyView{service, instance_id});
  if (existing == records_.end() || existing->second.record.deregistered)
    return WriteResult{WriteStatus::kNotFound, {}};
  const ServiceInstanceRecord& current = existing->second.record;
  if (current.owner != self_) return WriteResult{WriteStatus::kNotOwner, current};
  if (current.health == health) return WriteResult{WriteStatus::kUnchanged, current};
  if (current.version >= kMaxInstanceVersion) return WriteResult{WriteStatus::kInvalid, {}};
  ServiceInstanceRecord updated = current;
  updated.health = health;
  updated.version = current.version + 1;
  return write_local(existing, updated, now);
}

WriteResult ServiceTopology::write_local(Records::iterator existing,
                                         const ServiceInstanceRecord& record, TimePoint now) {
  MYCELIUM_ASSERT(record.owner == self_);
  MYCELIUM_ASSERT(record_error(record).empty());
  MYCELIUM_ASSERT(existing == records_.end() || record_beats(record, existing->second.record));
  std::vector<Event> events;
  store(existing, record, now, events);
  notify(events);
  return WriteResult{WriteStatus::kPublished, record};
}

// ---------------------------------------------------------------------------------------------
// Owner liveness and retention

bool ServiceTopology::owner_gone(NodeId owner) {
  begin_mutation();
  MYCELIUM_ASSERT(owner.valid());
  if (owner == self_ || gone_owners_.contains(owner)) return false;
  if (gone_owners_.size() >= config_.max_gone_owners) {
    ++counters_.refused_gone_owners_total;
    return false;
  }
  gone_owners_.insert(owner);
  std::vector<Event> events;
  for (const auto& [key, entry] : records_) {
    if (entry.record.owner == owner && !entry.record.deregistered)
      events.push_back(Event{entry.record, TopologyChange::kRemoved});
  }
  notify(events);
  return true;
}

bool ServiceTopology::owner_back(NodeId owner) {
  begin_mutation();
  MYCELIUM_ASSERT(owner.valid());
  if (gone_owners_.erase(owner) == 0) return false;
  std::vector<Event> events;
  for (const auto& [key, entry] : records_) {
    if (entry.record.owner == owner && !entry.record.deregistered)
      events.push_back(Event{entry.record, TopologyChange::kAdded});
  }
  notify(events);
  return true;
}

std::size_t ServiceTopology::expire(TimePoint now) {
  begin_mutation(now);
  std::size_t dropped = 0;
  for (auto it = records_.begin(); it != records_.end();) {
    const Entry& entry = it->second;
    if (entry.record.deregistered && now - entry.changed_at >= config_.tombstone_retention) {
      by_change_.erase(entry.change_counter);
      it = records_.erase(it);
      --tombstone_count_;
      ++dropped;
    } else {
      ++it;
    }
  }
  counters_.tombstones_expired_total += dropped;
  return dropped;
}

// ---------------------------------------------------------------------------------------------
// Discovery

std::vector<ServiceInstanceRecord> ServiceTopology::discover_peer_instances(
    std::string_view service) const {
  std::vector<ServiceInstanceRecord> found;
  for (auto it = records_.lower_bound(KeyView{service, ""});
       it != records_.end() && it->first.service == service; ++it) {
    const ServiceInstanceRecord& record = it->second.record;
    if (visible(record) && record.health == InstanceHealth::kHealthy) found.push_back(record);
  }
  return found;
}

std::vector<ServiceInstanceRecord> ServiceTopology::instances(std::string_view service) const {
  std::vector<ServiceInstanceRecord> found;
  for (auto it = records_.lower_bound(KeyView{service, ""});
       it != records_.end() && it->first.service == service; ++it) {
    if (visible(it->second.record)) found.push_back(it->second.record);
  }
  return found;
}

const ServiceInstanceRecord* ServiceTopology::find(std::string_view service,
                                                   std::string_view instance_id) const {
  const auto it = records_.find(KeyView{service, instance_id});
  return it == records_.end() ? nullptr : &it->second.record;
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

ServiceTopology::SubscriptionId ServiceTopology::subscribe(std::string service, Callback callback) {
  MYCELIUM_ASSERT(callback != nullptr);
  MYCELIUM_ASSERT(subscriptions_.size() < config_.max_subscriptions);
  const SubscriptionId id = next_subscription_++;
  subscriptions_.emplace(id, Subscription{std::move(service), std::move(callback), true});
  ++active_subscriptions_;
  return id;
}

bool ServiceTopology::unsubscribe(SubscriptionId id) {
  const auto it = subscriptions_.find(id);
  if (it == subscriptions_.end() || !it->second.active) return false;
  --active_subscriptions_;
  if (dispatching_) {
    it->second.active = false;  // its callback may be running: erased after the dispatch
  } else {
    subscriptions_.erase(it);
  }
  return true;
}

void ServiceTopology::notify(std::vector<Event>& events) {
  if (events.empty()) return;
  MYCELIUM_ASSERT(!dispatching_);
  dispatching_ = true;
  // Ends the dispatch also when a callback throws.
  struct Guard {
    ServiceTopology& topology;
    ~Guard() { topology.end_dispatch(); }
  } guard{*this};
  // Subscriptions made by a callback get only the changes after this dispatch.
  const SubscriptionId first_unseen = next_subscription_;
  for (const Event& event : events) {
    for (auto it = subscriptions_.begin(); it != subscriptions_.end() && it->first < first_unseen;
         ++it) {
      const Subscription& subscription = it->second;
      if (!subscription.active) continue;
      if (!subscription.service.empty() && subscription.service != event.record.service) continue;
      subscription.callback(event.record, event.change);
    }
  }
}

void ServiceTopology::end_dispatch() {
  dispatching_ = false;
  std::erase_if(subscriptions_, [](const auto& item) { return !item.second.active; });
  MYCELIUM_ASSERT(subscriptions_.size() == active_subscriptions_);
}

// ---------------------------------------------------------------------------------------------
// Anti-entropy and export

ChangeBatch ServiceTopology::changed_since(std::uint64_t cursor, std::size_t max_count) const {
  ChangeBatch batch;
  batch.next_cursor = cursor;
  auto it = by_change_.upper_bound(cursor);
  for (; it != by_change_.end() && batch.records.size() < max_count; ++it) {
    batch.records.push_back(it->second->second.record);
    batch.next_cursor = it->first;
  }
  batch.complete = it == by_change_.end();
  if (batch.complete) batch.next_cursor = std::max(cursor, change_counter_);
  return batch;
}

std::vector<ServiceInstanceRecord> ServiceTopology::sample(std::size_t max_count,
                                                           RandomStream& random) const {
  const std::size_t total = records_.size();
  const std::size_t count = std::min(max_count, total);
  std::vector<ServiceInstanceRecord> picked;
  if (count == 0) return picked;
  picked.reserve(count);
  if (count == total) return export_records();  // everything: no draw needed
  // Floyd: `count` distinct indices in [0, total), one draw each.
  std::set<std::size_t> chosen;
  for (std::size_t j = total - count; j < total; ++j) {
    const auto t = static_cast<std::size_t>(random.uniform_int(0, j));
    if (!chosen.insert(t).second) chosen.insert(j);
  }
  MYCELIUM_ASSERT(chosen.size() == count);
  auto next = chosen.begin();
  std::size_t index = 0;
  for (auto it = records_.begin(); it != records_.end() && next != chosen.end(); ++it, ++index) {
    if (index == *next) {
      picked.push_back(it->second.record);
      ++next;
    }
  }
  MYCELIUM_ASSERT(picked.size() == count);
  return picked;
}

std::vector<ServiceInstanceRecord> ServiceTopology::export_records() const {
  std::vector<ServiceInstanceRecord> all;
  all.reserve(records_.size());
  for (const auto& [key, entry] : records_)
    all.push_back(entry.record);
  return all;
}

std::uint64_t ServiceTopology::digest() const {
  Fnv1a hash;
  hash.u64(records_.size());
  for (const auto& [key, entry] : records_) {
    const ServiceInstanceRecord& record = entry.record;
    hash.text(record.service);
    hash.text(record.instance_id);
    hash.u64(record.owner.value);
    hash.u64(record.ports.size());
    for (std::uint16_t port : record.ports)
      hash.u64(port);
    hash.text(record.health_endpoint);
    hash.u64(record.labels.size());
    for (const auto& [label, value] : record.labels) {
      hash.text(label);
      hash.text(value);
    }
    hash.byte(static_cast<std::uint8_t>(record.health));
    hash.u64(record.version);
    hash.byte(record.deregistered ? 1 : 0);
  }
  return hash.value();
}

void ServiceTopology::check_invariants() const {
  MYCELIUM_ASSERT(records_.size() <= config_.max_records);
  MYCELIUM_ASSERT(by_change_.size() == records_.size());
  MYCELIUM_ASSERT(gone_owners_.size() <= config_.max_gone_owners);
  MYCELIUM_ASSERT(!gone_owners_.contains(self_));
  MYCELIUM_ASSERT(subscriptions_.size() <= config_.max_subscriptions);
  MYCELIUM_ASSERT(dispatching_ || subscriptions_.size() == active_subscriptions_);
  std::size_t tombstones = 0;
  for (auto it = records_.begin(); it != records_.end(); ++it) {
    const Entry& entry = it->second;
    MYCELIUM_ASSERT(it->first.service == entry.record.service);
    MYCELIUM_ASSERT(it->first.instance_id == entry.record.instance_id);
    MYCELIUM_ASSERT(record_error(entry.record).empty());
    MYCELIUM_ASSERT(entry.change_counter >= 1 && entry.change_counter <= change_counter_);
    MYCELIUM_ASSERT(entry.changed_at <= latest_now_);
    const auto indexed = by_change_.find(entry.change_counter);
    MYCELIUM_ASSERT(indexed != by_change_.end() && indexed->second == it);
    if (entry.record.deregistered) ++tombstones;
  }
  MYCELIUM_ASSERT(tombstones == tombstone_count_);
}

// ---------------------------------------------------------------------------------------------
// Internals

bool ServiceTopology::visible(const ServiceInstanceRecord& record) const {
  return !record.deregistered && !gone_owners_.contains(record.owner);
}

std::optional<TopologyChange> ServiceTopology::change_between(
    const ServiceInstanceRecord* before, const ServiceInstanceRecord& after) const {
  const bool was_visible = before != nullptr && visible(*before);
  const bool is_visible = visible(after);
  if (!was_visible && !is_visible) return std::nullopt;
  if (!was_visible) return TopologyChange::kAdded;
  if (!is_visible) return TopologyChange::kRemoved;
  if (before->health != after.health) return TopologyChange::kHealthChanged;
  if (before->owner != after.owner || before->ports != after.ports ||
      before->health_endpoint != after.health_endpoint || before->labels != after.labels)
    return TopologyChange::kUpdated;
  return std::nullopt;
}

void ServiceTopology::store(Records::iterator existing, const ServiceInstanceRecord& record,
                            TimePoint now, std::vector<Event>& events) {
  const std::optional<TopologyChange> change =
      change_between(existing == records_.end() ? nullptr : &existing->second.record, record);
  if (existing == records_.end()) {
    MYCELIUM_ASSERT(!full());
    existing = records_.emplace(Key{record.service, record.instance_id}, Entry{}).first;
  } else {
    MYCELIUM_ASSERT(same_key(existing->second.record, record));
    by_change_.erase(existing->second.change_counter);
    if (existing->second.record.deregistered) --tombstone_count_;
  }
  Entry& entry = existing->second;
  entry.record = record;
  entry.changed_at = now;
  entry.change_counter = ++change_counter_;
  by_change_.emplace(entry.change_counter, existing);
  if (record.deregistered) ++tombstone_count_;
  MYCELIUM_ASSERT(records_.size() <= config_.max_records);
  MYCELIUM_ASSERT(by_change_.size() == records_.size());
  if (change) events.push_back(Event{record, *change});
}

void ServiceTopology::begin_mutation(TimePoint now) {
  begin_mutation();
  MYCELIUM_ASSERT(now >= latest_now_);  // this member's clock never goes back
  latest_now_ = now;
}

void ServiceTopology::begin_mutation() {
  MYCELIUM_ASSERT(!dispatching_);  // callbacks read the topology, they do not change it
}

}  // namespace mycelium::spore
