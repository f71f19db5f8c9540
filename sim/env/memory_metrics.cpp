#include <algorithm>
#include <bit>

#include <core/assert.hpp>
#include <sim/env/memory_metrics.hpp>

namespace mycelium::sim {
namespace {

// Lower bound of `id` in a vector of entries sorted by id.
template <typename Entries>
auto lower_bound_id(Entries& entries, MetricNames::Id id) {
  return std::lower_bound(
      entries.begin(), entries.end(), id,
      [](const auto& entry, MetricNames::Id wanted) { return entry.id < wanted; });
}

// Grows a node's vector by a quarter (at least 4) instead of doubling: a node's metric count
// settles early (about 20 for a spore node) and a million nodes would pay for doubling's slack.
template <typename Entries>
void reserve_one_more(Entries& entries) {
  if (entries.size() < entries.capacity()) return;
  entries.reserve(entries.size() + std::max<std::size_t>(4, entries.size() / 4));
}

// Lists (name, value) pairs in name order.
template <typename Pairs>
Pairs sorted_by_name(Pairs pairs) {
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return pairs;
}

}  // namespace

// --- MetricNames ---

MetricNames::Id MetricNames::intern(std::string_view name) {
  if (const auto it = ids_.find(name); it != ids_.end()) return it->second;
  MYCELIUM_ASSERT(names_.size() < UINT32_MAX);
  const Id id = static_cast<Id>(names_.size());
  const auto inserted = ids_.emplace(std::string(name), id).first;
  names_.push_back(&inserted->first);
  return id;
}

std::optional<MetricNames::Id> MetricNames::find(std::string_view name) const {
  const auto it = ids_.find(name);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::string_view MetricNames::name(Id id) const {
  MYCELIUM_ASSERT(id < names_.size());
  return *names_[id];
}

// --- MemoryMetrics ---

MemoryMetrics::Scalar& MemoryMetrics::scalar(MetricNames::Id id, Kind kind) {
  auto it = lower_bound_id(scalars_, id);
  if (it == scalars_.end() || it->id != id) {
    const auto index = it - scalars_.begin();
    reserve_one_more(scalars_);
    it = scalars_.insert(scalars_.begin() + index, Scalar{id, kind, 0});
  }
  MYCELIUM_ASSERT(it->kind == kind);  // one name, one kind
  return *it;
}

void MemoryMetrics::add_counter(std::string_view name, std::int64_t delta) {
  MYCELIUM_ASSERT(delta >= 0);  // counters only grow
  scalar(names_->intern(name), Kind::kCounter).value += delta;
}

void MemoryMetrics::set_gauge(std::string_view name, double value) {
  scalar(names_->intern(name), Kind::kGauge).value = std::bit_cast<std::int64_t>(value);
}

void MemoryMetrics::record(std::string_view name, TimePoint at, double value) {
  const MetricNames::Id id = names_->intern(name);
  auto it = lower_bound_id(series_, id);
  if (it == series_.end() || it->id != id) {
    const auto index = it - series_.begin();
    reserve_one_more(series_);
    it = series_.insert(series_.begin() + index, SeriesSamples{id, {}});
  }
  std::vector<Sample>& samples = it->samples;
  MYCELIUM_ASSERT(samples.empty() || samples.back().at <= at);
  samples.push_back({at, value});
}

const MemoryMetrics::Scalar* MemoryMetrics::find_scalar(std::string_view name) const {
  const std::optional<MetricNames::Id> id = names_->find(name);
  if (!id) return nullptr;
  const auto it = lower_bound_id(scalars_, *id);
  return it == scalars_.end() || it->id != *id ? nullptr : &*it;
}

const MemoryMetrics::SeriesSamples* MemoryMetrics::find_series(std::string_view name) const {
  const std::optional<MetricNames::Id> id = names_->find(name);
  if (!id) return nullptr;
  const auto it = lower_bound_id(series_, *id);
  return it == series_.end() || it->id != *id ? nullptr : &*it;
}

std::int64_t MemoryMetrics::counter(std::string_view name) const {
  const Scalar* entry = find_scalar(name);
  return entry == nullptr || entry->kind != Kind::kCounter ? 0 : entry->value;
}

std::optional<double> MemoryMetrics::gauge(std::string_view name) const {
  const Scalar* entry = find_scalar(name);
  if (entry == nullptr || entry->kind != Kind::kGauge) return std::nullopt;
  return std::bit_cast<double>(entry->value);
}

std::span<const MemoryMetrics::Sample> MemoryMetrics::series(std::string_view name) const {
  const SeriesSamples* entry = find_series(name);
  if (entry == nullptr) return {};
  return entry->samples;
}

MemoryMetrics::Counters MemoryMetrics::counters() const {
  Counters list;
  for (const Scalar& entry : scalars_) {
    if (entry.kind == Kind::kCounter) list.emplace_back(names_->name(entry.id), entry.value);
  }
  return sorted_by_name(std::move(list));
}

MemoryMetrics::Gauges MemoryMetrics::gauges() const {
  Gauges list;
  for (const Scalar& entry : scalars_) {
    if (entry.kind == Kind::kGauge) {
      list.emplace_back(names_->name(entry.id), std::bit_cast<double>(entry.value));
    }
  }
  return sorted_by_name(std::move(list));
}

MemoryMetrics::Series MemoryMetrics::all_series() const {
  Series list;
  for (const SeriesSamples& entry : series_)
    list.emplace_back(names_->name(entry.id), std::span<const Sample>(entry.samples));
  return sorted_by_name(std::move(list));
}

}  // namespace mycelium::sim
