// Planned migration, the primary's side (declared in replication_primary.hpp): two-phase
// convergence as DESIGN.md describes it.

#include <algorithm>

#include <core/assert.hpp>
#include <core/ram/replication_primary.hpp>

namespace mycelium::ram {

bool ReplicationPrimary::start_migration(const MigrationConfig& config, MigrationDone done) {
  if (migration_ || stopped_) return false;
  const std::optional<std::size_t> target = backup_index(config.target);
  if (!target || !backups_[*target].live) return false;
  MYCELIUM_ASSERT(config.converge_level > 0.0 && config.converge_level < 1.0);
  MYCELIUM_ASSERT(config.intensity_step > 0.0);
  Migration migration;
  migration.config = config;
  migration.done = std::move(done);
  migration.target = *target;
  migration.intensity = intensity_;
  migration.previous_level = buffer_.level();
  migration.outcome.started_at = env_.now();
  migration_ = std::move(migration);
  env_.metrics().add_counter("migrations_started_total", 1);
  return true;
}

void ReplicationPrimary::migration_tick() {
  Migration& migration = *migration_;
  const TimePoint now = env_.now();
  const double level = buffer_.level();
  if (migration.phase == MigrationPhase::kConverging) {
    if (level <= migration.config.converge_level) {
      begin_final_transfer();
      return;
    }
    if (now - migration.outcome.started_at >= migration.config.convergence_timeout) {
      finish_migration(false, "did not converge below level " +
                                  std::to_string(migration.config.converge_level) + " within " +
                                  format_duration(migration.config.convergence_timeout));
      return;
    }
    // Phase 1: slow the guest a step more for every tick the buffer did not shrink.
    if (level >= migration.previous_level) {
      migration.intensity = std::min(config_.ram.max_intensity,
                                     migration.intensity + migration.config.intensity_step);
    }
    migration.previous_level = level;
    return;
  }
  if (now - *migration.outcome.paused_at >= migration.config.final_transfer_timeout) {
    finish_migration(false, "the final transfer took longer than " +
                                format_duration(migration.config.final_transfer_timeout));
  }
}

void ReplicationPrimary::begin_final_transfer() {
  Migration& migration = *migration_;
  migration.phase = MigrationPhase::kFinalTransfer;
  migration.outcome.paused_at = env_.now();
  if (!vm_.is_paused()) vm_.pause();
  paused_ = true;
  // What the guest wrote since the last tick completes the final state.
  DirtyPages last = vm_.read_dirty_pages();
  dirtied_bytes_total_ += last.bytes();
  buffer_.queue_dirty(std::move(last.pages), previous_tick_);
  previous_tick_ = env_.now();
  try_launch(false);
  check_migration_complete();
}

void ReplicationPrimary::check_migration_complete() {
  if (!migration_ || migration_->phase != MigrationPhase::kFinalTransfer) return;
  // Best effort may hold discarded pages: they must reach the target too.
  buffer_.requeue_stale_that_fit(previous_tick_);
  try_launch(false);
  if (buffer_.queued_bytes() > 0 || buffer_.stale_bytes() > 0) return;
  if (backups_[migration_->target].applied_through < buffer_.last_launched()) return;
  finish_migration(true, {});
}

void ReplicationPrimary::finish_migration(bool completed, std::string abort_reason) {
  MYCELIUM_ASSERT(migration_.has_value());
  Migration migration = std::move(*migration_);
  migration_.reset();
  MigrationOutcome& outcome = migration.outcome;
  outcome.completed = completed;
  outcome.abort_reason = std::move(abort_reason);
  outcome.finished_at = env_.now();
  outcome.final_epoch = buffer_.last_launched();
  if (completed) {
    env_.metrics().add_counter("migrations_completed_total", 1);
    // Every backup learns who resumes the guest: the target takes over, the others follow it.
    // On a lane: where lanes are TCP, a lost datagram cannot turn this into an election.
    Handover handover;
    handover.stream = config_.stream;
    handover.final_epoch = outcome.final_epoch;
    handover.new_primary = migration.config.target;
    send_to_live_backups(kFailoverPort, 1, encode(handover));
    stop();  // the target resumes the guest; this node no longer replicates it
  } else {
    env_.metrics().add_counter("migrations_aborted_total", 1);
    policy_->reset();
    if (outcome.paused_at) {  // back to running on the source
      vm_.resume();
      paused_ = false;
      update_pause();
    }
  }
  if (migration.done) migration.done(outcome);
}

}  // namespace mycelium::ram
