// Backup node selection: each criterion on a hand-built candidate list, the nodes no criterion
// may choose, zone diversity and its fallback, NodeId tie-breaks, and replacement of a failed
// backup.

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <core/placement/backup_selection.hpp>

using namespace mycelium;
using namespace mycelium::placement;
using manifest::BackupSelection;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kGiB = 1ull << 30;
constexpr std::uint64_t kMBps = 1'000'000;

Candidate candidate(std::uint32_t id, std::string zone, Duration rtt, std::uint64_t mbps,
                    double load, std::uint64_t free_memory = 8 * kGiB, bool alive = true) {
  return Candidate{NodeId{id}, std::move(zone), rtt, mbps * kMBps, load, free_memory, alive};
}

// The primary is node 0 in zone a, with a 4Gi guest.
Primary primary_in(std::string zone) {
  return Primary{NodeId{0}, std::move(zone), 4 * kGiB};
}

// Six candidates in three zones, each best at something different:
//   node  zone  RTT     bandwidth  load
//   1     a     0.2ms   1000MB/s   0.9
//   2     a     0.3ms    500MB/s   0.5
//   3     b     1.0ms   2000MB/s   0.3
//   4     b     1.5ms    800MB/s   0.1
//   5     c     5.0ms   3000MB/s   0.6
//   6     c     4.0ms    100MB/s   0.2
std::vector<Candidate> six_in_three_zones() {
  return {
      candidate(1, "a", 200us, 1000, 0.9),  candidate(2, "a", 300us, 500, 0.5),
      candidate(3, "b", 1000us, 2000, 0.3), candidate(4, "b", 1500us, 800, 0.1),
      candidate(5, "c", 5000us, 3000, 0.6), candidate(6, "c", 4000us, 100, 0.2),
  };
}

std::vector<std::uint32_t> ids(const Selection& selection) {
  std::vector<std::uint32_t> out;
  for (const Choice& choice : selection.backups)
    out.push_back(choice.node.value);
  return out;
}

std::vector<std::string> zones(const Selection& selection) {
  std::vector<std::string> out;
  for (const Choice& choice : selection.backups)
    out.push_back(choice.zone);
  return out;
}

bool warns(const Selection& selection, const std::string& text) {
  return std::any_of(
      selection.warnings.begin(), selection.warnings.end(),
      [&](const std::string& warning) { return warning.find(text) != std::string::npos; });
}

const auto kAllCriteria = {BackupSelection::kLatencyOptimized, BackupSelection::kBandwidthOptimized,
                           BackupSelection::kZoneDiverse, BackupSelection::kLeastLoaded};

}  // namespace

TEST_CASE("latency-optimized picks the lowest RTT", "[placement]") {
  const auto selection =
      select_backups(primary_in("a"), six_in_three_zones(), 2, BackupSelection::kLatencyOptimized);
  CHECK(ids(selection) == std::vector<std::uint32_t>{1, 2});
  CHECK(selection.warnings.empty());
  CHECK_FALSE(selection.fewer_than_requested);
  REQUIRE(selection.backups.size() == 2);
  CHECK(selection.backups[0].reason.find("RTT 0.200ms") != std::string::npos);
  CHECK(selection.backups[0].reason.find("rank 1 of 6") != std::string::npos);
}

TEST_CASE("bandwidth-optimized picks the highest bandwidth", "[placement]") {
  const auto selection = select_backups(primary_in("a"), six_in_three_zones(), 3,
                                        BackupSelection::kBandwidthOptimized);
  CHECK(ids(selection) == std::vector<std::uint32_t>{5, 3, 1});
  CHECK(selection.warnings.empty());
  REQUIRE_FALSE(selection.backups.empty());
  CHECK(selection.backups[0].reason.find("bandwidth 3000.0MB/s") != std::string::npos);
}

TEST_CASE("least-loaded picks the lowest load", "[placement]") {
  const auto selection =
      select_backups(primary_in("a"), six_in_three_zones(), 2, BackupSelection::kLeastLoaded);
  CHECK(ids(selection) == std::vector<std::uint32_t>{4, 6});
  CHECK(selection.warnings.empty());
  REQUIRE_FALSE(selection.backups.empty());
  CHECK(selection.backups[0].reason.find("load 0.10") != std::string::npos);
}

TEST_CASE("zone-diverse picks the lowest-RTT node of each zone other than the primary's",
          "[placement]") {
  const auto selection =
      select_backups(primary_in("a"), six_in_three_zones(), 2, BackupSelection::kZoneDiverse);
  // Zone a holds the primary, so b (best: node 3, 1.0ms) and c (best: node 6, 4.0ms), even
  // though nodes 1 and 2 in zone a have lower RTT than both.
  CHECK(ids(selection) == std::vector<std::uint32_t>{3, 6});
  CHECK_FALSE(selection.zones_shared);
  CHECK(selection.warnings.empty());
}

TEST_CASE("zone-diverse never repeats a zone when enough zones exist", "[placement]") {
  // Primary in a zone no candidate is in: three free zones for three backups.
  const auto selection =
      select_backups(primary_in("z"), six_in_three_zones(), 3, BackupSelection::kZoneDiverse);
  CHECK(ids(selection) == std::vector<std::uint32_t>{1, 3, 6});
  auto chosen_zones = zones(selection);
  std::sort(chosen_zones.begin(), chosen_zones.end());
  CHECK(std::adjacent_find(chosen_zones.begin(), chosen_zones.end()) == chosen_zones.end());
  CHECK_FALSE(selection.zones_shared);
  CHECK(selection.warnings.empty());
}

TEST_CASE("zone-diverse shares a zone only when it must, and warns", "[placement]") {
  // Primary in a: only b and c are free, three backups are asked for.
  const auto selection =
      select_backups(primary_in("a"), six_in_three_zones(), 3, BackupSelection::kZoneDiverse);
  REQUIRE(selection.backups.size() == 3);
  // The two free zones first; then every zone holds one replica and RTT decides: node 1 (0.2ms)
  // shares zone a with the primary.
  CHECK(ids(selection) == std::vector<std::uint32_t>{3, 6, 1});
  CHECK(selection.zones_shared);
  CHECK_FALSE(selection.fewer_than_requested);
  CHECK(warns(selection, "zone diversity impossible"));
  CHECK(warns(selection, "node 1 in zone a with the primary"));
  CHECK(selection.backups[2].reason.find("shared because no eligible zone is free") !=
        std::string::npos);

  // Four backups: the fourth goes to a zone holding one replica, never to a (which holds two).
  const auto four =
      select_backups(primary_in("a"), six_in_three_zones(), 4, BackupSelection::kZoneDiverse);
  CHECK(ids(four) == std::vector<std::uint32_t>{3, 6, 1, 4});
}

TEST_CASE("dead nodes, the primary and nodes too small for the guest are never chosen",
          "[placement]") {
  auto candidates = six_in_three_zones();
  // Each of these would win every criterion if it were eligible.
  candidates.push_back(candidate(0, "d", 10us, 9000, 0.0));                   // the primary itself
  candidates.push_back(candidate(7, "e", 20us, 9000, 0.0, 8 * kGiB, false));  // dead
  candidates.push_back(candidate(8, "f", 30us, 9000, 0.0, 2 * kGiB));         // 2Gi free < 4Gi
  candidates.push_back(candidate(9, "g", 40us, 9000, 0.0, 4 * kGiB));         // exactly enough
  for (const BackupSelection criteria : kAllCriteria) {
    INFO(manifest::kBackupSelectionNames.name(criteria));
    const auto selection = select_backups(primary_in("a"), candidates, 10, criteria);
    const auto chosen = ids(selection);
    CHECK(std::find(chosen.begin(), chosen.end(), 0u) == chosen.end());
    CHECK(std::find(chosen.begin(), chosen.end(), 7u) == chosen.end());
    CHECK(std::find(chosen.begin(), chosen.end(), 8u) == chosen.end());
    CHECK(std::find(chosen.begin(), chosen.end(), 9u) != chosen.end());
    CHECK(chosen.size() == 7);  // six plus node 9
    REQUIRE(selection.rejected.size() == 3);
    CHECK(selection.rejected[0].reason == "node 0: the primary itself");
    CHECK(selection.rejected[1].reason == "node 7: dead");
    CHECK(selection.rejected[2].reason == "node 8: free memory 2Gi < guest memory 4Gi");
    // Ten asked, seven eligible: said, not hidden.
    CHECK(selection.fewer_than_requested);
    CHECK(warns(selection, "only 7 of 10 requested"));
  }
}

TEST_CASE("ties are broken by the lower NodeId whatever the input order", "[placement]") {
  // Identical measurements in distinct zones, listed out of order.
  std::vector<Candidate> candidates = {
      candidate(12, "x", 1ms, 1000, 0.5),
      candidate(5, "y", 1ms, 1000, 0.5),
      candidate(9, "z", 1ms, 1000, 0.5),
  };
  for (const BackupSelection criteria : kAllCriteria) {
    INFO(manifest::kBackupSelectionNames.name(criteria));
    const auto selection = select_backups(primary_in("a"), candidates, 2, criteria);
    CHECK(ids(selection) == std::vector<std::uint32_t>{5, 9});
    REQUIRE(selection.backups.size() == 2);
    CHECK(selection.backups[0].reason.find("tie with node 9, node 12 broken by lower NodeId") !=
          std::string::npos);
  }
  std::reverse(candidates.begin(), candidates.end());
  CHECK(ids(select_backups(primary_in("a"), candidates, 2, BackupSelection::kLatencyOptimized)) ==
        std::vector<std::uint32_t>{5, 9});
}

TEST_CASE("a duplicate candidate entry is reported and used once", "[placement]") {
  auto candidates = six_in_three_zones();
  candidates.push_back(candidate(1, "a", 200us, 1000, 0.9));
  const auto selection =
      select_backups(primary_in("a"), candidates, 3, BackupSelection::kLatencyOptimized);
  CHECK(ids(selection) == std::vector<std::uint32_t>{1, 2, 3});
  REQUIRE(selection.rejected.size() == 1);
  CHECK(selection.rejected[0].reason == "node 1: listed twice, first entry used");
}

TEST_CASE("no eligible candidate gives an empty selection and a warning", "[placement]") {
  const std::vector<Candidate> candidates = {candidate(1, "b", 1ms, 100, 0.1, kGiB)};
  const auto selection =
      select_backups(primary_in("a"), candidates, 2, BackupSelection::kZoneDiverse);
  CHECK(selection.backups.empty());
  CHECK(selection.fewer_than_requested);
  CHECK(warns(selection, "only 0 of 2 requested"));
  // Zero requested is not a shortfall.
  const auto none = select_backups(primary_in("a"), candidates, 0, BackupSelection::kZoneDiverse);
  CHECK(none.backups.empty());
  CHECK(none.warnings.empty());
}

TEST_CASE("zone-diverse replacement avoids the zones already used", "[placement]") {
  // Backups on 3 (zone b) and 6 (zone c); node 6 fails. Zone a holds the primary and zone b
  // backup 3, so the replacement is node 5, the only other node in zone c, although nodes 1, 2
  // (zone a) and 4 (zone b) all have lower RTT.
  const std::vector<PlacedBackup> backups = {{NodeId{3}, "b"}, {NodeId{6}, "c"}};
  const auto replacement = replace_failed_backup(primary_in("a"), six_in_three_zones(), backups,
                                                 NodeId{6}, BackupSelection::kZoneDiverse);
  CHECK(ids(replacement) == std::vector<std::uint32_t>{5});
  CHECK_FALSE(replacement.zones_shared);
  CHECK(replacement.warnings.empty());
}

TEST_CASE("replacement never re-chooses the failed node or a current backup", "[placement]") {
  // The failed node 1 is still listed alive (the failure detector may lag the candidate list).
  const std::vector<PlacedBackup> backups = {{NodeId{1}, "a"}, {NodeId{2}, "a"}};
  const auto latency = replace_failed_backup(primary_in("a"), six_in_three_zones(), backups,
                                             NodeId{1}, BackupSelection::kLatencyOptimized);
  CHECK(ids(latency) == std::vector<std::uint32_t>{3});
  bool failed_rejected = false;
  bool backup_rejected = false;
  for (const Rejection& rejection : latency.rejected) {
    failed_rejected |= rejection.reason == "node 1: the failed backup";
    backup_rejected |= rejection.reason == "node 2: already a backup";
  }
  CHECK(failed_rejected);
  CHECK(backup_rejected);

  const auto bandwidth = replace_failed_backup(primary_in("a"), six_in_three_zones(), backups,
                                               NodeId{1}, BackupSelection::kBandwidthOptimized);
  CHECK(ids(bandwidth) == std::vector<std::uint32_t>{5});
}

TEST_CASE("zone-diverse replacement warns when every zone is in use", "[placement]") {
  // Only zones a (primary), b and c exist; backups in b and c; c's backup fails and c has no
  // other node: the replacement must share.
  std::vector<Candidate> candidates = six_in_three_zones();
  candidates.erase(candidates.begin() + 4);  // node 5, the other node of zone c
  const std::vector<PlacedBackup> backups = {{NodeId{3}, "b"}, {NodeId{6}, "c"}};
  const auto replacement = replace_failed_backup(primary_in("a"), candidates, backups, NodeId{6},
                                                 BackupSelection::kZoneDiverse);
  // Zones a and b hold one replica each; lowest RTT among them is node 1 (zone a, 0.2ms).
  CHECK(ids(replacement) == std::vector<std::uint32_t>{1});
  CHECK(replacement.zones_shared);
  CHECK(warns(replacement, "zone diversity impossible"));
}

TEST_CASE("format_millis shows milliseconds with three decimals", "[placement]") {
  CHECK(format_millis(300us) == "0.300ms");
  CHECK(format_millis(80ms) == "80.000ms");
  CHECK(format_millis(1234567ns) == "1.234ms");
}
