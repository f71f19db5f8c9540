#pragma once
// Shared by the workload tests: a hand-turned clock and a small spec to start from.

#include <core/env/time.hpp>
#include <sim/workload/workload_spec.hpp>

namespace mycelium::sim::testing {

// A clock the test moves; SimulatedGuest reads it through a lambda.
struct HandClock {
  TimePoint now{};
  auto reader() {
    return [this] { return now; };
  }
};

// 64 MiB of 4 KiB pages, all of them in the working set, writing at a constant rate.
inline WorkloadSpec constant_rate_spec(double write_rate_pages_per_s,
                                       Popularity popularity = Popularity::uniform()) {
  WorkloadSpec spec;
  spec.memory_bytes = 64ULL << 20;
  spec.working_set_bytes = 64ULL << 20;
  spec.popularity = popularity;
  spec.schedule = RateSchedule::constant(write_rate_pages_per_s);
  return spec;
}

}  // namespace mycelium::sim::testing
