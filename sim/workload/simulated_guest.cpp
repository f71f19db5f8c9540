#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <utility>

#include <core/assert.hpp>
#include <sim/workload/simulated_guest.hpp>

namespace mycelium::sim {

namespace {

constexpr std::uint64_t kNanoPerUnit = 1'000'000'000;
// Writes are integrated in 1e-15 pages (schedule_integral.hpp) times nano-units of speed.
constexpr Uint128 kWriteUnitsPerPage = static_cast<Uint128>(kIntegralUnitsPerPage) * kNanoPerUnit;
constexpr std::uint64_t kProgressUnitsPerSecond = 1'000'000'000'000'000'000;  // 1e18

// The guest refuses an invalid spec loudly, before any member is built from it.
WorkloadSpec checked(WorkloadSpec spec) {
  const std::vector<std::string> problems = validate(spec);
  for (const std::string& problem : problems)
    std::fprintf(stderr, "invalid WorkloadSpec: %s\n", problem.c_str());
  MYCELIUM_ASSERT(problems.empty());
  return spec;
}

}  // namespace

SimulatedGuest::SimulatedGuest(WorkloadSpec spec, RandomStream random, Clock clock)
    : spec_(checked(std::move(spec))),
      random_(random),
      clock_(std::move(clock)),
      integral_(spec_.schedule),
      sampler_(spec_.popularity, spec_.working_set_pages()),
      page_set_(spec_.tracked_working_set_pages()),
      group_shift_(static_cast<unsigned>(std::countr_zero(spec_.page_group))) {
  MYCELIUM_ASSERT(clock_);
  start_ = clock_();
  accounted_until_ = start_;
}

void SimulatedGuest::account() {
  const TimePoint now = clock_();
  MYCELIUM_ASSERT(now >= accounted_until_);
  if (!paused_ && now > accounted_until_) {
    const Duration from = accounted_until_ - start_;
    const Duration to = now - start_;
    const Uint128 full_speed = integral_.between(from, to);  // 1e-15 pages
    // The product stays below 2^128 for any interval under ~47 hours at the highest rate.
    MYCELIUM_ASSERT(full_speed <= ~Uint128{0} / kNanoPerUnit / 2);
    const Uint128 units = write_carry_ + full_speed * speed_nano_;
    const auto writes = static_cast<std::uint64_t>(units / kWriteUnitsPerPage);
    write_carry_ = units % kWriteUnitsPerPage;
    writes_unread_ += writes;
    writes_total_ += writes;
    progress_units_ +=
        static_cast<Uint128>(speed_nano_) * static_cast<std::uint64_t>((to - from).count());
  }
  accounted_until_ = now;
}

void SimulatedGuest::set_throttle_intensity(double intensity) {
  MYCELIUM_ASSERT(intensity >= 0.0 && intensity <= 1.0);  // also refuses NaN
  account();  // the time so far ran at the old intensity
  intensity_ = intensity;
  speed_nano_ = static_cast<std::uint64_t>(
      std::llround((1.0 - intensity) * static_cast<double>(kNanoPerUnit)));
}

void SimulatedGuest::pause() {
  account();
  paused_ = true;
}

void SimulatedGuest::resume() {
  account();
  paused_ = false;
}

DirtyPages SimulatedGuest::read_dirty_pages() {
  account();
  // Every page_group writes draw one page; the remainder waits for the next read, so the draws
  // of any span do not depend on how often the guest is read.
  const std::uint64_t writes = std::exchange(writes_unread_, 0) + writes_undrawn_;
  const std::uint64_t draws = writes >> group_shift_;
  writes_undrawn_ = writes - (draws << group_shift_);
  page_set_.add_all(draws, [this, draws](auto&& add_one) {
    const unsigned shift = group_shift_;
    sampler_.draw(random_, draws,
                  [&add_one, shift](std::uint64_t page) { add_one(page >> shift); });
  });
  DirtyPages dirty{spec_.tracked_page_bytes(), page_set_.take_sorted()};
  dirtied_pages_total_ += dirty.pages.size();
  if (!last_read_.empty()) {
    const TimePoint now = clock_();
    for (const std::uint64_t page : dirty.pages)
      last_read_[page] = now;
  }
  return dirty;
}

void SimulatedGuest::remember_last_reads() {
  if (last_read_.empty()) last_read_.assign(spec_.tracked_working_set_pages(), TimePoint::min());
}

std::uint64_t SimulatedGuest::pages_read_after(TimePoint snapshot) const {
  MYCELIUM_ASSERT(!last_read_.empty());
  return static_cast<std::uint64_t>(std::count_if(
      last_read_.begin(), last_read_.end(), [snapshot](TimePoint at) { return at > snapshot; }));
}

double SimulatedGuest::progress_s() {
  account();
  const auto whole_s = static_cast<std::uint64_t>(progress_units_ / kProgressUnitsPerSecond);
  const auto fraction = static_cast<std::uint64_t>(progress_units_ % kProgressUnitsPerSecond);
  return static_cast<double>(whole_s) +
         static_cast<double>(fraction) / static_cast<double>(kProgressUnitsPerSecond);
}

std::uint64_t SimulatedGuest::writes_total() {
  account();
  return writes_total_;
}

const Phase& SimulatedGuest::current_phase() const {
  const TimePoint now = clock_();
  MYCELIUM_ASSERT(now >= start_);
  return spec_.schedule.phases[integral_.phase_index_at(now - start_)];
}

}  // namespace mycelium::sim
