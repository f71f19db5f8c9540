// Latency profiles: RTT classification, the detector's smoothing and hysteresis, and the
// configuration each profile applies.

#include <vector>

#include <catch2/catch.hpp>

#include <core/manifest/emit.hpp>
#include <core/manifest/manifest.hpp>
#include <core/placement/latency_profile.hpp>
#include <core/ram/throttle_policy.hpp>

using namespace mycelium;
using namespace mycelium::placement;
using namespace std::chrono_literals;

namespace {

// Feeds every sample; returns how many of them changed the profile.
int feed(LatencyProfileDetector& detector, const std::vector<Duration>& samples) {
  int changes = 0;
  for (const Duration sample : samples)
    changes += detector.observe(sample).changed ? 1 : 0;
  return changes;
}

std::vector<Duration> alternating(Duration low, Duration high, int count) {
  std::vector<Duration> samples;
  for (int i = 0; i < count; ++i)
    samples.push_back(i % 2 == 0 ? low : high);
  return samples;
}

std::vector<Duration> repeated(Duration value, int count) {
  return std::vector<Duration>(static_cast<std::size_t>(count), value);
}

// A detector that has settled on `start`'s class.
LatencyProfileDetector settled_at(Duration start) {
  LatencyProfileDetector detector;
  feed(detector, repeated(start, 20));
  return detector;
}

}  // namespace

TEST_CASE("RTT 0.3ms is LAN, 10ms is medium, 80ms is WAN", "[placement]") {
  CHECK(classify_rtt(300us) == LatencyProfile::kLan);
  CHECK(classify_rtt(10ms) == LatencyProfile::kMedium);
  CHECK(classify_rtt(80ms) == LatencyProfile::kWan);
  // The documented boundaries: LAN below 2ms, WAN above 30ms, both boundaries medium.
  CHECK(classify_rtt(1999us) == LatencyProfile::kLan);
  CHECK(classify_rtt(2ms) == LatencyProfile::kMedium);
  CHECK(classify_rtt(30ms) == LatencyProfile::kMedium);
  CHECK(classify_rtt(30001us) == LatencyProfile::kWan);
  CHECK(to_string(LatencyProfile::kLan) == "lan");
  CHECK(to_string(LatencyProfile::kMedium) == "medium");
  CHECK(to_string(LatencyProfile::kWan) == "wan");
}

TEST_CASE("the detector classifies its first sample and reports it as a change", "[placement]") {
  LatencyProfileDetector detector;
  CHECK_FALSE(detector.current().has_value());
  const ProfileUpdate first = detector.observe(80ms);
  CHECK(first.changed);
  CHECK(first.profile == LatencyProfile::kWan);
  CHECK(first.smoothed_rtt == 80ms);
  const ProfileUpdate second = detector.observe(80ms);
  CHECK_FALSE(second.changed);
  CHECK(detector.current() == LatencyProfile::kWan);
  detector.reset();
  CHECK_FALSE(detector.current().has_value());
  CHECK_FALSE(detector.smoothed_rtt().has_value());
  CHECK(detector.observe(300us).profile == LatencyProfile::kLan);
}

TEST_CASE("the detector does not flap on samples alternating around a boundary", "[placement]") {
  SECTION("around 2ms, starting on the LAN side") {
    auto detector = settled_at(1900us);
    REQUIRE(detector.current() == LatencyProfile::kLan);
    CHECK(feed(detector, alternating(1800us, 2200us, 200)) == 0);
    // Wide swings: every other raw sample is well past the margin (4ms > 2.5ms).
    CHECK(feed(detector, alternating(1000us, 4000us, 200)) == 0);
    CHECK(detector.current() == LatencyProfile::kLan);
  }
  SECTION("around 2ms, starting on the medium side") {
    auto detector = settled_at(2100us);
    REQUIRE(detector.current() == LatencyProfile::kMedium);
    CHECK(feed(detector, alternating(1900us, 2100us, 200)) == 0);
    CHECK(feed(detector, alternating(1000us, 3000us, 200)) == 0);
    CHECK(detector.current() == LatencyProfile::kMedium);
  }
  SECTION("around 30ms, from either side") {
    auto medium = settled_at(29ms);
    REQUIRE(medium.current() == LatencyProfile::kMedium);
    CHECK(feed(medium, alternating(26ms, 34ms, 200)) == 0);
    CHECK(feed(medium, alternating(20ms, 45ms, 200)) == 0);
    CHECK(medium.current() == LatencyProfile::kMedium);
    auto wan = settled_at(31ms);
    REQUIRE(wan.current() == LatencyProfile::kWan);
    CHECK(feed(wan, alternating(26ms, 34ms, 200)) == 0);
    CHECK(wan.current() == LatencyProfile::kWan);
  }
}

TEST_CASE("the detector ignores a single spike but follows a sustained change", "[placement]") {
  auto detector = settled_at(300us);
  std::vector<Duration> spike = {500ms};
  const auto calm = repeated(300us, 50);
  spike.insert(spike.end(), calm.begin(), calm.end());
  CHECK(feed(detector, spike) == 0);
  CHECK(detector.current() == LatencyProfile::kLan);

  // LAN -> 10ms: one change, to medium, within a handful of samples.
  int changes = 0;
  int samples_to_change = 0;
  for (int i = 1; i <= 30; ++i) {
    const ProfileUpdate update = detector.observe(10ms);
    if (update.changed) {
      ++changes;
      samples_to_change = i;
    }
  }
  CHECK(changes == 1);
  CHECK(samples_to_change <= 6);
  CHECK(detector.current() == LatencyProfile::kMedium);

  // Medium -> 80ms: WAN, then back to LAN.
  CHECK(feed(detector, repeated(80ms, 40)) == 1);
  CHECK(detector.current() == LatencyProfile::kWan);
  CHECK(feed(detector, repeated(300us, 60)) >= 1);
  CHECK(detector.current() == LatencyProfile::kLan);
}

TEST_CASE("applied profiles differ in the documented directions", "[placement]") {
  const manifest::DistributedRamConfig base;
  const ProfileSettings lan = apply_profile(LatencyProfile::kLan, base);
  const ProfileSettings medium = apply_profile(LatencyProfile::kMedium, base);
  const ProfileSettings wan = apply_profile(LatencyProfile::kWan, base);

  // Longer intervals, larger buffers, higher thresholds as RTT grows.
  CHECK(lan.ram.replication_interval < medium.ram.replication_interval);
  CHECK(medium.ram.replication_interval < wan.ram.replication_interval);
  CHECK(lan.ram.buffer_bytes < medium.ram.buffer_bytes);
  CHECK(medium.ram.buffer_bytes < wan.ram.buffer_bytes);
  CHECK(lan.ram.throttle_threshold < medium.ram.throttle_threshold);
  CHECK(medium.ram.throttle_threshold < wan.ram.throttle_threshold);
  // Emergency pause on LAN, best effort on WAN; compression on WAN, off on LAN.
  CHECK(lan.ram.emergency_pause_enabled);
  CHECK(medium.ram.emergency_pause_enabled);
  CHECK_FALSE(wan.ram.emergency_pause_enabled);
  CHECK_FALSE(lan.compression);
  CHECK(medium.compression);
  CHECK(wan.compression);
  // More aggressive WAN curve: on the same normalised position x above the threshold, WAN's
  // curve gives more intensity than medium's, which gives more than LAN's...
  for (const double x : {0.1, 0.25, 0.5, 0.75, 0.9}) {
    INFO("x = " << x);
    const auto shape = [x](const ProfileSettings& settings) {
      return ram::curve_intensity(settings.ram.throttling_curve, 0.5, 1.0, 0.5 + 0.5 * x);
    };
    CHECK(shape(wan) > shape(medium));
    CHECK(shape(medium) > shape(lan));
  }
  // ...so near the top of the buffer, despite its later start, WAN throttles hardest.
  for (const double level : {0.9, 0.95, 0.99}) {
    INFO("level = " << level);
    const auto intensity = [level](const ProfileSettings& settings) {
      return ram::curve_intensity(settings.ram.throttling_curve, settings.ram.throttle_threshold,
                                  settings.ram.max_intensity, level);
    };
    CHECK(intensity(wan) > intensity(medium));
    CHECK(intensity(medium) > intensity(lan));
  }
  CHECK_FALSE(lan.rationale.empty());
  CHECK_FALSE(wan.rationale.empty());
}

TEST_CASE("applied profiles have the documented values", "[placement]") {
  const manifest::DistributedRamConfig base;
  const auto lan = apply_profile(LatencyProfile::kLan, base).ram;
  CHECK(lan.replication_interval == 10ms);
  CHECK(lan.buffer_bytes == 16ull << 20);  // 512Mi/s x (10ms + 2ms) x 2 = 12.3Mi -> 16Mi
  CHECK(lan.throttle_threshold == 0.6);
  CHECK(lan.throttling_curve.type == manifest::CurveType::kExponential);
  CHECK(lan.throttling_curve.exponent == 2.0);

  const auto medium = apply_profile(LatencyProfile::kMedium, base).ram;
  CHECK(medium.replication_interval == 100ms);
  CHECK(medium.buffer_bytes == 144ull << 20);  // 512Mi/s x 130ms x 2 = 133.1Mi -> 144Mi
  CHECK(medium.throttle_threshold == 0.7);
  CHECK(medium.throttling_curve.type == manifest::CurveType::kLinear);

  const auto wan = apply_profile(LatencyProfile::kWan, base).ram;
  CHECK(wan.replication_interval == 500ms);
  CHECK(wan.buffer_bytes == 672ull << 20);  // 512Mi/s x 650ms x 2 = 665.6Mi -> 672Mi
  CHECK(wan.throttle_threshold == 0.8);
  CHECK(wan.throttling_curve.type == manifest::CurveType::kExponential);
  CHECK(wan.throttling_curve.exponent == 0.5);
}

TEST_CASE("a profile keeps the fields it does not govern", "[placement]") {
  manifest::DistributedRamConfig base;
  base.max_intensity = 0.5;
  base.resume_level = 0.9;
  base.commit_policy = manifest::CommitPolicy::kQuorum;
  base.throttling_curve.points = {{0.0, 0.0}, {1.0, 1.0}};
  for (const LatencyProfile profile :
       {LatencyProfile::kLan, LatencyProfile::kMedium, LatencyProfile::kWan}) {
    INFO(to_string(profile));
    const ProfileSettings settings = apply_profile(profile, base);
    CHECK(settings.profile == profile);
    CHECK(settings.ram.max_intensity == 0.5);
    CHECK(settings.ram.resume_level == 0.9);
    CHECK(settings.ram.commit_policy == manifest::CommitPolicy::kQuorum);
    CHECK(settings.ram.throttling_curve.points == base.throttling_curve.points);
  }
}

TEST_CASE("the buffer is capped to the guest memory, rounded down to a page", "[placement]") {
  const manifest::DistributedRamConfig base;
  CHECK(apply_profile(LatencyProfile::kWan, base, 512ull << 20).ram.buffer_bytes == 512ull << 20);
  CHECK(apply_profile(LatencyProfile::kWan, base, 100'000'000).ram.buffer_bytes ==
        100'000'000 / 4096 * 4096);
  CHECK(apply_profile(LatencyProfile::kLan, base, 8ull << 30).ram.buffer_bytes == 16ull << 20);
  CHECK(apply_profile(LatencyProfile::kWan, base, 0).ram.buffer_bytes == 672ull << 20);
}

TEST_CASE("every applied profile is a valid EndophyteVM manifest", "[placement]") {
  for (const LatencyProfile profile :
       {LatencyProfile::kLan, LatencyProfile::kMedium, LatencyProfile::kWan}) {
    INFO(to_string(profile));
    manifest::EndophyteVM vm;
    vm.metadata.name = "guest";
    vm.vm_spec.cpu_cores = 2;
    vm.vm_spec.memory_bytes = 4ull << 30;
    vm.vm_spec.disk_bytes = 20ull << 30;
    vm.vm_spec.os_config.type = "ubuntu-20.04";
    vm.distributed_ram = apply_profile(profile, vm.distributed_ram, vm.vm_spec.memory_bytes).ram;
    vm.rhizomorph_connections.target_count = vm.backup_strategy.node_count;
    const std::string yaml = manifest::to_yaml(manifest::Object(vm));
    const manifest::LoadResult loaded = manifest::load_manifests(yaml, "profile.yaml");
    INFO(yaml);
    INFO(loaded.diagnostics.format());
    REQUIRE(loaded.ok());
    REQUIRE(loaded.objects.size() == 1);
    CHECK(std::get<manifest::EndophyteVM>(loaded.objects.front().object) == vm);
  }
}

TEST_CASE("a measured dirty rate sizes the profile's buffer for that guest") {
  using mycelium::placement::MeasuredDirtyRate;
  // The kvm test guest: 6 MiB/s over libvirt's 1 s window. A LAN epoch plus its RTT is far
  // shorter than the window, so the window bounds what it dirties: 6 MiB x 2 -> 16Mi.
  const MeasuredDirtyRate guest{6.0 * (1 << 20), std::chrono::seconds(1)};
  CHECK(mycelium::placement::buffer_for_window(std::chrono::milliseconds(51), guest) == 16ULL
                                                                                            << 20);
  // A longer span than the window counts in full: 100 MiB/s over 3 s x 2 = 600 MiB -> 608Mi.
  const MeasuredDirtyRate busy{100.0 * (1 << 20), std::chrono::seconds(1)};
  CHECK(mycelium::placement::buffer_for_window(std::chrono::seconds(3), busy) == 608ULL << 20);
  CHECK(mycelium::placement::buffer_for_window(std::chrono::seconds(1),
                                               MeasuredDirtyRate{0.0, std::chrono::seconds(1)}) ==
        16ULL << 20);  // an idle guest: one granule

  const auto settings = mycelium::placement::apply_profile(
      mycelium::placement::LatencyProfile::kLan, mycelium::manifest::DistributedRamConfig{},
      mycelium::placement::GuestFacts{1ULL << 30, guest, {}});
  CHECK(settings.ram.buffer_bytes == 16ULL << 20);
  bool explained = false;
  for (const std::string& line : settings.rationale)
    explained = explained || line.find("measured dirty rate 6Mi/s (over 1s)") != std::string::npos;
  CHECK(explained);
  // Without a measurement: the reference rate, as before.
  CHECK(mycelium::placement::apply_profile(mycelium::placement::LatencyProfile::kLan,
                                           mycelium::manifest::DistributedRamConfig{},
                                           mycelium::placement::GuestFacts{1ULL << 30, {}, {}})
            .ram.buffer_bytes ==
        mycelium::placement::profile_parameters(mycelium::placement::LatencyProfile::kLan)
            .buffer_bytes);
}

TEST_CASE("a backend's interval floor raises the profile's interval and sizes the buffer for it") {
  using namespace mycelium::placement;
  using std::chrono::milliseconds;
  const mycelium::manifest::DistributedRamConfig base;
  // A real primary whose reads of a 128Mi guest take ~22 ms keeps no shorter interval than 45 ms:
  // LAN's 10 ms becomes 45 ms, the buffer covers 45 + 2 ms at 512Mi/s x 2 = 48.1Mi -> 64Mi.
  GuestFacts slow_reads;
  slow_reads.min_replication_interval = milliseconds(45);
  const ProfileSettings raised = apply_profile(LatencyProfile::kLan, base, slow_reads);
  CHECK(raised.ram.replication_interval == milliseconds(45));
  CHECK(raised.ram.buffer_bytes == 64ULL << 20);
  CHECK(raised.ram.throttle_threshold == 0.6);  // the rest of the profile stands
  bool explained = false;
  for (const std::string& line : raised.rationale)
    explained = explained || line.find("replicationInterval 45ms, raised") != std::string::npos;
  CHECK(explained);
  // A floor below the profile's interval changes nothing.
  GuestFacts fast_reads;
  fast_reads.min_replication_interval = milliseconds(5);
  CHECK(apply_profile(LatencyProfile::kLan, base, fast_reads).ram ==
        apply_profile(LatencyProfile::kLan, base).ram);
  // The manifest's ceiling bounds the floor: never beyond 1 s.
  GuestFacts very_slow;
  very_slow.min_replication_interval = std::chrono::seconds(3);
  CHECK(apply_profile(LatencyProfile::kWan, base, very_slow).ram.replication_interval ==
        std::chrono::seconds(1));
}
