#pragma once
// Samples a replication run into the columns of the results file (docs/results.md): the
// primary's buffer, throttle and lag, the guest's dirty rate and progress, and the throughput
// of every rhizomorph connection.

#include <algorithm>
#include <cstdint>
#include <vector>

#include <analysis/results/results.hpp>
#include <core/ram/replication_primary.hpp>
#include <sim/env/memory_metrics.hpp>
#include <sim/scenario/units.hpp>
#include <sim/workload/simulated_guest.hpp>

namespace mycelium::sim {

// Call sample() every sample interval from the moment replication starts (`start`). After a
// failover, follow() the guest and the primary on the node that took over.
class RunSampler {
  // The fixed columns, in `columns` order; one per rhizomorph connection follows them.
  enum Column : std::size_t {
    kBufferLevel,
    kThrottleIntensity,
    kDirtyRate,
    kSendRate,
    kLagBytes,
    kLagS,
    kProgress,
    kPaused,
    kFixedColumns
  };

 public:
  RunSampler(SimulatedGuest& guest, const ram::ReplicationPrimary& primary, MemoryMetrics& metrics,
             TimePoint start)
      : guest_(&guest),
        primary_(&primary),
        metrics_(&metrics),
        previous_at_(start),
        backups_(primary.config().backups),
        connections_per_backup_(primary.config().connections_per_backup) {
    // One throughput column per rhizomorph connection: send_rate_b<backup>_c<connection>.
    for (std::size_t b = 0; b < backups_.size(); ++b) {
      for (std::uint32_t c = 0; c < connections_per_backup_; ++c) {
        columns.push_back(
            {"send_rate_b" + std::to_string(b + 1) + "_c" + std::to_string(c), "bytes/s", {}});
        previous_connection_bytes_.push_back(0);
      }
    }
  }

  // From now on: `guest` (whose progress continues from `progress_offset_s`, what the guest had
  // done at the restored snapshot) and `primary` (null: the guest runs unreplicated).
  void follow(SimulatedGuest& guest, const ram::ReplicationPrimary* primary, MemoryMetrics& metrics,
              double progress_offset_s) {
    guest_ = &guest;
    primary_ = primary;
    metrics_ = &metrics;
    progress_offset_s_ = progress_offset_s;
    previous_dirtied_ = 0;
    previous_sent_ = 0;
    std::fill(previous_connection_bytes_.begin(), previous_connection_bytes_.end(), 0);
  }

  // The guest's progress at the last sample at or before `at` (0 before the first).
  double progress_at(TimePoint at) const {
    double progress = 0.0;
    for (std::size_t i = 0; i < time_s.size() && time_s[i] <= to_seconds(at); ++i) {
      progress = columns[kProgress].values[i];
    }
    return progress;
  }

  void sample(TimePoint now, bool primary_alive) {
    const double interval_s = to_seconds(now - previous_at_);
    const double progress = progress_offset_s_ + guest_->progress_s();
    const std::uint64_t dirtied =
        guest_->dirtied_pages_total() * guest_->spec().tracked_page_bytes();
    // What the backups acknowledged: the throughput the network delivered, not what was queued.
    const auto sent =
        static_cast<std::uint64_t>(metrics_->counter("replication_bytes_acked_total"));
    primary_alive = primary_alive && primary_ != nullptr;
    if (!primary_alive) {
      sample_without_primary(now, interval_s, progress, dirtied);
      return;
    }
    const ram::ReplicationBuffer& buffer = primary_->buffer();
    const std::optional<TimePoint> oldest = buffer.oldest_uncommitted_write();
    time_s.push_back(to_seconds(now));
    columns[kBufferLevel].values.push_back(buffer.level());
    columns[kThrottleIntensity].values.push_back(primary_->throttle_intensity());
    columns[kDirtyRate].values.push_back(rate(dirtied, previous_dirtied_, interval_s));
    columns[kSendRate].values.push_back(rate(sent, previous_sent_, interval_s));
    columns[kLagBytes].values.push_back(static_cast<double>(buffer.uncommitted_bytes()));
    columns[kLagS].values.push_back(oldest ? to_seconds(now - *oldest) : 0.0);
    columns[kProgress].values.push_back(progress);
    columns[kPaused].values.push_back(guest_->is_paused() ? 1.0 : 0.0);
    std::size_t column = kFixedColumns;
    const std::vector<NodeId>& serving = primary_->config().backups;
    for (NodeId backup : backups_) {
      const bool replicated = std::find(serving.begin(), serving.end(), backup) != serving.end();
      for (std::uint32_t c = 0; c < connections_per_backup_; ++c, ++column) {
        if (!replicated || c >= primary_->config().connections_per_backup) {
          columns[column].values.push_back(kNotApplicable);  // no longer one of the backups
          continue;
        }
        const std::uint64_t bytes = primary_->connection_acked_bytes(backup, c);
        std::uint64_t& previous = previous_connection_bytes_[column - kFixedColumns];
        columns[column].values.push_back(rate(bytes, previous, interval_s));
        previous = bytes;
      }
    }
    previous_at_ = now;
    previous_dirtied_ = dirtied;
    previous_sent_ = sent;
  }

  std::vector<double> time_s;
  std::vector<analysis::TimeSeriesColumn> columns{
      {"buffer_level", "ratio", {}}, {"throttle_intensity", "ratio", {}},
      {"dirty_rate", "bytes/s", {}}, {"send_rate", "bytes/s", {}},
      {"lag_bytes", "bytes", {}},    {"lag_s", "s", {}},
      {"guest_progress", "s", {}},   {"paused", "boolean", {}},
  };

 private:
  // Bytes per second between two readings of a growing counter.
  static double rate(std::uint64_t now_total, std::uint64_t previous_total, double interval_s) {
    return interval_s > 0 ? static_cast<double>(now_total - previous_total) / interval_s : 0.0;
  }

  // Between a crash and a takeover, or without backups: guest columns only.
  void sample_without_primary(TimePoint now, double interval_s, double progress,
                              std::uint64_t dirtied) {
    time_s.push_back(to_seconds(now));
    for (analysis::TimeSeriesColumn& column : columns)
      column.values.push_back(kNotApplicable);
    columns[kDirtyRate].values.back() = rate(dirtied, previous_dirtied_, interval_s);
    columns[kSendRate].values.back() = 0.0;
    columns[kProgress].values.back() = progress;
    columns[kPaused].values.back() = guest_->is_paused() ? 1.0 : 0.0;
    previous_at_ = now;
    previous_dirtied_ = dirtied;
  }

  SimulatedGuest* guest_;
  const ram::ReplicationPrimary* primary_;
  MemoryMetrics* metrics_;
  TimePoint previous_at_;
  std::vector<NodeId> backups_;  // the first primary's: the connection columns' order
  std::uint32_t connections_per_backup_;
  double progress_offset_s_ = 0.0;
  std::uint64_t previous_dirtied_ = 0;
  std::uint64_t previous_sent_ = 0;
  std::vector<std::uint64_t> previous_connection_bytes_;
};

}  // namespace mycelium::sim
