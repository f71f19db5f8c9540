#pragma once
// Backup node selection for an Endophyte VM (DESIGN: "Backup node selection: by latency,
// bandwidth, zone diversity (never two replicas in one failure domain when avoidable), load").
//
// Pure functions over a candidate list the caller measured; no I/O, no clock. Every criterion
// first filters the candidates: dead nodes, the primary itself, nodes without enough free memory
// for the guest and duplicate entries are never chosen (each rejection is reported). The
// survivors are then ranked:
//   latency-optimized    lowest RTT to the primary
//   bandwidth-optimized  highest available bandwidth
//   least-loaded         lowest load
//   zone-diverse         least-occupied failure domain first, counting the primary as a replica
//                        in its zone; within equally occupied zones, lowest RTT. So backups go to
//                        distinct zones other than the primary's whenever enough exist; a zone is
//                        shared only when there are fewer eligible zones than replicas, and the
//                        result then says so (zones_shared + a warning).
// Ties always fall to the lower NodeId, so the same input gives the same answer on every run.
// Zones are opaque strings compared exactly (an empty zone is a zone like any other).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <core/env/node_id.hpp>
#include <core/env/time.hpp>
#include <core/manifest/endophyte_vm.hpp>

namespace mycelium::placement {

// A node that could hold a backup, as measured from the primary.
struct Candidate {
  NodeId node;
  std::string zone;                         // failure domain
  Duration rtt{};                           // measured round trip to the primary
  std::uint64_t bandwidth_bytes_per_s = 0;  // available bandwidth towards it
  // Fraction of its buffer/CPU in use, in [0, 1]; out-of-range values are clamped and NaN
  // counts as 1 when ranking.
  double load = 0.0;
  std::uint64_t free_memory_bytes = 0;
  bool alive = true;
};

// The node running the guest.
struct Primary {
  NodeId node;
  std::string zone;
  std::uint64_t guest_memory_bytes = 0;  // a backup needs at least this much free memory
};

// A backup already in place (input to replace_failed_backup).
struct PlacedBackup {
  NodeId node;
  std::string zone;
};

// One chosen backup and why.
struct Choice {
  NodeId node;
  std::string zone;
  std::string reason;  // human readable, e.g. "node 4 (zone b): RTT 1.200ms, rank 1 of 5 ..."
};

// A candidate that was not eligible and why (dead, primary, too little memory, duplicate,
// failed, already a backup).
struct Rejection {
  NodeId node;
  std::string reason;
};

struct Selection {
  std::vector<Choice> backups;        // in order of preference, at most the requested count
  std::vector<std::string> warnings;  // human readable
  std::vector<Rejection> rejected;    // ineligible candidates, in input order
  bool fewer_than_requested = false;  // backups.size() < requested count
  bool zones_shared = false;          // zone-diverse only: some backup shares a zone
};

// Chooses up to `count` backups for `primary` among `candidates` by `criteria`.
Selection select_backups(const Primary& primary, std::span<const Candidate> candidates,
                         std::size_t count, manifest::BackupSelection criteria);

// Chooses one replacement for `failed` (never chosen again, even if listed alive), honouring the
// same criteria. `remaining` are the backups still in place: never chosen, and for zone-diverse
// their zones (and the primary's) count as occupied, so the replacement goes to an unused zone
// when one is eligible. The result holds zero or one backup.
Selection replace_failed_backup(const Primary& primary, std::span<const Candidate> candidates,
                                std::span<const PlacedBackup> remaining, NodeId failed,
                                manifest::BackupSelection criteria);

// "1.250ms": a duration in milliseconds with three decimals (integer arithmetic), for reasons.
std::string format_millis(Duration duration);

}  // namespace mycelium::placement
