// Throttle policies: the curves exactly as DESIGN.md defines them, and the two stateful policies
// behaving as documented in core/ram/throttle_policy.hpp.

#include <cmath>

#include <catch2/catch.hpp>

#include <core/ram/throttle_policy.hpp>

using namespace mycelium;
using namespace mycelium::ram;
using manifest::CurveType;
using manifest::DistributedRamConfig;
using manifest::ThrottlingCurve;
using namespace std::chrono_literals;

namespace {

ThrottlingCurve curve_of(CurveType type) {
  ThrottlingCurve curve;
  curve.type = type;
  return curve;
}

DistributedRamConfig config_with(ThrottlingCurve curve, double threshold = 0.6,
                                 double max_intensity = 0.8) {
  DistributedRamConfig config;
  config.buffer_bytes = 1ULL << 30;
  config.throttle_threshold = threshold;
  config.max_intensity = max_intensity;
  config.throttling_curve = std::move(curve);
  return config;
}

EpochObservation at_level(double level, std::uint64_t dirtied = 0, std::uint64_t sent = 0) {
  return EpochObservation{level, dirtied, sent, 100ms};
}

}  // namespace

TEST_CASE("every curve gives 0 at or below the threshold", "[ram][throttle]") {
  for (CurveType type : {CurveType::kLinear, CurveType::kExponential}) {
    CHECK(curve_intensity(curve_of(type), 0.6, 0.8, 0.0) == 0.0);
    CHECK(curve_intensity(curve_of(type), 0.6, 0.8, 0.6) == 0.0);
  }
}

TEST_CASE("linear: i = max * x with x = (level - t) / (1 - t)", "[ram][throttle]") {
  const ThrottlingCurve linear = curve_of(CurveType::kLinear);
  CHECK(curve_intensity(linear, 0.6, 0.8, 0.8) == Approx(0.8 * 0.5));
  CHECK(curve_intensity(linear, 0.6, 0.8, 0.7) == Approx(0.8 * 0.25));
  CHECK(curve_intensity(linear, 0.6, 0.8, 1.0) == Approx(0.8));
  CHECK(curve_intensity(linear, 0.6, 0.8, 1.5) == Approx(0.8));  // level clamps at 1
}

TEST_CASE("exponential: i = max * x^k", "[ram][throttle]") {
  ThrottlingCurve cubic = curve_of(CurveType::kExponential);
  cubic.exponent = 3.0;
  CHECK(curve_intensity(cubic, 0.6, 0.8, 0.8) == Approx(0.8 * 0.125));
  ThrottlingCurve square = curve_of(CurveType::kExponential);
  square.exponent = 2.0;
  CHECK(curve_intensity(square, 0.5, 1.0, 0.75) == Approx(0.25));
}

TEST_CASE("custom: interpolates the control points, capped by maxIntensity", "[ram][throttle]") {
  ThrottlingCurve custom = curve_of(CurveType::kCustom);
  custom.points = {{0.0, 0.0}, {0.5, 0.1}, {1.0, 1.0}};
  CHECK(curve_intensity(custom, 0.6, 0.8, 0.7) == Approx(0.05));  // x = 0.25: half of 0.1
  CHECK(curve_intensity(custom, 0.6, 0.8, 0.8) == Approx(0.1));   // x = 0.5: the point itself
  CHECK(curve_intensity(custom, 0.6, 0.8, 0.9) == Approx(0.55));  // x = 0.75: 0.1 + 0.5 * 0.9
  CHECK(curve_intensity(custom, 0.6, 0.8, 1.0) == Approx(0.8));   // 1.0 capped at max 0.8
}

TEST_CASE("curve policies are stateless functions of the level", "[ram][throttle]") {
  auto policy = make_throttle_policy(config_with(curve_of(CurveType::kLinear)));
  CHECK(policy->next_intensity(at_level(0.8)) == Approx(0.4));
  CHECK(policy->next_intensity(at_level(0.5)) == 0.0);
  CHECK(policy->next_intensity(at_level(0.8)) == Approx(0.4));
}

TEST_CASE("auto-converge starts at initial, steps while not converging, backs off below",
          "[ram][throttle]") {
  ThrottlingCurve stepper = curve_of(CurveType::kAutoConverge);
  stepper.initial = 0.2;
  stepper.increment = 0.1;
  stepper.tail_slow = false;
  auto policy = make_throttle_policy(config_with(stepper, 0.6, 0.45));
  CHECK(policy->next_intensity(at_level(0.5)) == 0.0);           // below: nothing
  CHECK(policy->next_intensity(at_level(0.7)) == Approx(0.2));   // first round over: initial
  CHECK(policy->next_intensity(at_level(0.75)) == Approx(0.3));  // still rising: +0.1
  CHECK(policy->next_intensity(at_level(0.72)) == Approx(0.3));  // draining: hold
  CHECK(policy->next_intensity(at_level(0.8)) == Approx(0.4));   // rising again: +0.1
  CHECK(policy->next_intensity(at_level(0.9)) == Approx(0.45));  // capped by maxIntensity
  CHECK(policy->next_intensity(at_level(0.5)) == Approx(0.35));  // converged: step down
  policy->reset();
  CHECK(policy->next_intensity(at_level(0.7)) == Approx(0.2));
}

TEST_CASE("auto-converge tail-slow steps no further than what balances dirtying and sending",
          "[ram][throttle]") {
  ThrottlingCurve stepper = curve_of(CurveType::kAutoConverge);
  stepper.tail_slow = true;
  auto policy = make_throttle_policy(config_with(stepper, 0.6, 0.9));
  CHECK(policy->next_intensity(at_level(0.7, 100, 90)) == Approx(0.2));
  // Running at 0.8 of the CPU, sending 95 % of what is dirtied: ideal running share is
  // 0.8 * 0.95 = 0.76, so the step is 0.04, not the full 0.1.
  CHECK(policy->next_intensity(at_level(0.75, 100, 95)) == Approx(0.24));
  // Sending far less than dirtied: the full increment.
  CHECK(policy->next_intensity(at_level(0.8, 100, 10)) == Approx(0.34));
}

TEST_CASE("feedback: proportional on the error, integral over time, clamped", "[ram][throttle]") {
  ThrottlingCurve pi = curve_of(CurveType::kFeedback);
  pi.proportional_gain = 2.0;
  pi.integral_gain_per_s = 1.0;
  auto policy = make_throttle_policy(config_with(pi, 0.6, 0.9));
  // error 0.1 for 100 ms: P = 0.2, I = 1.0 * 0.1 * 0.1 = 0.01.
  CHECK(policy->next_intensity(at_level(0.7)) == Approx(0.21));
  // Again: I = 0.02.
  CHECK(policy->next_intensity(at_level(0.7)) == Approx(0.22));
  // Below the setpoint the integral unwinds, never below 0.
  CHECK(policy->next_intensity(at_level(0.1)) == Approx(0.0));
  CHECK(policy->next_intensity(at_level(1.0)) == Approx(0.8 + 0.04));
  // A huge error saturates at maxIntensity.
  pi.proportional_gain = 100.0;
  auto saturated = make_throttle_policy(config_with(pi, 0.6, 0.9));
  CHECK(saturated->next_intensity(at_level(1.0)) == Approx(0.9));
}

TEST_CASE("a PI controller settles a fluid buffer model at its setpoint", "[ram][throttle]") {
  // Guest dirties 200 MB/s at full speed, the link drains 120 MB/s; the buffer holds 1 GB. The
  // steady state has D (1 - i) = B, i.e. i = 0.4, with the level at the setpoint.
  ThrottlingCurve pi = curve_of(CurveType::kFeedback);
  auto policy = make_throttle_policy(config_with(pi, 0.6, 0.9));
  constexpr double kDirtyPerS = 200e6;
  constexpr double kLinkPerS = 120e6;
  constexpr double kBufferBytes = 1e9;
  constexpr double kEpochS = 0.1;
  double buffered = 0.0;
  double intensity = 0.0;
  for (int epoch = 0; epoch < 3000; ++epoch) {
    const double dirtied = kDirtyPerS * (1.0 - intensity) * kEpochS;
    const double sent = std::min(buffered + dirtied, kLinkPerS * kEpochS);
    buffered = std::min(kBufferBytes, buffered + dirtied - sent);
    intensity = policy->next_intensity(EpochObservation{buffered / kBufferBytes,
                                                        static_cast<std::uint64_t>(dirtied),
                                                        static_cast<std::uint64_t>(sent), 100ms});
  }
  CHECK(intensity == Approx(0.4).margin(0.01));
  CHECK(buffered / kBufferBytes == Approx(0.6).margin(0.01));
}
