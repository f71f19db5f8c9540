#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include <analysis/compare/statistics.hpp>
#include <analysis/ssi/baseline_model.hpp>

namespace mycelium::analysis {

namespace {

// Mean over the seeds, leaving out NaN ("not applicable"); NaN when nothing is left.
double mean(const std::vector<double>& values) {
  return sample_stats(values).mean;
}

std::string range(const std::vector<double>& axis) {
  if (axis.empty()) return "-";
  std::ostringstream out;
  out << axis.front() << " .. " << axis.back();
  return out.str();
}

}  // namespace

void SsiBaselineModel::Grid::add(const std::vector<double>& point, double value) {
  samples[point].push_back(value);
}

void SsiBaselineModel::Grid::finish() {
  axes.clear();
  if (samples.empty()) return;
  const std::size_t dimensions = samples.begin()->first.size();
  for (std::size_t d = 0; d < dimensions; ++d) {
    std::set<double> values;
    for (const auto& [point, unused] : samples)
      values.insert(point[d]);
    axes.emplace_back(values.begin(), values.end());
  }
}

std::optional<SsiEstimate> SsiBaselineModel::Grid::at(const std::vector<double>& point) const {
  if (axes.empty() || point.size() != axes.size()) return std::nullopt;
  // Per axis: the two grid values around the coordinate and the weight of the upper one.
  struct Bracket {
    double low, high, weight;
  };
  std::vector<Bracket> brackets;
  bool clamped = false;
  for (std::size_t d = 0; d < axes.size(); ++d) {
    const std::vector<double>& axis = axes[d];
    double x = point[d];
    if (x <= axis.front() || x >= axis.back()) {
      clamped = clamped || x < axis.front() || x > axis.back();
      x = std::clamp(x, axis.front(), axis.back());
      brackets.push_back({x, x, 0.0});
      continue;
    }
    const auto upper = std::upper_bound(axis.begin(), axis.end(), x);
    const double high = *upper;
    const double low = *(upper - 1);
    brackets.push_back({low, high, (x - low) / (high - low)});
  }
  // Multilinear: the weighted sum over the 2^d corners.
  double value = 0;
  const std::size_t corners = std::size_t{1} << axes.size();
  for (std::size_t corner = 0; corner < corners; ++corner) {
    std::vector<double> at(axes.size());
    double weight = 1;
    for (std::size_t d = 0; d < axes.size(); ++d) {
      const bool high = (corner >> d) & 1;
      at[d] = high ? brackets[d].high : brackets[d].low;
      weight *= high ? brackets[d].weight : 1 - brackets[d].weight;
    }
    if (weight == 0) continue;
    const auto found = samples.find(at);
    if (found == samples.end()) return std::nullopt;  // a hole in the grid
    const double sample = mean(found->second);
    if (std::isnan(sample)) return std::nullopt;
    value += weight * sample;
  }
  return SsiEstimate{value, clamped};
}

SsiBaselineModel::SsiBaselineModel(const ResultsFile& results) {
  std::map<std::pair<double, double>, std::vector<double>> latency;  // (rtt, n) -> p50 per seed
  bool any = false;
  for (const RunResult& run : results.runs) {
    const std::string prototype = run_label(run, "prototype");
    if (prototype == "lockstep") {
      any = true;
      latency[{run_metric(run, "rtt_ms"), run_metric(run, "nodes")}].push_back(
          run_metric(run, "step_latency_p50_ms"));
    } else if (prototype == "chunked") {
      any = true;
      const std::string model = run_label(run, "model");
      const std::string fault = run_label(run, "fault");
      if (fault == "none") {
        chunked_[model].add(
            {run_metric(run, "rtt_ms"), run_metric(run, "nodes"), run_metric(run, "state_bytes")},
            run_metric(run, "makespan_over_ideal"));
      } else if (fault == "wrong-results") {
        chunked_wrong_[model].push_back(run_metric(run, "chunks_wrong"));
      }
    }
  }
  if (!any) {
    throw ResultsError(results.scenario_name +
                       ": no run of an SsiBaselineScenario (label prototype lockstep or "
                       "chunked): not an SSI baseline");
  }
  for (const auto& [point, values] : latency) {
    const auto one = latency.find({point.first, 1.0});
    if (point.second == 1.0) {
      for (const double value : values)
        lockstep_one_.add({point.first}, value);
    } else if (one != latency.end()) {
      lockstep_added_.add({point.first, point.second}, mean(values) - mean(one->second));
    }
  }
  lockstep_one_.finish();
  lockstep_added_.finish();
  for (auto& [model, grid] : chunked_)
    grid.finish();
}

std::optional<LockstepEstimate> SsiBaselineModel::lockstep(double rtt_ms, double replicas) const {
  const auto one = lockstep_one_.at({rtt_ms});
  if (!one) return std::nullopt;
  if (replicas <= 1) return LockstepEstimate{*one, SsiEstimate{0, false}};
  const auto added = lockstep_added_.at({rtt_ms, replicas});
  if (!added) return std::nullopt;
  return LockstepEstimate{*one, *added};
}

std::vector<std::string> SsiBaselineModel::chunked_models() const {
  std::vector<std::string> models;
  for (const auto& [model, grid] : chunked_)
    models.push_back(model);
  return models;
}

std::optional<ChunkedEstimate> SsiBaselineModel::chunked(const std::string& model, double rtt_ms,
                                                         double workers, double state_bytes) const {
  const auto grid = chunked_.find(model);
  if (grid == chunked_.end()) return std::nullopt;
  const auto over = grid->second.at({rtt_ms, workers, state_bytes});
  if (!over) return std::nullopt;
  ChunkedEstimate estimate{*over, std::nullopt};
  if (const auto wrong = chunked_wrong_.find(model); wrong != chunked_wrong_.end())
    estimate.wrong_chunks_with_faulty_worker = mean(wrong->second);
  return estimate;
}

std::string SsiBaselineModel::lockstep_rtt_range() const {
  return lockstep_one_.axes.empty() ? "-" : range(lockstep_one_.axes[0]);
}

std::string SsiBaselineModel::lockstep_replica_range() const {
  return lockstep_added_.axes.size() < 2 ? "-" : range(lockstep_added_.axes[1]);
}

}  // namespace mycelium::analysis
