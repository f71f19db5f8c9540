#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <analysis/compare/comparison.hpp>
#include <core/assert.hpp>
#include <core/manifest/did_you_mean.hpp>

namespace mycelium::analysis {

namespace {

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& word : words)
    text += (text.empty() ? "" : ", ") + word;
  return text;
}

// Every metric any table reports, in order of first appearance.
std::vector<std::string> metrics_present(const std::vector<SummaryTable>& tables) {
  std::vector<std::string> names;
  for (const SummaryTable& table : tables) {
    for (const auto& [name, values] : table.metrics) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  return names;
}

// b dominates a: no worse on every objective both have a value for, better on at least one.
bool dominates(const std::vector<double>& b, const std::vector<double>& a) {
  bool better = false;
  bool compared = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) continue;
    compared = true;
    if (b[i] > a[i]) return false;
    if (b[i] < a[i]) better = true;
  }
  return compared && better;
}

struct Group {
  std::vector<std::string> key;
  std::size_t runs = 0;
  std::map<std::string, std::vector<double>> values;  // metric -> one value per run
};

}  // namespace

std::string resolve_metric(const std::string& name, const std::vector<std::string>& available) {
  std::string metric = name;
  for (const MetricAlias& alias : kMetricAliases) {
    if (name == alias.alias) metric = alias.metric;
  }
  if (std::find(available.begin(), available.end(), metric) != available.end()) return metric;
  std::vector<std::string_view> candidates(available.begin(), available.end());
  for (const MetricAlias& alias : kMetricAliases)
    candidates.push_back(alias.alias);
  throw CompareError("unknown metric \"" + name + "\"" +
                     manifest::did_you_mean_suffix(name, candidates) +
                     "; the results report: " + join(available));
}

Comparison compare_runs(const std::vector<SummaryTable>& tables, const CompareRequest& request) {
  MYCELIUM_ASSERT(!request.by.empty() && !request.metrics.empty());
  std::size_t run_count = 0;
  for (const SummaryTable& table : tables)
    run_count += table.run_names.size();
  if (run_count == 0) throw CompareError("the results hold no runs");

  Comparison comparison;
  comparison.by = request.by;
  const std::vector<std::string> available = metrics_present(tables);
  for (const std::string& name : request.metrics)
    comparison.metrics.push_back(resolve_metric(name, available));
  for (const char* objective : kParetoObjectives) {
    if (std::find(available.begin(), available.end(), objective) != available.end())
      comparison.objectives.emplace_back(objective);
  }
  for (std::size_t k = 0; k < request.by.size(); ++k) {
    bool carried = false;
    for (const SummaryTable& table : tables)
      carried = carried || table.labels.count(request.by[k]) > 0;
    if (!carried) {
      std::vector<std::string> keys;
      for (const SummaryTable& table : tables) {
        for (const auto& [key, column] : table.labels) {
          if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
        }
      }
      throw CompareError("no run has the label \"" + request.by[k] +
                         "\"; the runs are labelled by: " + join(keys));
    }
    if (std::find(std::begin(kContextKeys), std::end(kContextKeys), request.by[k]) !=
        std::end(kContextKeys))
      comparison.context.push_back(k);
  }

  // Pool the runs into groups, in order of first appearance.
  std::vector<Group> groups;
  std::map<std::vector<std::string>, std::size_t> group_of_key;
  for (const SummaryTable& table : tables) {
    for (std::size_t run = 0; run < table.run_names.size(); ++run) {
      std::vector<std::string> key;
      for (const std::string& label : request.by) {
        const auto column = table.labels.find(label);
        key.push_back(column == table.labels.end() ? "" : column->second.at(run));
      }
      const auto [it, inserted] = group_of_key.emplace(key, groups.size());
      if (inserted) groups.push_back(Group{key, 0, {}});
      Group& group = groups[it->second];
      ++group.runs;
      for (const auto& [name, column] : table.metrics)
        group.values[name].push_back(column.at(run));
    }
  }

  std::vector<std::vector<double>> objective_means;
  for (const Group& group : groups) {
    ComparisonRow row;
    row.key = group.key;
    row.runs = group.runs;
    for (const std::string& metric : comparison.metrics) {
      const auto values = group.values.find(metric);
      row.metrics.push_back(values == group.values.end() ? sample_stats({})
                                                         : sample_stats(values->second));
    }
    std::vector<double> means;
    for (const std::string& objective : comparison.objectives) {
      const auto values = group.values.find(objective);
      means.push_back(values == group.values.end() ? std::nan("")
                                                   : sample_stats(values->second).mean);
    }
    objective_means.push_back(std::move(means));
    comparison.rows.push_back(std::move(row));
  }

  const auto context_of = [&comparison](const ComparisonRow& row) {
    std::vector<std::string> context;
    for (const std::size_t k : comparison.context)
      context.push_back(row.key[k]);
    return context;
  };
  for (std::size_t a = 0; a < comparison.rows.size(); ++a) {
    for (std::size_t b = 0; b < comparison.rows.size(); ++b) {
      if (a != b && context_of(comparison.rows[a]) == context_of(comparison.rows[b]) &&
          dominates(objective_means[b], objective_means[a]))
        ++comparison.rows[a].dominated_by;
    }
  }

  // Order: contexts as they first appear, then rank, then the first objective (slowdown).
  std::map<std::vector<std::string>, std::size_t> context_order;
  std::vector<std::size_t> order(comparison.rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
    context_order.emplace(context_of(comparison.rows[i]), context_order.size());
  }
  // A missing first objective sorts last (as +inf: NaN would break the ordering).
  const auto first_objective = [&objective_means](std::size_t row) {
    const double value = objective_means[row].empty() ? 0.0 : objective_means[row][0];
    return std::isnan(value) ? std::numeric_limits<double>::infinity() : value;
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const std::size_t context_a = context_order.at(context_of(comparison.rows[a]));
    const std::size_t context_b = context_order.at(context_of(comparison.rows[b]));
    if (context_a != context_b) return context_a < context_b;
    if (comparison.rows[a].dominated_by != comparison.rows[b].dominated_by)
      return comparison.rows[a].dominated_by < comparison.rows[b].dominated_by;
    return first_objective(a) < first_objective(b);
  });
  std::vector<ComparisonRow> sorted;
  for (const std::size_t i : order)
    sorted.push_back(std::move(comparison.rows[i]));
  comparison.rows = std::move(sorted);
  return comparison;
}

}  // namespace mycelium::analysis
