#pragma once
// Drives a FakeVm like a guest for protocol tests on ManualNetwork: every 10 ms step it writes
// `pages_per_step` new pages (cycling through the guest), scaled by (1 - throttle intensity),
// and nothing while paused, then advances the network by the step.

#include <chrono>
#include <cstdint>

#include <tests/support/manual_environment.hpp>

namespace mycelium::testing {

class GuestDriver {
 public:
  static constexpr Duration kStep = std::chrono::milliseconds(10);

  GuestDriver(ManualNetwork& network, FakeVm& vm, std::uint64_t guest_pages)
      : network_(network), vm_(vm), guest_pages_(guest_pages) {}

  void run(Duration duration, double pages_per_step) {
    for (Duration elapsed{}; elapsed < duration; elapsed += kStep) {
      if (!vm_.is_paused()) {
        carry_ += pages_per_step * (1.0 - vm_.throttle_intensity());
        for (; carry_ >= 1.0; carry_ -= 1.0)
          vm_.dirty(next_page_++ % guest_pages_);
      }
      network_.advance(kStep);
    }
  }

  // Pages written so far (page i % guest_pages for every i below this).
  std::uint64_t pages_written() const { return next_page_; }

 private:
  ManualNetwork& network_;
  FakeVm& vm_;
  std::uint64_t guest_pages_;
  double carry_ = 0.0;
  std::uint64_t next_page_ = 0;
};

}  // namespace mycelium::testing
