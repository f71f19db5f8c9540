// The kvm test tier's real guest (issue 7, item 5): a Debian kernel and a busybox initramfs
// whose dirty_counter prints its progress to the serial console (tests/vm/make_guest.sh),
// rendered by render_domain_xml and driven through LibvirtDriver on a real libvirtd.
//
//   mycelium_kvm_guest_test --kernel K --initrd I --work DIR [--uri URI] [--type auto|kvm|qemu]
//                           [--dirty-mib N]
//
// Asserts, in order: the guest boots and prints its counter; the counter rate at a vCPU
// bandwidth of 25 % (vcpu_quota 250 ms per 1 s period) is 25 % of the unthrottled rate within
// 20 % (0.20 to 0.30; the median of five throttled windows of 4 s, each against the unthrottled
// windows either side); after the cap is lifted the rate comes back each time; suspended, the guest
// prints nothing for 1.5 s; resumed, the counter continues above its last value; destroy and
// undefine leave no domain. Dirty rate (page sampling, 1 s): measured while the guest runs
// unthrottled (during the first rate window, so it costs no extra time), it is above 0; measured
// while it is suspended (during the 1.5 s pause), it is at most a tenth of that, when QEMU takes
// the request. The domain is destroyed and undefined on every exit path.
//
// Exit status: 0 passed, 1 failed, 77 skipped (no libvirtd to talk to), like the other
// system-level tests (ctest SKIP_RETURN_CODE 77). Prints every figure it measures.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <real/vm/domain_type.hpp>
#include <real/vm/domain_xml.hpp>
#include <real/vm/libvirt_driver.hpp>
#include <real/vm/libvirt_error.hpp>
#include <tests/vm/guest_session.hpp>

namespace {

using mycelium::kvm_test::check;
using mycelium::kvm_test::Clock;
using mycelium::kvm_test::DomainGuard;
using mycelium::kvm_test::fixed;
using mycelium::kvm_test::seconds_since;
using mycelium::kvm_test::SerialLog;
using mycelium::real::DirtyRate;
using mycelium::real::DirtyRateStatus;
using mycelium::real::DomainState;
using mycelium::real::LibvirtDriver;
using mycelium::real::LibvirtError;

constexpr const char* kDomainName = "mycelium-kvm-test";
// 25 % of a vCPU in periods of 1 s, not libvirt's default 100 ms (which GuestThrottle uses): each
// period costs the guest some work beyond its quota, so the shorter the period the further the
// counter falls below the quota. Measured here under TCG, five 4 s windows each: the ratio was
// 0.235-0.261 (median 0.246) at 250/1000 ms, 0.192-0.237 (median 0.229) at 25/100 ms and
// 0.193-0.236 (median 0.204) at 2.5/10 ms; the CI host once read 0.161 and 0.185 at 25/100 ms,
// and once 0.168, 0.220 and 0.196 at 250/1000 ms. That host was busier: here, with `yes` spinning
// on the other CPU, an unpinned guest read 0.196, 0.230, 0.204 (the unthrottled rate unchanged),
// and the same guest with its vCPU pinned to one CPU and QEMU's threads to the other 0.247,
// 0.237, 0.233. So the guest is pinned (GuestOptions::pin_vcpu): what is measured is the quota.
// The mechanism under test (vcpu_quota over vcpu_period through libvirt) is the same; docs/vm.md
// gives these figures for the throttle's own period.
constexpr std::uint64_t kPeriodUs = 1000000;
constexpr std::int64_t kQuotaUs = 250000;
constexpr double kTolerance = 0.20;  // relative, as the issue asks
constexpr auto kMeasureWindow = std::chrono::seconds(4);
constexpr int kThrottledWindows = 5;                      // odd, so the median is one of them
constexpr auto kSettle = std::chrono::milliseconds(300);  // after a bandwidth change
constexpr auto kPollEvery = std::chrono::milliseconds(10);
constexpr auto kDirtyRatePeriod = std::chrono::seconds(1);
constexpr auto kDirtyRateTimeout = std::chrono::seconds(10);
// Page sampling hashes 512 random pages per GiB of guest RAM (128 here) at the start and the end
// of the period; dirty_counter's 4 MiB is 1/64 of the 256 MiB, so a calculation can miss it
// entirely (and then report 0 MiB/s, or only the kernel's own writes). A few tries make that
// unlikely without hiding a measurement that never works.
constexpr int kDirtyRateTries = 3;

using Options = mycelium::kvm_test::GuestOptions;

struct Rate {
  double pages_per_s = 0;
  double cpu_share = 0;  // the domain's CPU time over the window, in cores
};

// The guest's counter rate over kMeasureWindow, from the serial log read by the host.
Rate measure(LibvirtDriver& driver, const SerialLog& log) {
  const auto first = log.last_count();
  check(first.has_value(), "no counter line to measure from");
  const Clock::time_point start = Clock::now();
  const auto cpu_start = driver.info(kDomainName).cpu_time;
  std::this_thread::sleep_for(kMeasureWindow);
  const auto last = log.last_count();
  const double seconds = seconds_since(start);
  const auto cpu_end = driver.info(kDomainName).cpu_time;
  check(last.has_value() && *last >= *first, "the counter went backwards");
  Rate rate;
  rate.pages_per_s = static_cast<double>(*last - *first) / seconds;
  rate.cpu_share = std::chrono::duration<double>(cpu_end - cpu_start).count() / seconds;
  return rate;
}

double mib(std::uint64_t bytes) {
  return static_cast<double>(bytes) / (1 << 20);
}

// Polls dirty_rate until the calculation is measured; throws when it is not within the timeout.
DirtyRate wait_for_dirty_rate(LibvirtDriver& driver) {
  const Clock::time_point start = Clock::now();
  while (true) {
    const DirtyRate rate = driver.dirty_rate(kDomainName);
    if (rate.status == DirtyRateStatus::kMeasured) return rate;
    check(Clock::now() - start < kDirtyRateTimeout,
          "dirty rate: still " + std::string(mycelium::real::dirty_rate_status_name(rate.status)) +
              " after " + std::to_string(kDirtyRateTimeout.count()) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string describe(const DirtyRate& rate) {
  return fixed(mib(rate.bytes_per_s), 0) + " MiB/s (mode " + rate.mode + ", period " +
         std::to_string(rate.period.count()) + " s, start time " +
         std::to_string(rate.start_time.count()) + ")";
}

int run(const Options& options) {
  std::filesystem::create_directories(options.work);
  const SerialLog log(std::filesystem::absolute(options.work) / "serial.log");

  const auto connection = mycelium::kvm_test::connect_or_skip(options.uri, "kvm guest");
  if (!connection) return 77;
  LibvirtDriver& driver = *connection;
  DomainGuard guard(driver, kDomainName);

  Options pinned = options;
  pinned.pin_vcpu = true;
  const auto [type, boot_s] =
      mycelium::kvm_test::boot_as_asked(driver, guard, pinned, kDomainName, log, "kvm guest");
  std::cout << "kvm guest: booted as " << mycelium::real::domain_type_name(type)
            << "; first counter line " << fixed(boot_s, 2) << " s after start ("
            << log.line_with("guest: userspace") << ")\n";

  // Throttle: unthrottled, then kThrottledWindows times at 25 % and unthrottled again. Each
  // throttled window's ratio is over the mean of the unthrottled windows either side of it (a host
  // busy in one window only skews that ratio by half), and the test asserts the median of the
  // ratios, which windows disturbed by other work on the host (up to two of the five) cannot
  // move, while a throttle that is really off moves them all. Five, not three: contention comes
  // in bursts of seconds (an unthrottled window once read 34 % below its neighbours on the CI
  // host), and with three, two disturbed windows decided (median 0.200 there). Not shorter
  // windows: 2 s ones read 10 % low even on a quiet host (median 0.221 of seven, against 0.248
  // with 4 s). A window (4 s) is a whole number of periods, so the counter line read at its end is
  // as stale as the one read at its start. The dirty rate is measured during the first window
  // (1 s of its 4 s), so it costs no time.
  driver.start_dirty_rate_calc(kDomainName, kDirtyRatePeriod);
  std::vector<Rate> unthrottled{measure(driver, log)};
  DirtyRate running_rate = wait_for_dirty_rate(driver);
  int dirty_rate_tries = 1;
  while (running_rate.bytes_per_s == 0 && dirty_rate_tries < kDirtyRateTries) {
    std::cout << "kvm guest: dirty rate running: try " << dirty_rate_tries << " read "
              << describe(running_rate) << "; sampling again\n";
    driver.start_dirty_rate_calc(kDomainName, kDirtyRatePeriod);
    running_rate = wait_for_dirty_rate(driver);
    ++dirty_rate_tries;
  }
  std::cout << "kvm guest: dirty rate running (unthrottled): " << describe(running_rate) << ", try "
            << dirty_rate_tries << "\n";
  check(running_rate.mode == "page-sampling",
        "dirty rate: mode is \"" + running_rate.mode + "\", not page-sampling");
  check(running_rate.period == kDirtyRatePeriod, "dirty rate: the period is not the one asked");
  check(running_rate.bytes_per_s > 0, "dirty rate: 0 while the guest dirties memory, in " +
                                          std::to_string(kDirtyRateTries) + " tries");
  const double expected = static_cast<double>(kQuotaUs) / static_cast<double>(kPeriodUs);
  std::vector<double> ratios;
  for (int window = 0; window < kThrottledWindows; ++window) {
    driver.set_vcpu_bandwidth(kDomainName, kQuotaUs, kPeriodUs);
    std::this_thread::sleep_for(kSettle);  // let the last full-speed line out
    const Rate throttled = measure(driver, log);
    driver.set_vcpu_bandwidth(kDomainName, -1, kPeriodUs);  // lift the cap
    std::this_thread::sleep_for(kSettle);
    const Rate before = unthrottled.back();
    const Rate after = measure(driver, log);
    unthrottled.push_back(after);
    const double ratio = throttled.pages_per_s / ((before.pages_per_s + after.pages_per_s) / 2);
    ratios.push_back(ratio);
    std::cout << "kvm guest: throttle window " << window + 1 << ": counter rate unthrottled "
              << fixed(before.pages_per_s, 0) << " pages/s (domain CPU "
              << fixed(before.cpu_share, 2) << " cores), at " << kQuotaUs << "/" << kPeriodUs
              << " us " << fixed(throttled.pages_per_s, 0) << " pages/s ("
              << fixed(throttled.cpu_share, 2) << "), unthrottled again "
              << fixed(after.pages_per_s, 0) << " pages/s (" << fixed(after.cpu_share, 2)
              << "); ratio " << fixed(ratio, 3) << "\n";
    check(after.pages_per_s > 2 * throttled.pages_per_s,
          "lifting the cap did not bring the counter rate back");
  }
  std::vector<double> sorted = ratios;
  std::sort(sorted.begin(), sorted.end());
  const double ratio = sorted[sorted.size() / 2];
  std::cout << "kvm guest: median throttled/unthrottled ratio " << fixed(ratio, 3) << " of "
            << ratios.size() << ", expected " << fixed(expected, 2) << " +- "
            << static_cast<int>(kTolerance * 100) << " %\n";
  check(ratio >= expected * (1 - kTolerance) && ratio <= expected * (1 + kTolerance),
        "median throttled/unthrottled counter rate " + fixed(ratio, 3) + " is not " +
            fixed(expected, 2) + " within " + std::to_string(static_cast<int>(kTolerance * 100)) +
            " %");

  // Emergency pause: suspended, the guest prints nothing; resumed, it goes on counting.
  driver.suspend(kDomainName);
  check(driver.info(kDomainName).state == DomainState::kPaused,
        "suspend: the domain is not paused");
  std::this_thread::sleep_for(
      std::chrono::milliseconds(200));  // what was in flight reaches the log
  const auto paused_count = log.last_count();
  const std::uintmax_t paused_size = log.size();
  // The paused guest's dirty rate, measured within the 1.5 s below (1 s of it).
  std::optional<std::string> paused_calc_refused;
  try {
    driver.start_dirty_rate_calc(kDomainName, kDirtyRatePeriod);
  } catch (const LibvirtError& error) {
    paused_calc_refused = error.what();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  check(log.size() == paused_size && log.last_count() == paused_count,
        "the guest printed while suspended");
  std::cout << "kvm guest: suspended: no output for 1.5 s (count stays " << paused_count.value_or(0)
            << ")\n";
  std::optional<DirtyRate> paused_rate;
  if (paused_calc_refused) {
    std::cout << "kvm guest: dirty rate paused: not measured, QEMU refused: "
              << *paused_calc_refused << "\n";
  } else {
    paused_rate = wait_for_dirty_rate(driver);
    std::cout << "kvm guest: dirty rate paused: " << describe(*paused_rate) << "\n";
    check(paused_rate->bytes_per_s * 10 <= running_rate.bytes_per_s,
          "dirty rate: paused " + fixed(mib(paused_rate->bytes_per_s), 0) +
              " MiB/s is not at most a tenth of running " +
              fixed(mib(running_rate.bytes_per_s), 0) + " MiB/s");
  }
  driver.resume(kDomainName);
  const Clock::time_point resumed = Clock::now();
  std::optional<std::uint64_t> resumed_count;
  while (Clock::now() - resumed < std::chrono::seconds(10)) {
    resumed_count = log.last_count();
    if (resumed_count > paused_count) break;
    std::this_thread::sleep_for(kPollEvery);
  }
  check(resumed_count > paused_count, "the counter did not continue within 10 s of resume");
  std::cout << "kvm guest: resumed: counter " << *resumed_count << " after "
            << fixed(seconds_since(resumed), 2) << " s\n";

  driver.destroy(kDomainName);
  check(driver.info(kDomainName).state == DomainState::kShutoff, "destroy: the domain still runs");
  driver.undefine(kDomainName);
  bool gone = false;
  try {
    driver.info(kDomainName);
  } catch (const LibvirtError&) {
    gone = true;
  }
  check(gone, "undefine: the domain is still defined");
  std::cout << "kvm guest: destroyed and undefined\n";
  std::cout << "kvm guest: SUMMARY type=" << mycelium::real::domain_type_name(type)
            << " boot_s=" << fixed(boot_s, 2)
            << " rate=" << fixed(unthrottled.front().pages_per_s, 0)
            << " ratio_median=" << fixed(ratio, 3)
            << " dirty_mib_per_s=" << fixed(mib(running_rate.bytes_per_s), 0)
            << " dirty_tries=" << dirty_rate_tries << " dirty_paused_mib_per_s="
            << (paused_rate ? fixed(mib(paused_rate->bytes_per_s), 0) : std::string("n/a")) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return mycelium::kvm_test::guest_test_main(argc, argv, "mycelium_kvm_guest_test", "kvm guest",
                                             256, run);
}
