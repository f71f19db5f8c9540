#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>

#include <core/assert.hpp>
#include <core/manifest/quantity.hpp>
#include <core/placement/backup_selection.hpp>

namespace mycelium::placement {
namespace {

using manifest::BackupSelection;

std::string node_name(NodeId node) {
  return "node " + std::to_string(node.value);
}

// "125.0MB/s": decimal megabytes per second, one decimal, integer arithmetic.
std::string format_rate(std::uint64_t bytes_per_s) {
  const std::uint64_t tenths = bytes_per_s / 100'000;  // tenths of a megabyte
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "MB/s";
}

// Load as used for ranking: NaN counts as fully loaded, out-of-range values are clamped.
double effective_load(double load) {
  if (std::isnan(load)) return 1.0;
  return std::clamp(load, 0.0, 1.0);
}

std::string format_load(double load) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", effective_load(load));
  return text;
}

std::string_view criterion_name(BackupSelection criteria) {
  return manifest::kBackupSelectionNames.name(criteria);
}

// Strict "a ranks before b" on the criterion alone (no NodeId tie-break); zone-diverse ranks by
// RTT within a zone-occupancy class, so it shares the latency order here.
bool better_on_criterion(const Candidate& a, const Candidate& b, BackupSelection criteria) {
  switch (criteria) {
    case BackupSelection::kBandwidthOptimized:
      return a.bandwidth_bytes_per_s > b.bandwidth_bytes_per_s;
    case BackupSelection::kLeastLoaded:
      return effective_load(a.load) < effective_load(b.load);
    case BackupSelection::kLatencyOptimized:
    case BackupSelection::kZoneDiverse:
      return a.rtt < b.rtt;
  }
  return false;
}

bool equal_on_criterion(const Candidate& a, const Candidate& b, BackupSelection criteria) {
  return !better_on_criterion(a, b, criteria) && !better_on_criterion(b, a, criteria);
}

// The criterion's ordering with the deterministic NodeId tie-break.
bool ranks_before(const Candidate& a, const Candidate& b, BackupSelection criteria) {
  if (better_on_criterion(a, b, criteria)) return true;
  if (better_on_criterion(b, a, criteria)) return false;
  return a.node < b.node;
}

std::string measured_value(const Candidate& candidate, BackupSelection criteria) {
  switch (criteria) {
    case BackupSelection::kBandwidthOptimized:
      return "bandwidth " + format_rate(candidate.bandwidth_bytes_per_s);
    case BackupSelection::kLeastLoaded:
      return "load " + format_load(candidate.load);
    case BackupSelection::kLatencyOptimized:
    case BackupSelection::kZoneDiverse:
      return "RTT " + format_millis(candidate.rtt);
  }
  return {};
}

std::string_view superlative(BackupSelection criteria) {
  switch (criteria) {
    case BackupSelection::kBandwidthOptimized:
      return "highest bandwidth";
    case BackupSelection::kLeastLoaded:
      return "lowest load";
    case BackupSelection::kLatencyOptimized:
    case BackupSelection::kZoneDiverse:
      return "lowest RTT";
  }
  return {};
}

// " (tie with node 7 broken by lower NodeId)" when another eligible candidate that ranks after
// `chosen` has the same measured value; empty otherwise.
std::string tie_note(const Candidate& chosen, const std::vector<const Candidate*>& pool,
                     BackupSelection criteria) {
  std::vector<NodeId> tied;
  for (const Candidate* other : pool) {
    if (other->node > chosen.node && equal_on_criterion(*other, chosen, criteria)) {
      tied.push_back(other->node);
    }
  }
  if (tied.empty()) return {};
  std::sort(tied.begin(), tied.end());
  std::string note = " (tie with ";
  for (std::size_t i = 0; i < tied.size(); ++i)
    note += (i == 0 ? "" : ", ") + node_name(tied[i]);
  return note + " broken by lower NodeId)";
}

struct Filtered {
  std::vector<const Candidate*> eligible;
  std::vector<Rejection> rejected;
};

// Drops what no criterion may choose; `excluded` maps extra nodes to the reason they are out.
Filtered filter(const Primary& primary, std::span<const Candidate> candidates,
                const std::map<NodeId, std::string>& excluded) {
  Filtered out;
  std::set<NodeId> seen;
  for (const Candidate& candidate : candidates) {
    const std::string name = node_name(candidate.node);
    std::string reason;
    if (!candidate.node.valid()) {
      reason = "invalid NodeId";
    } else if (!seen.insert(candidate.node).second) {
      reason = name + ": listed twice, first entry used";
    } else if (candidate.node == primary.node) {
      reason = name + ": the primary itself";
    } else if (const auto it = excluded.find(candidate.node); it != excluded.end()) {
      reason = name + ": " + it->second;
    } else if (!candidate.alive) {
      reason = name + ": dead";
    } else if (candidate.free_memory_bytes < primary.guest_memory_bytes) {
      reason = name + ": free memory " +
               manifest::format_byte_quantity(candidate.free_memory_bytes) + " < guest memory " +
               manifest::format_byte_quantity(primary.guest_memory_bytes);
    }
    if (reason.empty()) {
      out.eligible.push_back(&candidate);
    } else {
      out.rejected.push_back(Rejection{candidate.node, std::move(reason)});
    }
  }
  return out;
}

// Ranked choice by one measured value: the first `count` in criterion order.
void choose_ranked(const std::vector<const Candidate*>& eligible, std::size_t count,
                   BackupSelection criteria, Selection& out) {
  std::vector<const Candidate*> ranked = eligible;
  std::sort(ranked.begin(), ranked.end(), [criteria](const Candidate* a, const Candidate* b) {
    return ranks_before(*a, *b, criteria);
  });
  const std::size_t take = std::min(count, ranked.size());
  for (std::size_t i = 0; i < take; ++i) {
    const Candidate& chosen = *ranked[i];
    std::string reason = node_name(chosen.node) + " (zone " + chosen.zone +
                         "): " + measured_value(chosen, criteria) + ", rank " +
                         std::to_string(i + 1) + " of " + std::to_string(ranked.size()) +
                         " eligible by " + std::string(superlative(criteria)) +
                         tie_note(chosen, ranked, criteria);
    out.backups.push_back(Choice{chosen.node, chosen.zone, std::move(reason)});
  }
}

// Who already sits in each zone, for occupancy counts and reasons ("the primary", "node 4").
using Occupants = std::map<std::string, std::vector<std::string>>;

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string text;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text += separator;
    text += items[i];
  }
  return text;
}

// Greedy zone-diverse choice: each pick goes to the least-occupied zone (the primary counts as an
// occupant of its zone), lowest RTT within, lower NodeId on ties.
void choose_zone_diverse(const std::vector<const Candidate*>& eligible, std::size_t count,
                         Occupants occupants, Selection& out) {
  std::set<std::string> free_zones;  // eligible zones with no replica before we start
  for (const Candidate* candidate : eligible) {
    if (!occupants.contains(candidate->zone)) free_zones.insert(candidate->zone);
  }
  std::vector<const Candidate*> remaining = eligible;
  std::vector<std::string> shared;
  while (out.backups.size() < count && !remaining.empty()) {
    const auto occupancy = [&occupants](const Candidate* candidate) {
      const auto it = occupants.find(candidate->zone);
      return it == occupants.end() ? std::size_t{0} : it->second.size();
    };
    const auto best = std::min_element(remaining.begin(), remaining.end(),
                                       [&](const Candidate* a, const Candidate* b) {
                                         const std::size_t occupancy_a = occupancy(a);
                                         const std::size_t occupancy_b = occupancy(b);
                                         if (occupancy_a != occupancy_b)
                                           return occupancy_a < occupancy_b;
                                         return ranks_before(*a, *b, BackupSelection::kZoneDiverse);
                                       });
    const Candidate& chosen = **best;
    const std::size_t chosen_occupancy = occupancy(&chosen);
    // Candidates of the same occupancy class competed on RTT; name ties among them.
    std::vector<const Candidate*> same_class;
    for (const Candidate* other : remaining) {
      if (occupancy(other) == chosen_occupancy) same_class.push_back(other);
    }
    std::string reason = node_name(chosen.node) + " (zone " + chosen.zone + "): ";
    if (chosen_occupancy == 0) {
      reason += "zone " + chosen.zone + " holds no other replica; ";
    } else {
      const std::string with = join(occupants[chosen.zone]);
      reason += "zone " + chosen.zone + " already holds " + with +
                ", shared because no eligible zone is free; ";
      shared.push_back(node_name(chosen.node) + " in zone " + chosen.zone + " with " + with);
      out.zones_shared = true;
    }
    reason += "RTT " + format_millis(chosen.rtt) + ", lowest among candidates in " +
              (chosen_occupancy == 0 ? "free zones" : "the least-occupied zones") +
              tie_note(chosen, same_class, BackupSelection::kZoneDiverse);
    out.backups.push_back(Choice{chosen.node, chosen.zone, std::move(reason)});
    occupants[chosen.zone].push_back(node_name(chosen.node));
    remaining.erase(best);
  }
  if (!shared.empty()) {
    std::vector<std::string> zone_list(free_zones.begin(), free_zones.end());
    out.warnings.push_back("zone diversity impossible: " + std::to_string(count) +
                           " backup(s) needed but eligible " + "candidates offer only " +
                           std::to_string(free_zones.size()) + " zone(s) free of other replicas" +
                           (zone_list.empty() ? std::string() : " (" + join(zone_list) + ")") +
                           "; sharing: " + join(shared, "; "));
  }
}

Selection select_impl(const Primary& primary, std::span<const Candidate> candidates,
                      std::size_t count, BackupSelection criteria,
                      const std::map<NodeId, std::string>& excluded, const Occupants& occupants,
                      std::string_view what) {
  Filtered filtered = filter(primary, candidates, excluded);
  Selection out;
  out.rejected = std::move(filtered.rejected);
  if (count == 0) return out;
  if (criteria == BackupSelection::kZoneDiverse) {
    choose_zone_diverse(filtered.eligible, count, occupants, out);
  } else {
    choose_ranked(filtered.eligible, count, criteria, out);
  }
  MYCELIUM_ASSERT(out.backups.size() <= count);
  if (out.backups.size() < count) {
    out.fewer_than_requested = true;
    out.warnings.insert(out.warnings.begin(),
                        "only " + std::to_string(out.backups.size()) + " of " +
                            std::to_string(count) + " requested " + std::string(what) + " (" +
                            std::string(criterion_name(criteria)) +
                            "): " + std::to_string(candidates.size()) + " candidate(s), " +
                            std::to_string(out.rejected.size()) + " not eligible");
  }
  return out;
}

}  // namespace

std::string format_millis(Duration duration) {
  const std::int64_t micros = duration.count() / 1'000;
  const bool negative = micros < 0;
  const std::int64_t magnitude = negative ? -micros : micros;
  std::string fraction = std::to_string(magnitude % 1'000);
  fraction.insert(0, 3 - fraction.size(), '0');
  return (negative ? "-" : "") + std::to_string(magnitude / 1'000) + "." + fraction + "ms";
}

Selection select_backups(const Primary& primary, std::span<const Candidate> candidates,
                         std::size_t count, BackupSelection criteria) {
  Occupants occupants;
  occupants[primary.zone].push_back("the primary");
  return select_impl(primary, candidates, count, criteria, {}, occupants, "backup(s)");
}

Selection replace_failed_backup(const Primary& primary, std::span<const Candidate> candidates,
                                std::span<const PlacedBackup> remaining, NodeId failed,
                                BackupSelection criteria) {
  std::map<NodeId, std::string> excluded;
  excluded[failed] = "the failed backup";
  Occupants occupants;
  occupants[primary.zone].push_back("the primary");
  for (const PlacedBackup& backup : remaining) {
    if (backup.node == failed) continue;  // a caller that left it in: it no longer holds a replica
    excluded.emplace(backup.node, "already a backup");
    occupants[backup.zone].push_back("backup " + node_name(backup.node));
  }
  return select_impl(primary, candidates, 1, criteria, excluded, occupants, "replacement");
}

}  // namespace mycelium::placement
