#include <algorithm>
#include <cmath>

#include <core/assert.hpp>
#include <core/ram/throttle_policy.hpp>

namespace mycelium::ram {

namespace {

using manifest::CurveType;
using manifest::ThrottlingCurve;

// Position above the threshold, in [0, 1].
double normalised_excess(double threshold, double level) {
  MYCELIUM_ASSERT(threshold > 0.0 && threshold < 1.0);
  if (level <= threshold) return 0.0;
  return std::min(1.0, (level - threshold) / (1.0 - threshold));
}

double interpolate(const std::vector<manifest::CurvePoint>& points, double x) {
  MYCELIUM_ASSERT(points.size() >= 2);
  for (std::size_t i = 1; i < points.size(); ++i) {
    if (x <= points[i].x) {
      const manifest::CurvePoint& left = points[i - 1];
      const manifest::CurvePoint& right = points[i];
      const double fraction = (x - left.x) / (right.x - left.x);
      return left.intensity + fraction * (right.intensity - left.intensity);
    }
  }
  return points.back().intensity;
}

class CurvePolicy final : public ThrottlePolicy {
 public:
  CurvePolicy(ThrottlingCurve curve, double threshold, double max_intensity)
      : curve_(std::move(curve)), threshold_(threshold), max_intensity_(max_intensity) {}

  double next_intensity(const EpochObservation& observation) override {
    return curve_intensity(curve_, threshold_, max_intensity_, observation.buffer_level);
  }
  void reset() override {}

 private:
  ThrottlingCurve curve_;
  double threshold_;
  double max_intensity_;
};

class AutoConvergePolicy final : public ThrottlePolicy {
 public:
  AutoConvergePolicy(const ThrottlingCurve& curve, double threshold, double max_intensity)
      : initial_(curve.initial),
        increment_(curve.increment),
        tail_slow_(curve.tail_slow),
        threshold_(threshold),
        max_intensity_(max_intensity) {}

  double next_intensity(const EpochObservation& observation) override {
    const double level = observation.buffer_level;
    if (level <= threshold_) {
      intensity_ = std::max(0.0, intensity_ - increment_);
    } else if (level >= previous_level_) {  // above the threshold and not draining
      if (intensity_ == 0.0) {
        intensity_ = initial_;
      } else {
        double step = increment_;
        if (tail_slow_ && observation.dirtied_bytes > 0) {
          // QEMU's tail-slow: the CPU share that would make dirtying match sending.
          const double running = 1.0 - intensity_;
          const double ratio = static_cast<double>(observation.sent_bytes) /
                               static_cast<double>(observation.dirtied_bytes);
          const double ideal_running = running * std::min(1.0, ratio);
          step = std::min(step, running - ideal_running);
        }
        intensity_ += step;
      }
    }
    previous_level_ = level;
    intensity_ = std::clamp(intensity_, 0.0, max_intensity_);
    return intensity_;
  }
  void reset() override {
    intensity_ = 0.0;
    previous_level_ = 0.0;
  }

 private:
  double initial_;
  double increment_;
  bool tail_slow_;
  double threshold_;
  double max_intensity_;
  double intensity_ = 0.0;
  double previous_level_ = 0.0;
};

class FeedbackPolicy final : public ThrottlePolicy {
 public:
  FeedbackPolicy(const ThrottlingCurve& curve, double threshold, double max_intensity)
      : setpoint_(curve.setpoint.value_or(threshold)),
        proportional_gain_(curve.proportional_gain),
        integral_gain_per_s_(curve.integral_gain_per_s),
        max_intensity_(max_intensity) {}

  double next_intensity(const EpochObservation& observation) override {
    const double error = observation.buffer_level - setpoint_;
    const double epoch_s = to_seconds(observation.epoch_length);
    integral_ = std::clamp(integral_ + integral_gain_per_s_ * error * epoch_s, 0.0, max_intensity_);
    return std::clamp(proportional_gain_ * error + integral_, 0.0, max_intensity_);
  }
  void reset() override { integral_ = 0.0; }

 private:
  double setpoint_;
  double proportional_gain_;
  double integral_gain_per_s_;
  double max_intensity_;
  double integral_ = 0.0;
};

}  // namespace

double curve_intensity(const ThrottlingCurve& curve, double threshold, double max_intensity,
                       double buffer_level) {
  const double x = normalised_excess(threshold, buffer_level);
  if (x == 0.0) return 0.0;
  switch (curve.type) {
    case CurveType::kLinear:
      return max_intensity * x;
    case CurveType::kExponential:
      return max_intensity * std::pow(x, curve.exponent);
    case CurveType::kCustom:
      return std::min(max_intensity, interpolate(curve.points, x));
    case CurveType::kAutoConverge:
    case CurveType::kFeedback:
      break;
  }
  return 0.0;
}

std::unique_ptr<ThrottlePolicy> make_throttle_policy(const manifest::DistributedRamConfig& config) {
  const ThrottlingCurve& curve = config.throttling_curve;
  switch (curve.type) {
    case CurveType::kAutoConverge:
      return std::make_unique<AutoConvergePolicy>(curve, config.throttle_threshold,
                                                  config.max_intensity);
    case CurveType::kFeedback:
      return std::make_unique<FeedbackPolicy>(curve, config.throttle_threshold,
                                              config.max_intensity);
    case CurveType::kLinear:
    case CurveType::kExponential:
    case CurveType::kCustom:
      break;
  }
  return std::make_unique<CurvePolicy>(curve, config.throttle_threshold, config.max_intensity);
}

}  // namespace mycelium::ram
