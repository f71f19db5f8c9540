#pragma once
// The SSI baseline as a model to predict from (issue 9, item 4; docs/ssi.md, "Assessing an
// application"): the runs of an SsiBaselineScenario results file as grids over the swept
// dimensions, interpolated linearly between grid points and clamped (and said so) outside them.
//  * lock-step: over RTT x replicas, the latency one replica answers in and the latency N
//    replicas add to it (the step latency's median, means over the seeds);
//  * chunked: per consistency model, over RTT x workers x input data, the makespan over the ideal
//    without fault, and whether the model let a wrong result through anywhere in the baseline.
// Linear in RTT on purpose: both prototypes' costs are sums of round trips and compute
// (docs/ssi.md's tables), which a linear interpolation reproduces between grid points.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <analysis/results/results.hpp>

namespace mycelium::analysis {

struct SsiEstimate {
  double value = 0;
  bool clamped = false;  // the point lies outside the baseline on some axis: its edge was used
};

struct LockstepEstimate {
  SsiEstimate one_replica_ms;  // a step's latency on one replica
  SsiEstimate added_ms;        // what N replicas add to it
};

struct ChunkedEstimate {
  SsiEstimate makespan_over_ideal;
  std::optional<double> wrong_chunks_with_faulty_worker;  // mean over the baseline's points
};

class SsiBaselineModel {
 public:
  // Throws ResultsError when the file holds no run of an SsiBaselineScenario.
  explicit SsiBaselineModel(const ResultsFile& results);

  bool has_lockstep() const { return !lockstep_one_.samples.empty(); }
  std::optional<LockstepEstimate> lockstep(double rtt_ms, double replicas) const;

  std::vector<std::string> chunked_models() const;
  std::optional<ChunkedEstimate> chunked(const std::string& model, double rtt_ms, double workers,
                                         double state_bytes) const;

  // The range of an axis in the baseline, for messages: "0.2 .. 80".
  std::string lockstep_rtt_range() const;
  std::string lockstep_replica_range() const;

  // A rectilinear grid of values over sorted axes.
  struct Grid {
    std::vector<std::vector<double>> axes;                       // sorted, unique
    std::map<std::vector<double>, std::vector<double>> samples;  // point -> values (seeds)
    void add(const std::vector<double>& point, double value);
    void finish();  // sorts the axes from the points
    std::optional<SsiEstimate> at(const std::vector<double>& point) const;
  };

 private:
  Grid lockstep_one_;                    // (rtt) -> p50 of one replica
  Grid lockstep_added_;                  // (rtt, replicas) -> p50(N) - p50(1)
  std::map<std::string, Grid> chunked_;  // model -> (rtt, workers, state) -> makespan / ideal
  std::map<std::string, std::vector<double>> chunked_wrong_;  // model -> wrong chunks per run
};

}  // namespace mycelium::analysis
